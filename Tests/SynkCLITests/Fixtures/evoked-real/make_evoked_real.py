#!/usr/bin/env python3
"""Converts real MEP recordings (MEPFeatX sample data, BSD-3-Clause) into small continuous CSV recordings with a
stimuli table, and measures the same averaged sweeps independently with numpy/scipy (reference values).

Usage: make_evoked_real.py MEPFEATX_DATA_DIR OUT_DIR

MEPFEATX_DATA_DIR holds ID01.mat, ID04.mat, ID06.mat from github.com/NeuromodulationUEF/MEPFeatX
(reference/data/, commit 552aa4d). Each .mat holds `meps` (samples x sweeps, µV, 3 kHz, the TMS pulse at
sample 150, i.e. sweeps from -50 ms).

The reference measurement is independent of synk's code and method: the sweeps are baseline-corrected on
[-5, -0.2] ms and averaged; the average is upsampled tenfold with a cubic spline (scipy); the onset is where,
walking back from the first peak that reaches 20 % of the largest, the upsampled average last lies within
max(3 baseline SDs, 1 % of the largest peak) (the MEP onset rule "first deflection beyond 3 SD of the background",
e.g. MEPFeatX's find_latency, with a floor for very clean averages); the peak-to-peak amplitude is max - min of the upsampled average from the onset to the window end
(50 ms) (IFCN: largest peak-to-peak of the MEP).
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.io as sio
from scipy.interpolate import CubicSpline

RATE = 3000.0
PRE_MS = 50.0           # MEPFeatX sweeps start 50 ms before the pulse
GAP_S = 0.06            # s of recorded pre-stimulus baseline repeated between sweeps (no invented signal)
TIME_ORIGIN_S = 10.0    # the exported time column starts here (tests the recording's own time base)
WINDOW = (-5.0, 50.0)   # ms, the window synk is run with (--window -5ms:50ms)

SOURCES = [
    # file, sweeps used, muscle label in the fixture (a stand-in facial code: synk maps labels to facial muscles;
    # the recording is from the named limb muscle), what it is
    ("ID01.mat", 40, "MEN-L", "first dorsal interosseous (FDI) MEP, single-pulse TMS at 120 % rMT"),
    ("ID04.mat", 20, "MEN-L", "tibialis anterior (TA) MEP, paired-pulse SICF 1.4 ms, 120 % rMT"),
    ("ID06.mat", 20, "MEN-L", "tibialis anterior (TA) MEP, paired-pulse SICF 7.0 ms, 120 % rMT"),
]


def reference(sweeps: np.ndarray) -> dict:
    """Independent measurement of the average of `sweeps` (samples x sweeps, µV; sample PRE is the stimulus)."""
    pre = int(round(PRE_MS / 1000 * RATE))
    t = (np.arange(sweeps.shape[0]) - pre) / RATE * 1000
    b = (t >= WINDOW[0]) & (t <= -0.2)
    corrected = sweeps - sweeps[b, :].mean(axis=0, keepdims=True)
    avg = corrected.mean(axis=1)
    sd = avg[b].std(ddof=1)
    keep = (t >= WINDOW[0]) & (t <= WINDOW[1])
    spline = CubicSpline(t[keep], avg[keep])
    fine_t = np.arange(0.5, WINDOW[1], 1 / RATE * 1000 / 10)
    fine = spline(fine_t)
    largest = np.abs(fine).max()
    first_peak = int(np.argmax(np.abs(fine) >= 0.2 * largest))
    # Walk back to the last point within 3 SD of the baseline (or 1 % of the largest peak, whichever is larger: a
    # sub-µV drift of a very clean average is not the response's departure).
    level = max(3 * sd, 0.01 * largest)
    k = first_peak
    while k > 0 and abs(fine[k]) > level:
        k -= 1
    onset = float(fine_t[k])
    span = fine[k:]
    return {
        "onset_ms": onset,
        "pp_mv": float((span.max() - span.min()) / 1000),
        "baseline_sd_uv": float(sd),
        "sweeps": int(sweeps.shape[1]),
    }


def main() -> None:
    source_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    references = {}
    for name, count, label, what in SOURCES:
        data = sio.loadmat(source_dir / name)["meps"][:, :count]
        n = data.shape[0]
        gap = int(GAP_S * RATE)
        # Continuous recording: each sweep's own samples, separated by a copy of that sweep's pre-stimulus
        # baseline repeated (no invented signal: only samples that were recorded, no zeros).
        pieces, stimuli = [], []
        position = 0
        pre = int(round(PRE_MS / 1000 * RATE))
        for s in range(data.shape[1]):
            sweep = data[:, s]
            filler = np.resize(sweep[: pre - int(0.01 * RATE)], gap)
            pieces.append(filler)
            position += gap
            pieces.append(sweep)
            stimuli.append(TIME_ORIGIN_S + (position + pre) / RATE)
            position += n
        signal = np.concatenate(pieces)
        stem = name.replace(".mat", "").lower()
        times = TIME_ORIGIN_S + np.arange(signal.size) / RATE
        with open(out_dir / f"mepfeatx_{stem}.csv", "w") as f:
            f.write(f"time_s,{label}\n")
            for tt, v in zip(times, signal):
                f.write(f"{tt:.6f},{v:.3f}\n")
        with open(out_dir / f"mepfeatx_{stem}_stimuli.csv", "w") as f:
            f.write("time_s,side\n")
            for tt in stimuli:
                f.write(f"{tt:.6f},left\n")
        ref = reference(data)
        ref.update({"file": f"mepfeatx_{stem}.csv", "what": what, "channel": label})
        references[stem] = ref
    (out_dir / "evoked_real_reference.json").write_text(json.dumps(references, indent=2) + "\n")


if __name__ == "__main__":
    main()
