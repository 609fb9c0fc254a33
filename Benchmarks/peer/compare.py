#!/usr/bin/env python3
"""Compares two correlation JSON files (scipy_pipeline.py layout); exit 1 if a value differs by more than TOL.

The first and the last 10 s window are reported but not held to TOL: there the zero-phase filters' edge
conventions differ (both reflect the signal oddly about its end sample, but sosfiltfilt over 3·(2·sections+1)
samples and from steady-state initial conditions, synk over the whole kernel half-length; see ZeroPhaseFilter),
which changes the envelopes within the first and last second or so (the 6 Hz envelope filter is long).
Every other window, the whole-recording matrix and every peak cross-correlation must agree within TOL.

usage: compare.py SCIPY.json SYNK.json [TOL=0.01]
"""
import json
import sys

import numpy as np

a, b = (json.load(open(p)) for p in sys.argv[1:3])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
whole = np.max(np.abs(np.array(a["whole"]) - np.array(b["whole"])))
n = min(len(a["windows"]), len(b["windows"]))
per_window = np.abs(np.array(a["windows"][:n]) - np.array(b["windows"][:n])).max(axis=(1, 2)) if n else np.zeros(0)
windows = per_window[1:-1].max() if n > 2 else 0.0
edges = (per_window[0], per_window[-1]) if n else (0.0, 0.0)
pa = {(p["a"], p["b"]): p["peak"] for p in a["xcorr"]}
pb = {(p["a"], p["b"]): p["peak"] for p in b["xcorr"]}
xcorr = max(abs(pa[k] - pb[k]) for k in pa) if set(pa) == set(pb) else float("inf")
print(f"max |difference|: whole matrix {whole:.2e}, {max(0, n - 2)} interior window matrices {windows:.2e} "
      f"(edge windows: first {edges[0]:.2e}, last {edges[1]:.2e}) "
      f"(windows {len(a['windows'])} vs {len(b['windows'])}), peak xcorr of {len(pa)} pairs {xcorr:.2e}; tolerance {tol}")
ok = whole <= tol and windows <= tol and xcorr <= tol and len(a["windows"]) == len(b["windows"])
print("correlations agree" if ok else "CORRELATIONS DIFFER")
sys.exit(0 if ok else 1)
