#!/usr/bin/env bash
# smoke-test.sh — prove slurm-harness.sh end to end: install, start a
# single-node cluster in a temp dir, run a 4-task job array, check the
# outputs, stop, clean up. Exits non-zero on any failure.
#
#   Tests/cluster/smoke-test.sh            (as root)
#   KEEP_WORKDIR=1 Tests/cluster/smoke-test.sh   keep the temp dir for a look
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
H="$HERE/slurm-harness.sh"
N_TASKS=4

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

W=$(mktemp -d /tmp/synk-slurm.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # Only if something is (maybe) still up: the happy path stopped already.
    if compgen -G "$W/run/*.pid" >/dev/null; then "$H" stop "$W" || true; fi
    if [ "$rc" -ne 0 ]; then
        echo "smoke-test: FAILED (rc=$rc); daemon logs follow" >&2
        for f in "$W"/log/*; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; } >&2; done
    fi
    if [ "${KEEP_WORKDIR:-0}" = 1 ]; then echo "smoke-test: kept $W" >&2; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t=$(now); "$H" install;      T_INSTALL=$(since "$t")
t=$(now); "$H" start "$W";   T_START=$(since "$t")

# shellcheck disable=SC1091
. "$W/env.sh"
OUT="$W/jobs/out"
mkdir -p "$OUT"
cat > "$W/jobs/array.sh" <<'EOF'
#!/bin/bash
echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT" > "$OUT_DIR/task.$SLURM_ARRAY_TASK_ID"
EOF
chmod +x "$W/jobs/array.sh"

t=$(now)
"$H" run "$W" -- --array=0-$((N_TASKS - 1)) --job-name=smoke \
    --output="$W/jobs/%A_%a.log" --export=ALL,OUT_DIR="$OUT" "$W/jobs/array.sh"
T_RUN=$(since "$t")

fail=0
for i in $(seq 0 $((N_TASKS - 1))); do
    f="$OUT/task.$i"
    if [ ! -f "$f" ]; then echo "smoke-test: missing $f" >&2; fail=1; continue; fi
    got=$(cat "$f")
    if [ "$got" != "$i $N_TASKS" ]; then
        echo "smoke-test: $f has '$got', want '$i $N_TASKS'" >&2; fail=1
    fi
done
n=$(find "$OUT" -type f | wc -l)
[ "$n" -eq "$N_TASKS" ] || { echo "smoke-test: $n output files, want $N_TASKS" >&2; fail=1; }

# A failing task must make `run` fail.
cat > "$W/jobs/fails.sh" <<'EOF'
#!/bin/bash
[ "$SLURM_ARRAY_TASK_ID" = 1 ] && exit 7
exit 0
EOF
if "$H" run "$W" -- --array=0-1 --output=/dev/null "$W/jobs/fails.sh" 2>/dev/null; then
    echo "smoke-test: run returned 0 for an array with a failing task" >&2; fail=1
fi

t=$(now); "$H" stop "$W"; T_STOP=$(since "$t")
for p in munged slurmctld slurmd; do
    if [ -s "$W/run/$p.pid" ] && kill -0 "$(cat "$W/run/$p.pid")" 2>/dev/null; then
        echo "smoke-test: $p still running after stop" >&2; fail=1
    fi
done

echo "smoke-test: timings: install ${T_INSTALL}s start ${T_START}s run(${N_TASKS} tasks) ${T_RUN}s stop ${T_STOP}s"
if [ "$fail" -eq 0 ]; then
    echo "smoke-test: 1 passed, 0 failed"
else
    echo "smoke-test: 0 passed, 1 failed"
    exit 1
fi
