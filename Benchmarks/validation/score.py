#!/usr/bin/env python3
"""Scores `synk synkinesis --format json` results of a validation cohort against the simulator's ground truth.

A pair (task, driver → follower) is truly synkinetic when the truth holds a synkinetic coupling driver →
follower (gain > 0 on the affected side) and the task is the one that driver performs. synk calls a pair
synkinetic when its `flag` is true. A truly coupled pair that synk does not report at all (a channel excluded,
a task dropped) counts as missed. Controls have no true pairs. Prints the confusion table per pattern family
(driver region → follower region), the totals against the targets, and every error.

usage: score.py COHORTDIR
"""
import json
import os
import sys

REGION = {"FRO": "ocular", "COR": "ocular", "OOc": "ocular", "NAS": "oral", "LLS": "oral", "ZYG": "oral", "BUC": "oral",
          "OOr": "oral", "DAO": "oral", "MEN": "oral", "PLA": "neck", "MAS": "masticatory"}


def family(driver, follower):
    return f"{REGION[driver]}→{REGION[follower]}"


def main():
    root = sys.argv[1]
    cohort = json.load(open(os.path.join(root, "cohort.json")))
    table = {}
    errors = []
    decisions = {}
    controls_flagged = 0
    for entry in cohort:
        name = entry["name"]
        truth = json.load(open(os.path.join(root, name + "_truth.json")))
        result_path = os.path.join(root, name + ".result.json")
        result = json.load(open(result_path)) if os.path.exists(result_path) else {"pairs": []}
        tasks = {t["name"]: t["drivers"][0] for t in truth["parameters"]["tasks"]}
        true_pairs = set()
        for c in truth["couplings"]:
            # A control's couplings are symmetric co-activation, whatever side its file states.
            if entry["patient"] and c["synkinetic"] and c["gain"] > 0:
                for task, driver in tasks.items():
                    if driver == c["driver"]:
                        true_pairs.add((task, c["driver"], c["follower"]))
        seen = set()
        flagged_here = 0
        for p in result.get("pairs", []):
            key = (p["task"], p["driver"], p["follower"])
            seen.add(key)
            fam = family(p["driver"], p["follower"])
            row = table.setdefault(fam, {"TP": 0, "FN": 0, "FP": 0, "TN": 0})
            positive = key in true_pairs
            flagged = bool(p.get("flag"))
            decisions[p.get("decision", "-")] = decisions.get(p.get("decision", "-"), 0) + 1
            if flagged:
                flagged_here += 1
            if positive and flagged:
                row["TP"] += 1
            elif positive:
                row["FN"] += 1
                errors.append(f"{name} MISSED {key[0]} {key[1]}→{key[2]} ratio {p.get('amplitude_ratio')} "
                              f"decision {p.get('decision')}: {p.get('decision_reason') or p.get('flag_reason')}")
            elif flagged:
                row["FP"] += 1
                errors.append(f"{name} FALSE {key[0]} {key[1]}→{key[2]} ratio {p.get('amplitude_ratio')}: "
                              f"{p.get('decision_reason') or p.get('flag_reason')}")
            else:
                row["TN"] += 1
        for key in sorted(true_pairs - seen):
            row = table.setdefault(family(key[1], key[2]), {"TP": 0, "FN": 0, "FP": 0, "TN": 0})
            row["FN"] += 1
            errors.append(f"{name} NOT REPORTED {key[0]} {key[1]}→{key[2]}")
        if not entry["patient"] and flagged_here:
            controls_flagged += 1

    def rates(r):
        sens = r["TP"] / (r["TP"] + r["FN"]) if r["TP"] + r["FN"] else float("nan")
        fpr = r["FP"] / (r["FP"] + r["TN"]) if r["FP"] + r["TN"] else float("nan")
        ppv = r["TP"] / (r["TP"] + r["FP"]) if r["TP"] + r["FP"] else float("nan")
        return sens, fpr, ppv

    print(f"{'pattern family':<18} {'TP':>4} {'FN':>4} {'FP':>4} {'TN':>5}  {'sens':>5} {'FPR':>6} {'PPV':>5}")
    total = {"TP": 0, "FN": 0, "FP": 0, "TN": 0}
    for fam in sorted(table):
        r = table[fam]
        for k in total:
            total[k] += r[k]
        s, f, p = rates(r)
        print(f"{fam:<18} {r['TP']:>4} {r['FN']:>4} {r['FP']:>4} {r['TN']:>5}  {s:>5.2f} {f:>6.3f} {p:>5.2f}")
    s, f, p = rates(total)
    print(f"{'all':<18} {total['TP']:>4} {total['FN']:>4} {total['FP']:>4} {total['TN']:>5}  {s:>5.2f} {f:>6.3f} {p:>5.2f}")
    controls = sum(1 for e in cohort if not e["patient"])
    print(f"controls with a flag: {controls_flagged} of {controls}")
    print("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(decisions.items())))
    met = s >= 0.95 and f <= 0.02 and p >= 0.90 and controls_flagged == 0
    print(f"targets (sensitivity ≥ 0.95, FPR ≤ 0.02, PPV ≥ 0.90, no control flagged): {'MET' if met else 'NOT MET'}")
    for e in errors:
        print("  " + e)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
