#!/usr/bin/env python3
"""Makes the HDF5 fixtures for SynkIOTests/HDF5ReaderTests.swift and the expected values the tests compare to.

Written independently of synk's reader with h5py + numpy (`pip install h5py`); the project itself never needs
Python. Run from this folder: `python3 make_hdf5_fixtures.py`. Deterministic (seeded).

expected_hdf5.json holds, per fixture, the shape, rate, unit, labels and the first/last samples of every channel
converted by numpy to the unit synk delivers (µV for voltages, counts for OpenSignals raw data), plus the
per-channel sum in float64 (the test compares the reader's Float output to these within 1e-4 relative).
"""
import json

import h5py
import numpy as np

rng = np.random.default_rng(20261122)
expected = {}
VLEN = h5py.string_dtype("utf-8")


def summary(physical, rate, labels, unit, fmt, **extra):
    """physical: [samples x channels] float64 in the delivered unit."""
    entry = {
        "format": fmt,
        "frames": int(physical.shape[0]),
        "channels": int(physical.shape[1]),
        "rate": float(rate),
        "unit": unit,
        "labels": labels,
        "first": [[float(v) for v in physical[:3, c]] for c in range(physical.shape[1])],
        "last": [float(physical[-1, c]) for c in range(physical.shape[1])],
        "sum": [float(np.sum(physical[:, c].astype(np.float32).astype(np.float64))) for c in range(physical.shape[1])],
    }
    entry.update(extra)
    return entry


# 1. synk layout, int16 raw in mV with scale/offset; variable-length strings; events and stimuli.
n, rate = 1500, 2000.0
raw = rng.integers(-20000, 20000, size=(n, 3), dtype=np.int16)
scale, offset = 0.00025, -0.5  # mV per count, mV
with h5py.File("synk_int16.h5", "w") as f:
    f.attrs["synk_format"] = "emg-recording"
    f.attrs["synk_format_version"] = 1
    f.attrs["subject"] = "P017"
    f.attrs["session"] = "pre-op"
    f.attrs["recorded_at"] = "2025-03-14T09:26:53Z"
    f.attrs["affected_side"] = "left"
    d = f.create_dataset("emg/data", data=raw, chunks=(256, 3), maxshape=(None, 3))
    d.attrs["sample_rate_hz"] = rate
    d.attrs["unit"] = "mV"
    d.attrs["scale"] = scale
    d.attrs["offset"] = offset
    ch = np.array(
        [("OOc-L", "OOc", "left", "zygomatic"), ("OOr-L", "OOr", "left", "buccal"), ("aux", "", "", "")],
        dtype=[("label", VLEN), ("muscle", VLEN), ("side", VLEN), ("branch", VLEN)],
    )
    f.create_dataset("emg/channels", data=ch)
    ev = np.array([(0.10, 0.25, "eye_closure"), (0.50, 0.20, "smile")],
                  dtype=[("onset_s", "f8"), ("duration_s", "f8"), ("label", VLEN)])
    f.create_dataset("events", data=ev)
    st = np.array([(0.05, 12.5, "stylomastoid", "left", "trunk"), (0.60, np.nan, "", "", "")],
                  dtype=[("time_s", "f8"), ("intensity_ma", "f8"), ("site", VLEN), ("side", VLEN), ("branch", VLEN)])
    f.create_dataset("stimuli", data=st)
physical = (raw.astype(np.float64) * scale + offset) * 1000.0  # mV -> uV
expected["synk_int16.h5"] = summary(
    physical, rate, ["OOc-L", "OOr-L", "aux"], "uV", "synk-hdf5",
    muscles=["OOc", "OOr", None], sides=["left", "left", None], branches=["zygomatic", "buccal", None],
    subject="P017", session="pre-op", recorded_at_unix=1741944413.0, affected_side="left",
    events=[[0.10, 0.25, "eye_closure"], [0.50, 0.20, "smile"]],
    stimuli=[[0.05, 12.5, "stylomastoid", "left", "trunk"], [0.60, None, None, None, None]],
)

# 2. synk layout, float32 in V, fixed-length strings, no events.
n, rate = 800, 1000.0
data = (rng.standard_normal((n, 2)) * 1e-4).astype(np.float32)
with h5py.File("synk_float32.h5", "w") as f:
    f.attrs["synk_format"] = "emg-recording"
    f.attrs["synk_format_version"] = 1
    f.attrs["affected_side"] = "none"
    d = f.create_dataset("emg/data", data=data, chunks=(100, 2))
    d.attrs["sample_rate_hz"] = rate
    d.attrs["unit"] = "V"
    d.attrs["scale"] = 1.0
    d.attrs["offset"] = 0.0
    ch = np.array([(b"ZYG_R", b"ZYG", b"right", b""), (b"ZYG_L", b"ZYG", b"left", b"")],
                  dtype=[("label", "S8"), ("muscle", "S4"), ("side", "S6"), ("branch", "S12")])
    f.create_dataset("emg/channels", data=ch)
physical = data.astype(np.float64) * 1e6
expected["synk_float32.h5"] = summary(physical, rate, ["ZYG_R", "ZYG_L"], "uV", "synk-hdf5",
                                      muscles=["ZYG", "ZYG"], sides=["right", "left"], affected_side="none")


def nwb_root(f):
    f.attrs["neurodata_type"] = "NWBFile"
    f.attrs["namespace"] = "core"
    f.attrs["nwb_version"] = "2.6.0"
    f.create_dataset("session_start_time", data="2024-05-02T14:00:00+00:00", dtype=VLEN)
    f.create_dataset("identifier", data="fixture", dtype=VLEN)


# 3. NWB, rate attribute of starting_time, int16 with conversion/offset in volts, electrodes table.
n, rate = 1200, 2048.0
raw = rng.integers(-3000, 3000, size=(n, 4), dtype=np.int16)
conversion, nwb_offset = 2.5e-7, 1.0e-5
with h5py.File("nwb_rate.h5", "w") as f:
    nwb_root(f)
    el = f.create_group("general/extracellular_ephys/electrodes")
    el.attrs["neurodata_type"] = "DynamicTable"
    el.create_dataset("id", data=np.arange(4))
    el.create_dataset("location", data=["frontalis left", "frontalis right", "mentalis left", "mentalis right"], dtype=VLEN)
    s = f.create_group("acquisition/FacialEMG")
    s.attrs["neurodata_type"] = "ElectricalSeries"
    d = s.create_dataset("data", data=raw, chunks=(300, 4))
    d.attrs["conversion"] = np.float32(conversion)
    d.attrs["offset"] = nwb_offset
    d.attrs["unit"] = "volts"
    st = s.create_dataset("starting_time", data=0.0)
    st.attrs["rate"] = rate
    st.attrs["unit"] = "seconds"
    # The series uses the table's rows in reverse order: channel c is electrode 3 - c.
    s.create_dataset("electrodes", data=np.array([3, 2, 1, 0], dtype=np.int64))
conv32 = float(np.float32(conversion))
physical = (raw.astype(np.float64) * conv32 + nwb_offset) * 1e6
expected["nwb_rate.h5"] = summary(physical, rate, ["mentalis right", "mentalis left", "frontalis right", "frontalis left"],
                                  "uV", "nwb", subject=None)

# 4. NWB, timestamps instead of a rate (uniform at 500 Hz to within float64 rounding), float32 millivolts, no table.
n, rate = 600, 500.0
data = (rng.standard_normal((n, 2)) * 0.05).astype(np.float32)
with h5py.File("nwb_timestamps.h5", "w") as f:
    nwb_root(f)
    s = f.create_group("acquisition/emg")
    s.attrs["neurodata_type"] = "ElectricalSeries"
    d = s.create_dataset("data", data=data)
    d.attrs["conversion"] = np.float32(1.0)
    d.attrs["unit"] = "mV"
    s.create_dataset("timestamps", data=12.0 + np.arange(n) / rate)
physical = data.astype(np.float64) * 1000.0
expected["nwb_timestamps.h5"] = summary(physical, rate, ["ch1", "ch2"], "uV", "nwb")

# 4b. NWB with timestamps that are not uniform (a 20 ms gap): must be refused.
with h5py.File("nwb_gap.h5", "w") as f:
    nwb_root(f)
    s = f.create_group("acquisition/emg")
    s.attrs["neurodata_type"] = "ElectricalSeries"
    d = s.create_dataset("data", data=np.zeros((100, 2), dtype=np.float32))
    d.attrs["conversion"] = np.float32(1.0)
    d.attrs["unit"] = "volts"
    t = np.arange(100) / 1000.0
    t[50:] += 0.020
    s.create_dataset("timestamps", data=t)

# 5. PLUX OpenSignals: one device group named by MAC, uint16 raw counts, plus nSeq which is not a channel.
n, rate = 700, 1000.0
mac = "00:07:80:3B:46:61"
c1 = rng.integers(0, 65536, size=n, dtype=np.uint16)
c2 = rng.integers(0, 65536, size=n, dtype=np.uint16)
with h5py.File("opensignals.h5", "w") as f:
    g = f.create_group(mac)
    g.attrs["sampling rate"] = 1000
    g.attrs["resolution"] = np.array([16, 16])
    g.attrs["device"] = "biosignalsplux"
    g.attrs["date"] = "2024-1-9"
    g.attrs["time"] = "10:11:12.5"
    raw_group = g.create_group("raw")
    raw_group.create_dataset("nSeq", data=np.arange(n) % 16)
    raw_group.create_dataset("channel_2", data=c2)
    raw_group.create_dataset("channel_1", data=c1)
physical = np.stack([c1, c2], axis=1).astype(np.float64)
expected["opensignals.h5"] = summary(physical, rate, ["channel_1", "channel_2"], "counts", "opensignals-hdf5",
                                     resolution_bits=16)

# 5b. OpenSignals with channels of unequal length: must be refused.
with h5py.File("opensignals_unequal.h5", "w") as f:
    g = f.create_group(mac)
    g.attrs["sampling rate"] = 1000
    raw_group = g.create_group("raw")
    raw_group.create_dataset("channel_1", data=np.zeros(100, dtype=np.uint16))
    raw_group.create_dataset("channel_2", data=np.zeros(90, dtype=np.uint16))

# 6. Generic file: a 2-D float64 matrix [samples x channels], a transposed int32 one, a 3-D cube, an int8 set.
n = 900
matrix = rng.standard_normal((n, 3))
transposed = rng.integers(-100000, 100000, size=(2, 500), dtype=np.int32)
with h5py.File("generic.h5", "w") as f:
    f.create_dataset("recordings/matrix", data=matrix)
    f.create_dataset("other/transposed", data=transposed)
    f.create_dataset("cube", data=np.zeros((4, 3, 2), dtype=np.float32))
    f.create_dataset("bytes", data=np.zeros((10, 2), dtype=np.int8))
    f.create_dataset("notes", data="not a signal", dtype=VLEN)
expected["generic.h5#/recordings/matrix"] = summary(matrix, 250.0, ["ch1", "ch2", "ch3"], "", "hdf5-dataset")
expected["generic.h5#/other/transposed"] = summary(transposed.T.astype(np.float64), 100.0, ["ch1", "ch2"], "",
                                                   "hdf5-dataset")
expected["generic_2d_datasets"] = ["/other/transposed", "/recordings/matrix"]


def synk_shell(path, shape, rate=1000.0, with_rate=True, write=True):
    with h5py.File(path, "w") as f:
        f.attrs["synk_format"] = "emg-recording"
        f.attrs["synk_format_version"] = 1
        d = f.create_dataset("emg/data", shape=shape, dtype=np.float32, chunks=(min(shape[0], 64), min(shape[1], 64)),
                             maxshape=(None, shape[1]))
        if write:
            d[...] = np.ones(shape, dtype=np.float32)
        if with_rate:
            d.attrs["sample_rate_hz"] = rate
        d.attrs["unit"] = "uV"


# 7. Broken synk files: zero rate, negative rate, missing rate, absurd declared sizes (no data stored).
synk_shell("zero_rate.h5", (10, 2), rate=0.0)
synk_shell("negative_rate.h5", (10, 2), rate=-1000.0)
synk_shell("missing_rate.h5", (10, 2), with_rate=False)
synk_shell("absurd_samples.h5", (10**12, 2), write=False)
synk_shell("absurd_channels.h5", (4, 10**6), write=False)
# A synk-format file with empty /events and /stimuli tables and no /emg/channels.
synk_shell("empty_tables.h5", (5, 2), rate=500.0)
with h5py.File("empty_tables.h5", "a") as f:
    f.create_dataset("events", shape=(0,), dtype=[("onset_s", "f8"), ("duration_s", "f8"), ("label", VLEN)])
    f.create_dataset("stimuli", shape=(0,), dtype=[("time_s", "f8"), ("intensity_ma", "f8"), ("site", VLEN),
                                                    ("side", VLEN), ("branch", VLEN)])

# A synk-format file whose /emg/data is missing.
with h5py.File("no_data.h5", "w") as f:
    f.attrs["synk_format"] = "emg-recording"
    f.attrs["synk_format_version"] = 1
    f.create_group("emg")

# 8. A copy of synk_int16.h5 whose first global-heap object (a variable-length string) claims 2^40 bytes.
# Debian's HDF5 1.10 would copy past its buffer and crash on it; synk must refuse it with an input error.
data = bytearray(open("synk_int16.h5", "rb").read())
gcol = data.find(b"GCOL\x01\x00\x00\x00")
assert gcol >= 0
data[gcol + 16 + 8:gcol + 16 + 16] = (1 << 40).to_bytes(8, "little")
open("corrupt_heap.h5", "wb").write(bytes(data))
expected["corrupt_heap_object_offset"] = gcol + 16

with open("expected_hdf5.json", "w") as out:
    json.dump(expected, out, indent=1, sort_keys=True)
print("wrote", len(expected), "expected entries")
