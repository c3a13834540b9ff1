#!/usr/bin/python3
"""Boot times of one directory that holds a distribution with systemd, by lsl and by systemd-nspawn.

    systemd-boot.py --lsl LSL --name NAME --root DIR [--nspawn NSPAWN] [--runs N]

lsl: the distribution is stopped, then `lsl -d NAME -e true` runs; lsl
answers only once systemd reported READY=1 (start-up finished), so this is
"start to running" plus one command. Then `lsl --terminate NAME` is timed.
nspawn: `systemd-nspawn --boot --notify-ready=yes` on the same directory,
timed from its start to the READY=1 it forwards from the container's systemd
(start to running), then SIGTERM (a clean shutdown) to its exit.
Prints mean ± standard deviation of each, in milliseconds; with
--export-json FILE also writes every run's time in hyperfine's JSON shape
({"results": [{"command": ..., "times": [seconds...]}]}) for bench/report.py,
and, when nspawn cannot boot the directory, why ("skipped": {command: reason}).
"""

import argparse
import json
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import tempfile
import time


def ms(values):
    return f"{statistics.mean(values) * 1000:8.1f} ms ± {statistics.pstdev(values) * 1000:6.1f}"


def ready_at(log):
    """CLOCK_MONOTONIC (s) of the last READY=1 init logged, or None."""
    with open(log, errors="replace") as f:
        found = re.findall(r"systemd finished booting after \d+ ms \(monotonic (\d+) us\)", f.read())
    return int(found[-1]) / 1e6 if found else None


def lsl_round(lsl, name, log):
    """(start to READY=1, start to the command's exit, --terminate) of one stopped-to-running round."""
    subprocess.run([lsl, "--terminate", name], check=True, stdin=subprocess.DEVNULL)
    t0 = time.monotonic()  # the same clock as init's (CLOCK_MONOTONIC)
    subprocess.run([lsl, "-d", name, "-e", "true"], check=True, stdin=subprocess.DEVNULL)
    t1 = time.monotonic()
    ready = ready_at(log)
    subprocess.run([lsl, "--terminate", name], check=True, stdin=subprocess.DEVNULL)
    return (ready - t0 if ready and t0 < ready < t1 else None), t1 - t0, time.monotonic() - t1


def cgroup2_root():
    return "/sys/fs/cgroup" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "/sys/fs/cgroup/unified"


def remove_cgroup(path):
    """rmdir path and every cgroup below it, deepest first (they are empty once nspawn exited)."""
    for top, dirs, _ in os.walk(path, topdown=False):
        for d in dirs:
            os.rmdir(os.path.join(top, d))
    os.rmdir(path)


def nspawn_round(nspawn, root, env):
    # nspawn --keep-unit makes its cgroups (payload, supervisor) where it runs: in one of the bench's own.
    cgroup = os.path.join(cgroup2_root(), "lsl-bench-nspawn")
    os.makedirs(cgroup, exist_ok=True)

    def enter_cgroup():
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    try:
        return nspawn_boot(nspawn, root, env, enter_cgroup)
    finally:
        remove_cgroup(cgroup)
        # On a hybrid host nspawn mirrors it in the name=systemd hierarchy.
        compat = "/sys/fs/cgroup/systemd/lsl-bench-nspawn"
        if os.path.isdir(compat):
            remove_cgroup(compat)


def nspawn_boot(nspawn, root, env, preexec):
    with tempfile.TemporaryDirectory(prefix="nspawn-notify.") as d:
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(60)
        t0 = time.monotonic()
        p = subprocess.Popen([nspawn, "--quiet", "--register=no", "--keep-unit", "--notify-ready=yes",
                              "-D", root, "--boot"], env=dict(env, NOTIFY_SOCKET=path),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=preexec)
        try:
            deadline = t0 + 60
            while True:
                ready, _, _ = select.select([sock], [], [], 0.5)
                if ready and "READY=1" in sock.recv(4096).decode(errors="replace").split("\n"):
                    break
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"systemd-nspawn did not boot {root} (exit status {p.poll()})")
            t1 = time.monotonic()
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
            return t1 - t0, time.monotonic() - t1
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lsl", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--nspawn")
    ap.add_argument("--nspawn-missing", help="why there is no --nspawn (for the table)")
    ap.add_argument("--nspawn-libdir", help="LD_LIBRARY_PATH for an nspawn taken from its package")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--export-json")
    a = ap.parse_args()

    results, skipped = [], {}

    def record(command, times):
        results.append({"command": command, "times": list(times)})

    def export():
        if a.export_json:
            with open(a.export_json, "w") as f:
                json.dump({"results": results, "skipped": skipped}, f, indent=1)

    log = os.path.join(os.environ.get("LSL_RUNTIME_DIR", "/run/lsl"), "lslservice.log")
    lsl_round(a.lsl, a.name, log)  # warm-up: caches, the service
    readies, boots, stops = zip(*(lsl_round(a.lsl, a.name, log) for _ in range(a.runs)))
    print(f"lsl -d {a.name} -e true, stopped before (start to running + one command): {ms(boots)}")
    print(f"lsl --terminate {a.name} (systemd's shutdown transaction):                {ms(stops)}")
    record("lsl boot", boots)
    record("lsl shutdown", stops)
    if all(r is not None for r in readies):
        print(f"lsl -d {a.name}: start to READY=1 (init's log):                           {ms(readies)}")
        record("lsl start to ready", readies)
    # init logs how long systemd took from its exec to READY=1: the boot alone, without the command.
    with open(log, errors="replace") as f:
        booted = [int(m.group(1)) / 1000 for m in re.finditer(r"systemd finished booting after (\d+) ms", f.read())]
    if len(booted) >= a.runs:
        print(f"lsl: systemd's exec to READY=1 (init's log):                            {ms(booted[-a.runs:])}")
        record("lsl systemd exec to ready", booted[-a.runs:])
    if not a.nspawn:
        skipped["nspawn boot"] = skipped["nspawn shutdown"] = a.nspawn_missing or "no systemd-nspawn"
        export()
        return
    # The container's systemd on cgroup2 alone, as lsl gives it (and the only way nspawn boots a
    # directory from a process at the root of a hybrid host's name=systemd hierarchy).
    env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
    if a.nspawn_libdir:
        env["LD_LIBRARY_PATH"] = a.nspawn_libdir
    try:
        nspawn_round(a.nspawn, a.root, env)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"systemd-nspawn: {e}: no comparison")
        skipped["nspawn boot"] = skipped["nspawn shutdown"] = str(e)
        export()
        return
    boots, stops = zip(*(nspawn_round(a.nspawn, a.root, env) for _ in range(a.runs)))
    print(f"systemd-nspawn --boot (start to running, READY=1):                      {ms(boots)}")
    print(f"systemd-nspawn shutdown (SIGTERM to exit):                              {ms(stops)}")
    record("nspawn boot", boots)
    record("nspawn shutdown", stops)
    export()

if __name__ == "__main__":
    main()
