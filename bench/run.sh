#!/bin/bash
# Side-by-side timings of lsl and comparable tools, with hyperfine, on a
# release build of this tree and an isolated lsl instance (its own state and
# runtime directories, removed afterwards). Needs root.
#
#   bench/run.sh [hyperfine options...]     e.g. bench/run.sh --runs 50
#
# What is measured (each line of the summary is one hyperfine comparison):
#   run-warm   lsl -d bb -e true, the distribution already running
#              vs bwrap and unshare+chroot starting /bin/true in the same tree
#   run-cold   lsl -d bb -e true, the distribution stopped before each run
#   tty        cat of a 50 MB text file through lsl's pty relay (--tty, output
#              to /dev/null) vs through script(1) on the host
#   import     lsl --import of the cached Debian tarball vs tar -xzf of it
#   systemd    lsl -d sd -e true on a stopped Debian distribution that boots
#              systemd ([boot] systemd), and start-to-running and shutdown
#              next to systemd-nspawn --boot on the same directory
#              (bench/systemd-boot.py)
set -euo pipefail

repo=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
cd "$repo"
python=/usr/bin/python3
builddir=build-bench
prefix="$repo/$builddir/prefix"

if ((EUID != 0)); then
	echo "bench: needs root" >&2
	exit 1
fi
./scripts/install-deps.sh
for tool in hyperfine bwrap; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

if [[ ! -f "$builddir/meson-private/coredata.dat" ]]; then
	meson setup "$builddir" --buildtype=release -Dtests=false --prefix="$prefix"
fi
meson compile -C "$builddir"
rm -rf "$prefix"
meson install -C "$builddir" >/dev/null

work=$(mktemp -d /tmp/lsl-bench.XXXXXX)
chmod 755 "$work"
export LSL_STATE_DIR="$work/state" LSL_RUNTIME_DIR="$work/run"
lsl="$prefix/bin/lsl"
holder=
nspawn_made_run_dir=
cleanup() {
	[[ -n "$holder" ]] && kill "$holder" 2>/dev/null || true
	"$lsl" --shutdown </dev/null >/dev/null 2>&1 || true
	# systemd-nspawn leaves its (empty) state directories in /run/systemd/nspawn.
	[[ -n "$nspawn_made_run_dir" ]] && rm -rf /run/systemd/nspawn
	rm -rf "$work"
}
trap cleanup EXIT

# The same trees the end-to-end tests use.
bbtar=$("$python" -c 'import sys; sys.path.insert(0, "tests/e2e"); import rootfs
print(rootfs.make_tar(rootfs.build_busybox_tree(sys.argv[1]), sys.argv[1] + ".tar", ".tar"))' "$work/bb-tree")
debtar=$("$python" tests/e2e/rootfs.py debian)

"$lsl" --import bb "$work/bb" "$bbtar" </dev/null
root="$work/bb/rootfs"

echo "== run-warm: one command in a running distribution, against starting one in a sandbox"
"$lsl" -d bb -e sleep 1000000 </dev/null >/dev/null 2>&1 &
holder=$!
"$lsl" -d bb -e true </dev/null
hyperfine -N --warmup 20 "$@" \
	-n "lsl -d bb -e true" "$lsl -d bb -e true" \
	-n "bwrap (pid+mount ns, /proc, /dev)" "bwrap --bind $root / --proc /proc --dev /dev --unshare-pid --unshare-uts --unshare-ipc /bin/true" \
	-n "unshare + chroot" "unshare --fork --pid --mount --uts --ipc --root=$root /bin/true"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
holder=

echo "== tty: 50 MB of text through a pty and its relay"
head -c 37500000 /dev/urandom | base64 -w 99 >"$work/big.txt"
cp "$work/big.txt" "$root/big.txt"
hyperfine -N --warmup 3 "$@" \
	-n "lsl --tty -d bb -e cat" "$lsl --tty -d bb -e cat /big.txt" \
	-n "script -qc cat" "script -qc 'cat $work/big.txt' /dev/null"
rm -f "$root/big.txt" "$work/big.txt"

echo "== run-cold: start the distribution, run one command (stopped before each run)"
hyperfine -N --warmup 3 "$@" \
	--prepare "$lsl --terminate bb" \
	-n "lsl -d bb -e true (cold)" "$lsl -d bb -e true"

echo "== import: the cached Debian tarball"
hyperfine --warmup 1 --runs 5 \
	--prepare "$lsl --unregister imp >/dev/null 2>&1 || true; rm -rf $work/imp $work/tar-x; mkdir $work/tar-x" \
	-n "lsl --import" "$lsl --import imp $work/imp $debtar </dev/null" \
	-n "tar -xzf" "tar --numeric-owner --xattrs --xattrs-include='*' -xzpf $debtar -C $work/tar-x"

echo "== systemd: a Debian distribution that boots its own systemd"
sdtar=$("$python" tests/e2e/rootfs.py debian-systemd)
"$lsl" --import sd "$work/sd" "$sdtar" </dev/null
printf '[boot]\nsystemd = true\n' >"$work/sd/rootfs/etc/wsl.conf"
hyperfine -N --warmup 2 "$@" \
	--prepare "$lsl --terminate sd" \
	-n "lsl -d sd -e true (systemd, cold)" "$lsl -d sd -e true"

# systemd-nspawn, from its Debian package but not installed: installing
# systemd-container upgrades the host's own systemd packages. Its binary and
# the private library it needs are extracted into the bench's directory.
nspawn=$(command -v systemd-nspawn || true)
nspawn_args=()
if [[ -z "$nspawn" ]]; then
	debs="$work/nspawn-debs"
	mkdir -p "$debs" && chmod 777 "$debs"
	if (cd "$debs" && apt-get download -q systemd-container libsystemd-shared >/dev/null 2>&1); then
		for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$debs/root"; done
		nspawn="$debs/root/usr/bin/systemd-nspawn"
		shared=$(find "$debs/root" -name 'libsystemd-shared-*.so' -print -quit)
		nspawn_args=(--nspawn-libdir "$(dirname "$shared")")
	else
		echo "bench: systemd-container could not be downloaded: no systemd-nspawn comparison" >&2
	fi
fi
if [[ -n "$nspawn" ]]; then
	[[ -d /run/systemd/nspawn ]] || nspawn_made_run_dir=1
	nspawn_args+=(--nspawn "$nspawn")
fi
"$python" bench/systemd-boot.py --lsl "$lsl" --name sd --root "$work/sd/rootfs" "${nspawn_args[@]}"
