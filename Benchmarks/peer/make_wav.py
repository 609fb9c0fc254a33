#!/usr/bin/env python3
"""Writes a long multichannel 32-bit float WAV of synthetic facial sEMG for benchmarks.

Each channel is band-limited noise amplitude-modulated by slow random bursts (so envelopes and their
correlations are meaningful), plus a little 50 Hz mains. Written in chunks: memory stays small for
any duration. Uses only numpy (no soundfile), writing the WAVE_FORMAT_IEEE_FLOAT header by hand
(RF64 is not needed below 4 GiB).

usage: make_wav.py OUT.wav [--minutes 60] [--channels 16] [--rate 2000] [--seed 1]
"""
import argparse
import struct

import numpy as np


def write_header(f, channels, rate, frames):
    data_bytes = frames * channels * 4
    if data_bytes + 50 >= 2**32:
        raise SystemExit("file would exceed 4 GiB; use fewer minutes or channels")
    f.write(b"RIFF")
    f.write(struct.pack("<I", 4 + 26 + 12 + 8 + data_bytes))
    f.write(b"WAVE")
    f.write(b"fmt ")
    # WAVE_FORMAT_IEEE_FLOAT (3), with cbSize = 0 (18-byte fmt chunk)
    f.write(struct.pack("<IHHIIHHH", 18, 3, channels, rate, rate * channels * 4, channels * 4, 32, 0))
    f.write(b"fact")
    f.write(struct.pack("<II", 4, frames))
    f.write(b"data")
    f.write(struct.pack("<I", data_bytes))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--channels", type=int, default=16)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    frames = int(a.minutes * 60 * a.rate)
    chunk = a.rate * 60  # one minute at a time
    # Slow activation: a smoothed random walk per channel, shared in part between neighbours so
    # channel pairs have a range of true envelope correlations.
    with open(a.out, "wb") as f:
        write_header(f, a.channels, a.rate, frames)
        phase = rng.uniform(0, 2 * np.pi, a.channels)
        written = 0
        t0 = 0
        while written < frames:
            n = min(chunk, frames - written)
            t = (np.arange(n) + t0) / a.rate
            common = 0.5 + 0.5 * np.sin(2 * np.pi * 0.1 * t)
            env = np.empty((n, a.channels))
            for c in range(a.channels):
                own = 0.5 + 0.5 * np.sin(2 * np.pi * (0.05 + 0.01 * c) * t + phase[c])
                w = (c % 4) / 4.0
                env[:, c] = 20 + 150 * (w * common + (1 - w) * own)
            noise = rng.standard_normal((n, a.channels))
            # crude spectral shaping: first difference boosts high frequencies (sEMG-like tilt)
            shaped = np.diff(noise, axis=0, prepend=noise[:1])
            x = env * shaped / np.sqrt(2) + 5 * np.sin(2 * np.pi * 50 * t)[:, None]
            f.write(x.astype("<f4").tobytes())
            written += n
            t0 += n


if __name__ == "__main__":
    main()
