#!/usr/bin/env python3
"""What-if analysis on synk's own JSON numbers: recomputes the follower's own-activity ratio from each pair's
per-repetition RMS, rest RMS, crosstalk fraction and the paresis factors exactly as docs/synkinesis-decision.md
states it, then varies one ingredient at a time and rescores against the generator's truth.

  as_synk     q = the side's median factor (checks the emulation against synk's follower_own_ratio)
  q_follower  q = the follower's own voluntary factor when it drives a task, else the side's factor
  no_paresis  q = 1 (Bernardes' index with crosstalk and rest handled)
  xt_guard    as_synk, but a pair whose follower is crosstalk-dominated (X > 0.5 on either side) is never called
              synkinesis (crosstalk estimate is a lower bound: Farina et al. 2004)

usage: whatif.py COHORTDIR [results-dir-name]
"""
import json
import math
import os
import sys

from scipy import stats


def own_ratio(p, q, cut):
    a, h = p.get("affected") or {}, p.get("healthy") or {}
    ra, rh = a.get("repetition_rms"), h.get("repetition_rms")
    if not ra or not rh or a.get("rest_rms") is None or h.get("rest_rms") is None:
        return None, None
    xa, xh = a.get("crosstalk_fraction") or 0.0, h.get("crosstalk_fraction") or 0.0
    Ra, Rh = a["rest_rms"] ** 2, h["rest_rms"] ** 2
    Rs = max(Ra, Rh)
    logs = []
    for pa, ph in zip(ra, rh):
        ea = max(0.0, pa * pa * (1 - xa) - Ra) / q
        eh = max(0.0, ph * ph * (1 - xh) - Rh)
        logs.append(0.5 * math.log((Rs + ea) / (Rs + eh)))
    n = len(logs)
    m = sum(logs) / n
    if n < 2:
        return math.exp(m), True
    sd = math.sqrt(sum((x - m) ** 2 for x in logs) / (n - 1))
    lo = m - stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return math.exp(m), lo > 0


def main():
    root = sys.argv[1]
    results = sys.argv[2] if len(sys.argv) > 2 else "results"
    cohort = json.load(open(os.path.join(root, "truth", "cohort.json")))
    variants = ["as_synk", "q_follower", "no_paresis", "xt_guard", "q_follower+xt_guard"]
    score = {v: dict(TP=0, FN=0, FP=0, TN=0, controls=set()) for v in variants}
    agree, total = 0, 0
    for e in cohort["subjects"]:
        name = e["name"]
        truth = json.load(open(os.path.join(root, "truth", f"sub-{name}_truth.json")))
        r = json.load(open(os.path.join(root, results, f"sub-{name}.json")))
        par = r.get("paresis") or {}
        q_side = par.get("factor") or 1.0 if par.get("applied") else 1.0
        per = par.get("muscles") or {}
        sp = {(p["task"], p["driver"], p["follower"]): p for p in r["pairs"]}
        for tp in truth["pairs"]:
            if tp["truth"] == "indirect":
                continue
            p = sp.get((tp["task"], tp["driver"], tp["follower"]))
            if p is None or p.get("decision") == "undetermined":
                flags = {v: False for v in variants}
            else:
                cut = p["amplitude_cutoff"]
                base, ok = own_ratio(p, q_side, cut)
                if base is not None and p.get("follower_own_ratio") is not None:
                    total += 1
                    agree += abs(base - p["follower_own_ratio"]) < 0.01 * p["follower_own_ratio"]
                qf = per.get(tp["follower"], q_side) if par.get("applied") else 1.0
                qf = min(1.0, max(0.05, qf))
                xa = (p.get("affected") or {}).get("crosstalk_fraction") or 0
                xh = (p.get("healthy") or {}).get("crosstalk_fraction") or 0
                guard = max(xa, xh) > 0.5
                res = {}
                for v, q in (("as_synk", q_side), ("q_follower", qf), ("no_paresis", 1.0)):
                    ratio, ok = own_ratio(p, q, cut)
                    res[v] = bool(ratio is not None and ratio > cut and ok)
                res["xt_guard"] = res["as_synk"] and not guard
                res["q_follower+xt_guard"] = res["q_follower"] and not guard
                if truth["stated_side"] == "none":
                    # synk judges the larger side against the smaller without paresis: keep its own flag
                    res = {v: bool(p.get("flag")) and not (v.endswith("xt_guard") and guard) for v in variants}
                flags = res
            for v in variants:
                s = score[v]
                if tp["truth"] == "synkinesis":
                    s["TP" if flags[v] else "FN"] += 1
                else:
                    s["FP" if flags[v] else "TN"] += 1
                    if flags[v] and not truth["patient"]:
                        s["controls"].add(name)
    print(f"{root} ({results}): emulation equals synk's follower_own_ratio within 1 % in {agree}/{total} pairs")
    print("| variant | TP | FN | FP | TN | sensitivity | FPR | PPV | controls flagged |\n|---|---|---|---|---|---|---|---|---|")
    for v in variants:
        s = score[v]
        sens = s["TP"] / max(1, s["TP"] + s["FN"])
        fpr = s["FP"] / max(1, s["FP"] + s["TN"])
        ppv = s["TP"] / max(1, s["TP"] + s["FP"])
        print(f"| {v} | {s['TP']} | {s['FN']} | {s['FP']} | {s['TN']} | {sens:.2f} | {fpr:.3f} | {ppv:.2f} | "
              f"{len(s['controls'])} |")


if __name__ == "__main__":
    main()
