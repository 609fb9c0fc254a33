#!/usr/bin/env bash
# synk against the scipy/numpy pipeline a researcher would otherwise write, in one run on this machine.
#
# 1. Generates 1 h and 2 h × 16 channels × 2 kHz float WAVs (make_wav.py) and a montage (8 muscles × 2 sides).
# 2. Times (wall clock and peak RSS from /usr/bin/time -v):
#      synk synkinesis 1h.wav (and 2h.wav) --montage … --format json     the product, end to end
#      scipy_pipeline.py 1h.wav                                            the peer
#      synk filter 1h.wav -o …wav                                          against lower_bound.c (decode + FFTW band-pass)
# 3. Checks that synk and scipy give the same correlations (within 0.01; first/last 10 s window reported but
#    exempt, see compare.py): synk's envelopes from
#    `synk filter --envelope linear:6hz --decimate 100`, correlated by synk's own kernel
#    (envelope-correlations/main.swift + Sources/SynkAnalysis/Correlation), against scipy_pipeline.py's JSON.
#
# usage: Benchmarks/peer/run.sh [WORKDIR=/tmp/synk-peer]     env: SYNK=path/to/release/synk, SKIP_2H=1, REPEAT=1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-/tmp/synk-peer}"
repeat="${REPEAT:-1}"
mkdir -p "$work"
synk="${SYNK:-$root/.build/release/synk}"
if [ ! -x "$synk" ]; then (cd "$root" && swift build -c release --product synk); fi

[ -f "$work/1h.wav" ] || python3 "$here/make_wav.py" "$work/1h.wav" --minutes 60
[ -n "${SKIP_2H:-}" ] || [ -f "$work/2h.wav" ] || python3 "$here/make_wav.py" "$work/2h.wav" --minutes 120
python3 - "$work/montage.json" <<'PY'
import json, sys
muscles = ["FRO", "COR", "OOc", "NAS", "ZYG", "BUC", "OOr", "DAO"]
channels = [{"label": f"ch{8 * s + i + 1}", "muscle": m, "side": side}
            for s, side in enumerate(["left", "right"]) for i, m in enumerate(muscles)]
json.dump({"affected_side": "left", "channels": channels}, open(sys.argv[1], "w"), indent=1)
PY
cc -O2 -o "$work/lower_bound" "$here/../lower-bound/lower_bound.c" -lsndfile -lfftw3f -lm
"$root/Benchmarks/build-kernels.sh" "$work"
swiftc -O -module-name EnvelopeCorrelations -I "$work/kernels" "$root"/Sources/SynkAnalysis/Correlation/*.swift \
    "$here/envelope-correlations/main.swift" "$work/kernels/kernels.o" -o "$work/envelope-correlations"

# measure NAME COMMAND...: runs under /usr/bin/time -v, prints and records "seconds peak_MB" of the fastest run
# (and prints its CPU time: user + system, the system part being mostly page faults for the scipy peer).
measure() {
    local name="$1"; shift
    local best_s="" best_mb="" best_cpu=""
    for _ in $(seq "$repeat"); do
        /usr/bin/time -v "$@" >"$work/$name.stdout" 2>"$work/$name.time" || {
            local rc=$?; if [ $rc -ne 1 ]; then cat "$work/$name.time" >&2; echo "$name failed ($rc)" >&2; exit 1; fi; }
        local wall mb cpu
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/$name.time")
        mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/$name.time")
        cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "CPU %.2f s user + %.2f s system", u, s}' "$work/$name.time")
        if [ -z "$best_s" ] || awk -v a="$wall" -v b="$best_s" 'BEGIN {exit !(a < b)}'; then best_s=$wall; best_mb=$mb; best_cpu=$cpu; fi
    done
    printf '%-34s %8.2f s  %8.1f MB peak RSS  (%s)\n' "$name" "$best_s" "$best_mb" "$best_cpu"
    echo "$best_s $best_mb" >"$work/$name.result"
}
result() { cut -d' ' -f"$2" "$work/$1.result"; }

echo "== wall time (best of $repeat) and peak RSS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure "synk synkinesis 1h" "$synk" synkinesis "$work/1h.wav" --montage "$work/montage.json" --format json -o "$work/synk-1h.json"
[ -n "${SKIP_2H:-}" ] || measure "synk synkinesis 2h" "$synk" synkinesis "$work/2h.wav" --montage "$work/montage.json" --format json -o "$work/synk-2h.json"
measure "scipy pipeline 1h" python3 "$here/scipy_pipeline.py" "$work/1h.wav" "$work/scipy-1h.json"
measure "synk filter 1h" "$synk" filter "$work/1h.wav" -o "$work/filtered-1h.wav"
measure "lower bound 1h (decode + FFTW)" "$work/lower_bound" "$work/1h.wav"
measure "synk envelopes 1h (linear 6 Hz)" "$synk" filter "$work/1h.wav" -o "$work/envelopes-1h.wav" --envelope linear:6hz --decimate 100
"$work/envelope-correlations" "$work/envelopes-1h.wav" "$work/synk-correlations-1h.json"

echo "== ratios"
awk -v s="$(result 'synk synkinesis 1h' 1)" -v p="$(result 'scipy pipeline 1h' 1)" \
    'BEGIN {printf "scipy / synk synkinesis (1 h):        %.1f× faster (target ≥ 25×)\n", p / s}'
[ -n "${SKIP_2H:-}" ] || awk -v a="$(result 'synk synkinesis 1h' 2)" -v b="$(result 'synk synkinesis 2h' 2)" \
    'BEGIN {printf "peak RSS 2 h / 1 h:                   %.3f (target ≤ 1.10; 1 h ≤ 200 MB: %.0f MB)\n", b / a, a}'
awk -v f="$(result 'synk filter 1h' 1)" -v l="$(result 'lower bound 1h (decode + FFTW)' 1)" \
    'BEGIN {printf "synk filter / lower bound (1 h):      %.2f (target ≤ 2)\n", f / l}'
echo "== correlations (synk kernel on synk envelopes vs scipy)"
python3 "$here/compare.py" "$work/scipy-1h.json" "$work/synk-correlations-1h.json" 0.01
