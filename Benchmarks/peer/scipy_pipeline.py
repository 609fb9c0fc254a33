#!/usr/bin/env python3
"""The pipeline a researcher would otherwise write with scipy/numpy, as the peer synk is measured against.

On a float WAV of C channels (first half left side, second half right side):
  4th-order Butterworth 20-450 Hz zero-phase band-pass (sosfiltfilt) → full-wave rectification →
  6 Hz 4th-order Butterworth zero-phase low-pass (the linear envelope) → envelopes decimated to 100 Hz
  (every 20th sample at 2 kHz, after the 6 Hz low-pass no anti-aliasing is needed) →
  correlation matrix of the whole recording, correlation matrices of consecutive 10 s windows, and the peak
  normalised cross-correlation within ±200 ms for every ipsilateral pair.
Writes the results as JSON so they can be compared with synk's (within 0.01).

usage: scipy_pipeline.py IN.wav OUT.json
"""
import json
import struct
import sys

import numpy as np
from scipy import signal


def read_float_wav(path):
    with open(path, "rb") as f:
        head = f.read(12)
        assert head[:4] == b"RIFF" and head[8:12] == b"WAVE", "not a WAV file"
        channels = rate = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise SystemExit("no data chunk")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(size)
                tag, channels, rate = struct.unpack("<HHI", fmt[:8])
                bits = struct.unpack("<H", fmt[14:16])[0]
                assert tag in (3, 0xFFFE) and bits == 32, "expects 32-bit float WAV"
            elif cid == b"data":
                offset = f.tell()
                break
            else:
                f.seek(size + (size & 1), 1)
    data = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(size // (4 * channels), channels))
    return data, rate


def peak_xcorr(a, b, max_lag):
    """Peak over lags |k| ≤ max_lag of the Pearson correlation of a[t] and b[t+k] on their overlap."""
    best, best_lag = -2.0, 0
    n = len(a)
    for k in range(-max_lag, max_lag + 1):
        if k >= 0:
            x, y = a[: n - k], b[k:]
        else:
            x, y = a[-k:], b[: n + k]
        r = np.corrcoef(x, y)[0, 1]
        if r > best:
            best, best_lag = r, k
    return best, best_lag


def linear_envelopes(x, rate):
    """Band-pass 20-450 Hz (zero phase), rectify, 6 Hz zero-phase low-pass, every n-th sample to 100 Hz."""
    band = signal.butter(4, [20, 450], btype="bandpass", fs=rate, output="sos")
    low = signal.butter(4, 6, btype="lowpass", fs=rate, output="sos")
    y = signal.sosfiltfilt(band, x, axis=0)
    env = signal.sosfiltfilt(low, np.abs(y), axis=0)
    step = int(round(rate / 100))
    return env[::step], rate / step


def main():
    src, out = sys.argv[1], sys.argv[2]
    data, rate = read_float_wav(src)
    x = np.asarray(data, dtype=np.float64)          # the whole recording in memory, as scripts do
    env, env_rate = linear_envelopes(x, rate)
    whole = np.corrcoef(env.T)
    win = int(10 * env_rate)
    windows = [np.corrcoef(env[i:i + win].T) for i in range(0, len(env) - win + 1, win)]
    c = env.shape[1]
    half = c // 2
    max_lag = int(round(0.2 * env_rate))
    pairs = []
    for side in (range(0, half), range(half, c)):
        for i in side:
            for j in side:
                if i < j:
                    r, lag = peak_xcorr(env[:, i], env[:, j], max_lag)
                    pairs.append({"a": i, "b": j, "peak": float(r), "lag_ms": 1000.0 * lag / env_rate})
    with open(out, "w") as f:
        json.dump({"envelope_rate_hz": env_rate, "whole": whole.tolist(),
                   "windows": [w.tolist() for w in windows], "xcorr": pairs}, f)


if __name__ == "__main__":
    main()
