#!/usr/bin/env python3
"""Makes the sound-file and EDF fixtures of SynkIOTests independently of libsndfile and EDFlib.

WAV files are written with Python's `wave` module (PCM16) or by hand (PCM24 RIFF); EDF+/BDF files are
written byte by byte from the EDF(+) specification. Next to each file a CSV holds the values a reader
must return, computed here with numpy in float64:
  PCM:  sample / 2**(bits-1)                      (libsndfile's normalisation)
  EDF:  (digital - dmin) * (pmax - pmin) / (dmax - dmin) + pmin, times 1000 for a signal in mV (-> µV)
Run: python3 Tests/SynkIOTests/Fixtures/sndfile/make_sndfile_edf_fixtures.py
"""
import os
import struct
import wave

import numpy as np

# The script lives in Fixtures/sndfile/ and writes into Fixtures/sndfile/ and Fixtures/edf/.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(20261122)


def write_csv(path, columns):
    data = np.column_stack(columns)
    np.savetxt(path, data, delimiter=",", fmt="%.17g")


# --- PCM16 WAV, 3 channels, 1000 Hz, 500 frames -------------------------------------------------------
frames, channels, rate = 500, 3, 1000
pcm16 = rng.integers(-32768, 32768, size=(frames, channels), dtype=np.int64)
pcm16[0] = [-32768, 32767, 0]  # the extremes must map to -1 and 1 - 2^-15
path = os.path.join(HERE, "sndfile", "pcm16_3ch_1000hz.wav")
with wave.open(path, "wb") as w:
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(pcm16.astype("<i2").tobytes())
write_csv(os.path.join(HERE, "sndfile", "pcm16_3ch_1000hz.csv"), [pcm16[:, c] / 32768.0 for c in range(channels)])

# --- PCM24 WAV, 4 channels, 2048 Hz, 300 frames (RIFF written by hand) ----------------------------------
frames, channels, rate = 300, 4, 2048
pcm24 = rng.integers(-(1 << 23), 1 << 23, size=(frames, channels), dtype=np.int64)
pcm24[0] = [-(1 << 23), (1 << 23) - 1, 0, 1]
raw = bytearray()
for value in pcm24.reshape(-1):
    raw += int(value & 0xFFFFFF).to_bytes(3, "little")
block_align = 3 * channels
fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block_align, block_align, 24)
body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(raw)) + bytes(raw)
with open(os.path.join(HERE, "sndfile", "pcm24_4ch_2048hz.wav"), "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
write_csv(os.path.join(HERE, "sndfile", "pcm24_4ch_2048hz.csv"), [pcm24[:, c] / float(1 << 23) for c in range(channels)])


# --- Sony Wave64, 32-bit float, 3 channels, 500 Hz, 200 frames (written by hand) ------------------------
frames, channels, rate = 200, 3, 500
w64_values = (rng.standard_normal((frames, channels)) * 100).astype("<f4")
GUID_TAIL = bytes.fromhex("F3ACD3118CD100C04F8EDB8A")
fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
fmt_chunk = b"fmt " + GUID_TAIL + struct.pack("<Q", 24 + len(fmt)) + fmt
fmt_chunk += b"\x00" * (-len(fmt_chunk) % 8)
payload = w64_values.tobytes()
data_chunk = b"data" + GUID_TAIL + struct.pack("<Q", 24 + len(payload)) + payload
riff_guid = b"riff" + bytes.fromhex("2E91CF11A5D628DB04C10000")
wave_guid = b"wave" + GUID_TAIL
total = 16 + 8 + 16 + len(fmt_chunk) + len(data_chunk)
with open(os.path.join(HERE, "sndfile", "float_3ch_500hz.w64"), "wb") as f:
    f.write(riff_guid + struct.pack("<Q", total) + wave_guid + fmt_chunk + data_chunk)
write_csv(os.path.join(HERE, "sndfile", "float_3ch_500hz.csv"), [w64_values[:, c].astype(np.float64) for c in range(channels)])

# --- Apple CAF, big-endian PCM16, 3 channels, 1500 Hz, 250 frames (written by hand) ---------------------
frames, channels, rate = 250, 3, 1500
caf_values = rng.integers(-32768, 32768, size=(frames, channels), dtype=np.int64)
desc = struct.pack(">dIIIIII", float(rate), int.from_bytes(b"lpcm", "big"), 0, 2 * channels, 1, channels, 16)
payload = caf_values.astype(">i2").tobytes()
with open(os.path.join(HERE, "sndfile", "pcm16_3ch_1500hz.caf"), "wb") as f:
    f.write(b"caff" + struct.pack(">HH", 1, 0))
    f.write(b"desc" + struct.pack(">q", len(desc)) + desc)
    f.write(b"data" + struct.pack(">q", 4 + len(payload)) + struct.pack(">I", 0) + payload)
write_csv(os.path.join(HERE, "sndfile", "pcm16_3ch_1500hz.csv"), [caf_values[:, c] / 32768.0 for c in range(channels)])


# --- EDF+ / BDF with a second rate and annotations ----------------------------------------------------
def field(text, width):
    text = str(text)
    assert len(text) <= width, (text, width)
    return text.ljust(width).encode("ascii")


def tal_record(record_index, record_seconds, annotations, size):
    """One annotation-signal block: the time-keeping TAL, then this record's annotations."""
    text = ("+%g" % (record_index * record_seconds)).encode() + b"\x14\x14\x00"
    for onset, duration, label in annotations:
        text += ("+%g" % onset).encode()
        if duration is not None:
            text += b"\x15" + ("%g" % duration).encode()
        text += b"\x14" + label.encode("utf-8") + b"\x14\x00"
    assert len(text) <= size, "annotation block too small"
    return text + b"\x00" * (size - len(text))


def write_edf(path, bdf, signals, records, record_seconds, annotations_per_record, patient, recording, start):
    """signals: list of dicts(label, unit, pmin, pmax, dmin, dmax, n, digital[records*n]) ; the
    annotation signal (if any) is a dict with label 'EDF Annotations' and key 'tal_bytes'."""
    width = 3 if bdf else 2
    ns = len(signals)
    head = b"\xffBIOSEMI" if bdf else field("0", 8)
    head += field(patient, 80) + field(recording, 80) + field(start[0], 8) + field(start[1], 8)
    head += field(256 * (ns + 1), 8)
    reserved = ("BDF+C" if bdf else "EDF+C") if any(s["label"] == "EDF Annotations" for s in signals) else ("24BIT" if bdf else "")
    head += field(reserved, 44) + field(records, 8) + field("%g" % record_seconds, 8) + field(ns, 4)
    samples_per_record = []
    for s in signals:
        if s["label"] == "EDF Annotations":
            samples_per_record.append(s["tal_bytes"] // width)
        else:
            samples_per_record.append(s["n"])
    columns = [
        [field(s["label"], 16) for s in signals],
        [field("", 80) for s in signals],
        [field(s.get("unit", ""), 8) for s in signals],
        [field(s["pmin"], 8) for s in signals],
        [field(s["pmax"], 8) for s in signals],
        [field(s["dmin"], 8) for s in signals],
        [field(s["dmax"], 8) for s in signals],
        [field("", 80) for s in signals],
        [field(n, 8) for n in samples_per_record],
        [field("", 32) for s in signals],
    ]
    for column in columns:
        for entry in column:
            head += entry
    assert len(head) == 256 * (ns + 1)
    data = bytearray()
    for r in range(records):
        for s, n in zip(signals, samples_per_record):
            if s["label"] == "EDF Annotations":
                data += tal_record(r, record_seconds, annotations_per_record.get(r, []), n * width)
            else:
                for value in s["digital"][r * n:(r + 1) * n]:
                    data += int(value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
    with open(path, "wb") as f:
        f.write(head + bytes(data))


def physical(digital, s):
    return (digital - s["dmin"]) * (s["pmax"] - s["pmin"]) / (s["dmax"] - s["dmin"]) + s["pmin"]


# EDF+C: 3 EMG signals at 1000 Hz (two in uV, one in mV), one 100 Hz signal, annotations; 0.5 s records.
records, record_seconds = 4, 0.5
emg = []
for label, unit, pmin, pmax in [("OOc-L", "uV", -3000, 3000), ("OOr-R", "uV", -2500.5, 2499.5), ("ZYG_L", "mV", -5, 5)]:
    digital = rng.integers(-32768, 32768, size=records * 500, dtype=np.int64)
    digital[0], digital[1] = -32768, 32767
    emg.append(dict(label=label, unit=unit, pmin=pmin, pmax=pmax, dmin=-32768, dmax=32767, n=500, digital=digital))
slow = dict(label="Resp", unit="mV", pmin=-1, pmax=1, dmin=-32768, dmax=32767, n=50,
            digital=rng.integers(-32768, 32768, size=records * 50, dtype=np.int64))
annotation_signal = dict(label="EDF Annotations", unit="", pmin=-1, pmax=1, dmin=-32768, dmax=32767, tal_bytes=120)
annotations = {0: [(0.25, 1.5, "smile")], 2: [(1.125, None, "eye_closure")]}
write_edf(os.path.join(HERE, "edf", "emg_3ch_1000hz_plus_resp_100hz.edf"), False,
          [emg[0], slow, emg[1], emg[2], annotation_signal], records, record_seconds, annotations,
          "P042 M 01-JAN-1970 X", "Startdate 22-NOV-2026 S7 X X affected_side=left", ("22.11.26", "09.15.30"))
values = [physical(s["digital"], s) * (1000.0 if s["unit"] == "mV" else 1.0) for s in emg]
write_csv(os.path.join(HERE, "edf", "emg_3ch_1000hz_plus_resp_100hz.csv"), values)

# Plain BDF (24-bit, no annotations): 3 signals at 256 Hz, 1 s records.
records = 2
bdf_signals = []
for label, pmin, pmax in [("FRO-R", -262144, 262143), ("MEN-L", -1000.25, 1000.75), ("Status", 0, 8388607)]:
    digital = rng.integers(-(1 << 23), 1 << 23, size=records * 256, dtype=np.int64)
    digital[0], digital[1] = -(1 << 23), (1 << 23) - 1
    bdf_signals.append(dict(label=label, unit="uV" if label != "Status" else "Boolean", pmin=pmin, pmax=pmax,
                            dmin=-(1 << 23), dmax=(1 << 23) - 1, n=256, digital=digital))
write_edf(os.path.join(HERE, "edf", "bdf_3ch_256hz.bdf"), True, bdf_signals, records, 1, {},
          "S001", "Synk fixture", ("01.02.03", "04.05.06"))
write_csv(os.path.join(HERE, "edf", "bdf_3ch_256hz.csv"), [physical(s["digital"], s) for s in bdf_signals])
print("fixtures written")
