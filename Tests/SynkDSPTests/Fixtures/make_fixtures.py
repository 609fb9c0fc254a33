#!/usr/bin/env python3
"""Reference vectors for SynkDSPTests, made with numpy/scipy (run once; outputs are committed).

    python3 make_fixtures.py      # writes into this directory

Files:
  designs.json   Butterworth SOS (scipy.signal.butter(..., output="sos")), iirnotch and comb coefficients
  *.f32          raw little-endian float32 arrays; their meaning is listed in signals.json
"""
import json
import os

import numpy as np
from scipy import signal

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261122)


def f32(name, array):
    np.asarray(array, dtype="<f4").tofile(os.path.join(HERE, name))
    return name


# --- Butterworth designs -----------------------------------------------------------------
designs = []
cases = []
for order in [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 16, 20, 24]:
    cases.append((order, "lowpass", 450.0, 2000.0))
    cases.append((order, "highpass", 20.0, 2000.0))
    cases.append((order, "bandpass", [20.0, 450.0], 2000.0))
    cases.append((order, "bandstop", [45.0, 55.0], 2000.0))
for order in [1, 2, 4, 9]:
    cases.append((order, "highpass", 20.0, 20000.0))
    cases.append((order, "bandpass", [30.0, 3000.0], 20000.0))
    cases.append((order, "lowpass", 6.0, 2000.0))
    cases.append((order, "bandpass", [300.0, 320.0], 1000.0))
for order, btype, wn, fs in cases:
    sos = signal.butter(order, wn, btype=btype, fs=fs, output="sos")
    designs.append({"order": order, "btype": btype, "wn": wn if isinstance(wn, list) else [wn],
                    "fs": fs, "sos": sos.tolist()})

notches = []
for f0, q, fs in [(50.0, 30.0, 2000.0), (60.0, 35.0, 2000.0), (50.0, 10.0, 1000.0)]:
    b, a = signal.iirnotch(f0, q, fs=fs)
    notches.append({"f0": f0, "q": q, "fs": fs, "b": b.tolist(), "a": a.tolist()})

# A harmonic comb: iirnotch at k·f0 with quality k·Q (every notch as wide as the first), k·f0 < fs/2.
combs = []
for f0, q, harmonics, fs in [(50.0, 30.0, 5, 2000.0), (300.0, 20.0, 10, 2000.0)]:
    sections = []
    k = 1
    while k <= harmonics and k * f0 < fs / 2:
        b, a = signal.iirnotch(k * f0, k * q, fs=fs)
        sections.append(list(b) + list(a))
        k += 1
    combs.append({"f0": f0, "q": q, "harmonics": harmonics, "fs": fs, "sos": sections})

with open(os.path.join(HERE, "designs.json"), "w") as fh:
    json.dump({"butterworth": designs, "notch": notches, "comb": combs}, fh)

# --- Signals ------------------------------------------------------------------------------
signals = {}

# 2 kHz: 6 s of white noise + a 50 Hz hum + slow drift, band-passed 20-450 Hz order 4.
fs = 2000.0
n = int(6 * fs)
t = np.arange(n) / fs
x = rng.standard_normal(n) * 50 + 30 * np.sin(2 * np.pi * 50 * t) + 200 * np.sin(2 * np.pi * 0.3 * t)
x = x.astype(np.float32)
sos = signal.butter(4, [20, 450], btype="bandpass", fs=fs, output="sos")
signals["bandpass_2k"] = {"fs": fs, "input": f32("noise_2k.f32", x),
                          "output": f32("bandpass_2k.f32", signal.sosfiltfilt(sos, x.astype(np.float64)))}
sos_notch = np.array([list(b) + list(a) for b, a in [signal.iirnotch(50.0, 30.0, fs=fs)]])
signals["notch_2k"] = {"fs": fs, "input": "noise_2k.f32",
                       "output": f32("notch_2k.f32", signal.sosfiltfilt(sos_notch, x.astype(np.float64)))}

# 20 kHz: 2.5 s of noise + DC offset, high-pass 20 Hz order 4.
fs20 = 20000.0
n20 = int(2.5 * fs20)
x20 = (rng.standard_normal(n20) * 10 + 500).astype(np.float32)
sos20 = signal.butter(4, 20, btype="highpass", fs=fs20, output="sos")
signals["highpass_20k"] = {"fs": fs20, "input": f32("noise_20k.f32", x20),
                           "output": f32("highpass_20k.f32", signal.sosfiltfilt(sos20, x20.astype(np.float64)))}

# Envelopes of an EMG-like burst train: band-limited noise modulated by slow bursts, 2 kHz, 6 s.
burst = 0.2 + np.clip(np.sin(2 * np.pi * 0.5 * t), 0, None) ** 2
emg = signal.sosfiltfilt(sos, rng.standard_normal(n)) * 40 * burst
emg = emg.astype(np.float32)
e64 = emg.astype(np.float64)
signals["emg_2k"] = {"fs": fs, "input": f32("emg_2k.f32", emg)}
window = 201  # 100 ms centred window at 2 kHz (2·100 + 1 samples)
rms = np.sqrt(np.convolve(e64 ** 2, np.ones(window) / window, mode="same"))
signals["rms_100ms"] = {"fs": fs, "window_samples": window, "output": f32("rms_100ms.f32", rms)}
lin_sos = signal.butter(4, 6.0, btype="lowpass", fs=fs, output="sos")
linear = signal.sosfiltfilt(lin_sos, np.abs(e64))
signals["linear_6hz"] = {"fs": fs, "output": f32("linear_6hz.f32", linear)}
signals["hilbert"] = {"fs": fs, "output": f32("hilbert.f32", np.abs(signal.hilbert(e64)))}
tkeo = np.zeros_like(e64)
tkeo[1:-1] = e64[1:-1] ** 2 - e64[:-2] * e64[2:]
signals["tkeo"] = {"fs": fs, "output": f32("tkeo.f32", tkeo)}

# Decimation of the RMS envelope 2 kHz → 100 Hz: order-8 Butterworth low-pass at half the new Nyquist (25 Hz),
# forward-backward, then every 20th sample.
dec_sos = signal.butter(8, 25.0, btype="lowpass", fs=fs, output="sos")
rms32 = rms.astype(np.float32).astype(np.float64)
signals["decimate_100"] = {"fs": fs, "input": "rms_100ms.f32", "factor": 20,
                           "output": f32("decimate_100.f32", signal.sosfiltfilt(dec_sos, rms32)[::20])}

with open(os.path.join(HERE, "signals.json"), "w") as fh:
    json.dump(signals, fh, indent=1)
