"""The lifetime of a distribution: the idle timeout (/etc/lsl.conf, wsl.conf's
[general] instanceIdleTimeout), and --terminate / --shutdown finishing in bounded
time whatever the processes inside do.

Short timeouts (200 ms) keep these quick; nothing asserts on how long anything
took: tests wait for conditions with bounded retries, and a distribution that
must keep running is compared with one that stops by then (a "clock").
"""

import os
import signal

import pytest

from conftest import (assert_one_error_line, cgroup2_root, host_pid_of, import_distro, mountinfo_lines, pids_in_ns,
                      proc_read, wait_for, wait_gone)


def running(lsl):
    return set(lsl.names_listed("--running"))


def distro_cgroup(lsl, d):
    return cgroup2_root() / lsl.base / d.name


def make(lsl, busybox_tar, wsl_conf=None):
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / lsl.unique_name("d"))
    if wsl_conf is not None:
        (d.rootfs / "etc" / "wsl.conf").write_text(wsl_conf)
    return d


def assert_gone(lsl, d, ns, pids=()):
    """d stopped and left nothing: no process, no cgroup, no mount."""
    assert wait_gone(list(pids)) == [], "processes of the distribution survived"
    wait_for(lambda: not pids_in_ns(ns), "the distribution's pid namespace to empty")
    wait_for(lambda: d.name not in running(lsl), f"{d.name} to leave --list --running")
    wait_for(lambda: not distro_cgroup(lsl, d).exists(), "the distribution's cgroup to go")
    assert mountinfo_lines(d.location) == []


def start_daemon(d, how="setsid"):
    """A process the user left behind in d; returns its host pid."""
    if how == "setsid":
        cmd = "setsid sleep 1000000 </dev/null >/dev/null 2>&1 & echo $!"
    elif how == "nohup":  # what nohup does (busybox has none): SIGHUP ignored, in the background
        cmd = "(trap '' HUP; exec sleep 1000000) </dev/null >/dev/null 2>&1 & echo $!"
    else:  # a daemon in the classic sense: its parent exits, it is reparented to init
        cmd = "(sleep 1000000 </dev/null >/dev/null 2>&1 & echo $! >/tmp/daemon.pid); cat /tmp/daemon.pid"
    inner = d.sh(cmd).stdout.split()[0]
    pid = host_pid_of(d.pid_ns(), int(inner))
    assert pid, f"the background process ({how}) is not running"
    return pid


# ---------------------------------------------------------------- idle

def test_idle_distribution_stops(configured, busybox_tar):
    lsl = configured(200)
    d = make(lsl, busybox_tar)
    assert d.out("echo", "hi") == "hi\n"
    ns = d.pid_ns()
    assert_gone(lsl, d, ns)
    assert "is idle" in lsl.log()
    # It starts again on demand.
    assert d.out("echo", "again") == "again\n"


@pytest.mark.parametrize("how", ["setsid", "nohup", "daemon"])
def test_user_process_keeps_it_running(configured, busybox_tar, how):
    lsl = configured(200)
    d = make(lsl, busybox_tar)
    clock = make(lsl, busybox_tar)
    pid = start_daemon(d, how)
    ns = d.pid_ns()
    # The clock went idle after d did; once it has stopped, d would have too if it were idle.
    clock.out("true")
    wait_for(lambda: clock.name not in running(lsl), "the idle clock distribution to stop")
    assert d.name in running(lsl), "the distribution stopped while a user process ran in it"
    assert os.path.exists(f"/proc/{pid}")
    assert d.pid_ns() == ns
    # The last user process ends (killed from the host): now it is idle.
    os.kill(pid, signal.SIGKILL)
    assert_gone(lsl, d, ns, [pid])


def test_boot_command_daemon_keeps_it_running(configured, busybox_tar):
    lsl = configured(200)
    d = make(lsl, busybox_tar, "[boot]\ncommand = sleep 1000000\n")
    clock = make(lsl, busybox_tar)
    d.out("true")
    ns = d.pid_ns()
    sleeps = [p for p in pids_in_ns(ns) if (proc_read(p, "cmdline") or "").startswith("sleep")]
    assert sleeps, "the boot command is not running"
    clock.out("true")
    wait_for(lambda: clock.name not in running(lsl), "the idle clock distribution to stop")
    assert d.name in running(lsl)
    for p in sleeps:
        os.kill(p, signal.SIGKILL)
    assert_gone(lsl, d, ns, sleeps)


def test_distribution_timeout_overrides_the_service(configured, busybox_tar):
    lsl = configured(-1)  # the service's: never
    forever = make(lsl, busybox_tar)
    quick = make(lsl, busybox_tar, "[general]\ninstanceIdleTimeout = 200\n")
    forever.out("true")
    ns = quick.pid_ns()
    assert_gone(lsl, quick, ns)
    assert forever.name in running(lsl), "-1 in lsl.conf means never"
    # No warning about the key: it is lsl's own.
    assert "instanceIdleTimeout" not in quick.lsl("-d", quick.name, "-e", "true").stderr


def test_config_change_takes_effect(configured, busybox_tar):
    lsl = configured(-1)
    d = make(lsl, busybox_tar)
    clock = make(lsl, busybox_tar, "[general]\ninstanceIdleTimeout = 200\n")
    d.out("true")
    clock.out("true")
    wait_for(lambda: clock.name not in running(lsl), "the idle clock distribution to stop")
    assert d.name in running(lsl)
    # Edited while the service runs: the next time d goes idle, the new value counts.
    lsl.config.write_text("[general]\ninstanceIdleTimeout = 200\n")
    ns = d.pid_ns()
    assert_gone(lsl, d, ns)


def test_timeout_zero(configured, busybox_tar):
    lsl = configured(0)
    d = make(lsl, busybox_tar)
    # Back to back: each command finds it running, stopping or stopped, and always works.
    for i in range(20):
        p = d.sh(f"echo run-{i}; exit {i % 5}", check=False)
        assert (p.stdout, p.returncode) == (f"run-{i}\n", i % 5), p.stderr
    ns = d.pid_ns()
    assert_gone(lsl, d, ns)


def test_session_keeps_it_running(configured, busybox_tar):
    """A command that is still running is a user process: no stop under it."""
    lsl = configured(200)
    d = make(lsl, busybox_tar)
    clock = make(lsl, busybox_tar)
    with d.hold() as holder:
        clock.out("true")
        wait_for(lambda: clock.name not in running(lsl), "the idle clock distribution to stop")
        assert d.name in running(lsl)
        assert holder.poll() is None
        ns = d.pid_ns()
    assert_gone(lsl, d, ns)


def test_bad_config_warns_and_uses_the_default(configured, busybox_tar):
    lsl = configured(text="[general]\ninstanceIdleTimeout = soon\nfoo = 1\n")
    d = make(lsl, busybox_tar)
    assert d.out("echo", "ok") == "ok\n"
    log = lsl.log()
    assert f"{lsl.config}:2" in log and f"{lsl.config}:3" in log
    assert f"{lsl.config}: instanceIdleTimeout 15000 ms" in log


# ---------------------------------------------------------------- bounded --terminate / --shutdown

# One process ignoring SIGTERM, one that also stopped itself (SIGSTOP: it cannot act on anything).
STUBBORN = ("(trap '' TERM HUP INT; exec sleep 1000000) </dev/null >/dev/null 2>&1 & "
            "sh -c 'trap \"\" TERM HUP INT; kill -STOP $$; while :; do sleep 1; done' "
            "</dev/null >/dev/null 2>&1 & echo started")


def stopped_processes(ns):
    return [p for p in pids_in_ns(ns) if "State:\tT" in (proc_read(p, "status") or "")]


def test_terminate_with_processes_ignoring_sigterm(lsl, make_distro):
    d = make_distro()
    assert d.sh(STUBBORN).stdout == "started\n"
    ns = d.pid_ns()
    wait_for(lambda: stopped_processes(ns), "the process to stop itself")
    pids = pids_in_ns(ns)
    lsl("--terminate", d.name)
    assert_gone(lsl, d, ns, pids)
    assert d.out("echo", "fine") == "fine\n"


def test_terminate_with_a_stopped_init(lsl, make_distro):
    d = make_distro()
    ns = d.pid_ns()
    pid = host_pid_of(ns, 1)
    assert pid
    os.kill(pid, signal.SIGSTOP)
    try:
        lsl("--terminate", d.name)
    finally:
        if os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGCONT)
    assert_gone(lsl, d, ns, [pid])


def test_shutdown_with_processes_ignoring_sigterm(fresh, busybox_tar):
    a, b = make(fresh, busybox_tar), make(fresh, busybox_tar)
    for d in (a, b):
        assert d.sh(STUBBORN).stdout == "started\n"
        ns = d.pid_ns()
        wait_for(lambda: stopped_processes(ns), "the process to stop itself")
    everything = fresh.processes()
    fresh("--shutdown")
    assert wait_gone(everything) == []
    assert fresh.processes() == set()
    assert not (cgroup2_root() / fresh.base).exists()


@pytest.mark.slow
def test_shutdown_with_a_stopped_mini_init(fresh, busybox_tar):
    """mini_init does not answer at all: the service still stops, and the next lsl cleans up."""
    d = make(fresh, busybox_tar)
    start_daemon(d)
    mini_init = fresh.mini_init_pid()
    everything = fresh.processes()
    os.kill(mini_init, signal.SIGSTOP)
    try:
        p = fresh("--shutdown", check=False)
        # The service goes all the same, and says what it could not stop.
        assert_one_error_line(p, "lslservice stopped, but", f"{d.name} did not stop")
    finally:
        if os.path.exists(f"/proc/{mini_init}"):
            os.kill(mini_init, signal.SIGCONT)
    assert wait_gone(everything) == []
    # What the stopped mini_init could not remove, the next service's mini_init does.
    assert fresh("--list", "--quiet").stdout.split() == [d.name]
    wait_for(lambda: not (cgroup2_root() / fresh.base).exists(), "the leftover cgroups to be removed")
    assert d.out("echo", "back") == "back\n"
