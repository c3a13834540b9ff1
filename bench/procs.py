#!/usr/bin/python3
"""What the benchmark needs to know about an lsl instance's processes.

    procs.py init-pid LSL NAME     host pid of NAME's pid 1 (NAME must be running)

As a module: init_pid(), distro_pids(), instance_pids() and memory() (RSS and
PSS from /proc/PID/smaps_rollup, in KiB).
"""

import os
import re
import subprocess
import sys


def _read(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data if binary else data.decode(errors="replace")
    except OSError:
        return None


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def distro_pids(lsl, name):
    """{host pid: pid inside} of every process in NAME's pid namespace (NAME is running)."""
    ns = subprocess.run([lsl, "-d", name, "-e", "readlink", "/proc/1/ns/pid"], check=True,
                        stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout.strip()
    found = {}
    for pid in _pids():
        if _ns(pid) != ns:
            continue
        m = re.search(r"^NSpid:\s+(.*)$", _read(f"/proc/{pid}/status") or "", re.M)
        if m:
            found[pid] = int(m.group(1).split()[-1])
    return found


def init_pid(lsl, name):
    for host, inner in distro_pids(lsl, name).items():
        if inner == 1:
            return host
    raise RuntimeError(f"no pid 1 found for {name}")


def instance_pids(runtime_dir, program):
    """Pids of the instance's `program` (lslservice, mini_init): its exe is called so and it
    runs with this LSL_RUNTIME_DIR, or descends from a process that does."""
    entry = b"LSL_RUNTIME_DIR=" + os.fsencode(runtime_dir)
    mine = []
    for pid in _pids():
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if os.path.basename(exe) != program:
            continue
        pid_chain = pid
        for _ in range(4):  # mini_init may have dropped the environment: ask its parent
            if entry in (_read(f"/proc/{pid_chain}/environ", binary=True) or b"").split(b"\0"):
                mine.append(pid)
                break
            m = re.search(r"^PPid:\s+(\d+)", _read(f"/proc/{pid_chain}/status") or "", re.M)
            if not m or int(m.group(1)) <= 1:
                break
            pid_chain = int(m.group(1))
    return mine


def memory(pid):
    """(RSS, PSS) of pid in KiB."""
    text = _read(f"/proc/{pid}/smaps_rollup") or ""
    values = {}
    for key in ("Rss", "Pss"):
        m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        values[key] = int(m.group(1)) if m else 0
    return values["Rss"], values["Pss"]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "init-pid":
        print(init_pid(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
