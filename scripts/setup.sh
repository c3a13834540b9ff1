#!/bin/bash
# From a fresh Debian machine (as root) to a command running in a Debian
# distribution: install the build dependencies, build and install lsl, create
# a distribution named "debian" with debootstrap and run a command in it.
#
#   PREFIX   installation prefix (default /usr/local)
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
prefix=${PREFIX:-/usr/local}

./scripts/install-deps.sh

if [[ -f build/meson-private/coredata.dat ]]; then
	meson setup --reconfigure build --prefix="$prefix" --buildtype=release
else
	meson setup build --prefix="$prefix" --buildtype=release
fi
meson compile -C build
meson install -C build

lsl="$prefix/bin/lsl"
# --list fails when nothing is registered yet: that just means "not there".
registered=$("$lsl" --list --quiet </dev/null 2>/dev/null || true)
if ! grep -qixF debian <<<"$registered"; then
	"$lsl" --install debian </dev/null
fi
"$lsl" -d debian -- cat /etc/os-release </dev/null
