"""Faults: init, mini_init or the service killed (SIGKILL, by pid). The rest
notices and cleans up: no process, mount or cgroup of the instance is left,
the registry is untouched, and the next lsl works."""

import os
import signal
import subprocess

from conftest import (EXIT_TIMEOUT, cgroup2_root, host_pid_of, import_distro, mountinfo_lines,
                      pids_in_ns, pid_alive, wait_for, wait_gone)


def make(lsl, busybox_tar):
    return import_distro(lsl, busybox_tar(".tar"), location=lsl.work / lsl.unique_name("d"))


def running(lsl):
    return set(lsl.names_listed("--running"))


def start_session(lsl, d):
    """An lsl command that stays (a cat fed by a pipe) and a daemon left behind: what a user has open."""
    proc = lsl.popen("-d", d.name, "-e", "sh", "-c", "echo started; exec cat", stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "started\n"
    inner = d.sh("setsid sleep 1000000 </dev/null >/dev/null 2>&1 & echo $!").stdout
    ns = d.pid_ns()
    daemon = host_pid_of(ns, int(inner))
    assert daemon
    return proc, ns, pids_in_ns(ns)


def end_session(proc):
    """The lsl command learns its distribution is gone: it exits by itself (not 0)."""
    try:
        proc.wait(timeout=EXIT_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()
    return proc.returncode


def assert_distro_cleaned(lsl, d, ns, pids):
    assert wait_gone(pids) == [], "processes of the distribution survived"
    # An init whose mini_init was killed is reaped by whoever adopted it (the host's init).
    wait_for(lambda: not [p for p in pids_in_ns(ns) if pid_alive(p)] and not pids_in_ns(ns),
             "the distribution's pid namespace to empty")
    wait_for(lambda: d.name not in running(lsl), f"{d.name} to leave --list --running")
    wait_for(lambda: not (cgroup2_root() / lsl.base / d.name).exists(), "the distribution's cgroup to go")
    assert mountinfo_lines(lsl.root) == []
    mini_init = lsl.mini_init_pid()
    if mini_init:
        assert mountinfo_lines(d.rootfs, f"/proc/{mini_init}/mountinfo") == []


def test_init_killed(fresh, busybox_tar):
    lsl = fresh
    d, other = make(lsl, busybox_tar), make(lsl, busybox_tar)
    proc, ns, pids = start_session(lsl, d)
    other_ns = other.pid_ns()
    registry = lsl.registry_bytes()  # as the starts left it
    init = host_pid_of(ns, 1)
    os.kill(init, signal.SIGKILL)
    assert end_session(proc) != 0
    assert_distro_cleaned(lsl, d, ns, pids)
    assert "stopped unexpectedly" in lsl.log() or "init of" in lsl.log()
    # Nothing else was touched; the next command starts it anew.
    assert lsl.registry_bytes() == registry
    assert other.pid_ns() == other_ns
    assert d.out("echo", "again") == "again\n"


def test_mini_init_killed(fresh, busybox_tar):
    lsl = fresh
    a, b = make(lsl, busybox_tar), make(lsl, busybox_tar)
    proc, ns_a, pids_a = start_session(lsl, a)
    b.sh("setsid sleep 1000000 </dev/null >/dev/null 2>&1 &")
    ns_b = b.pid_ns()
    registry = lsl.registry_bytes()
    pids_b = pids_in_ns(ns_b)
    mini_init = lsl.mini_init_pid()
    service = lsl.service_pid()
    os.kill(mini_init, signal.SIGKILL)
    # Every distribution dies with it; a new mini_init removes the cgroups it left.
    assert end_session(proc) != 0
    assert_distro_cleaned(lsl, a, ns_a, pids_a)
    assert_distro_cleaned(lsl, b, ns_b, pids_b)
    wait_for(lambda: not (cgroup2_root() / lsl.base).exists(), "the instance's cgroup to go")
    assert "mini_init exited unexpectedly" in lsl.log()
    assert lsl.service_pid() == service
    assert lsl.registry_bytes() == registry
    assert a.out("echo", "again") == "again\n"
    assert lsl.mini_init_pid() not in (None, mini_init)


def test_service_killed(fresh, busybox_tar):
    lsl = fresh
    d = make(lsl, busybox_tar)
    proc, ns, pids = start_session(lsl, d)
    registry = lsl.registry_bytes()
    service = lsl.service_pid()
    everything = lsl.processes() - {proc.pid}
    os.kill(service, signal.SIGKILL)
    # mini_init sees its channel close: every distribution is stopped, mini_init exits.
    assert end_session(proc) != 0
    assert wait_gone(everything) == []
    assert lsl.processes() == set()  # (before any lsl runs again: it would start a service)
    assert_distro_cleaned(lsl, d, ns, pids)
    wait_for(lambda: not (cgroup2_root() / lsl.base).exists(), "the instance's cgroup to go")
    # The stale socket is no obstacle: the next lsl starts a new service.
    assert lsl.registry_bytes() == registry
    assert lsl("--list", "--quiet").stdout.split() == [d.name]
    assert lsl.service_pid() not in (None, service)
    assert d.out("echo", "again") == "again\n"


def test_service_killed_while_idle(fresh, busybox_tar):
    lsl = fresh
    d = make(lsl, busybox_tar)
    service = lsl.service_pid()
    os.kill(service, signal.SIGKILL)
    assert wait_gone([service]) == []
    assert d.out("echo", "fine") == "fine\n"
    assert lsl.service_pid() not in (None, service)


def test_killed_during_start(fresh, busybox_tar):
    """mini_init killed while commands wait for a distribution to start: they fail, the next works."""
    lsl = fresh
    d = make(lsl, busybox_tar)
    d.out("true")
    lsl("--terminate", d.name)
    mini_init = lsl.mini_init_pid()
    procs = [lsl.popen("-d", d.name, "-e", "echo", str(i), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True) for i in range(20)]
    os.kill(mini_init, signal.SIGKILL)
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=EXIT_TIMEOUT)
        # Each either ran before the kill, or failed cleanly with one error line.
        assert (p.returncode, out) == (0, f"{i}\n") or (p.returncode != 0 and err.startswith("lsl: ")), \
            (p.returncode, out, err)
    wait_for(lambda: not pid_alive(mini_init), "the killed mini_init to be reaped")
    assert d.out("echo", "after") == "after\n"
