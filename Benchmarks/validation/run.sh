#!/usr/bin/env bash
# The synkinesis decision on a simulated validation cohort: make_cohort.py draws every subject's parameters
# (independently of the simulator's defaults), `synk simulate synkinesis` makes each recording with its ground
# truth, `synk synkinesis` analyses it as a user would (events from the file, nothing else given), and score.py
# prints the confusion table per pattern family against the targets (exit 0 when they are met).
#
# usage: Benchmarks/validation/run.sh [WORKDIR=/tmp/synk-validation]
#        env: SYNK=path/to/synk (default .build/release/synk), SUBJECTS=24, PATIENTS=16, SEED=1, JOBS=2,
#             RATES (default 2000,1000), PROFILE=issue|hard (hard: wider ranges than the targets ask, a stress test)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-/tmp/synk-validation}"
synk="${SYNK:-$root/.build/release/synk}"
if [ ! -x "$synk" ]; then (cd "$root" && swift build -c release --product synk); fi
mkdir -p "$work"
python3 "$here/make_cohort.py" "$work" --subjects "${SUBJECTS:-24}" --patients "${PATIENTS:-16}" --seed "${SEED:-1}" \
    ${RATES:+--rates "$RATES"} --profile "${PROFILE:-issue}"

one() {
    local name="$1" seed="$2" work="$3" synk="$4"
    [ -f "$work/$name.h5" ] || "$synk" simulate synkinesis --parameters "$work/$name.json" --seed "$seed" -o "$work/$name.h5"
    # Exit 1 (a channel excluded by quality) still writes the result.
    "$synk" synkinesis "$work/$name.h5" --format json -o "$work/$name.result.json" || [ $? -eq 1 ]
}
export -f one
python3 -c 'import json,sys; [print(e["name"], e["seed"]) for e in json.load(open(sys.argv[1]))]' "$work/cohort.json" |
    xargs -P "${JOBS:-2}" -n 2 bash -c 'one "$0" "$1" "'"$work"'" "'"$synk"'"'
python3 "$here/score.py" "$work"
