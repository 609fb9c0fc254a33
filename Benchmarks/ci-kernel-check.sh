#!/usr/bin/env bash
# CI regression gate for the correlation kernel (Sources/SynkAnalysis/Correlation/).
#
# Builds Benchmarks/ci/main.swift together with the kernel sources with `swiftc -O` (no package build:
# about 15 s), runs its fixed workload `kernelWorkload()` once under `valgrind --tool=callgrind`, and
# counts the instructions executed inside that function only (--toggle-collect). Instruction counts
# are what a noisy, shared CI machine can measure reproducibly (repeat runs agree to ~1e-5), unlike
# wall time.
#
# Two counts: the portable Swift loops (SYNK_KERNELS=swift) and the AVX2+FMA kernels (when the processor has
# them; CSynkKernels is compiled in by Benchmarks/build-kernels.sh). Each has its baseline.
#
# Threshold: fails (exit 1) when a count exceeds its committed baseline
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
# The kernel calls CSynkKernels (AVX2+FMA loops chosen at run time): compile it and give swiftc its module.
"$root/Benchmarks/build-kernels.sh" "$work"
"$swiftc" -O -module-name KernelCheck -I "$work/kernels" "$root"/Sources/SynkAnalysis/Correlation/*.swift "$here/ci/main.swift" \
    "$work/kernels/kernels.o" -o "$work/kernel-check"
built=$(date +%s)

# count MODE: instructions of kernelWorkload with SYNK_KERNELS=MODE ("swift": the portable Swift loops;
# "auto": the AVX2+FMA kernels where the processor has them). Prints "COUNT CHECKSUM".
count() {
    SYNK_KERNELS="$1" valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*kernelWorkload*' \
        --callgrind-out-file="$work/callgrind.$1" "$work/kernel-check" >"$work/stdout.$1" 2>"$work/stderr.$1" || {
        cat "$work/stderr.$1" >&2; echo "kernel-check: the workload failed under valgrind" >&2; exit 2; }
    local n
    n=$(grep -E '^(summary|totals):' "$work/callgrind.$1" | head -1 | awk '{print $2}')
    if [ -z "$n" ] || [ "$n" -le 0 ]; then echo "kernel-check: no instruction count" >&2; exit 2; fi
    echo "$n $(awk '/checksum/ {print $2}' "$work/stdout.$1")"
}
read -r swift_count swift_checksum < <(count swift)
read -r auto_count auto_checksum < <(count auto)
"$work/kernel-check" --has-vector-kernels >/dev/null && vector=1 || vector=0
echo "kernel-check: kernelWorkload executed $swift_count instructions with the Swift loops (checksum $swift_checksum)," \
     "$auto_count with $([ $vector = 1 ] && echo "the AVX2+FMA kernels" || echo "the default kernels (no AVX2+FMA here)") (checksum $auto_checksum);" \
     "build $((built - start)) s, run $(( $(date +%s) - built )) s"

if [ "${1:-}" = "--update" ]; then
    [ $vector = 1 ] || { echo "kernel-check: --update needs a processor with AVX2+FMA (both baselines)" >&2; exit 2; }
    mkdir -p "$(dirname "$baseline")"
    printf '{\n  "workload": "kernelWorkload() in Benchmarks/ci/main.swift",\n  "instructions": %s,\n  "instructions_avx2": %s,\n  "checksum": "%s",\n  "threshold_percent": %s,\n  "swiftc": "%s"\n}\n' \
        "$swift_count" "$auto_count" "$swift_checksum" "$threshold" "$("$swiftc" --version 2>&1 | head -1 | sed 's/"/\\"/g')" >"$baseline"
    echo "kernel-check: baseline written to $baseline"
    exit 0
fi

[ -f "$baseline" ] || { echo "kernel-check: no baseline at $baseline (run with --update)" >&2; exit 2; }
# gate NAME NOW BASE: fails when NOW exceeds BASE by more than the threshold.
gate() {
    awk -v name="$1" -v now="$2" -v base="$3" -v limit="$threshold" 'BEGIN {
        change = 100 * (now - base) / base
        printf "kernel-check: %s: baseline %d, now %d, change %+.3f %% (limit +%s %%)\n", name, base, now, change, limit
        if (change > limit) { printf "kernel-check: REGRESSION: %s executes more instructions than allowed\n", name; exit 1 }
        if (change < -limit) printf "kernel-check: %s is faster than the baseline by more than the threshold; consider --update\n", name
        exit 0
    }'
}
status=0
gate "Swift loops" "$swift_count" "$(sed -n 's/.*"instructions": *\([0-9]*\).*/\1/p' "$baseline")" || status=1
if [ $vector = 1 ]; then
    gate "AVX2+FMA kernels" "$auto_count" "$(sed -n 's/.*"instructions_avx2": *\([0-9]*\).*/\1/p' "$baseline")" || status=1
fi
[ "$swift_checksum" = "$auto_checksum" ] || echo "kernel-check: note: the two paths' checksums differ in rounding ($swift_checksum vs $auto_checksum)"
exit $status
