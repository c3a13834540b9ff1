#!/usr/bin/python3
"""The benchmark's table and chart, from hyperfine's JSON exports.

    report.py --data DIR --output FILE.md --png FILE.png [--bigfile-bytes N] [--title TEXT]

DIR holds, for each group below, GROUP.json or GROUP.*.json (hyperfine
--export-json, or the same shape from systemd-boot.py), whose commands are
named with the keys of GROUPS (hyperfine -n KEY); skips.tsv (GROUP, KEY,
why it was not measured, tab-separated); density.json (density.py). Writes
the Markdown table to FILE.md and prints it, and draws FILE.png with gnuplot.
Every command of every group appears: with its median, or with the reason it
has none. Only ratios between commands of one run mean anything.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys

# kind "time": lower is better, ratios are lsl's time ÷ the peer's.
# kind "throughput": the same command moves BIGFILE; ratios are lsl's throughput ÷ the peer's.
GROUPS = [
    {"id": "cold", "kind": "time", "title": "cold start: stopped distribution to the exit of /bin/true",
     "cmds": [("lsl", "`lsl -d X -- /bin/true` after `lsl --terminate X`"),
              ("lsl-e", "`lsl -d X -e /bin/true` (no shell) after `--terminate`"),
              ("floor", "`unshare -m -p -u -f chroot DIR /bin/true` (the floor)"),
              ("bwrap", "`bwrap --bind DIR / --proc /proc --dev /dev --unshare-pid,uts,ipc /bin/true`"),
              ("crun", "`crun run` (`crun spec`, DIR as root, /bin/true)"),
              ("nspawn", "`systemd-nspawn -D DIR /bin/true`")],
     "targets": [("lsl", "floor", 2.0), ("lsl-e", "floor", 2.0)]},
    {"id": "warm", "kind": "time", "title": "warm run in a running distribution",
     "cmds": [("lsl", "`lsl -d X -- /bin/true`"),
              ("lsl-e", "`lsl -d X -e /bin/true` (no shell)"),
              ("nsenter", "`nsenter -a -t PID /bin/true` (the floor)"),
              ("host", "`/bin/true` on the host")],
     "targets": [("lsl", "nsenter", 1.0), ("lsl-e", "nsenter", 1.0)]},
    {"id": "stdout", "kind": "throughput", "title": "stdout throughput, no terminal",
     "cmds": [("lsl", "`lsl -d X -- cat BIGFILE > /dev/null`"),
              ("host", "`cat BIGFILE > /dev/null` on the host")],
     "targets": [("lsl", "host", 0.95)]},
    {"id": "pty", "kind": "throughput", "title": "throughput through a pty (output to /dev/null)",
     "cmds": [("lsl", "`lsl --tty -d X -- cat BIGFILE`"),
              ("script", "`script -qc 'cat BIGFILE' /dev/null` on the host")],
     "targets": []},
    {"id": "systemd", "kind": "time", "title": "systemd boot to running (Debian with systemd, same directory)",
     "cmds": [("lsl start to ready", "`lsl -d S -e true`, stopped before: start to READY=1 (init's log)"),
              ("lsl boot", "the same to the command's exit: READY=1, then a logind session (user@.service) "
                           "and the command"),
              ("lsl systemd exec to ready", "under lsl: systemd's exec to READY=1 (init's log)"),
              ("nspawn boot", "`systemd-nspawn --boot --notify-ready=yes -D DIR`: start to READY=1")],
     "targets": [("lsl start to ready", "nspawn boot", 1.0)]},
    {"id": "shutdown", "kind": "time", "title": "systemd shutdown",
     "cmds": [("lsl shutdown", "`lsl --terminate S` (systemd's shutdown transaction)"),
              ("nspawn shutdown", "systemd-nspawn: SIGTERM to exit")],
     "targets": [], "source": "systemd"},
    {"id": "import", "kind": "time", "title": "import of the Debian tarball",
     "cmds": [("lsl", "`lsl --import X DIR debian.tar.gz`"),
              ("tar", "`tar --numeric-owner --xattrs -xpf debian.tar.gz -C DIR`")],
     "targets": []},
]


def load(data_dir):
    medians, skips = {}, {}
    for g in GROUPS:
        source = g.get("source", g["id"])
        for path in sorted(glob.glob(os.path.join(data_dir, source + ".json")) +
                           glob.glob(os.path.join(data_dir, source + ".*.json"))):
            with open(path) as f:
                doc = json.load(f)
            for r in doc.get("results", []):
                times = r.get("times") or []
                if times:
                    medians[(g["id"], r["command"])] = statistics.median(times)
            for key, why in doc.get("skipped", {}).items():
                skips[(g["id"], key)] = why
    tsv = os.path.join(data_dir, "skips.tsv")
    if os.path.exists(tsv):
        with open(tsv) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 2)
                if len(parts) == 3:
                    skips[(parts[0], parts[1])] = parts[2]
    density = None
    dpath = os.path.join(data_dir, "density.json")
    if os.path.exists(dpath):
        with open(dpath) as f:
            density = json.load(f)
    elif ("density", "lsl") in skips:
        density = {"skipped": skips[("density", "lsl")]}
    return medians, skips, density


def fmt_time(s):
    if s >= 1:
        return f"{s:.2f} s"
    ms = s * 1000
    return f"{ms:.3g} ms" if ms >= 1 else f"{ms:.2f} ms"


def fmt_median(g, seconds, bigfile):
    text = fmt_time(seconds)
    if g["kind"] == "throughput" and bigfile:
        text += f" ({bigfile / seconds / 1e6:,.0f} MB/s)"
    return text


def ratio(g, lsl, peer):
    """lsl ÷ peer: of times for "time" groups, of throughputs for "throughput" ones."""
    return lsl / peer if g["kind"] == "time" else peer / lsl


def met(g, value, limit):
    return value <= limit if g["kind"] == "time" else value >= limit


def clean(text):
    return text.replace("|", "\\|").replace("\n", " ")


def table(medians, skips, density, bigfile, title):
    out = [f"# {title}", ""]
    label = {g["id"]: dict(g["cmds"]) for g in GROUPS}
    out += ["| row | command | median | lsl ÷ this |", "|---|---|---|---|"]
    for g in GROUPS:
        lsl_key = g["cmds"][0][0]
        lsl = medians.get((g["id"], lsl_key))
        for key, text in g["cmds"]:
            m = medians.get((g["id"], key))
            if m is None:
                why = skips.get((g["id"], key), "not measured (no result)")
                cells = [f"not measured: {clean(why)}", ""]
            else:
                r = "" if key == lsl_key or lsl is None or key.startswith("lsl") else \
                    f"{ratio(g, lsl, m):.2f}x" + (" throughput" if g["kind"] == "throughput" else "")
                cells = [fmt_median(g, m, bigfile), r]
            out.append(f"| {g['title']} | {text} | {cells[0]} | {cells[1]} |")
    out += ["", "Targets (ratios of medians from this run):", "",
            "| target | measured | met |", "|---|---|---|"]
    targets = []
    for g in GROUPS:
        for key, peer, limit in g["targets"]:
            lsl, p = medians.get((g["id"], key)), medians.get((g["id"], peer))
            if g["kind"] == "time":
                what = f"{g['title']}: {label[g['id']][key]} ≤ {limit:g}x {label[g['id']][peer]}"
            else:
                what = f"{g['title']}: {label[g['id']][key]} ≥ {limit:g}x the throughput of {label[g['id']][peer]}"
            if lsl is None or p is None:
                missing = key if lsl is None else peer
                why = skips.get((g["id"], missing), "no result")
                out.append(f"| {clean(what)} | not measured: {clean(why)} | ? |")
                continue
            r = ratio(g, lsl, p)
            ok = met(g, r, limit)
            targets.append((g, key, peer, r, limit, ok))
            out.append(f"| {clean(what)} | {r:.2f}x | {'yes' if ok else '**no**'} |")
    out += [""]
    if density and "rows" in density:
        out += [f"Density: {density['count']} distributions running at once "
                "(the Debian tree, imported once each, no user process inside):", "",
                "| process | RSS | PSS |", "|---|---|---|"]
        for row in density["rows"]:
            out.append(f"| {row['what']} | {row['rss_kib'] / 1024:.1f} MiB | {row['pss_kib'] / 1024:.1f} MiB |")
        out.append("")
    else:
        why = (density or {}).get("skipped", "no result")
        out += [f"Density: not measured: {clean(why)}", ""]
    return "\n".join(out), targets


def chart(medians, png, data_dir):
    """Bars of lsl's time ÷ each peer's (lower is better), with the targets as points."""
    rows = []
    for g in GROUPS:
        lsl_key = g["cmds"][0][0]
        lsl = medians.get((g["id"], lsl_key))
        limits = {peer: limit for key, peer, limit in g["targets"] if key == lsl_key}
        for key, _ in g["cmds"]:
            m = medians.get((g["id"], key))
            if key.startswith("lsl") or lsl is None or m is None:
                continue
            limit = limits.get(key)
            if limit is not None and g["kind"] == "throughput":
                limit = 1 / limit  # at least 0.95x the throughput: at most 1/0.95 of the time
            rows.append((f"{g['id']}: vs {key}", lsl / m, limit))
    dat = os.path.join(data_dir, "chart.dat")
    with open(dat, "w") as f:
        for name, r, limit in rows:
            f.write(f"{name}\t{r:.4f}\t{'?' if limit is None else f'{limit:.4f}'}\n")
    script = f"""
set terminal pngcairo size 1200,650 font ",10" noenhanced
set output "{png}"
set datafile separator "\\t"
set datafile missing "?"
set title "lsl's time ÷ each peer's time, medians of one run (lower is better; 1 = as fast)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -30 left
set yrange [0:*]
set grid ytics
set bmargin 9
plot "{dat}" using 2:xtic(1) title "lsl ÷ peer" lc rgb "#4477aa", \\
     "" using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.8 notitle, \\
     "" using 0:3 with points pt 9 ps 2 lc rgb "#cc3311" title "target: at most", \\
     1 with lines dt 2 lc rgb "black" notitle
"""
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode != 0 or not os.path.exists(png):
        raise RuntimeError(f"gnuplot failed: {p.stderr.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--bigfile-bytes", type=int, default=0)
    ap.add_argument("--title", default="lsl next to its peers")
    a = ap.parse_args()
    medians, skips, density = load(a.data)
    text, _ = table(medians, skips, density, a.bigfile_bytes, a.title)
    text += f"\nChart: {os.path.basename(a.png)}\n"
    with open(a.output, "w") as f:
        f.write(text)
    print(text)
    try:
        chart(medians, os.path.abspath(a.png), a.data)
    except (OSError, RuntimeError) as e:
        sys.exit(f"report: no chart: {e}")


if __name__ == "__main__":
    main()
