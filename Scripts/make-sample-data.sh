#!/usr/bin/env bash
# Regenerates SampleData/ (everything except SampleData/real/) with the simulator. Deterministic: the same
# synk version gives byte-identical files. Usage: Scripts/make-sample-data.sh [path/to/synk]
set -euo pipefail
cd "$(dirname "$0")/.."
SYNK=${1:-.build/release/synk}
OUT=SampleData
rm -rf "$OUT/bids" "$OUT/hdf5"
mkdir -p "$OUT/bids/sub-01/ses-1/emg" "$OUT/bids/sub-01/ses-2/emg" "$OUT/hdf5"

# One patient with left-sided synkinesis, five Sunnybrook tasks × 3 repetitions, 14 channels (7 muscles × 2
# sides) at 1 kHz; session 2, six months later, has weaker coupling. 2 s contractions, 1.5 s rest.
common=(--sample-rate 1000 --contraction 2 --rest 1.5 --subject 01)
for s in 1 2; do
  date=$([ "$s" = 1 ] && echo 2026-03-02T09:00:00Z || echo 2026-09-14T09:00:00Z)
  "$SYNK" simulate synkinesis --preset "patient-left-session$s" --seed "$s" --session "$s" --recorded-at "$date" "${common[@]}" \
    -o "$OUT/bids/sub-01/ses-$s/emg/sub-01_ses-${s}_task-sunnybrook_emg.wav"
  "$SYNK" simulate synkinesis --preset "patient-left-session$s" --seed "$s" --session "$s" --recorded-at "$date" "${common[@]}" \
    -o "$OUT/hdf5/sub-01_ses-${s}_sunnybrook.h5"
done
# Nerve conduction (ENoG) of the same patient: four branches, both sides, intensity series 4-35 mA, 20 kHz.
"$SYNK" simulate ncs --preset enog-left-palsy --seed 11 --subject 01 --session 1 --recorded-at 2026-03-02T10:00:00Z \
  -o "$OUT/hdf5/sub-01_ses-1_enog.h5"
# Blink reflex: left R1 delayed, R2 spreading into the left orbicularis oris (a synkinesis sign), 10 kHz.
"$SYNK" simulate blink --preset blink-left-palsy --seed 12 --subject 01 --session 1 --recorded-at 2026-03-02T10:30:00Z \
  -o "$OUT/hdf5/sub-01_ses-1_blink.h5"
du -sh "$OUT"
