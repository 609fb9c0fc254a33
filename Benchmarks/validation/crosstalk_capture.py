#!/usr/bin/env python3
"""How much of a low-passed crosstalk copy synk's crosstalk regression captures (docs/synkinesis-decision.md).

A unit-variance surface-EMG-like carrier s (two band-pass sections around 80 Hz) leaks into a neighbouring channel
through a Butterworth low-pass (order 1 or 2, causal or zero-phase, cut-off 20-100 Hz). Both signals go through
synk's conditioning as the crosstalk tap sees them: 20-450 Hz zero-phase band-pass, then a causal 4th-order low-pass
at 200 Hz and every 4th sample (500 Hz tap, from 2 kHz). The copy is then predicted from the source's tap samples at
the lags synk uses (-3..+5) and at the narrower -1..+3 tried first. Printed: the low-pass's power gain on the carrier
within the band, and the share of the copy's power left unexplained by each lag window.

usage: crosstalk_capture.py [--seconds 30] [--seed 1]
"""
import argparse

import numpy as np
import scipy.signal as ss


def carrier(rng, n, fs, peak=80.0):
    bw = peak
    sos = ss.butter(1, [max(1, peak - bw / 2), peak + bw / 2], btype="band", fs=fs, output="sos")
    x = ss.sosfilt(sos, ss.sosfilt(sos, rng.standard_normal(n)))
    return x / x.std()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    fs, factor = 2000.0, 4
    rng = np.random.default_rng(a.seed)
    n = int(fs * a.seconds)
    band = ss.butter(4, [20, 450], btype="band", fs=fs, output="sos")
    length = 6 * factor + 1
    fir = ss.firwin(length, 0.4 * fs / factor, window=("kaiser", 3.4), fs=fs)
    windows = {"-1..+3": range(-1, 4), "-3..+5": range(-3, 6)}
    print(f"{'low-pass':<22} {'gain':>6}  " + "  ".join(f"unexplained {k:>7}" for k in windows))
    for zero in (False, True):
        for order in (1, 2):
            for cutoff in (20, 30, 50, 100):
                s = carrier(rng, n, fs)
                lp = ss.butter(order, cutoff, fs=fs, output="sos")
                x = ss.sosfiltfilt(lp, s) if zero else ss.sosfilt(lp, s)
                S = np.convolve(ss.sosfiltfilt(band, s), fir)[:n][::factor]
                X = np.convolve(ss.sosfiltfilt(band, x), fir)[:n][::factor]
                cells = []
                for lags in windows.values():
                    A = np.stack([np.roll(S, k) for k in lags], 1)[50:-50]
                    y = X[50:-50]
                    h, *_ = np.linalg.lstsq(A, y, rcond=None)
                    cells.append(np.var(y - A @ h) / np.var(y))
                name = f"{'zero-phase' if zero else 'causal'} order {order} {cutoff:>3} Hz"
                print(f"{name:<22} {np.var(X) / np.var(S):6.3f}  " + "  ".join(f"{c:19.4f}" for c in cells))


if __name__ == "__main__":
    main()
