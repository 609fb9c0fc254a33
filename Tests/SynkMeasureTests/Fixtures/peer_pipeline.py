"""Reference values for PeerPipelineTests: the scipy pipeline synk is benchmarked against
(Benchmarks/peer/scipy_pipeline.py, whose functions are used unchanged) on SampleData's session-1 WAV
(14 channels, 1 kHz, 53 s): 4th-order Butterworth 20-450 Hz sosfiltfilt, rectification, 6 Hz zero-phase
low-pass, every 10th sample (100 Hz); then the correlation matrix, the 10 s window matrices and the peak ±200 ms
cross-correlation of every pair within each half of the channels.

The ends of a zero-phase filtered signal depend on how each implementation pads them, so the matrix and the peak
cross-correlations are computed on the envelopes without their first and last 2 s ("interior"); the 10 s windows
are all written (the test skips the first and the last).

Run from the repository root:  python3 Tests/SynkMeasureTests/Fixtures/peer_pipeline.py
"""
import json
import sys

import numpy as np

sys.path.insert(0, "Benchmarks/peer")
from scipy_pipeline import linear_envelopes, peak_xcorr, read_float_wav  # noqa: E402

src = "SampleData/bids/sub-01/ses-1/emg/sub-01_ses-1_task-sunnybrook_emg.wav"
out = "Tests/SynkMeasureTests/Fixtures/peer_session1.json"
data, rate = read_float_wav(src)
env, env_rate = linear_envelopes(np.asarray(data, dtype=np.float64), rate)
trim = int(2 * env_rate)
interior = env[trim:-trim]
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
                r, lag = peak_xcorr(interior[:, i], interior[:, j], max_lag)
                pairs.append({"a": i, "b": j, "peak": float(r), "lag_ms": 1000.0 * lag / env_rate})
with open(out, "w") as f:
    json.dump({"envelope_rate_hz": env_rate, "trim_samples": trim, "interior": np.corrcoef(interior.T).tolist(),
               "windows": [w.tolist() for w in windows], "xcorr": pairs}, f)
print("wrote", out)
