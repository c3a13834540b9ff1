#!/bin/bash
# lsl next to its peers, side by side, in one run, with hyperfine, on one
# Debian directory (tests/e2e/rootfs.py's cached debootstrap) as the root of
# every row. Needs root. Writes a Markdown table of medians and ratios (and
# prints it) and a PNG chart (gnuplot). bench/README.md describes the rows.
#
#   bench/run.sh [--quick] [--prefix DIR] [--output FILE.md] [--workdir DIR]
#
#   --quick        two or three runs of each row, a small BIGFILE, two
#                  distributions for density: proves the benchmark works
#                  (tests/e2e/test_bench.py); its numbers mean little
#   --prefix DIR   time the lsl installed in DIR instead of building a
#                  release build in build-bench/
#   --output FILE  the table (default bench/results/DATE.md); the chart is
#                  FILE with .png instead of .md
#   --workdir DIR  where the bench's temporary directory is made (/tmp)
#
# Everything the run makes (an lsl instance with its own state and runtime
# directories, crun's state and cgroup, systemd-nspawn's cgroups and
# /run/systemd/nspawn when it made it) is removed when it ends, also on
# failure. A peer that cannot run here gets the reason in the table.
set -euo pipefail

repo=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
python=/usr/bin/python3
quick=
prefix=
output=
workparent=/tmp
while (($#)); do
	case $1 in
	--quick) quick=1 ;;
	--prefix) prefix=$(realpath -m "$2"); shift ;;
	--output) output=$(realpath -m "$2"); shift ;;
	--workdir) workparent=$(realpath -m "$2"); shift ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

if ((EUID != 0)); then
	echo "bench: needs root" >&2
	exit 1
fi
cd "$repo"
./scripts/install-deps.sh
for tool in hyperfine gnuplot; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

if [[ -z "$prefix" ]]; then
	builddir=build-bench
	prefix="$repo/$builddir/prefix"
	if [[ ! -f "$builddir/meson-private/coredata.dat" ]]; then
		meson setup "$builddir" --buildtype=release -Dtests=false --prefix="$prefix"
	fi
	meson compile -C "$builddir"
	rm -rf "$prefix"
	meson install -C "$builddir" >/dev/null
fi
lsl="$prefix/bin/lsl"
[[ -x "$lsl" ]] || { echo "bench: no lsl in $prefix/bin" >&2; exit 1; }

if [[ -z "$output" ]]; then
	mkdir -p bench/results
	output="$repo/bench/results/$(date +%Y-%m-%d-%H%M%S).md"
fi
png="${output%.md}.png"

if [[ -n "$quick" ]]; then
	fast=(--runs 3)            # hyperfine options of the rows that take milliseconds
	slow=(--runs 2)            # and of those that take seconds
	bigfile_mib=4 density=2 sd_runs=2
else
	fast=(--warmup 5 --min-runs 20)
	slow=(--warmup 1 --runs 5)
	# Big enough that a run's fixed cost (the warm row) is a few percent of the read.
	bigfile_mib=1024 density=8 sd_runs=10
fi

if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then cg2=/sys/fs/cgroup; else cg2=/sys/fs/cgroup/unified; fi
work=$(mktemp -d "$workparent/lsl-bench.XXXXXX")
chmod 755 "$work"
echo "bench: working in $work"
data="$work/data"
mkdir "$data"
export LSL_STATE_DIR="$work/state" LSL_RUNTIME_DIR="$work/run" LSL_CONFIG="$work/lsl.conf"
# The bench decides when a distribution stops: never on its own.
printf '[general]\ninstanceIdleTimeout = -1\n' >"$LSL_CONFIG"
crun_cgroup=lsl-bench-crun
nspawn_cgroup=lsl-bench-nspawn
nspawn_made_run_dir=
[[ -d /run/systemd/nspawn ]] || nspawn_made_run_dir=1

remove_cgroup_tree() { # deepest first; they are empty once their processes exited
	[[ -d "$1" ]] || return 0
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
}
cleanup() {
	set +e
	[[ -d "$work/crun-state/lsl-bench" ]] && crun --root "$work/crun-state" delete -f lsl-bench >/dev/null 2>&1
	"$lsl" --shutdown </dev/null >/dev/null 2>&1
	for top in "$cg2" /sys/fs/cgroup/systemd; do
		remove_cgroup_tree "$top/$crun_cgroup"
		remove_cgroup_tree "$top/$nspawn_cgroup"
	done
	# systemd-nspawn leaves its (empty) state directories in /run/systemd/nspawn.
	[[ -n "$nspawn_made_run_dir" ]] && rm -rf /run/systemd/nspawn
	grep -F " $work/" /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l
	rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------- measuring

skip() { # GROUP KEY REASON: a row that has a reason instead of a number
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$data/skips.tsv"
	echo "bench: $1/$2 not measured: $3" >&2
}

# bench GROUP PART [LAUNCHER... --] -- [HYPERFINE OPTIONS...] -- KEY CMD [KEY CMD...]
# Runs each CMD once under LAUNCHER (a command prefix: a mount namespace, a
# cgroup) to see that it works, then hyperfine (-N, no shell: CMD is split
# into words) under LAUNCHER on those that did, into GROUP.PART.json. A CMD
# that fails gets its error as the reason in the table. noprobe=1 bench ...
# skips the trial run (for an lsl row that is slow: a failure of hyperfine is
# still reported in the table).
bench() {
	local group=$1 part=$2 launcher=() opts=() keys=() cmds=() args=() i out status
	shift 2
	while [[ $1 != -- ]]; do launcher+=("$1"); shift; done
	shift
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	while (($#)); do keys+=("$1"); cmds+=("$2"); shift 2; done
	for i in "${!keys[@]}"; do
		if [[ -n "${noprobe:-}" ]]; then
			args+=(-n "${keys[i]}" "${cmds[i]}")
			continue
		fi
		status=0
		out=$("${launcher[@]}" bash -c "${cmds[i]}" 2>&1 </dev/null >/dev/null) || status=$?
		if ((status != 0)); then
			out=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-200)
			skip "$group" "${keys[i]}" "exit status $status${out:+: $out}"
			continue
		fi
		args+=(-n "${keys[i]}" "${cmds[i]}")
	done
	((${#args[@]})) || return 0
	echo "== $group ($part)"
	if ! "${launcher[@]}" hyperfine -N --style basic "${opts[@]}" --export-json "$data/$group.$part.json" "${args[@]}"; then
		for ((i = 0; i < ${#args[@]}; i += 3)); do skip "$group" "${args[i + 1]}" "hyperfine failed (see its output)"; done
		rm -f "$data/$group.$part.json"
	fi
}

# A private mount namespace whose /sys/fs/cgroup is cgroup2 alone, for crun.
cgroup2_view=(unshare -m --propagation private bash -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' -)
# A cgroup of the bench's own, for systemd-nspawn --keep-unit (it makes its cgroups below it).
# LD_LIBRARY_PATH: the library of an nspawn taken from its package (below).
in_nspawn_cgroup=(bash -c 'mkdir -p "$0" && echo $$ >"$0/cgroup.procs" && LD_LIBRARY_PATH=$1 exec "${@:2}"'
	"$cg2/$nspawn_cgroup")

# ---------------------------------------------------------------- the Debian directory

debtar=$("$python" tests/e2e/rootfs.py debian)
"$lsl" --import deb "$work/deb" "$debtar" </dev/null >/dev/null
root="$work/deb/rootfs"

# crun: its own default configuration (crun spec), with the Debian directory as root.
crun_state="$work/crun-state"
crun_cmd=
crun_skip=
if command -v crun >/dev/null; then
	mkdir -p "$work/crun"
	(cd "$work/crun" && crun spec)
	"$python" - "$work/crun/config.json" "$root" "/$crun_cgroup" <<-'EOF'
		import json, sys
		path, root, cgroup = sys.argv[1:]
		with open(path) as f:
		    c = json.load(f)
		c["process"]["terminal"] = False
		c["process"]["args"] = ["/bin/true"]
		c["root"]["path"] = root
		c["linux"]["cgroupsPath"] = cgroup
		with open(path, "w") as f:
		    json.dump(c, f, indent=1)
	EOF
	crun_cmd="crun --root $crun_state run --bundle $work/crun lsl-bench"
	if ! err=$("${cgroup2_view[@]}" $crun_cmd 2>&1 </dev/null); then
		if grep -q 'RLIM_MEMLOCK' <<<"$err"; then
			# crun raises RLIMIT_MEMLOCK to load its device-cgroup eBPF program, and this
			# host withholds CAP_SYS_RESOURCE: run it without the spec's device rules.
			"$python" - "$work/crun/config.json" <<-'EOF'
				import json, sys
				with open(sys.argv[1]) as f:
				    c = json.load(f)
				c["linux"].pop("resources", None)
				with open(sys.argv[1], "w") as f:
				    json.dump(c, f, indent=1)
			EOF
			echo "bench: crun: no device cgroup rules (RLIMIT_MEMLOCK cannot be raised here)" >&2
		fi
	fi
else
	crun_skip="crun is not installed"
fi

# systemd-nspawn, from its Debian package but not installed: installing
# systemd-container upgrades the host's own systemd packages. Its binary and
# the private library it needs are extracted into the test cache, once per version.
nspawn=$(command -v systemd-nspawn || true)
nspawn_skip=
nspawn_libdir=
if [[ -z "$nspawn" ]]; then
	version=$(apt-cache show --no-all-versions systemd-container 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	cache="${LSL_TEST_CACHE_DIR:-/var/cache/lsl-tests}/systemd-nspawn-${version:-unknown}"
	if [[ ! -x "$cache/root/usr/bin/systemd-nspawn" ]]; then
		rm -rf "$cache.partial" && mkdir -p "$cache.partial" && chmod 777 "$cache.partial"
		if (cd "$cache.partial" && apt-get download -q systemd-container libsystemd-shared >/dev/null 2>&1); then
			for deb in "$cache.partial"/*.deb; do dpkg-deb -x "$deb" "$cache.partial/root"; done
			rm -rf "$cache" && mv "$cache.partial" "$cache"
		else
			rm -rf "$cache.partial"
			nspawn_skip="systemd-container could not be downloaded (apt-get download)"
		fi
	fi
	if [[ -z "$nspawn_skip" ]]; then
		nspawn="$cache/root/usr/bin/systemd-nspawn"
		shared=$(find "$cache/root" -name 'libsystemd-shared-*.so' -print -quit)
		nspawn_libdir="${shared%/*}"
	fi
fi
# The container's systemd on cgroup2 alone, as lsl gives it (a hybrid host's name=systemd
# hierarchy is refused from a process at its root).
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1

# ---------------------------------------------------------------- cold start

bench cold lsl -- "${fast[@]}" --prepare "$lsl --terminate deb" -- \
	lsl "$lsl -d deb -- /bin/true" \
	lsl-e "$lsl -d deb -e /bin/true"
"$lsl" --terminate deb </dev/null
bench cold peers -- "${fast[@]}" -- \
	floor "unshare -m -p -u -f chroot $root /bin/true" \
	bwrap "bwrap --bind $root / --proc /proc --dev /dev --unshare-pid --unshare-uts --unshare-ipc /bin/true"
if [[ -n "$crun_cmd" ]]; then
	bench cold crun "${cgroup2_view[@]}" -- "${fast[@]}" -- crun "$crun_cmd"
else
	skip cold crun "$crun_skip"
fi
if [[ -n "$nspawn" ]]; then
	bench cold nspawn "${in_nspawn_cgroup[@]}" "$nspawn_libdir" -- "${fast[@]}" -- \
		nspawn "$nspawn --quiet --register=no --keep-unit -D $root /bin/true"
else
	skip cold nspawn "$nspawn_skip"
fi

# ---------------------------------------------------------------- warm run

"$lsl" -d deb -e true </dev/null
init=$("$python" bench/procs.py init-pid "$lsl" deb)
bench warm all -- "${fast[@]}" -- \
	lsl "$lsl -d deb -- /bin/true" \
	lsl-e "$lsl -d deb -e /bin/true" \
	nsenter "nsenter -a -t $init /bin/true" \
	host /bin/true

# ---------------------------------------------------------------- throughput

big=/var/tmp/lsl-bench-big.txt
# Text (base64 lines) so that the pty's output processing has the usual work to do.
head -c $((bigfile_mib * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 99 >"$root$big"
bigbytes=$(stat -c %s "$root$big")
bench stdout all -- "${fast[@]}" -- \
	lsl "$lsl -d deb -- cat $big" \
	host "cat $root$big"
bench pty all -- "${slow[@]}" -- \
	lsl "$lsl --tty -d deb -- cat $big" \
	script "script -qc 'cat $root$big' /dev/null"
rm -f "$root$big"
"$lsl" --terminate deb </dev/null

# ---------------------------------------------------------------- import

noprobe=1 bench import lsl -- "${slow[@]}" --prepare "bash -c '$lsl --unregister imp >/dev/null 2>&1; rm -rf $work/imp'" -- \
	lsl "$lsl --import imp $work/imp $debtar"
mkdir "$work/tar-x"
bench import tar -- "${slow[@]}" --prepare "bash -c 'rm -rf $work/tar-x && mkdir $work/tar-x'" -- \
	tar "tar --numeric-owner --xattrs --xattrs-include=* -xpf $debtar -C $work/tar-x"
"$lsl" --unregister imp </dev/null >/dev/null 2>&1 || true
rm -rf "$work/imp" "$work/tar-x"

# ---------------------------------------------------------------- density

echo "== density ($density distributions)"
if ! "$python" bench/density.py --lsl "$lsl" --tarball "$debtar" --count "$density" \
	--work "$work/density" --export-json "$data/density.json"; then
	skip density lsl "bench/density.py failed (see its output)"
fi

# ---------------------------------------------------------------- systemd boot

echo "== systemd boot"
sdtar=$("$python" tests/e2e/rootfs.py debian-systemd)
"$lsl" --import sd "$work/sd" "$sdtar" </dev/null >/dev/null
printf '[boot]\nsystemd = true\n' >"$work/sd/rootfs/etc/wsl.conf"
sd_args=(--lsl "$lsl" --name sd --root "$work/sd/rootfs" --runs "$sd_runs" --export-json "$data/systemd.json")
if [[ -n "$nspawn" ]]; then
	sd_args+=(--nspawn "$nspawn" ${nspawn_libdir:+--nspawn-libdir "$nspawn_libdir"})
else
	sd_args+=(--nspawn-missing "$nspawn_skip")
fi
if ! "$python" bench/systemd-boot.py "${sd_args[@]}"; then
	skip systemd "lsl boot" "bench/systemd-boot.py failed (see its output)"
fi
"$lsl" --terminate sd </dev/null >/dev/null 2>&1 || true

# ---------------------------------------------------------------- the table and the chart

mkdir -p "$(dirname "$output")"
title="lsl next to its peers ($(date +%Y-%m-%d), $(nproc) CPUs, $(uname -r)${quick:+, --quick: numbers not meaningful})"
"$python" bench/report.py --data "$data" --output "$output" --png "$png" \
	--bigfile-bytes "$bigbytes" --title "$title"
echo "bench: table in $output, chart in $png"
