#!/usr/bin/env bash
# make-dataset.sh SYNK DIR N [BROKEN] — a BIDS-like dataset of N small simulated synkinesis recordings
# (1 kHz, 2 tasks × 2 repetitions of 1 s contraction + 1 s rest, 3 muscles per side, seeds 1..N) under
# DIR/sub-XX/ses-Y/emg/, with EMG-BIDS sidecars; BROKEN=1 adds one truncated WAV that must fail as input.
set -euo pipefail
SYNK=$1 DIR=$2 N=$3 BROKEN=${4:-1}
mkdir -p "$DIR"
PARAMS="$DIR/.simulation.json"
cat > "$PARAMS" <<'JSON'
{"affected_side":"left","muscles":[{"muscle":"OOc"},{"muscle":"ZYG"},{"muscle":"OOr"}],
 "tasks":[{"name":"eye_closure","drivers":["OOc"],"repetitions":2},{"name":"smile","drivers":["ZYG"],"repetitions":2}],
 "couplings":[{"driver":"OOc","follower":"OOr","gain":0.4}]}
JSON
for i in $(seq 1 "$N"); do
    sub=$(printf '%02d' $(( (i - 1) / 2 + 1 ))); ses=$(( (i - 1) % 2 + 1 ))
    d="$DIR/sub-$sub/ses-$ses/emg"; mkdir -p "$d"
    "$SYNK" simulate synkinesis --parameters "$PARAMS" --sample-rate 1000 --contraction 1 --rest 1 --seed "$i" \
        --subject "$sub" --session "$ses" -o "$d/sub-${sub}_ses-${ses}_task-faces_run-1_emg.wav" >/dev/null
done
if [ "$BROKEN" = 1 ]; then
    d="$DIR/sub-99/ses-1/emg"; mkdir -p "$d"
    f=$(find "$DIR" -name '*_emg.wav' | sort | head -1)
    head -c 3000 "$f" > "$d/sub-99_ses-1_task-faces_run-1_emg.wav"
fi
