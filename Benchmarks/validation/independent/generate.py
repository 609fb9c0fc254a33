#!/usr/bin/env python3
"""Independent facial sEMG cohort generator for scoring `synk synkinesis` (numpy/scipy only).

Written from physiology and the literature (see README.md in this folder), not from synk's simulator. Every
subject is written as EMG-BIDS (32-bit float WAV in µV + channels.tsv + emg.json + events.tsv) inside one BIDS
dataset with dataset_description.json and participants.tsv (affected side), plus a ground-truth JSON per subject
under COHORT/truth/.

The model, per muscle m and side s:
  * neural drive e(t) in [0, 1]: the task's voluntary command (same command to both sides; cue -> reaction time ->
    sigmoid ramp -> plateau with effort fluctuation -> sigmoid release), normal task synergists (symmetric, e.g.
    Duchenne OOc in smile, MEN in pucker), spontaneous blinks (OOc, bilateral), and on the affected side the
    synkinetic drive g * e_driver(t - lag) with a prolonged release (aberrant reinnervation: the driver's motor pool
    also fires follower motor units);
  * the muscle's own EMG: G motor-unit groups, each band-limited Gaussian noise with a Lindstrom-Magnusson /
    Shwedyk-type spectrum (peak 60-130 Hz), recruited at increasing thresholds (size principle), amplitude-modulated
    by its share of e(t); scaled by the muscle's reference amplitude, healthy left/right asymmetry and paresis;
  * crosstalk at each anatomical neighbour's electrode: per motor-unit group a different attenuation and a different
    tissue filter (low-pass, order 1-2, plus a non-propagating high-frequency component), so the crosstalk is NOT one
    linear-filtered copy of the source channel (Farina et al. 2004);
  * electrode noise, 50/60 Hz hum with harmonics, baseline wander, movement artefacts, ECG on platysma.

usage: generate.py OUTDIR [--subjects 24] [--patients 16] [--seed 1] [--profile standard|hard]
"""
import argparse
import json
import os

import numpy as np
from scipy import signal
from scipy.io import wavfile

TASKS = ["brow_raise", "eye_closure", "smile", "snarl", "pucker"]
MUSCLE_NAMES = {"FRO": "frontalis", "OOc": "orbicularis oculi", "ZYG": "zygomaticus major",
                "LLS": "levator labii superioris", "NAS": "nasalis", "OOr": "orbicularis oris",
                "MEN": "mentalis", "PLA": "platysma"}
# Task prime movers (the Sunnybrook five) -- snarl is performed by LLS and NAS together.
PRIME = {"brow_raise": "FRO", "eye_closure": "OOc", "smile": "ZYG", "snarl": "LLS", "pucker": "OOr"}
# Normal synergists (fraction of the task's drive; same on both sides).  Ranges are physiological guesses from
# facial anatomy (Duchenne smile: OOc; pucker: mentalis; snarl: nasalis/levator together), stated in README.
SYNERGY = {
    "brow_raise": {"OOc": (0.0, 0.06)},
    "eye_closure": {"FRO": (0.0, 0.04), "ZYG": (0.0, 0.06), "LLS": (0.0, 0.06), "NAS": (0.02, 0.1), "OOr": (0.0, 0.03),
                    "PLA": (0.0, 0.03)},
    "smile": {"LLS": (0.25, 0.5), "NAS": (0.05, 0.2), "OOc": (0.08, 0.25), "OOr": (0.03, 0.12), "MEN": (0.0, 0.05),
              "PLA": (0.02, 0.1)},
    "snarl": {"NAS": (0.6, 0.95), "ZYG": (0.1, 0.3), "OOc": (0.08, 0.25), "OOr": (0.05, 0.2), "FRO": (0.0, 0.05),
              "PLA": (0.02, 0.08)},
    "pucker": {"MEN": (0.25, 0.6), "LLS": (0.03, 0.1), "ZYG": (0.0, 0.05), "PLA": (0.02, 0.1), "NAS": (0.0, 0.05)},
}
# Same-side anatomical neighbours (crosstalk both ways).  Weight scales the drawn crosstalk amplitude.
NEIGHBOURS = [("FRO", "OOc", 1.0), ("OOc", "ZYG", 0.8), ("OOc", "LLS", 0.8), ("OOc", "NAS", 0.7), ("ZYG", "LLS", 1.0),
              ("ZYG", "OOr", 0.8), ("LLS", "NAS", 1.0), ("LLS", "OOr", 0.8), ("NAS", "OOr", 0.7), ("OOr", "MEN", 1.0),
              ("MEN", "PLA", 0.8), ("ZYG", "PLA", 0.4), ("OOr", "PLA", 0.4)]
# Midline neighbours (left <-> right): orbicularis oris is one sphincter, the mentalis pair is adjacent.
MIDLINE = [("OOr", 0.6), ("MEN", 0.8)]
# Candidate synkinetic couplings, weighted by clinical frequency (domain.md S2: ocular-oral most common).
COUPLINGS = [("OOc", "OOr", 4), ("OOc", "ZYG", 4), ("OOc", "PLA", 3), ("OOc", "LLS", 2), ("OOc", "MEN", 2),
             ("ZYG", "OOc", 3), ("OOr", "OOc", 3), ("OOr", "PLA", 2), ("OOr", "MEN", 1), ("ZYG", "PLA", 2),
             ("FRO", "OOc", 1), ("LLS", "OOc", 1), ("OOc", "FRO", 1)]
REGION = {"FRO": "ocular", "OOc": "ocular", "NAS": "oral", "LLS": "oral", "ZYG": "oral", "OOr": "oral", "MEN": "oral",
          "PLA": "neck"}


def cutoff(driver, follower):
    if REGION[driver] == "ocular" and REGION[follower] == "oral":
        return 1.62
    return 1.79


PROFILES = {
    "standard": dict(crosstalk=(0.02, 0.15), midline=(0.0, 0.06), paresis=(0.2, 0.8), paresis_branch_sd=0.2,
                     noise=(1.0, 5.0), hum=(0.0, 4.0), hum_outlier=0.0, ecg=(3.0, 15.0), wander=(10.0, 80.0),
                     motion=(5.0, 40.0), hardware_hp_hz=10.0, hardware_hp_order=2, rep_s=(2.0, 4.0), rest_s=(2.5, 4.5), reps=3, reaction=(0.1, 0.35),
                     mirror=(0.0, 0.06), borderline_share=0.35, ratio_max=8.0, lag_ms=(0.0, 80.0), release_ms=(0.0, 200.0),
                     asym=1.5, xt_coherent=False, xt_symmetric=False, nas_only=0.0, add_nas=0.0, rates=(2000, 2000, 1000), blink_per_min=(8, 20)),
    "hard": dict(crosstalk=(0.05, 0.20), midline=(0.02, 0.12), paresis=(0.1, 0.5), paresis_branch_sd=0.3,
                 noise=(1.0, 5.0), hum=(1.0, 8.0), hum_outlier=15.0, ecg=(10.0, 40.0), wander=(30.0, 200.0),
                 motion=(20.0, 120.0), hardware_hp_hz=0.1, hardware_hp_order=1, rep_s=(1.0, 2.0), rest_s=(1.5, 3.0), reps=3, reaction=(0.15, 0.6),
                 mirror=(0.0, 0.08), borderline_share=0.35, ratio_max=8.0, lag_ms=(0.0, 80.0), release_ms=(0.0, 300.0),
                 asym=1.5, xt_coherent=False, xt_symmetric=False, nas_only=0.5, add_nas=0.25, rates=(2000, 1000, 1000), blink_per_min=(10, 25)),
}


def shaped_noise(rng, n, fs, peak_hz):
    """Unit-RMS Gaussian noise with a Lindstrom-Magnusson-type motor-unit spectrum
    P(f) = f_h^4 f^2 / ((f^2 + f_l^2)(f^2 + f_h^2)^2), peaking near peak_hz (f_l = peak/2.2, f_h = 1.9 * peak)."""
    f = np.fft.rfftfreq(n, 1.0 / fs)
    fl, fh = peak_hz / 2.2, peak_hz * 1.9
    p = fh ** 4 * f ** 2 / ((f ** 2 + fl ** 2) * (f ** 2 + fh ** 2) ** 2)
    spec = np.fft.rfft(rng.standard_normal(n)) * np.sqrt(p)
    x = np.fft.irfft(spec, n)
    return x / np.sqrt(np.mean(x ** 2))


def smooth_noise(rng, n, fs, cutoff_hz):
    b, a = signal.butter(2, cutoff_hz / (fs / 2))
    x = signal.filtfilt(b, a, rng.standard_normal(n))
    return x / (np.std(x) + 1e-12)


def sigmoid_ramp(t, t0, width):
    return 1.0 / (1.0 + np.exp(np.clip(-(t - t0) / (width / 6.0), -50, 50)))


class Subject:
    def __init__(self, index, patient, rng, prof):
        self.rng = rng
        self.prof = prof
        self.G = 5
        self.thresholds = np.linspace(0.0, 0.25, self.G)
        self.index = index
        self.patient = patient
        self.fs = int(rng.choice(prof["rates"]))
        muscles = ["FRO", "OOc", "ZYG", "LLS", "OOr", "MEN", "PLA"]
        self.snarl_driver = "LLS"
        u = rng.random()
        if u < prof["nas_only"]:
            muscles[3] = "NAS"  # snarl recorded on nasalis only: the catalogue driver LLS is absent
            self.snarl_driver = "NAS"
        elif u < prof["nas_only"] + prof["add_nas"]:
            muscles.insert(4, "NAS")
        self.muscles = muscles
        if patient:
            self.affected = str(rng.choice(["left", "right"]))
            self.stated = self.affected
        else:
            # Half the controls are people recovered from a palsy without synkinesis (side stated, mild residual
            # weakness); half are healthy volunteers (no side).
            self.affected = None
            self.stated = str(rng.choice(["left", "right"])) if index % 2 == 0 else "none"

    # -------------------------------------------------------------- timeline
    def timeline(self):
        rng, prof = self.rng, self.prof
        t = rng.uniform(4.0, 6.0)
        events = []
        for task in TASKS:
            for _ in range(prof["reps"]):
                dur = rng.uniform(*prof["rep_s"])
                events.append(dict(onset=round(t, 4), duration=round(dur, 4), trial_type=task))
                t += dur + rng.uniform(*prof["rest_s"])
        self.duration = t + 3.0
        self.events = events
        self.n = int(round(self.duration * self.fs))
        self.t = np.arange(self.n) / self.fs

    # -------------------------------------------------------------- drives
    def drives(self):
        rng, prof, fs = self.rng, self.prof, self.fs
        n, t = self.n, self.t
        sides = ["left", "right"]
        # Voluntary command per task (common to both sides) with small side-specific fluctuation.
        cmd = {task: np.zeros(n) for task in TASKS}
        for ev in self.events:
            rt = rng.uniform(*prof["reaction"])
            on = ev["onset"] + rt
            off = ev["onset"] + ev["duration"] + rng.uniform(0.0, 0.3)
            ramp_on, ramp_off = rng.uniform(0.1, 0.3), rng.uniform(0.1, 0.3)
            level = rng.uniform(0.45, 0.9)
            shape = sigmoid_ramp(t, on + ramp_on / 2, ramp_on) * (1 - sigmoid_ramp(t, off + ramp_off / 2, ramp_off))
            cmd[ev["trial_type"]] += level * shape
        fluct = 1 + rng.uniform(0.08, 0.2) * smooth_noise(rng, n, fs, rng.uniform(0.5, 3.0))
        for task in TASKS:
            cmd[task] *= np.clip(fluct, 0.5, 1.5)
        # Spontaneous blinks (bilateral OOc bursts ~150 ms), fewer during tasks.
        blink = np.zeros(n)
        rate = rng.uniform(*prof["blink_per_min"]) / 60.0
        tb = rng.exponential(1 / rate)
        busy = sum(cmd.values())
        while tb < self.duration - 0.5:
            i = int(tb * fs)
            if busy[i] < 0.1 or rng.random() < 0.2:
                blink += rng.uniform(0.3, 0.7) * np.exp(-0.5 * ((t - tb) / 0.05) ** 2)
            tb += rng.exponential(1 / rate) + 0.3
        self.cmd, self.blink = cmd, blink
        # Synergy weights: symmetric per subject, a little side jitter.
        syn = {}
        for task, table in SYNERGY.items():
            for m, (lo, hi) in table.items():
                syn[(task, m)] = rng.uniform(lo, hi)
        self.synergy = syn
        # Base drive per muscle (both sides identical command) -- kept separately per component for the truth.
        base = {m: np.zeros(n) for m in self.muscles}
        for m in self.muscles:
            for task in TASKS:
                prime = PRIME[task] if task != "snarl" else self.snarl_driver
                if m == prime:
                    base[m] += cmd[task]
                elif (task, m) in syn:
                    base[m] += syn[(task, m)] * cmd[task]
            if m == "OOc":
                base[m] += blink
            if m == "FRO":
                base[m] += 0.03 * blink
        # When snarl is driven by NAS because LLS is absent, LLS's synergy would be NAS's: already handled by PRIME.
        # When both LLS and NAS are recorded, NAS keeps its snarl synergy (0.6-0.95).
        self.base = base
        # Couplings (patients only), on the affected side.
        self.couplings = []
        drive = {s: {m: base[m].copy() for m in self.muscles} for s in sides}
        synk_part = {s: {m: np.zeros(n) for m in self.muscles} for s in sides}
        mirror_part = {s: {m: np.zeros(n) for m in self.muscles} for s in sides}
        if self.patient:
            aff = self.affected
            healthy = "right" if aff == "left" else "left"
            cands = [(d, f, w) for d, f, w in COUPLINGS if d in self.muscles and f in self.muscles]
            k = int(rng.integers(1, 5))
            weights = np.array([w for _, _, w in cands], float)
            chosen = rng.choice(len(cands), size=min(k, len(cands)), replace=False, p=weights / weights.sum())
            scales_with_paresis = bool(rng.random() < 0.5)
            self.synkinesis_scales_with_paresis = scales_with_paresis
            for ci in chosen:
                d, f, _ = cands[ci]
                lag = rng.uniform(*prof["lag_ms"]) / 1000.0
                release = rng.uniform(*prof["release_ms"]) / 1000.0
                src = base[d]
                shifted = np.concatenate([np.zeros(int(lag * fs)), src])[:n]
                if release > 0:
                    # Prolonged release: a leaky peak-hold of the driver's drive (decay time constant = release).
                    a = np.exp(-1.0 / (release * fs))
                    held = signal.lfilter([1 - a], [1, -a], shifted)
                    shifted = np.maximum(shifted, held)
                mirror = rng.uniform(*prof["mirror"])
                mirror_part[healthy][f] += mirror * src
                # The coupling's strength is set by the affected/healthy own-activity ratio it produces in the
                # driver's task (Bernardes' IEMG index without crosstalk): most clearly above the cut-off, about a
                # third near it (0.85-1.2 x).
                cut = cutoff(d, f)
                if rng.random() < prof["borderline_share"]:
                    target = rng.uniform(0.85 * cut, 1.2 * cut)
                else:
                    target = float(np.exp(rng.uniform(np.log(1.2 * cut), np.log(prof["ratio_max"]))))
                task = next(t for t in TASKS if (PRIME[t] if t != "snarl" else self.snarl_driver) == d)
                idx = self.task_mask(task)
                e_h = base[f] + mirror_part[healthy][f] + synk_part[healthy][f]
                p_h = self.expected_power(healthy, f, e_h[idx], np.zeros(idx.sum()))
                rstar = max(self.rest_floor[(aff, f)], self.rest_floor[(healthy, f)])
                e_a0 = base[f] + mirror_part[aff][f] + synk_part[aff][f]
                sp0 = synk_part[aff][f]

                def ratio(gain):
                    p_a = self.expected_power(aff, f, (e_a0 + gain * shifted)[idx], (sp0 + gain * shifted)[idx])
                    return np.sqrt((p_a + rstar) / (p_h + rstar))
                lo, hi = 0.0, 3.0
                if ratio(hi) < target:
                    g = hi
                else:
                    for _ in range(40):
                        mid = (lo + hi) / 2
                        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
                    g = (lo + hi) / 2
                synk_part[aff][f] += g * shifted
                self.couplings.append(dict(driver=d, follower=f, gain=round(g, 4), target_own_ratio=round(target, 3),
                                           lag_ms=round(lag * 1000, 1),
                                           release_ms=round(release * 1000, 1), healthy_mirror=round(mirror, 4)))
        else:
            self.synkinesis_scales_with_paresis = None
            # Controls: symmetric mirror co-activation of a few followers in the ocular/oral tasks.
            for _ in range(int(rng.integers(0, 4))):
                d, f, _ = COUPLINGS[int(rng.integers(len(COUPLINGS)))]
                if d in self.muscles and f in self.muscles:
                    g = rng.uniform(*prof["mirror"])
                    for s in sides:
                        mirror_part[s][f] += g * rng.uniform(0.75, 1.25) * base[d]
        for s in sides:
            for m in self.muscles:
                drive[s][m] = drive[s][m] + synk_part[s][m] + mirror_part[s][m]
        self.drive, self.synk_part, self.mirror_part = drive, synk_part, mirror_part

    # -------------------------------------------------------------- amplitudes (asymmetry, paresis)
    def task_mask(self, task):
        m = np.zeros(self.n, bool)
        for e in self.events:
            if e["trial_type"] == task:
                m[int(e["onset"] * self.fs):int((e["onset"] + e["duration"]) * self.fs)] = True
        return m

    def activations(self, s, m, e, sp):
        """Per motor-unit group activation (size principle: group k recruited above threshold k) for drive e, of
        which sp is synkinetic; where the synkinetic activity keeps its healthy strength it is not weakened by
        paresis."""
        out = []
        for k in range(self.G):
            th = self.thresholds[k]
            act = np.clip((e - th) / (1 - th), 0, None)
            if self.patient and s == self.affected and not self.synkinesis_scales_with_paresis:
                act0 = np.clip((e - sp - th) / (1 - th), 0, None)
                act = act + (act - act0) * (1.0 / self.paresis[(s, m)] - 1.0)
            out.append(act)
        return out

    def group_weight(self, k):
        size = 1.0 + 2.0 * self.thresholds  # later-recruited units are larger
        return size[k] / np.sqrt(np.sum(size ** 2))

    def expected_power(self, s, m, e, sp):
        """Expected mean power (µV^2) of the muscle's own EMG for drive e (the group noises have unit power)."""
        scale = self.ref[m] * self.asym[(s, m)] * self.paresis[(s, m)]
        acts = self.activations(s, m, e, sp)
        return float(np.mean(sum((scale * self.group_weight(k) * a) ** 2 for k, a in enumerate(acts))))

    def levels(self):
        """Electrode noise, hum and ECG per channel, drawn before the couplings (whose strength is set against the
        rest floor they make)."""
        rng, prof, fs, n, t = self.rng, self.prof, self.fs, self.n, self.t
        self.noise_rms, self.hum_rms = {}, {}
        outlier = (str(rng.choice(["left", "right"])), str(rng.choice(self.muscles))) if prof["hum_outlier"] > 0 else None
        self.mains = int(rng.choice([50, 60]))
        ecg = self._ecg()
        ecg_amp = rng.uniform(*prof["ecg"])
        ecg_left = rng.uniform(1.0, 2.0)  # the heart's axis: usually larger on the left
        self.nuisance, self.hum_signal = {}, {}
        sos = signal.butter(4, [20, 450], btype="bandpass", fs=fs, output="sos")
        rest = self.rest_mask()
        self.rest_floor = {}
        for s in ("left", "right"):
            for m in self.muscles:
                nr = rng.uniform(*prof["noise"])
                hr = prof["hum_outlier"] if outlier == (s, m) else rng.uniform(*prof["hum"])
                self.noise_rms[(s, m)], self.hum_rms[(s, m)] = nr, hr
                # White amplifier/electrode noise with RMS nr in 20-450 Hz.
                noise = rng.standard_normal(n) * nr * np.sqrt((fs / 2) / 430.0)
                hum_shape = (np.sin(2 * np.pi * self.mains * t + rng.uniform(0, 2 * np.pi)) +
                             rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * 3 * self.mains * t + rng.uniform(0, 2 * np.pi)))
                hum_shape *= 1 + 0.15 * smooth_noise(rng, n, fs, 0.2)
                hum = hr * hum_shape / np.sqrt(np.mean(hum_shape ** 2))
                extra = np.zeros(n)
                if m == "PLA":
                    extra = ecg_amp * (ecg_left if s == "left" else 1.0) * ecg
                elif m == "MEN":
                    extra = 0.3 * ecg_amp * ecg
                self.nuisance[(s, m)] = noise + hum + extra
                self.hum_signal[(s, m)] = hum
                self.rest_floor[(s, m)] = float(np.mean(signal.sosfiltfilt(sos, self.nuisance[(s, m)])[rest] ** 2))

    def rest_mask(self):
        fs = self.fs
        rest = np.ones(self.n, bool)
        for ev in self.events:
            lo = max(0, int((ev["onset"] - 0.5) * fs))
            hi = min(self.n, int((ev["onset"] + ev["duration"] + 1.0) * fs))
            rest[lo:hi] = False
        rest[: int(1.0 * fs)] = False
        rest[-int(1.0 * fs):] = False
        return rest

    def amplitudes(self):
        rng, prof = self.rng, self.prof
        self.ref = {m: rng.uniform(60, 300) for m in self.muscles}  # µV RMS at full drive (healthy)
        self.peak = {m: rng.uniform(60, 130) for m in self.muscles}
        lim = np.log(prof["asym"])
        self.asym = {}
        for m in self.muscles:
            a = float(np.clip(rng.normal(0, lim / 2), -lim, lim))
            self.asym[("left", m)] = np.exp(a / 2)
            self.asym[("right", m)] = np.exp(-a / 2)
        self.paresis = {(s, m): 1.0 for s in ("left", "right") for m in self.muscles}
        weak_side = self.affected if self.patient else (self.stated if self.stated != "none" else None)
        if weak_side:
            if self.patient:
                p_side = rng.uniform(*prof["paresis"])
            else:
                p_side = rng.uniform(0.7, 1.0)  # recovered palsy, mild residual weakness
            self.paresis_side = p_side
            for m in self.muscles:
                # Branches recover unequally (Engstrom et al. 2000): per-muscle jitter around the side's factor.
                self.paresis[(weak_side, m)] = float(np.clip(p_side * np.exp(rng.normal(0, prof["paresis_branch_sd"])),
                                                             0.05, 1.0))
        else:
            self.paresis_side = 1.0

    # -------------------------------------------------------------- signals
    def signals(self):
        rng, prof, fs, n = self.rng, self.prof, self.fs, self.n
        G = self.G
        sides = ["left", "right"]
        own = {}      # (side, m) -> own EMG at its own electrode
        own_groups = {}
        synk_only = {}  # (side, m) -> own EMG caused by the synkinetic drive alone (for the truth)
        for s in sides:
            for m in self.muscles:
                e = self.drive[s][m]
                e_nosynk = e - self.synk_part[s][m]
                amp_scale = self.ref[m] * self.asym[(s, m)] * self.paresis[(s, m)]
                acts = self.activations(s, m, e, self.synk_part[s][m])
                acts0 = self.activations(s, m, e_nosynk, np.zeros(n))
                groups = []
                total = np.zeros(n)
                total_nosynk = np.zeros(n)
                for k in range(G):
                    x = shaped_noise(rng, n, fs, self.peak[m] * rng.uniform(0.8, 1.25))
                    c = self.group_weight(k)
                    g = amp_scale * c * acts[k] * x
                    groups.append(g)
                    total += g
                    total_nosynk += amp_scale * c * acts0[k] * x
                own[(s, m)] = total
                own_groups[(s, m)] = groups
                synk_only[(s, m)] = total - total_nosynk
        # Crosstalk: per motor-unit group its own attenuation and tissue filter.
        xt = {(s, m): np.zeros(n) for s in sides for m in self.muscles}
        self.crosstalk_params = []
        pairs = []
        for a, b, w in NEIGHBOURS:
            if a in self.muscles and b in self.muscles:
                pairs.append((a, b, w))
                pairs.append((b, a, w))
        first_side_amp = {}
        for s in sides:
            for src, dst, w in pairs:
                amp = rng.uniform(*prof["crosstalk"]) * w
                if prof.get("xt_symmetric"):
                    # Ablation: the same crosstalk amplitude on both sides (the groups' filters still differ).
                    amp = first_side_amp.setdefault((src, dst), amp)
                xt[(s, dst)] += self._conduct(own_groups[(s, src)], amp)
                self.crosstalk_params.append(dict(side=s, source=src, target=dst, amplitude=round(amp, 4)))
            for m, w in MIDLINE:
                if m in self.muscles:
                    other = "right" if s == "left" else "left"
                    amp = rng.uniform(*prof["midline"]) * w
                    xt[(s, m)] += self._conduct(own_groups[(other, m)], amp)
                    self.crosstalk_params.append(dict(side=s, source=f"{m}-{other}", target=m, amplitude=round(amp, 4)))
        # Wander and movement artefacts (outside the EMG band mostly), plus the nuisance drawn in levels().
        t = self.t
        channels = {}
        motion_env = np.zeros(n)
        for ev in self.events:
            for edge in (ev["onset"] + 0.2, ev["onset"] + ev["duration"] + 0.2):
                motion_env += np.exp(-0.5 * ((t - edge) / 0.15) ** 2)
        for s in sides:
            for m in self.muscles:
                wander = rng.uniform(*prof["wander"]) * smooth_noise(rng, n, fs, 0.5)
                motion = rng.uniform(*prof["motion"]) * motion_env * smooth_noise(rng, n, fs, 8.0)
                channels[(s, m)] = own[(s, m)] + xt[(s, m)] + self.nuisance[(s, m)] + wander + motion
        nuisance = self.nuisance
        # The amplifier's own AC coupling: a high-pass (clinical sEMG amplifiers 10-20 Hz; DC-coupled or wide-band
        # research amplifiers ~0.1 Hz), applied to everything the electrode sees.
        b, a = signal.butter(prof["hardware_hp_order"], prof["hardware_hp_hz"] / (fs / 2), btype="highpass")
        for k in channels:
            channels[k] = signal.lfilter(b, a, channels[k])
        self.low_fraction = {}
        b10, a10 = signal.butter(4, 10 / (fs / 2))
        for k, x in channels.items():
            w = int(fs)
            segs = x[: (len(x) // w) * w].reshape(-1, w)
            segs = segs - segs.mean(axis=1, keepdims=True)
            low = signal.filtfilt(b10, a10, segs, axis=1)
            self.low_fraction[k] = float(np.sum(low ** 2) / np.sum(segs ** 2))
        self.own, self.xt, self.synk_only, self.channels, self.nuisance = own, xt, synk_only, channels, nuisance

    def _conduct(self, groups, amp):
        """Crosstalk of one source muscle at a neighbour: each motor-unit group is attenuated by its own factor
        (depth and position differ) and filtered by its own tissue low-pass plus a non-propagating (end-of-fibre)
        component with high-frequency content; scaled so the crosstalk's RMS is `amp` x the source's own RMS."""
        rng, fs = self.rng, self.fs
        out = np.zeros(self.n)
        src_power = sum(np.mean(g ** 2) for g in groups)
        if src_power <= 0:
            return out
        first = None
        for g in groups:
            fc = rng.uniform(40.0, 250.0)
            order = int(rng.integers(1, 3))
            b, a = signal.butter(order, min(fc / (fs / 2), 0.95))
            prop = signal.lfilter(b, a, g)
            # End-of-fibre (non-propagating) component: a short differentiated, delayed copy (different shape).
            d = int(rng.integers(0, max(1, int(0.003 * fs))))
            nonprop = np.diff(np.concatenate([np.zeros(d + 1), g]))[:self.n] * rng.uniform(0.3, 1.0) * rng.choice([-1, 1])
            mix = prop + nonprop * np.sqrt(np.mean(prop ** 2) / (np.mean(nonprop ** 2) + 1e-20)) * rng.uniform(0.2, 0.8)
            weight = np.exp(rng.normal(0, 0.8))
            if self.prof.get("xt_coherent"):
                # Ablation: one tissue low-pass for every group, no end-of-fibre part -- crosstalk is then a single
                # linear-filtered copy of the source channel (the draws above still happen, so nothing else changes).
                if first is None:
                    first = (b, a)
                mix, weight = signal.lfilter(first[0], first[1], g), 1.0
            out += weight * mix
        p = np.mean(out ** 2)
        return out * amp * np.sqrt(src_power / p) if p > 0 else out

    def _ecg(self):
        rng, fs, n = self.rng, self.fs, self.n
        hr = rng.uniform(55, 90) / 60
        x = np.zeros(n)
        t = rng.uniform(0, 1)
        dur = n / fs
        k = np.arange(-int(0.06 * fs), int(0.06 * fs) + 1) / fs
        qrs = -np.gradient(np.exp(-0.5 * (k / 0.012) ** 2)) * 0.012 * fs  # biphasic, ~40 ms
        qrs /= np.max(np.abs(qrs))
        while t < dur - 0.1:
            i = int(t * fs)
            lo, hi = max(0, i - len(k) // 2), min(n, i + len(k) // 2 + 1)
            x[lo:hi] += qrs[(lo - (i - len(k) // 2)):(hi - (i - len(k) // 2))]
            t += (1 / hr) * (1 + 0.05 * rng.standard_normal())
        return x

    # -------------------------------------------------------------- truth
    def truth(self):
        fs = self.fs
        sos = signal.butter(4, [20, 450], btype="bandpass", fs=fs, output="sos")
        bp = lambda x: signal.sosfiltfilt(sos, x)
        sides = ["left", "right"]
        own_bp = {k: bp(v) for k, v in self.own.items()}
        xt_bp = {k: bp(v) for k, v in self.xt.items()}
        ch_bp = {k: bp(v) for k, v in self.channels.items()}
        nu_bp = {k: bp(v) for k, v in self.nuisance.items()}
        rest = self.rest_mask()
        rest_power = {k: float(np.mean(v[rest] ** 2)) for k, v in nu_bp.items()}
        # The same without the hum (a mains notch removes it): the floor a notched analysis sees.
        rest_nohum = {k: float(np.mean(bp(self.nuisance[k] - self.hum_signal[k])[rest] ** 2)) for k in nu_bp}
        out_pairs = []
        aff = self.affected or (self.stated if self.stated != "none" else "left")
        hea = "right" if aff == "left" else "left"
        drivers = {task: (PRIME[task] if task != "snarl" else self.snarl_driver) for task in TASKS}
        coupled = {(c["driver"], c["follower"]) for c in self.couplings}
        for task in TASKS:
            d = drivers[task]
            if d not in self.muscles:
                continue
            evs = [e for e in self.events if e["trial_type"] == task]
            idx = np.zeros(self.n, bool)
            for e in evs:
                idx[int(e["onset"] * fs):int((e["onset"] + e["duration"]) * fs)] = True
            drv = {s: float(np.sqrt(np.mean(own_bp[(s, d)][idx] ** 2))) for s in sides}
            for f in self.muscles:
                if f == d:
                    continue
                own_p = {s: float(np.mean(own_bp[(s, f)][idx] ** 2)) for s in sides}
                xt_p = {s: float(np.mean(xt_bp[(s, f)][idx] ** 2)) for s in sides}
                tot_p = {s: float(np.mean(ch_bp[(s, f)][idx] ** 2)) for s in sides}
                synk_p = float(np.mean(bp(self.synk_only[(aff, f)])[idx] ** 2)) if self.patient else 0.0
                rstar = max(rest_power[(aff, f)], rest_power[(hea, f)])
                r0 = max(rest_nohum[(aff, f)], rest_nohum[(hea, f)])
                own_ratio = np.sqrt((own_p[aff] + rstar) / (own_p[hea] + rstar))
                raw_ratio = np.sqrt(tot_p[aff] / tot_p[hea])
                # Truth class: coupled (driver -> follower) in the driver's own task; "indirect" when the follower's
                # synkinetic activity in this task comes from another coupling via a synergist (not scored).
                if self.patient and (d, f) in coupled:
                    truth = "synkinesis"
                elif self.patient and np.sqrt((own_p[aff] + r0) / (max(0.0, own_p[aff] - synk_p) + r0)) > 1.2:
                    truth = "indirect"
                else:
                    truth = "none"
                out_pairs.append(dict(
                    task=task, driver=d, follower=f, truth=truth, cutoff=cutoff(d, f),
                    true_own_ratio=round(float(own_ratio), 4), true_raw_ratio=round(float(raw_ratio), 4),
                    true_own_ratio_without_hum=round(float(np.sqrt((own_p[aff] + r0) / (own_p[hea] + r0))), 4),
                    synkinetic_share_affected=round(synk_p / own_p[aff], 4) if own_p[aff] > 0 else 0.0,
                    own_rms_affected=round(np.sqrt(own_p[aff]), 3), own_rms_healthy=round(np.sqrt(own_p[hea]), 3),
                    crosstalk_share_affected=round(xt_p[aff] / tot_p[aff], 4),
                    crosstalk_share_healthy=round(xt_p[hea] / tot_p[hea], 4),
                    rest_rms_affected=round(np.sqrt(rest_power[(aff, f)]), 3),
                    rest_rms_healthy=round(np.sqrt(rest_power[(hea, f)]), 3),
                    driver_rms_ratio=round(drv[aff] / drv[hea], 4),
                    follower_paresis=round(self.paresis[(aff, f)], 4)))
        return out_pairs

    # -------------------------------------------------------------- write
    def write(self, root, name):
        folder = os.path.join(root, f"sub-{name}", "emg")
        os.makedirs(folder, exist_ok=True)
        prefix = f"sub-{name}_task-sunnybrook"
        order = [(s, m) for m in self.muscles for s in ("left", "right")]
        data = np.stack([self.channels[k] for k in order], axis=1).astype(np.float32)
        wavfile.write(os.path.join(folder, prefix + "_emg.wav"), self.fs, data)
        with open(os.path.join(folder, prefix + "_channels.tsv"), "w") as fh:
            fh.write("name\ttype\tunits\ttarget_muscle\tstatus\n")
            for s, m in order:
                fh.write(f"{m}-{s[0].upper()}\tEMG\tµV\t{MUSCLE_NAMES[m]} {s}\tgood\n")
        with open(os.path.join(folder, prefix + "_emg.json"), "w") as fh:
            json.dump({"TaskName": "sunnybrook", "SamplingFrequency": self.fs, "PowerLineFrequency": self.mains,
                       "EMGChannelCount": len(order), "RecordingDuration": round(self.n / self.fs, 4),
                       "EMGReference": "bipolar", "SoftwareVersions": "independent generator 1.0"}, fh, indent=1)
        with open(os.path.join(folder, prefix + "_events.tsv"), "w") as fh:
            fh.write("onset\tduration\ttrial_type\n")
            for e in self.events:
                fh.write(f"{e['onset']}\t{e['duration']}\t{e['trial_type']}\n")
        return os.path.join(f"sub-{name}", "emg", prefix + "_emg.wav")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--subjects", type=int, default=24)
    ap.add_argument("--patients", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", default="standard", choices=sorted(PROFILES))
    ap.add_argument("--truth-only", action="store_true",
                    help="regenerate the subjects and rewrite only truth/ (the recordings are identical)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a profile parameter (JSON value), e.g. --set hum=[0,0] for an ablation; ranges "
                         "keep consuming the same random draws, so everything else stays identical")
    args = ap.parse_args()
    prof = dict(PROFILES[args.profile])
    for item in args.set:
        key, value = item.split("=", 1)
        if key not in prof:
            ap.error(f"unknown profile parameter {key}")
        prof[key] = json.loads(value)
    root = args.outdir
    os.makedirs(os.path.join(root, "truth"), exist_ok=True)
    with open(os.path.join(root, "dataset_description.json"), "w") as fh:
        json.dump({"Name": f"independent synkinesis cohort ({args.profile}, seed {args.seed})", "BIDSVersion": "1.9.0",
                   "DatasetType": "raw"}, fh, indent=1)
    participants = ["participant_id\tgroup\taffected_side"]
    cohort = []
    for i in range(args.subjects):
        rng = np.random.default_rng([args.seed, i, 0 if args.profile == "standard" else 1])
        patient = i < args.patients
        subj = Subject(i, patient, rng, prof)
        subj.timeline()
        subj.amplitudes()
        subj.levels()
        subj.drives()
        subj.signals()
        name = f"{i + 1:02d}"
        if args.truth_only:
            path = os.path.join(f"sub-{name}", "emg", f"sub-{name}_task-sunnybrook_emg.wav")
        else:
            path = subj.write(root, name)
        pairs = subj.truth()
        truth = dict(subject=name, patient=patient, affected_side=subj.affected, stated_side=subj.stated,
                     sample_rate_hz=subj.fs, muscles=subj.muscles, snarl_driver=subj.snarl_driver,
                     mains_hz=subj.mains, paresis_side=round(subj.paresis_side, 4),
                     paresis={f"{s}-{m}": round(v, 4) for (s, m), v in subj.paresis.items()},
                     asymmetry={f"{s}-{m}": round(v, 4) for (s, m), v in subj.asym.items()},
                     synkinesis_scales_with_paresis=subj.synkinesis_scales_with_paresis,
                     couplings=subj.couplings, synergy={f"{k[0]}:{k[1]}": round(v, 4) for k, v in subj.synergy.items()},
                     noise_rms={f"{s}-{m}": round(v, 3) for (s, m), v in subj.noise_rms.items()},
                     hum_rms={f"{s}-{m}": round(v, 3) for (s, m), v in subj.hum_rms.items()},
                     power_below_10hz={f"{s}-{m}": round(v, 4) for (s, m), v in subj.low_fraction.items()},
                     hardware_highpass_hz=prof["hardware_hp_hz"],
                     crosstalk=subj.crosstalk_params, pairs=pairs, recording=path)
        with open(os.path.join(root, "truth", f"sub-{name}_truth.json"), "w") as fh:
            json.dump(truth, fh, indent=1)
        participants.append(f"sub-{name}\t{'patient' if patient else 'control'}\t{subj.stated}")
        cohort.append(dict(name=name, recording=path, patient=patient, affected=subj.stated))
        print(f"sub-{name} {'patient' if patient else 'control'} {subj.stated:5s} {subj.fs} Hz "
              f"{len(subj.muscles)} muscles {subj.n / subj.fs:.0f} s couplings "
              + ", ".join(f"{c['driver']}->{c['follower']} g{c['gain']:.2f}" for c in subj.couplings), flush=True)
    if args.truth_only:
        return
    with open(os.path.join(root, "participants.tsv"), "w") as fh:
        fh.write("\n".join(participants) + "\n")
    with open(os.path.join(root, "truth", "cohort.json"), "w") as fh:
        json.dump(dict(profile=args.profile, seed=args.seed, overrides=args.set, parameters=prof, subjects=cohort),
                  fh, indent=1)


if __name__ == "__main__":
    main()
