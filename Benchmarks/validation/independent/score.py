#!/usr/bin/env python3
"""Runs `synk synkinesis` on every recording of an independent cohort (generate.py) and scores its pair decisions
against the generator's ground truth.

A pair is (task, task driver -> follower).  Truth (from truth/sub-XX_truth.json):
  synkinesis  the patient has a coupling driver -> follower and this is the driver's task;
  indirect    the follower's synkinetic activity in this task comes from another coupling through a synergist
              (e.g. OOc -> OOr acting during smile through the Duchenne OOc): neither required nor penalised;
  none        everything else (all pairs of controls).
True couplings are graded by the generator's clean own-activity ratio (follower's own EMG + common rest floor,
affected / healthy, no paresis correction) against the rule's cut-off: clear (>= 1.2 x cut-off), borderline
(0.8-1.2 x), subthreshold (< 0.8 x).

usage: score.py COHORTDIR [--synk /work/tools/synk-main] [--jobs 2] [--rerun]
"""
import argparse
import collections
import concurrent.futures
import json
import math
import os
import subprocess
import sys

REGION = {"FRO": "ocular", "COR": "ocular", "OOc": "ocular", "NAS": "oral", "LLS": "oral", "ZYG": "oral",
          "BUC": "oral", "OOr": "oral", "DAO": "oral", "MEN": "oral", "PLA": "neck", "MAS": "masticatory"}


def family(d, f):
    return f"{REGION[d]}→{REGION[f]}"


def run_one(synk, root, entry, rerun, results, notch):
    out = os.path.join(root, results, f"sub-{entry['name']}.json")
    if os.path.exists(out) and not rerun:
        return entry["name"], 0, ""
    cmd = [synk, "synkinesis", os.path.join(root, entry["recording"]), "--affected", entry["affected"],
           "--format", "json", "-o", out]
    if notch:
        mains = json.load(open(os.path.join(root, "truth", f"sub-{entry['name']}_truth.json")))["mains_hz"]
        cmd += ["--notch", f"{mains}:{int(450 // mains)}"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode in (0, 1) and not os.path.exists(out):
        # Exit 1 is documented as "quality flag, output written"; say so when nothing was written.
        return entry["name"], f"{p.returncode} without output", p.stderr.strip()
    return entry["name"], p.returncode, p.stderr.strip()


def fmt(x, nd=2):
    if x is None:
        return "null"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v, nd) for v in x) + "]"
    return f"{x:.{nd}f}"


def grade(tp):
    r = tp["true_own_ratio"] / tp["cutoff"]
    return "clear" if r >= 1.2 else ("borderline" if r >= 0.8 else "subthreshold")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--synk", default="/work/tools/synk-main")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--notch", action="store_true",
                    help="ask synk for a mains comb at each recording's mains frequency (results-notch/)")
    args = ap.parse_args()
    results = "results-notch" if args.notch else "results"
    root = args.root
    cohort = json.load(open(os.path.join(root, "truth", "cohort.json")))
    os.makedirs(os.path.join(root, results), exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        runs = list(ex.map(lambda e: run_one(args.synk, root, e, args.rerun, results, args.notch), cohort["subjects"]))
    failures = [(n, rc, err) for n, rc, err in runs if rc not in (0, 1)]
    failures += [(e["name"], "earlier run without output", "") for e in cohort["subjects"]
                 if not os.path.exists(os.path.join(root, results, f"sub-{e['name']}.json"))
                 and e["name"] not in {f[0] for f in failures}]

    table = collections.defaultdict(lambda: collections.Counter())
    by_grade = collections.defaultdict(collections.Counter)
    decisions = collections.Counter()
    undetermined = []
    errors = []
    controls_flagged = []
    exclusions = []
    amp_checks, xt_checks, paresis_checks = [], [], []
    indirect = collections.Counter()
    calibration = []
    for entry in cohort["subjects"]:
        name = entry["name"]
        truth = json.load(open(os.path.join(root, "truth", f"sub-{name}_truth.json")))
        path = os.path.join(root, results, f"sub-{name}.json")
        result = json.load(open(path)) if os.path.exists(path) else {"pairs": []}
        for q in result.get("quality", []):
            bad = [f for f in q.get("flags", []) if f not in ("mains_dominated",)]
            if bad:
                exclusions.append(f"sub-{name} {q['channel']}: {'; '.join(q.get('explanations', []))}")
        q_synk = (result.get("paresis") or {}).get("factor")
        if truth["patient"]:
            aff = truth["affected_side"]
            drivers = [p for p in truth["pairs"]]
            paresis_checks.append((name, truth["paresis_side"], q_synk,
                                   {m: truth["paresis"][f"{aff}-{m}"] for m in truth["muscles"]}))
        for c in truth["couplings"]:
            for tp in truth["pairs"]:
                if (tp["driver"], tp["follower"]) == (c["driver"], c["follower"]) and c.get("target_own_ratio"):
                    calibration.append(math.log(tp["true_own_ratio"] / c["target_own_ratio"]))
        synk_pairs = {(p["task"], p["driver"], p["follower"]): p for p in result.get("pairs", [])}
        flagged_here = 0
        for tp in truth["pairs"]:
            key = (tp["task"], tp["driver"], tp["follower"])
            p = synk_pairs.get(key)
            fam = family(tp["driver"], tp["follower"])
            if p is not None:
                decisions[p.get("decision")] += 1
                if p.get("amplitude_ratio") and tp["true_raw_ratio"]:
                    amp_checks.append(math.log(p["amplitude_ratio"] / tp["true_raw_ratio"]))
                for side, tshare in (("affected", tp["crosstalk_share_affected"]), ("healthy", tp["crosstalk_share_healthy"])):
                    cf = (p.get(side) or {}).get("crosstalk_fraction")
                    if cf is not None:
                        xt_checks.append((tshare, cf))
            flagged = bool(p and p.get("flag"))
            if flagged:
                flagged_here += 1
            if p is not None and p.get("decision") == "undetermined":
                undetermined.append((name, key, tp["truth"], p.get("decision_reason")))
            line = None
            if tp["truth"] == "indirect":
                indirect["flagged" if flagged else "not flagged"] += 1
                continue
            if tp["truth"] == "synkinesis":
                g = grade(tp)
                by_grade[g]["TP" if flagged else "FN"] += 1
                table[fam]["TP" if flagged else "FN"] += 1
                if not flagged:
                    line = f"MISS [{g}]"
            else:
                table[fam]["FP" if flagged else "TN"] += 1
                if flagged:
                    line = "FALSE FLAG"
            if line:
                if p is None:
                    errors.append(f"sub-{name} {line} {key[0]} {key[1]}→{key[2]}: pair not reported by synk")
                    continue
                a, h = p.get("affected") or {}, p.get("healthy") or {}
                errors.append(
                    f"sub-{name} {line} {key[0]} {key[1]}→{key[2]} (cut {tp['cutoff']}) | truth: own ratio "
                    f"{tp['true_own_ratio']:.2f}, raw {tp['true_raw_ratio']:.2f}, xt share A/H "
                    f"{tp['crosstalk_share_affected']:.2f}/{tp['crosstalk_share_healthy']:.2f}, follower paresis "
                    f"{tp['follower_paresis']:.2f} | synk: amp {fmt(p.get('amplitude_ratio'))}, own "
                    f"{fmt(p.get('follower_own_ratio'))} {fmt(p.get('follower_own_ratio_ci95'))}, total "
                    f"{fmt(p.get('follower_total_ratio'))}, xt A/H {fmt(a.get('crosstalk_fraction'))}/"
                    f"{fmt(h.get('crosstalk_fraction'))}, q {fmt(q_synk)}, decision {p.get('decision')}: "
                    f"{p.get('decision_reason')}")
        if not truth["patient"] and flagged_here:
            controls_flagged.append(name)

    def rates(r):
        tp, fn, fp, tn = r["TP"], r["FN"], r["FP"], r["TN"]
        s = tp / (tp + fn) if tp + fn else float("nan")
        f = fp / (fp + tn) if fp + tn else float("nan")
        v = tp / (tp + fp) if tp + fp else float("nan")
        return s, f, v

    print(f"cohort {root}: profile {cohort['profile']}, seed {cohort['seed']}, overrides {cohort.get('overrides')}, "
          f"{len(cohort['subjects'])} subjects" + (", synk asked for a mains notch" if args.notch else ""))
    if failures:
        print("synk failures (exit not 0/1):")
        for n, rc, err in failures:
            print(f"  sub-{n} exit {rc}: {err}")
    print("\n| pattern family | TP | FN | FP | TN | sensitivity | false-positive rate | PPV |\n|---|---|---|---|---|---|---|---|")
    total = collections.Counter()
    for fam in sorted(table):
        r = table[fam]
        total.update(r)
        s, f, v = rates(r)
        print(f"| {fam} | {r['TP']} | {r['FN']} | {r['FP']} | {r['TN']} | {s:.2f} | {f:.3f} | {v:.2f} |")
    s, f, v = rates(total)
    print(f"| **all** | **{total['TP']}** | **{total['FN']}** | **{total['FP']}** | **{total['TN']}** | **{s:.2f}** | "
          f"**{f:.3f}** | **{v:.2f}** |")
    print("\nsensitivity by the coupling's true own-activity ratio vs its cut-off:")
    for g in ("clear", "borderline", "subthreshold"):
        r = by_grade[g]
        n = r["TP"] + r["FN"]
        print(f"  {g:12s} {r['TP']}/{n}" + (f" = {r['TP'] / n:.2f}" if n else ""))
    ncontrols = sum(1 for e in cohort["subjects"] if not e["patient"])
    print(f"\ncontrols with any flag: {len(controls_flagged)} of {ncontrols} {controls_flagged}")
    print(f"indirect pairs (not scored): {dict(indirect)}")
    print(f"decisions: {dict(decisions)}")
    if amp_checks:
        amp_checks.sort()
        print(f"\ngenerator check, synk amplitude_ratio / generator raw task-RMS ratio: median "
              f"{math.exp(amp_checks[len(amp_checks) // 2]):.3f}, 5-95 % "
              f"{math.exp(amp_checks[len(amp_checks) // 20]):.3f}-{math.exp(amp_checks[-1 - len(amp_checks) // 20]):.3f}"
              f" (n={len(amp_checks)})")
    if calibration:
        calibration.sort()
        print(f"generator check, coupling's measured own ratio / intended: median "
              f"{math.exp(calibration[len(calibration) // 2]):.3f}, range {math.exp(calibration[0]):.3f}-"
              f"{math.exp(calibration[-1]):.3f} (n={len(calibration)})")
    if xt_checks:
        print("crosstalk: generator's true share of the follower's task power vs synk crosstalk_fraction")
        import numpy as np
        a = np.array(xt_checks)
        for lo, hi in ((0.0, 0.05), (0.05, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 1.01)):
            m = (a[:, 0] >= lo) & (a[:, 0] < hi)
            if m.any():
                print(f"  true crosstalk share {lo:.2f}-{hi:.2f}: n={m.sum():4d}, synk crosstalk_fraction median "
                      f"{np.median(a[m, 1]):.3f} (true median {np.median(a[m, 0]):.3f})")
    if paresis_checks:
        print("\nparesis factor: truth side factor (power ratio = p^2) vs synk q (power ratio):")
        for name, p, q, per in paresis_checks:
            print(f"  sub-{name}: true p {p:.2f} (p^2 {p * p:.3f}), synk q {fmt(q, 3)}; per muscle p: "
                  + ", ".join(f"{m} {v:.2f}" for m, v in per.items()))
    print(f"\nchannels excluded or flagged by synk quality ({len(exclusions)}):")
    for e in exclusions:
        print("  " + e)
    print(f"\nundetermined ({len(undetermined)}):")
    for name, key, t, reason in undetermined:
        print(f"  sub-{name} {key[0]} {key[1]}→{key[2]} truth {t}: {reason}")
    print(f"\nerrors ({len(errors)}):")
    for e in errors:
        print("  " + e)


if __name__ == "__main__":
    main()
