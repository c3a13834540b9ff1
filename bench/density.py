#!/usr/bin/python3
"""Memory of N distributions running at once.

    density.py --lsl LSL --tarball TAR --count N --work DIR --export-json FILE

Imports TAR N times (dens-0 ... under DIR), starts each with `lsl -d dens-I -e
true` (the bench's instance never stops an idle distribution), then reads
RSS and PSS (/proc/PID/smaps_rollup) of each distribution's init (its pid 1),
of every process of the distribution (init and what it keeps running when no
user process is left), and of the instance's lslservice and mini_init, before
the first start and with all N running. The distributions are stopped and
unregistered afterwards, also on failure.
"""

import argparse
import json
import os
import statistics
import subprocess

import procs


def run(lsl, *args):
    subprocess.run([lsl, *args], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def host_side(runtime):
    """(RSS, PSS) summed over the instance's lslservice and mini_init."""
    rss = pss = 0
    for program in ("lslservice", "mini_init"):
        for pid in procs.instance_pids(runtime, program):
            r, p = procs.memory(pid)
            rss, pss = rss + r, pss + p
    return rss, pss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lsl", required=True)
    ap.add_argument("--tarball", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--export-json", required=True)
    a = ap.parse_args()
    runtime = os.environ.get("LSL_RUNTIME_DIR", "/run/lsl")

    names = [f"dens-{i}" for i in range(a.count)]
    made = []
    try:
        for name in names:
            run(a.lsl, "--import", name, os.path.join(a.work, name), a.tarball)
            made.append(name)
        before = host_side(runtime)
        for name in names:
            run(a.lsl, "-d", name, "-e", "true")
        init_mem, distro_mem = [], []
        for name in names:
            pids = procs.distro_pids(a.lsl, name)
            init = next(host for host, inner in pids.items() if inner == 1)
            init_mem.append(procs.memory(init))
            # readlink, which told us the namespace, has exited: what is left is lsl's own.
            mem = [procs.memory(p) for p in pids if os.path.exists(f"/proc/{p}")]
            distro_mem.append((sum(m[0] for m in mem), sum(m[1] for m in mem)))
        after = host_side(runtime)
    finally:
        for name in made:
            subprocess.run([a.lsl, "--terminate", name], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run([a.lsl, "--unregister", name], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def med(pairs, i):
        return statistics.median(p[i] for p in pairs)
    result = {
        "count": a.count,
        "rows": [
            {"what": "init (pid 1), per distribution (median)",
             "rss_kib": med(init_mem, 0), "pss_kib": med(init_mem, 1)},
            {"what": "all of a distribution's processes, no user process left (median)",
             "rss_kib": med(distro_mem, 0), "pss_kib": med(distro_mem, 1)},
            {"what": "lslservice + mini_init, before the N start",
             "rss_kib": before[0], "pss_kib": before[1]},
            {"what": f"lslservice + mini_init, {a.count} running",
             "rss_kib": after[0], "pss_kib": after[1]},
        ],
    }
    with open(a.export_json, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
