#!/bin/bash
# Build lsl's fuzzers (libFuzzer: clang, AddressSanitizer, UBSan) in
# build-fuzz/ and run them. See doc/fuzzing.md.
#
#   scripts/fuzz.sh                  a short, reproducible run of each fuzzer: its
#                                    seed corpus (which keeps every crash input found
#                                    so far, as a regression test), then a fixed number
#                                    of runs from a fixed seed. Fails on any crash.
#   scripts/fuzz.sh --time SECONDS [NAME...]
#                                    fuzz each (or the NAMEd) for SECONDS, all at once,
#                                    each in its own work directory under /tmp; new
#                                    inputs and crashes stay there (nothing is written
#                                    into the tree).
#
# Run as root: the archive fuzzer extracts owners and device nodes, as lsl-import does.
set -euo pipefail

repo=$(dirname "$(readlink -f "$0")")/..
repo=$(readlink -f "$repo")
cd "$repo"

builddir=build-fuzz

# name, source directory (the fuzzer and its corpus/), corpus, runs in the short mode
fuzzers=(
	"fuzz-message src/shared/fuzz message 20000"
	"fuzz-conf src/shared/fuzz conf 5000"
	"fuzz-passwd src/init/fuzz passwd 5000"
	"fuzz-args src/cli/fuzz args 5000"
	"fuzz-import src/import/fuzz archive 2000"
)

time_limit=
if [[ "${1:-}" == --time ]]; then
	time_limit=${2:?--time needs SECONDS}
	shift 2
fi
wanted=("$@")

configured_as_wanted() {
	[[ -f "$builddir/meson-private/coredata.dat" ]] || return 1
	meson introspect "$builddir" --buildoptions 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
have = {o["name"]: o["value"] for o in json.load(sys.stdin)}
sys.exit(0 if have.get("fuzzers") is True and have.get("b_sanitize") == "address,undefined" else 1)
'
}

if ! configured_as_wanted; then
	rm -rf "$builddir"
	CC=clang meson setup "$builddir" -Dfuzzers=true -Dtests=false -Db_sanitize=address,undefined
fi
targets=()
for f in "${fuzzers[@]}"; do
	read -r name _ <<<"$f"
	targets+=("$name")
done
# Only the fuzzers: the rest of the tree is built and tested by test.sh's own build.
meson compile -C "$builddir" "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

work=$(mktemp -d "${TMPDIR:-/tmp}/lsl-fuzz.XXXXXX")
if [[ -z "$time_limit" ]]; then
	trap 'rm -rf "$work"' EXIT
fi

selected() {
	((${#wanted[@]} == 0)) && return 0
	local w
	for w in "${wanted[@]}"; do
		[[ "$w" == "$1" ]] && return 0
	done
	return 1
}

pids=()
names=()
for f in "${fuzzers[@]}"; do
	read -r name dir corpus runs <<<"$f"
	selected "$name" || continue
	bin="$repo/$builddir/$dir/$name"
	seeds="$repo/$dir/corpus/$corpus"
	w="$work/$name"
	mkdir -p "$w/corpus" "$w/tmp" "$w/artifacts"
	# New inputs go to the first directory (scratch), never into the tree's seeds.
	if [[ -z "$time_limit" ]]; then
		echo "fuzz.sh: $name: seed corpus, then $runs runs"
		if ! (cd "$w" && TMPDIR="$w/tmp" "$bin" -seed=1 -runs="$runs" -artifact_prefix="$w/" \
			corpus "$seeds" >"$w/log" 2>&1); then
			tail -n 60 "$w/log" >&2
			echo "fuzz.sh: $name failed (log above; the input is in $w)" >&2
			trap - EXIT
			exit 1
		fi
		grep -E '^#[0-9]+.*DONE' "$w/log" | tail -n 1
	else
		echo "fuzz.sh: $name: fuzzing for $time_limit s in $w"
		(cd "$w" && TMPDIR="$w/tmp" exec "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
			-max_total_time="$time_limit" -print_final_stats=1 -timeout=60 -rss_limit_mb=2048 \
			-artifact_prefix="$w/artifacts/" corpus "$seeds" >"$w/log" 2>&1) &
		pids+=("$!")
		names+=("$name")
	fi
done

status=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || status=1
	w="$work/${names[$i]}"
	echo "fuzz.sh: ${names[$i]}: $(grep -E '^#[0-9]+:' "$w/log" | tail -n 1)"
	crashes=$(find "$w/artifacts" -type f | wc -l)
	if ((crashes > 0)); then
		echo "fuzz.sh: ${names[$i]}: $crashes crash inputs in $w/artifacts" >&2
		status=1
	fi
done
exit "$status"
