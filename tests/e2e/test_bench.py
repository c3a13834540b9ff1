"""bench/run.sh --quick: the benchmark itself works (no timing is checked).

It runs every row of the benchmark a couple of times against the installed
lsl ($LSL_PREFIX), and must produce the Markdown table and the PNG chart,
give every row a number or the reason it has none (lsl's own rows always a
number), and leave nothing behind: no process of its lsl instance, no mount,
no cgroup, no crun or systemd-nspawn state.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, all_pids, cgroup2_root, cgroup_base_for, cgroup_dirs_named, \
    mountinfo_lines, pid_alive, proc_read

BENCH_TIMEOUT = 600  # seconds: a bound on hangs, never a performance expectation


def instance_pids(runtime):
    entry = b"LSL_RUNTIME_DIR=" + str(runtime).encode()
    return [p for p in all_pids() if pid_alive(p) and
            entry in (proc_read(p, "environ", binary=True) or b"").split(b"\0")]


def table_rows(text):
    """(row, command, median, ratio) of the main table: the first table in the file."""
    rows = []
    for line in text.split("\n\n", 2)[1].splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append(cells)
    return rows


@pytest.mark.slow
def test_quick_bench_makes_table_and_chart_and_cleans_up(prefix, tmp_path):
    had_nspawn_dir = os.path.isdir("/run/systemd/nspawn")
    out = tmp_path / "results" / "quick.md"
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, LANG="C.UTF-8")
    for leaked in ("LSL_STATE_DIR", "LSL_RUNTIME_DIR", "LSL_CONFIG"):
        env.pop(leaked, None)
    p = subprocess.run([str(REPO / "bench" / "run.sh"), "--quick", "--prefix", str(prefix),
                        "--output", str(out), "--workdir", str(work)],
                       cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=BENCH_TIMEOUT)
    log = f"stdout:\n{p.stdout[-6000:]}\nstderr:\n{p.stderr[-6000:]}"
    m = re.search(r"^bench: working in (\S+)$", p.stdout, re.M)
    assert m, log
    bench_dir = Path(m.group(1))
    runtime = bench_dir / "run"

    # Nothing left behind, whatever the outcome.
    assert not bench_dir.exists(), f"{bench_dir} left behind\n{log}"
    assert not mountinfo_lines(work), f"mounts left under {work}"
    assert not instance_pids(runtime), f"processes of the bench's instance left\n{log}"
    left = cgroup_dirs_named(cgroup_base_for(runtime))
    left += [d for name in ("lsl-bench-crun", "lsl-bench-nspawn")
             for d in (cgroup2_root() / name, Path("/sys/fs/cgroup/systemd") / name) if d.is_dir()]
    assert not left, f"cgroups left: {left}"
    if not had_nspawn_dir:
        assert not os.path.exists("/run/systemd/nspawn"), "/run/systemd/nspawn left behind"

    assert p.returncode == 0, log
    text = out.read_text()
    assert text in p.stdout, "the table is printed too"
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"

    rows = table_rows(text)
    groups = {r[0] for r in rows}
    for g in ("cold start", "warm run", "stdout throughput", "through a pty", "systemd boot", "import"):
        assert any(g in name for name in groups), f"no {g!r} row in\n{text}"
    number = re.compile(r"^\d[\d.,]* (ms|s)\b")
    for row, command, median, _ in rows:
        if command.startswith(("`lsl", "under lsl")):
            assert number.match(median), f"lsl's row has no number: {row}: {command}: {median}\n{log}"
        else:
            assert number.match(median) or re.match(r"not measured: \S", median), \
                f"a peer's row has neither a number nor a reason: {command}: {median}"
    for peer in ("unshare", "bwrap", "crun", "systemd-nspawn -D", "nsenter", "script -qc", "tar "):
        assert any(peer in command for _, command, _, _ in rows), f"no {peer!r} row in\n{text}"

    targets = re.findall(r"^\| (.*) \| (.*) \| (yes|\*\*no\*\*|\?) \|$", text, re.M)
    assert len(targets) >= 4, f"the targets are missing:\n{text}"
    density = re.findall(r"^\| (.*) \| ([\d.]+) MiB \| ([\d.]+) MiB \|$", text, re.M)
    assert any(what.startswith("init") and float(rss) > 0 for what, rss, _ in density), \
        f"no density figures:\n{text}"
