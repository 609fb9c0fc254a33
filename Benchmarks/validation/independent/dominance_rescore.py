"""Re-scores existing `synk synkinesis` results of an independent cohort as if the crosstalk-dominance rule applied:
a flagged pair whose follower has a crosstalk fraction of at least T on the side with the excess (the affected side
when it is stated, else the side with the larger own RMS) becomes undetermined. Used to measure the rule on results
made before it existed; synk 0.2.0 applies it itself.

usage: dominance_rescore.py COHORTDIR [RESULTS=results] [T=0.5 ...]
"""
import json
import os
import sys


def flagged_after(pair, basis, threshold):
    if not pair.get("flag"):
        return False
    a, h = pair.get("affected") or {}, pair.get("healthy") or {}
    if basis == "stated":
        share = a.get("crosstalk_fraction")
    else:
        share = a.get("crosstalk_fraction") if (a.get("own_rms") or 0) >= (h.get("own_rms") or 0) else h.get("crosstalk_fraction")
    return not (share is not None and share >= threshold)


def evaluate(root, results, threshold):
    cohort = json.load(open(os.path.join(root, "truth", "cohort.json")))
    tp = fn = fp = controls = 0
    for entry in cohort["subjects"]:
        name = entry["name"]
        truth = json.load(open(os.path.join(root, "truth", f"sub-{name}_truth.json")))
        path = os.path.join(root, results, f"sub-{name}.json")
        result = json.load(open(path)) if os.path.exists(path) else {"pairs": []}
        basis = (result.get("side_comparison") or {}).get("basis")
        pairs = {(p["task"], p["driver"], p["follower"]): p for p in result.get("pairs", [])}
        any_flag = False
        for t in truth["pairs"]:
            p = pairs.get((t["task"], t["driver"], t["follower"]))
            flag = bool(p) and (flagged_after(p, basis, threshold) if threshold is not None else bool(p.get("flag")))
            any_flag |= flag
            if t["truth"] == "indirect":
                continue
            if t["truth"] == "synkinesis":
                tp, fn = tp + flag, fn + (not flag)
            else:
                fp += flag
        controls += (not truth["patient"]) and any_flag
    return tp, fn, fp, controls


def main():
    root = sys.argv[1]
    results = sys.argv[2] if len(sys.argv) > 2 else "results"
    thresholds = [float(x) for x in sys.argv[3:]] or [0.5]
    for threshold in [None] + thresholds:
        tp, fn, fp, controls = evaluate(root, results, threshold)
        label = "as run" if threshold is None else f"T={threshold}"
        print(f"{root} {results} {label}: sensitivity {tp / max(1, tp + fn):.2f} ({tp}/{tp + fn}), false flags {fp}, "
              f"PPV {tp / max(1, tp + fp):.2f}, controls flagged {controls}")


if __name__ == "__main__":
    main()
