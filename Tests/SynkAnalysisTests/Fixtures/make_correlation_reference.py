#!/usr/bin/env python3
"""Reference values for SynkAnalysis correlation kernels and statistics, computed independently with numpy/scipy.

Writes correlation_reference.json next to this script. Run: python3 make_correlation_reference.py
Envelopes are stored as float32-representable values (rounded through np.float32) so Swift reads the same numbers.
"""
import json
import os
import numpy as np
from scipy import stats

rng = np.random.default_rng(20261122)
n = 400
fs = 100.0


def smooth_noise(length, phi):
    e = rng.standard_normal(length)
    out = np.empty(length)
    acc = 0.0
    for i in range(length):
        acc = phi * acc + e[i]
        out[i] = acc
    return out


base = smooth_noise(n + 20, 0.9)
driver = 10.0 + base[20:] + 0.3 * rng.standard_normal(n)
lag_true = 3  # follower trails driver by 3 samples
follower = 5.0 + 0.8 * base[20 - lag_true:n + 20 - lag_true] + 0.5 * smooth_noise(n, 0.7)
other1 = 7.0 + smooth_noise(n, 0.8)
other2 = 2.0 + 0.5 * driver + smooth_noise(n, 0.5)
driver = driver.astype(np.float32).astype(np.float64)
follower = follower.astype(np.float32).astype(np.float64)
other1 = other1.astype(np.float32).astype(np.float64)
other2 = other2.astype(np.float32).astype(np.float64)


def per_lag_pearson(x, y, segments, lag):
    xs, ys = [], []
    for a, b in segments:
        lo = max(a, a - lag)
        hi = min(b, b - lag)
        if hi > lo:
            idx = np.arange(lo, hi)
            xs.append(x[idx])
            ys.append(y[idx + lag])
    if not xs:
        return None
    xx = np.concatenate(xs)
    yy = np.concatenate(ys)
    if len(xx) < 2 or np.std(xx) == 0 or np.std(yy) == 0:
        return None
    return float(np.corrcoef(xx, yy)[0, 1])


def peak(x, y, segments, max_lag):
    best = None
    for lag in sorted(range(-max_lag, max_lag + 1), key=lambda k: (abs(k), k)):
        r = per_lag_pearson(x, y, segments, lag)
        if r is None:
            continue
        if best is None or r > best[1]:
            best = (lag, r)
    return best


def autocorr_pooled(x, segments, max_lag):
    idx = np.concatenate([np.arange(a, b) for a, b in segments])
    m = x[idx].mean()
    c = np.zeros_like(x)
    c[idx] = x[idx] - m
    ss = np.sum(c[idx] ** 2)
    n_total = len(idx)
    rho = []
    for k in range(max_lag + 1):
        acc = 0.0
        pairs = 0
        for a, b in segments:
            if b - a > k:
                acc += np.dot(c[a:b - k], c[a + k:b])
                pairs += b - a - k
        # lagged mean product over existing pairs / pooled variance (the n/(n-k)-scaled estimator)
        rho.append((acc / pairs) / (ss / n_total) if pairs > 0 else 0.0)
    return np.array(rho)


def bartlett(x, y, segments):
    n_total = sum(b - a for a, b in segments)
    longest = max(b - a for a, b in segments)
    kmax = max(0, min(n_total // 4, longest - 1))
    rx = autocorr_pooled(x, segments, kmax)
    ry = autocorr_pooled(y, segments, kmax)
    s = 0.0
    last = 0
    for k in range(1, kmax + 1):
        p = rx[k] * ry[k]
        if p <= 0:
            break
        s += p
        last = k
    return n_total / max(1.0, 1 + 2 * s), last


whole = [(0, n)]
segments = [(20, 140), (200, 330), (350, 400)]
r_whole = stats.pearsonr(driver, follower)[0]
seg_idx = np.concatenate([np.arange(a, b) for a, b in segments])
r_segments = stats.pearsonr(driver[seg_idx], follower[seg_idx])[0]
max_lag = 10
peak_whole = peak(driver, follower, whole, max_lag)
peak_segments = peak(driver, follower, segments, max_lag)
curve_segments = [per_lag_pearson(driver, follower, segments, k) for k in range(-max_lag, max_lag + 1)]
matrix = np.corrcoef(np.vstack([driver, follower, other1, other2])).tolist()
window, step = 50, 25
sliding = [float(np.corrcoef(driver[s:s + window], follower[s:s + window])[0, 1])
           for s in range(0, n - window + 1, step)]
neff_whole, klast_whole = bartlett(driver, follower, whole)
neff_segments, klast_segments = bartlett(driver, follower, segments)


def fisher(r, neff, level=0.95):
    z = np.arctanh(r)
    se = 1 / np.sqrt(neff - 3)
    q = stats.norm.ppf(0.5 + level / 2)
    return float(np.tanh(z - q * se)), float(np.tanh(z + q * se)), float(2 * stats.norm.sf(abs(z / se)))


# Difference of two independent correlations (Zou 2007, eq. 13) with hand-picked inputs.
r1, n1, r2, n2 = 0.72, 41.0, 0.25, 57.5
l1, u1, _ = fisher(r1, n1)
l2, u2, _ = fisher(r2, n2)
zou_lower = r1 - r2 - np.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2)
zou_upper = r1 - r2 + np.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2)
z_diff = (np.arctanh(r1) - np.arctanh(r2)) / np.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
p_diff = float(2 * stats.norm.sf(abs(z_diff)))

out = {
    "sample_rate_hz": fs,
    "driver": driver.tolist(),
    "follower": follower.tolist(),
    "other1": other1.tolist(),
    "other2": other2.tolist(),
    "segments": [list(s) for s in segments],
    "max_lag": max_lag,
    "r_whole": float(r_whole),
    "r_segments": float(r_segments),
    "peak_whole": {"lag": peak_whole[0], "r": peak_whole[1]},
    "peak_segments": {"lag": peak_segments[0], "r": peak_segments[1]},
    "curve_segments": curve_segments,
    "matrix": matrix,
    "sliding": {"window": window, "step": step, "r": sliding},
    "bartlett_whole": {"n_eff": float(neff_whole), "k": klast_whole},
    "bartlett_segments": {"n_eff": float(neff_segments), "k": klast_segments},
    "fisher": {"r": float(r_whole), "n_eff": float(neff_whole),
               "ci": list(fisher(r_whole, neff_whole)[:2]), "p": fisher(r_whole, neff_whole)[2]},
    "zou": {"r1": r1, "n1": n1, "r2": r2, "n2": n2, "ci": [float(zou_lower), float(zou_upper)], "p": p_diff},
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "correlation_reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path, "peak", peak_whole, peak_segments, "neff", neff_whole, klast_whole, neff_segments, klast_segments)
