#!/bin/bash
# Install the Debian packages lsl needs to build, test and create distributions.
# Idempotent: does nothing (not even `apt-get update`) when everything is present.
set -euo pipefail

packages=(
	build-essential meson ninja-build pkg-config   # build
	libarchive-dev zlib1g-dev libcmocka-dev       # libraries, unit tests
	python3 python3-pytest                        # end-to-end tests
	debootstrap busybox-static                    # distributions the tests make
	e2fsprogs tar gzip xz-utils zstd              # archives and filesystems
	libcap2-bin attr file util-linux              # tools the tests inspect with
	tmux                                          # terminals driven by tests/e2e/test_terminal.py
	clang libclang-rt-dev                         # fuzzers (scripts/fuzz.sh: libFuzzer)
	hyperfine bubblewrap crun gnuplot-nox          # benchmarks (bench/run.sh)
)

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [[ "$status" != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID != 0)); then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run this script as root to install them" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
