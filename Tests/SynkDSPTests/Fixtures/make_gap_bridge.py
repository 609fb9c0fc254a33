"""Reference for GapBridgeTests: a signal with runs of missing samples, bridged as numpy.interp bridges them.

numpy.interp over the finite samples draws the straight line between the neighbours of each run and holds the first
(last) finite value before (after) them, which is what synk's GapBridge is specified to do. The runs: a leading run of
4, single samples, runs of 3 and 5, two runs one sample apart, and a trailing run of 6.

Run: python3 make_gap_bridge.py  (writes gap_bridge.json next to it; numpy only)
"""
import json
import os

import numpy as np

rng = np.random.default_rng(2022)
n = 200
x = (300 + 20 * rng.standard_normal(n)).astype(np.float32)  # an electrode offset of 300 uV
missing = list(range(0, 4)) + [17, 40] + list(range(60, 63)) + list(range(101, 106)) + [130, 131, 133, 134] + list(range(194, 200))
x_missing = x.copy()
x_missing[missing] = np.nan
finite = np.flatnonzero(np.isfinite(x_missing))
bridged = np.interp(np.arange(n), finite, x_missing[finite].astype(np.float64))
runs = []
i = 0
while i < n:
    if np.isnan(x_missing[i]):
        j = i
        while j < n and np.isnan(x_missing[j]):
            j += 1
        runs.append([i, j - i])
        i = j
    else:
        i += 1
out = {"input": [None if np.isnan(v) else float(v) for v in x_missing], "bridged": [float(v) for v in bridged], "runs": runs}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gap_bridge.json"), "w") as fh:
    json.dump(out, fh)
