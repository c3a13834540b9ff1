"""The service leaks nothing over many runs: no memory (LeakSanitizer at its exit, on the
sanitized build the test suite uses) and no file descriptor."""

import pytest

from conftest import fd_count, import_distro, pid_alive, wait_for

RUNS = 1000


def leak_detection_on(pid):
    """True when pid runs with AddressSanitizer and leak detection enabled."""
    with open(f"/proc/{pid}/maps") as f:
        if "libasan" not in f.read():
            return False
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    return b"detect_leaks=1" in env.get(b"ASAN_OPTIONS", b"")


def test_service_leaks_nothing_after_many_runs(fresh, busybox_tar):
    d = import_distro(fresh, busybox_tar(".tar"))
    # Warm up: the first runs start the distribution and make what lasts as long as it.
    for _ in range(5):
        d.run("true")
    pid = fresh.service_pid()
    fds = fd_count(pid)

    for i in range(RUNS):
        p = fresh("-d", d.name, "-e", "true", check=False)
        assert p.returncode == 0, f"run {i} failed: {p.stderr}\n{fresh.log_tail()}"

    assert fresh.service_pid() == pid, "the service restarted during the runs"
    # Connections are closed by the service as soon as their run is answered.
    wait_for(lambda: fd_count(pid) <= fds, f"the service's fds back to {fds}")
    checked = leak_detection_on(pid)

    fresh("--shutdown")
    wait_for(lambda: not pid_alive(pid), "the service to exit after --shutdown")
    log = fresh.log()
    assert "LeakSanitizer" not in log, log[-6000:]
    assert "AddressSanitizer" not in log, log[-6000:]
    if not checked:
        pytest.skip("this build has no LeakSanitizer: only the fd count was checked")
