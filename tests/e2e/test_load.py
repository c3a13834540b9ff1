"""Load: many commands at once against one distribution, and many sessions
open at once. Correctness only (every output and exit status right, every
session answering); no timing thresholds: the durations are printed (-s)."""

import resource
import select
import subprocess
import time

import pytest

from conftest import CALL_TIMEOUT, EXIT_TIMEOUT, Distro, wait_for

RUNS = 200
SESSIONS = 50
LOW_NOFILE = 32  # the soft open-file limit of every lsl here: the programs it starts must raise their own


def low_nofile():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(LOW_NOFILE, hard), hard))


def spawn(lsl, *args, **kw):
    """lsl started with a low open-file limit (the service it may start inherits it)."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(lsl.command(*args), env=lsl.env, preexec_fn=low_nofile, **kw)


def run_many(lsl, d, n):
    """n commands at once; each prints its own line and exits with its own status."""
    start = time.monotonic()
    procs = [spawn(lsl, "-d", d.name, "--", f"echo out-{i}; echo err-{i} >&2; exit {i % 7}")
             for i in range(n)]
    bad = []
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=CALL_TIMEOUT)
        if (p.returncode, out, err) != (i % 7, f"out-{i}\n".encode(), f"err-{i}\n".encode()):
            bad.append((i, p.returncode, out, err))
    elapsed = time.monotonic() - start
    print(f"{n} concurrent runs: {elapsed:.2f} s")
    assert not bad, f"{len(bad)} of {n} runs went wrong, e.g. {bad[:3]}\n{lsl.log_tail()}"
    # The service raised its open-file limit for itself: it never ran out.
    assert "Too many open files" not in lsl.log()


@pytest.fixture
def loaded(configured, busybox_tar):
    def make(idle_timeout_ms=None):
        lsl = configured(idle_timeout_ms)
        imp = spawn(lsl, "--import", "load", lsl.work / "load", busybox_tar(".tar"))
        out, err = imp.communicate(timeout=CALL_TIMEOUT)
        assert imp.returncode == 0, err
        return lsl, Distro(lsl, "load", lsl.work / "load")
    return make


def test_concurrent_runs_cold(loaded):
    """The first of them starts the service and the distribution; all succeed."""
    lsl, d = loaded()
    lsl("--shutdown")
    run_many(lsl, d, RUNS)
    # Warm now: the same again.
    run_many(lsl, d, RUNS)
    # User processes get the open-file limit their caller had, not the service's raised one.
    p = spawn(lsl, "-d", d.name, "--", "ulimit -n")
    assert p.communicate(timeout=CALL_TIMEOUT)[0].decode().strip() == str(LOW_NOFILE)


def test_concurrent_runs_while_it_stops_and_starts(loaded):
    """Idle timeout 0: the distribution stops whenever it is idle for an instant, under the runs."""
    lsl, d = loaded(0)
    run_many(lsl, d, RUNS)
    wait_for(lambda: "load" not in lsl.names_listed("--running"), "the distribution to stop")


def readline(f, timeout):
    ready, _, _ = select.select([f], [], [], timeout)
    return f.readline() if ready else None


def test_many_sessions_stay_responsive(loaded):
    lsl, d = loaded(200)  # short: the sessions alone keep the distribution running
    sessions = [spawn(lsl, "-d", d.name, "-e", "cat", stdin=subprocess.PIPE, bufsize=0)
                for _ in range(SESSIONS)]
    try:
        start = time.monotonic()
        for rnd in range(5):
            for i, p in enumerate(sessions):
                p.stdin.write(f"round {rnd} session {i}\n".encode())
            for i, p in enumerate(sessions):
                line = readline(p.stdout, EXIT_TIMEOUT)
                assert line == f"round {rnd} session {i}\n".encode(), (i, line, lsl.log_tail())
            # A command alongside them is served as well.
            assert d.out("echo", f"alongside {rnd}") == f"alongside {rnd}\n"
        print(f"{SESSIONS} sessions x 5 round trips: {time.monotonic() - start:.2f} s")
        assert "load" in lsl.names_listed("--running")
    finally:
        for p in sessions:
            p.stdin.close()  # EOF: each cat ends
    for p in sessions:
        p.wait(timeout=EXIT_TIMEOUT)
        out, err = p.stdout.read(), p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        assert (p.returncode, out, err) == (0, b"", b""), (p.returncode, out, err)
    wait_for(lambda: "load" not in lsl.names_listed("--running"), "the idle distribution to stop")
