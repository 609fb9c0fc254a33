"""Reference for GapExclusionTests: the synkinesis measures of envelopes computed by numpy on the same data
*without* the frames a gap leaves out.

Four envelopes at 200 Hz (ZYG-L, OOc-L, ZYG-R, OOc-R), 10 s, one task (smile, driver ZYG) with two repetitions.
Scenario "bridged": frames 400-429 (a short gap with its guard) are cut out of repetition 1 for every channel.
Scenario "long": the same cut, and a long gap at frames 1300-1339 leaves out repetition 2 entirely.
For each scenario and side: Pearson r over the pooled kept frames (one pooled mean), the per-lag Pearson
cross-correlation over pairs lying inside the same kept piece (peak and lag within +-20 frames), the follower's RMS
sqrt(mean e^2) over the pooled kept frames, and its RMS per repetition (pieces of a repetition pooled).

Run: python3 make_gap_reference.py  (writes gap_reference.json next to it; numpy only)
"""
import json
import os

import numpy as np

rate = 200.0
n = 2000
rng = np.random.default_rng(22)


def smooth(x, width=9):
    kernel = np.ones(width) / width
    return np.convolve(x, kernel, mode="same")


t = np.arange(n) / rate
activity = ((t >= 1) & (t < 3.5)) | ((t >= 5.5) & (t < 8))
envelopes = []
for channel in range(4):
    base = 3 + 2 * np.abs(smooth(rng.standard_normal(n)))
    burst = activity * (40 if channel in (0, 2) else (15 if channel == 1 else 5)) * (1 + 0.3 * smooth(rng.standard_normal(n), 21))
    envelopes.append((base + np.abs(burst)).astype(np.float32))
# The affected (left) follower partly follows its driver, with a lag of 3 frames.
envelopes[1] = (envelopes[1] + 0.4 * np.roll(envelopes[0], 3)).astype(np.float32)

repetitions = [(200, 700), (1100, 1600)]
short_cut = (400, 430)
long_gap = (1300, 1340)
max_lag = 20


def pieces_for(scenario):
    """Kept pieces and the repetition each belongs to."""
    pieces, owners = [], []
    kept = 0
    for (a, b) in repetitions:
        if scenario == "long" and a < long_gap[1] and long_gap[0] < b:
            continue
        parts = []
        if a < short_cut[1] and short_cut[0] < b:
            if short_cut[0] > a:
                parts.append((a, short_cut[0]))
            if short_cut[1] < b:
                parts.append((short_cut[1], b))
        else:
            parts.append((a, b))
        pieces += parts
        owners += [kept] * len(parts)
        kept += 1
    return pieces, owners


def measures(driver, follower, pieces, owners):
    d = np.concatenate([driver[a:b] for a, b in pieces]).astype(np.float64)
    f = np.concatenate([follower[a:b] for a, b in pieces]).astype(np.float64)
    r = float(np.corrcoef(d, f)[0, 1])
    curve = []
    for k in range(-max_lag, max_lag + 1):
        xs, ys = [], []
        for a, b in pieces:
            for i in range(a, b):
                j = i + k
                if a <= j < b:
                    xs.append(float(driver[i]))
                    ys.append(float(follower[j]))
        curve.append(float(np.corrcoef(xs, ys)[0, 1]))
    best = int(np.argmax(curve))
    rms = float(np.sqrt(np.mean(f * f)))
    per = []
    for owner in sorted(set(owners)):
        e = np.concatenate([follower[a:b] for (a, b), o in zip(pieces, owners) if o == owner]).astype(np.float64)
        per.append(float(np.sqrt(np.mean(e * e))))
    return {"r": r, "peak_xcorr": curve[best], "lag_frames": best - max_lag, "rms": rms, "repetition_rms": per,
            "n_samples": int(len(d))}


out = {"sample_rate_hz": rate, "labels": ["ZYG-L", "OOc-L", "ZYG-R", "OOc-R"],
       "envelopes": [[float(v) for v in e] for e in envelopes],
       "repetitions": [list(r) for r in repetitions], "short_cut": list(short_cut), "long_gap": list(long_gap),
       "max_lag_frames": max_lag}
for scenario in ("bridged", "long"):
    pieces, owners = pieces_for(scenario)
    out[scenario] = {"pieces": [list(p) for p in pieces], "owners": owners,
                     "left": measures(envelopes[0], envelopes[1], pieces, owners),
                     "right": measures(envelopes[2], envelopes[3], pieces, owners)}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gap_reference.json"), "w") as fh:
    json.dump(out, fh)
