#!/usr/bin/env python3
"""Decision variants re-derived from synk's JSON numbers (per-repetition RMS, rest RMS, crosstalk fraction,
paresis factors), scored against a cohort's truth (variants: q = the side's factor or the follower's own ("qF") or
none; c = the share of crosstalk the estimate is taken to capture, 1 = as estimated).  Works on independent cohorts (generate.py + score.py) and on
synk's own simulated cohorts (../run.sh).  Used to choose the decision's ingredients before changing synk; the
chosen variant must equal synk's own flags afterwards (the `synk` column).

usage: variants.py COHORTDIR[:results-dir] ...   (e.g. /tmp/iv-std /tmp/iv-std:results-notch /tmp/sv1)
"""
import json
import math
import os
import sys

from scipy import stats

REGION = {"FRO": "ocular", "COR": "ocular", "OOc": "ocular", "NAS": "oral", "LLS": "oral", "ZYG": "oral",
          "BUC": "oral", "OOr": "oral", "DAO": "oral", "MEN": "oral", "PLA": "neck", "MAS": "masticatory"}


def load_independent(root, results):
    cohort = json.load(open(os.path.join(root, "truth", "cohort.json")))
    for e in cohort["subjects"]:
        name = e["name"]
        truth = json.load(open(os.path.join(root, "truth", f"sub-{name}_truth.json")))
        path = os.path.join(root, results, f"sub-{name}.json")
        r = json.load(open(path)) if os.path.exists(path) else {"pairs": []}
        labels = {(p["task"], p["driver"], p["follower"]): p["truth"] for p in truth["pairs"]}
        yield name, truth["patient"], r, labels


def load_own(root, results):
    cohort = json.load(open(os.path.join(root, "cohort.json")))
    for e in cohort:
        name = e["name"]
        truth = json.load(open(os.path.join(root, name + "_truth.json")))
        path = os.path.join(root, name + ".result.json")
        r = json.load(open(path)) if os.path.exists(path) else {"pairs": []}
        tasks = {t["name"]: t["drivers"][0] for t in truth["parameters"]["tasks"]}
        true = set()
        for c in truth["couplings"]:
            if e["patient"] and c["synkinetic"] and c["gain"] > 0:
                for task, d in tasks.items():
                    if d == c["driver"]:
                        true.add((task, c["driver"], c["follower"]))
        labels = {}
        for p in r.get("pairs", []):
            k = (p["task"], p["driver"], p["follower"])
            labels[k] = "synkinesis" if k in true else "none"
        for k in true:
            labels.setdefault(k, "synkinesis")
        yield name, e["patient"], r, labels


def ratio(a, h, q, c, use_x=True):
    """Geometric-mean own ratio a/h over repetitions and whether its interval excludes 1.  `c` is the share of the
    crosstalk the fit is assumed to capture at least: the side judged for excess keeps P(1 - X/c)."""
    ra, rh = a.get("repetition_rms"), h.get("repetition_rms")
    if not ra or not rh or a.get("rest_rms") is None or h.get("rest_rms") is None:
        return None, False
    xa = (a.get("crosstalk_fraction") or 0.0) if use_x else 0.0
    xh = (h.get("crosstalk_fraction") or 0.0) if use_x else 0.0
    Ra, Rh = a["rest_rms"] ** 2, h["rest_rms"] ** 2
    Rs = max(Ra, Rh)
    keep_a = max(0.0, 1 - xa / c)
    logs = []
    for pa, ph in zip(ra, rh):
        ea = max(0.0, pa * pa * keep_a - Ra) / q
        eh = max(0.0, ph * ph * (1 - xh) - Rh)
        logs.append(0.5 * math.log((Rs + ea) / (Rs + eh)))
    n = len(logs)
    m = sum(logs) / n
    if n < 2:
        return math.exp(m), True
    sd = math.sqrt(sum((x - m) ** 2 for x in logs) / (n - 1))
    lo = m - stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return math.exp(m), lo > 0


def decide(p, r, variant):
    a, h = p.get("affected") or {}, p.get("healthy") or {}
    cut = p.get("amplitude_cutoff") or 1.79
    par = r.get("paresis") or {}
    stated = r.get("affected_side") in ("left", "right")
    c = variant.get("c", 1.0)
    dom = variant.get("dominance", 0.5 if c >= 1 else 1.0)
    q = 1.0
    if stated and par.get("applied") and variant.get("q") != "none":
        q = par.get("factor") or 1.0
        if variant.get("q") == "follower":
            q = (par.get("muscles") or {}).get(p["follower"], q)
        q = min(1.0, max(0.05, q))
    orientations = [(a, h, q)] if stated else [(a, h, 1.0), (h, a, 1.0)]
    for s, o, qq in orientations:
        rho, ok = ratio(s, o, qq, c)
        if rho is None or not (rho > cut and ok):
            continue
        if (s.get("crosstalk_fraction") or 0.0) >= dom:
            continue
        return True
    return False


VARIANTS = {
    "synk": None,
    "0.2.0 (dominance 0.5)": {},
    "c0.67": {"c": 0.67},
    "c0.5": {"c": 0.5},
    "qF": {"q": "follower"},
    "qF+c0.67": {"q": "follower", "c": 0.67},
    "qF+c0.5 (0.3.0)": {"q": "follower", "c": 0.5},
    "no_paresis+c0.5": {"q": "none", "c": 0.5},
}


def main():
    for arg in sys.argv[1:]:
        root, _, results = arg.partition(":")
        own = os.path.exists(os.path.join(root, "cohort.json"))
        results = results or ("" if own else "results")
        subjects = list((load_own if own else load_independent)(root, results))
        print(f"\n{arg}")
        print("| variant | TP | FN | FP | TN | sens | FPR | PPV | controls |\n|---|---|---|---|---|---|---|---|---|")
        for vname, v in VARIANTS.items():
            s = dict(TP=0, FN=0, FP=0, TN=0)
            controls = set()
            for name, patient, r, labels in subjects:
                pairs = {(p["task"], p["driver"], p["follower"]): p for p in r.get("pairs", [])}
                for k, lab in labels.items():
                    if lab == "indirect":
                        continue
                    p = pairs.get(k)
                    f = False if p is None else (bool(p.get("flag")) if v is None else decide(p, r, v))
                    if lab == "synkinesis":
                        s["TP" if f else "FN"] += 1
                    else:
                        s["FP" if f else "TN"] += 1
                        if f and not patient:
                            controls.add(name)
            sens = s["TP"] / max(1, s["TP"] + s["FN"])
            fpr = s["FP"] / max(1, s["FP"] + s["TN"])
            ppv = s["TP"] / max(1, s["TP"] + s["FP"])
            print(f"| {vname} | {s['TP']} | {s['FN']} | {s['FP']} | {s['TN']} | {sens:.2f} | {fpr:.3f} | {ppv:.2f} | "
                  f"{len(controls)} |")


if __name__ == "__main__":
    main()
