#!/usr/bin/env bash
# Folds what a fuzzing run found into the committed corpus: the inputs of Fuzz/corpus/<target> and of the run's
# working corpus Fuzz/.build/corpus/<target> are reduced by libFuzzer to a smallest set that keeps every feature
# (-set_cover_merge), which replaces Fuzz/corpus/<target>. CI replays every committed input through the synk binary
# (FuzzReplayTests), so keep the set small.
#   Fuzz/minimise.sh [target...]     (default: every target with a working corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=Fuzz/.build
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$OUT"/corpus/*/; do targets+=("$(basename "$d")"); done
fi
for t in "${targets[@]}"; do
  [ -x "$OUT/fuzz-$t" ] || { echo "build fuzz-$t first (Fuzz/build.sh $t)" >&2; exit 1; }
  asan_extra=""
  [ "$t" = hdf5 ] && asan_extra=":allocator_may_return_null=1:max_allocation_size_mb=2048:quarantine_size_mb=16:symbolize=0"
  merged="$OUT/merged-$t"
  rm -rf "$merged"; mkdir -p "$merged" "Fuzz/corpus/$t"
  ASAN_OPTIONS="detect_leaks=0$asan_extra" "$OUT/fuzz-$t" -set_cover_merge=1 -rss_limit_mb=2048 -timeout=10 \
    "$merged" "Fuzz/corpus/$t" "$OUT/corpus/$t" > "$OUT/logs/minimise-$t.log" 2>&1
  before=$(ls "Fuzz/corpus/$t" | wc -l)
  rm -rf "Fuzz/corpus/$t"; mv "$merged" "Fuzz/corpus/$t"
  echo "$t: $(ls "Fuzz/corpus/$t" | wc -l) inputs ($(du -sk "Fuzz/corpus/$t" | cut -f1) KiB; was $before); $(grep -E 'MERGE-OUTER: [0-9]+ new files' "$OUT/logs/minimise-$t.log" | tail -1)"
done
