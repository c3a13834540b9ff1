#!/bin/bash
# Run every test: build with AddressSanitizer and UBSan in build-test/, run the
# unit tests, install into build-test/prefix and drive that installation with
# the end-to-end suite. Needs root (the suite creates namespaces, mounts and
# cgroups); works from a fresh clone, unattended. Exits non-zero on any failure.
set -euo pipefail

repo=$(dirname "$(readlink -f "$0")")/..
repo=$(readlink -f "$repo")
cd "$repo"

builddir=build-test
prefix="$repo/$builddir/prefix"
sanitize=address,undefined
python=/usr/bin/python3 # Debian's, which has pytest (not whatever python3 is first on PATH)

if ((EUID != 0)); then
	echo "test.sh: the tests need root" >&2
	exit 1
fi

./scripts/install-deps.sh

# Reuse the build directory only if it was configured the way this script
# wants; anything else (another prefix, no sanitizers, half-made) is rebuilt.
configured_as_wanted() {
	[[ -f "$builddir/meson-private/coredata.dat" ]] || return 1
	meson introspect "$builddir" --buildoptions 2>/dev/null |
		"$python" -c '
import json, sys
want = {"b_sanitize": sys.argv[1], "prefix": sys.argv[2]}
have = {o["name"]: o["value"] for o in json.load(sys.stdin)}
sys.exit(0 if all(have.get(k) == v for k, v in want.items()) else 1)
' "$sanitize" "$prefix"
}

if ! configured_as_wanted; then
	rm -rf "$builddir"
	meson setup "$builddir" -Db_sanitize="$sanitize" --prefix="$prefix"
fi
meson compile -C "$builddir"

# A sanitizer report is a failure, including leaks.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

meson test -C "$builddir" --print-errorlogs

# A short run of each fuzzer over its corpus, crash inputs of the past included
# (its own clang build in build-fuzz/; doc/fuzzing.md).
./scripts/fuzz.sh

# A clean prefix each run, so no helper from an older build is picked up.
rm -rf "$prefix"
meson install -C "$builddir"

# The installed programs are the sanitized build: the options above apply to
# them too (the suite also fails on any sanitizer report in the service log).
status=0
LSL_PREFIX="$prefix" "$python" -m pytest -v tests/e2e </dev/null || status=$?
if ((status == 5)); then
	echo "test.sh: pytest collected no tests" >&2
	exit 1
fi
exit "$status"
