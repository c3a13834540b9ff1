"""--terminate, --shutdown, --unregister: what is left afterwards (nothing)."""

import os
import subprocess

from conftest import (assert_one_error_line, cgroup2_root, host_pid_of, import_distro,
                      mountinfo_lines, pids_in_ns, wait_gone)


def start_background_sleep(distro):
    """A daemon-like process left running inside: only stopping the distribution ends it."""
    inner = distro.sh("(trap '' HUP; exec sleep 1000000) </dev/null >/dev/null 2>&1 & echo $!")
    ns = distro.pid_ns()
    pid = host_pid_of(ns, int(inner.stdout))
    assert pid, "the background sleep is not running"
    return ns, [pid]


def distro_cgroup(lsl, distro):
    return cgroup2_root() / lsl.base / distro.name


def assert_stopped_clean(lsl, distro, ns, pids):
    assert wait_gone(pids) == [], "processes of the distribution survived"
    assert pids_in_ns(ns) == [], "something still runs in the distribution's pid namespace"
    assert distro.name not in lsl.names_listed("--running")
    assert not distro_cgroup(lsl, distro).exists()
    assert mountinfo_lines(distro.location) == []
    mini_init = lsl.mini_init_pid()
    if mini_init:
        leftovers = mountinfo_lines(distro.rootfs, f"/proc/{mini_init}/mountinfo")
        assert leftovers == [], f"mini_init still has the distribution's mounts: {leftovers}"


def test_terminate_stops_everything(lsl, make_distro):
    d = make_distro()
    ns, pids = start_background_sleep(d)
    # The same instance, still running: the sleep is visible from a new command.
    assert d.pid_ns() == ns
    assert d.name in lsl.names_listed("--running")
    assert distro_cgroup(lsl, d).is_dir()
    # Holding the old namespace keeps its inode number taken, so that a new one cannot reuse it.
    old_ns = os.open(f"/proc/{next(iter(pids))}/ns/pid", os.O_RDONLY)
    try:
        lsl("--terminate", d.name)
        assert_stopped_clean(lsl, d, ns, pids)
        # It starts again on demand, as a new instance.
        assert d.pid_ns() != ns
    finally:
        os.close(old_ns)
    assert "sleep" not in d.out("ps")


def test_terminate_leaves_other_distributions_running(lsl, make_distro):
    a, b = make_distro(), make_distro()
    ns_a, pids_a = start_background_sleep(a)
    ns_b, pids_b = start_background_sleep(b)
    lsl("--terminate", a.name)
    assert_stopped_clean(lsl, a, ns_a, pids_a)
    assert all(os.path.exists(f"/proc/{p}") for p in pids_b)
    assert b.pid_ns() == ns_b
    lsl("--terminate", b.name)
    assert_stopped_clean(lsl, b, ns_b, pids_b)


def test_terminate_case_insensitive(lsl, make_distro):
    d = make_distro()
    ns, pids = start_background_sleep(d)
    lsl("--terminate", d.name.upper())
    assert_stopped_clean(lsl, d, ns, pids)


def test_terminate_sigterm_first(lsl, make_distro):
    """Processes get SIGTERM before anything harsher: a trap can run."""
    d = make_distro()
    # The fifo makes the command return only once the trap is in place.
    d.sh("rm -f /tmp/ready; mkfifo /tmp/ready; "
         "(trap 'echo got-term > /tmp/term-seen; exit 0' TERM; trap '' HUP; echo > /tmp/ready; "
         "while :; do sleep 1; done) </dev/null >/dev/null 2>&1 & read x < /tmp/ready")
    lsl("--terminate", d.name)
    assert (d.rootfs / "tmp" / "term-seen").read_text() == "got-term\n"


def test_killed_caller_hangs_up_its_process(lsl, busybox_distro):
    """lsl killed: its process gets SIGHUP (like a closed terminal) and goes away."""
    with busybox_distro.hold() as holder:
        pid = host_pid_of(busybox_distro.pid_ns(), holder.inner_pid)
        assert pid
        holder.kill()
        holder.wait()
        assert wait_gone([pid]) == []


def test_signal_forwarded_by_lsl(lsl, busybox_distro):
    proc = lsl.popen("-d", busybox_distro.name, "-e", "sh", "-c",
                     "trap 'echo got-int; exit 5' INT; echo ready; while :; do sleep 1; done",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(2)
        out, _ = proc.communicate(timeout=60)
        assert out == "got-int\n"
        assert proc.returncode == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_shutdown_stops_everything_and_the_service(fresh, busybox_tar):
    lsl = fresh
    a = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "a")
    b = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "b")
    ns_a, pids_a = start_background_sleep(a)
    ns_b, pids_b = start_background_sleep(b)
    service = lsl.service_pid()
    everything = lsl.processes()
    assert service in everything
    lsl("--shutdown")
    assert wait_gone(everything) == []
    assert lsl.processes() == set()
    assert pids_in_ns(ns_a) == [] and pids_in_ns(ns_b) == []
    assert not (cgroup2_root() / lsl.base).exists()
    assert mountinfo_lines(lsl.root) == []
    # The registry survives; the next command starts a new service.
    assert lsl("--list", "--quiet").stdout.split() == sorted([a.name, b.name])
    assert lsl.service_pid() != service
    assert lsl.names_listed("--running") == []


def test_shutdown_without_service(fresh):
    fresh("--shutdown")
    assert fresh.processes() == set()


def test_unregister_removes_files(lsl, busybox_tar, workdir):
    d = import_distro(lsl, busybox_tar(".tar.gz"), location=workdir / "loc")
    assert d.rootfs.is_dir()
    lsl("--unregister", d.name)
    assert not d.rootfs.exists()
    assert not d.location.exists() or os.listdir(d.location) == []
    assert d.name not in lsl.names_listed()
    assert d.name not in (lsl.registry_path().read_text() if lsl.registry_path().exists() else "")
    p = lsl("-d", d.name, "-e", "true", check=False)
    assert_one_error_line(p, d.name)


def test_unregister_running(lsl, busybox_tar, workdir):
    d = import_distro(lsl, busybox_tar(".tar"), location=workdir / "loc")
    ns, pids = start_background_sleep(d)
    lsl("--unregister", d.name)
    assert wait_gone(pids) == []
    assert pids_in_ns(ns) == []
    assert not d.rootfs.exists()
    assert not distro_cgroup(lsl, d).exists()


def test_reimport_after_unregister(lsl, busybox_tar, workdir):
    d = import_distro(lsl, busybox_tar(".tar"), location=workdir / "loc")
    lsl("--unregister", d.name)
    again = import_distro(lsl, busybox_tar(".tar"), name=d.name, location=workdir / "loc2")
    try:
        assert again.out("echo", "back") == "back\n"
    finally:
        lsl("--unregister", again.name, check=False)


def test_unregister_default_clears_it(fresh, busybox_tar):
    lsl = fresh
    d = import_distro(lsl, busybox_tar(".tar"), location=lsl.work / "d")
    lsl("--set-default", d.name)
    lsl("--unregister", d.name)
    p = lsl("-e", "true", check=False)
    assert p.returncode == 1
    assert_one_error_line(p)
    assert "default\t" not in lsl.registry_path().read_text()
