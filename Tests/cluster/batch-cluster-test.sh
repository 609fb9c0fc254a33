#!/usr/bin/env bash
# batch-cluster-test.sh — `synk batch` on a real single-node Slurm cluster: a 4-task job array
# (sbatch --array=0-3, each task takes its shard from SLURM_ARRAY_TASK_ID/COUNT) over a generated
# dataset of 40 recordings plus one broken file, then `synk batch merge`, then a byte-for-byte
# comparison of the merged tables with a single-process run. Exits non-zero on any failure.
#
#   Tests/cluster/batch-cluster-test.sh        (as root; `make test-cluster` builds synk first)
#   SYNK=/path/to/synk  N_FILES=40  KEEP_WORKDIR=1  are honoured.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
H="$HERE/slurm-harness.sh"
SYNK=${SYNK:-$REPO/.build/debug/synk}
N_FILES=${N_FILES:-40}
N_TASKS=4
[ -x "$SYNK" ] || { echo "batch-cluster-test: no synk binary at $SYNK (swift build --product synk)" >&2; exit 2; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
T0=$(now)

W=$(mktemp -d /tmp/synk-batch-slurm.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if compgen -G "$W/run/*.pid" >/dev/null; then "$H" stop "$W" >/dev/null 2>&1 || true; fi
    if [ "$rc" -ne 0 ]; then
        echo "batch-cluster-test: FAILED (rc=$rc)" >&2
        for f in "$W"/jobs/*.log "$W"/log/slurmctld.log; do [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; } >&2; done
    fi
    if [ "${KEEP_WORKDIR:-0}" = 1 ]; then echo "batch-cluster-test: kept $W" >&2; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t=$(now); "$H" install >/dev/null; T_INSTALL=$(since "$t")
t=$(now); "$H" start "$W" >/dev/null; T_START=$(since "$t")
# shellcheck disable=SC1091
. "$W/env.sh"

DATASET="$W/jobs/dataset"
t=$(now); "$HERE/make-dataset.sh" "$SYNK" "$DATASET" "$N_FILES" 1; T_DATA=$(since "$t")

# Reference: one process, all files. Exit 3: the broken file is listed in errors.csv.
SINGLE="$W/jobs/single"
t=$(now)
rc=0; "$SYNK" batch "$DATASET" -o "$SINGLE" --jobs 2 2>"$W/jobs/single.log" || rc=$?
T_SINGLE=$(since "$t")
[ "$rc" -eq 3 ] || { echo "batch-cluster-test: single run exited $rc, want 3" >&2; exit 1; }

# The array: each task analyses its shard into the shared results folder and does not merge.
RESULTS="$W/jobs/results"
cat > "$W/jobs/batch-array.sh" <<'JOB'
#!/bin/bash
#SBATCH --job-name=synk-batch
"$SYNK" batch "$DATASET" -o "$RESULTS" --resume --jobs 1
rc=$?
# 3 = some file of this shard failed as input (listed in errors.csv); the shard itself succeeded.
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || exit "$rc"
JOB
chmod +x "$W/jobs/batch-array.sh"
t=$(now)
"$H" run "$W" -- --array=0-$((N_TASKS - 1)) --output="$W/jobs/%A_%a.log" \
    --export=ALL,SYNK="$SYNK",DATASET="$DATASET",RESULTS="$RESULTS" "$W/jobs/batch-array.sh"
T_ARRAY=$(since "$t")

fail=0
for i in $(seq 1 $N_TASKS); do
    grep -q "(shard $i/$N_TASKS of $((N_FILES + 1)) files)" "$W"/jobs/*_"$((i - 1))".log \
        || { echo "batch-cluster-test: task $((i - 1)) did not run shard $i/$N_TASKS" >&2; fail=1; }
done
if compgen -G "$RESULTS/synkinesis_pairs.csv" >/dev/null; then
    echo "batch-cluster-test: a shard merged on its own" >&2; fail=1
fi

rc=0; "$SYNK" batch merge "$RESULTS" 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] || { echo "batch-cluster-test: merge exited $rc, want 3" >&2; fail=1; }
for table in synkinesis_pairs.csv errors.csv not_applicable.csv; do
    if cmp -s "$SINGLE/$table" "$RESULTS/$table"; then
        echo "batch-cluster-test: $table identical ($(wc -l < "$RESULTS/$table") lines)"
    else
        echo "batch-cluster-test: $table differs between the array and one process" >&2; fail=1
    fi
done
rows=$(($(wc -l < "$RESULTS/synkinesis_pairs.csv") - 1))
[ "$rows" -eq $((4 * N_FILES)) ] || { echo "batch-cluster-test: $rows pair rows, want $((4 * N_FILES))" >&2; fail=1; }
n=$(find "$RESULTS/results" -name '*.json' ! -name '.*' | wc -l)
[ "$n" -eq "$N_FILES" ] || { echo "batch-cluster-test: $n result files, want $N_FILES" >&2; fail=1; }

t=$(now); "$H" stop "$W" >/dev/null; T_STOP=$(since "$t")
echo "batch-cluster-test: timings: install ${T_INSTALL}s start ${T_START}s dataset(${N_FILES}+1) ${T_DATA}s single ${T_SINGLE}s array(${N_TASKS} tasks) ${T_ARRAY}s stop ${T_STOP}s total $(since "$T0")s"
if [ "$fail" -eq 0 ]; then
    echo "batch-cluster-test: 1 passed, 0 failed"
else
    echo "batch-cluster-test: 0 passed, 1 failed"
    exit 1
fi
