#!/usr/bin/env bash
# CI regression gate for the correlation kernel (Sources/SynkAnalysis/Correlation/).
#
# Builds Benchmarks/ci/main.swift together with the kernel sources with `swiftc -O` (no package build:
# about 15 s), runs its fixed workload `kernelWorkload()` once under `valgrind --tool=callgrind`, and
# counts the instructions executed inside that function only (--toggle-collect). Instruction counts
# are what a noisy, shared CI machine can measure reproducibly (repeat runs agree to ~1e-5), unlike
# wall time.
#
# Threshold: fails (exit 1) when the count exceeds the committed baseline
# (Benchmarks/baselines/kernel-instructions.json) by more than THRESHOLD_PERCENT (default 5 %).
# A count more than 5 % *below* the baseline passes with a note to refresh the baseline.
#
# usage: Benchmarks/ci-kernel-check.sh            # check
#        Benchmarks/ci-kernel-check.sh --update   # rewrite the baseline with the current count
# env:   THRESHOLD_PERCENT=5   SWIFTC=swiftc
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
baseline="$here/baselines/kernel-instructions.json"
threshold="${THRESHOLD_PERCENT:-5}"
swiftc="${SWIFTC:-swiftc}"

if ! command -v valgrind >/dev/null 2>&1; then
    echo "kernel-check: installing valgrind" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq valgrind >/dev/null; fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
"$swiftc" -O -module-name KernelCheck "$root"/Sources/SynkAnalysis/Correlation/*.swift "$here/ci/main.swift" \
    -o "$work/kernel-check"
built=$(date +%s)
valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*kernelWorkload*' \
    --callgrind-out-file="$work/callgrind.out" "$work/kernel-check" >"$work/stdout" 2>"$work/stderr" || {
    cat "$work/stderr" >&2; echo "kernel-check: the workload failed under valgrind" >&2; exit 2; }
count=$(grep -E '^(summary|totals):' "$work/callgrind.out" | head -1 | awk '{print $2}')
if [ -z "$count" ] || [ "$count" -le 0 ]; then echo "kernel-check: no instruction count" >&2; exit 2; fi
checksum=$(awk '/checksum/ {print $2}' "$work/stdout")
echo "kernel-check: kernelWorkload executed $count instructions (checksum $checksum); build $((built - start)) s, run $(( $(date +%s) - built )) s"

if [ "${1:-}" = "--update" ]; then
    mkdir -p "$(dirname "$baseline")"
    printf '{\n  "workload": "kernelWorkload() in Benchmarks/ci/main.swift",\n  "instructions": %s,\n  "checksum": "%s",\n  "threshold_percent": %s,\n  "swiftc": "%s"\n}\n' \
        "$count" "$checksum" "$threshold" "$("$swiftc" --version 2>&1 | head -1 | sed 's/"/\\"/g')" >"$baseline"
    echo "kernel-check: baseline written to $baseline"
    exit 0
fi

[ -f "$baseline" ] || { echo "kernel-check: no baseline at $baseline (run with --update)" >&2; exit 2; }
base=$(sed -n 's/.*"instructions": *\([0-9]*\).*/\1/p' "$baseline")
awk -v now="$count" -v base="$base" -v limit="$threshold" 'BEGIN {
    change = 100 * (now - base) / base
    printf "kernel-check: baseline %d, now %d, change %+.3f %% (limit +%s %%)\n", base, now, change, limit
    if (change > limit) { print "kernel-check: REGRESSION: the correlation kernel executes more instructions than allowed"; exit 1 }
    if (change < -limit) print "kernel-check: faster than the baseline by more than the threshold; consider --update"
    exit 0
}'
