"""Reference digest for SynkMeasureTests: the SHA-256 of a recording's samples as synk defines it for recordings
held in memory (32-bit little-endian floats, channel after channel), computed independently with scipy's WAV
reader on SampleData's session-1 WAV (32-bit float, so the samples are the file's own values).

Run from the repository root:  python3 Tests/SynkMeasureTests/Fixtures/make_sample_digest.py
"""
import hashlib
import json
import numpy as np
from scipy.io import wavfile

path = "SampleData/bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav"
rate, data = wavfile.read(path)
assert data.dtype == np.float32, data.dtype
digest = hashlib.sha256()
for channel in range(data.shape[1]):
    digest.update(np.ascontiguousarray(data[:, channel]).astype("<f4").tobytes())
with open("Tests/SynkMeasureTests/Fixtures/sample_digest.json", "w") as out:
    json.dump({"file": path, "sample_rate_hz": rate, "frames": int(data.shape[0]), "channels": int(data.shape[1]),
               "samples_sha256": digest.hexdigest()}, out, indent=2)
    out.write("\n")
print(digest.hexdigest())
