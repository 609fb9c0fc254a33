#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) in turn, seeded from the committed, minimised corpus
# Fuzz/corpus/<target> (what earlier runs found), SampleData and the test fixtures; the growing corpora live in
# Fuzz/.build/corpus/<target>, crashes go to Fuzz/findings/. Fuzz/minimise.sh folds a run's corpus back into
# Fuzz/corpus/<target>.
#   FUZZ_SECONDS=600 Fuzz/run.sh [target...]
set -uo pipefail
cd "$(dirname "$0")/.."
EACH=${FUZZ_SECONDS:-60}
OUT=Fuzz/.build
FIX=Tests/SynkIOTests/Fixtures
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(sndfile edf text hdf5 bids montage)
Fuzz/build.sh "${targets[@]}" || exit 1
mkdir -p Fuzz/findings "$OUT/logs" "$OUT/seeds/text"
# The real text recordings are large; their first 8 KiB keep every header and many rows.
for f in SampleData/real/*.txt; do head -c 8192 "$f" > "$OUT/seeds/text/$(basename "$f")"; done
status=0
for t in "${targets[@]}"; do
  extra=()
  asan_extra=""
  case $t in
    sndfile) seeds=("$FIX/sndfile"); max=16384 ;;
    edf) seeds=("$FIX/edf"); max=20000 ;;
    text) seeds=("$FIX/text" "$OUT/seeds/text"); max=8192 ;;
    # libhdf5 1.10 is not hardened against corrupt files (Fuzz/README.md): the target parses each input in a
    # forked child first and contains the library's crashes, hangs and huge allocations as synk does, so a
    # finding here is a failure of synk's own code. Allocations above 2 GiB fail (return NULL) as they do
    # under the command's 2 GiB child limit. The child's AddressSanitizer reports are not symbolised (that took
    # half a second per contained crash); to see the stack of a finding, rerun it with ASAN_OPTIONS=symbolize=1.
    hdf5) seeds=("$FIX/hdf5" Fuzz/known-libhdf5-crashes Tests/SynkCLITests/Fixtures/hostile); max=40000
          extra=(); asan_extra=":allocator_may_return_null=1:max_allocation_size_mb=2048:quarantine_size_mb=16:symbolize=0" ;;
    bids) seeds=(Fuzz/seeds/bids); max=4096 ;;
    montage) seeds=(Fuzz/seeds/montage); max=4096 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  mkdir -p "$OUT/corpus/$t"
  [ -d "Fuzz/corpus/$t" ] && seeds=("Fuzz/corpus/$t" "${seeds[@]}")
  echo "== fuzz-$t for $EACH s"
  ASAN_OPTIONS="detect_leaks=0$asan_extra" "$OUT/fuzz-$t" "$OUT/corpus/$t" "${seeds[@]}" -max_total_time="$EACH" -max_len=$max -timeout=10 \
    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="Fuzz/findings/$t-" ${extra[@]+"${extra[@]}"} \
    > "$OUT/logs/$t.log" 2>&1 || status=1
  grep -E "^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)" "$OUT/logs/$t.log" | tail -1
  grep -E "stat::number_of_executed_units|ERROR: |Done [0-9]+ runs|^#[0-9]+: cov:" "$OUT/logs/$t.log" | tail -3
done
# Each target removes its /dev/shm folder when it ends; folders of crashed processes go here.
for d in /dev/shm/synk-fuzz-*; do
  [ -d "$d" ] || continue
  pid=${d##*-}
  kill -0 "$pid" 2>/dev/null || rm -rf "$d"
done
exit $status
