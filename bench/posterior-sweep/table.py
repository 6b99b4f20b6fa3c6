#!/usr/bin/env python3
"""Before / after table of two sweep runs (results.jsonl of the same cells and engines): per engine median and worst
over cells of the cell's worst |P(s != 0) error| and |E[s] error|, coverage (share of |z| beyond 2 and 3 over p_active and
mean of every input and unit), share of runs that ended at the budget, seconds per infer (median, mean), failed runs.
  /usr/bin/python3 bench/posterior-sweep/table.py BEFORE.jsonl AFTER.jsonl"""
import json, sys
import numpy as np


def load(path):
    by = {}
    for l in open(path):
        r = json.loads(l)
        by.setdefault(r["engine"], []).append(r)
    return by


# exact.py's own precision (checked against a direct 2-D quadrature to 1e-9, RESULTS.md session 15): a unit whose
# zero mass is bounded reports P(s != 0) = 1 +- 1e-30, and exact.py's 1 - 1e-16 (its rounding) would read as z 1e17
EXACT_PRECISION = 1e-9


def zs(r):
    """|z| of every p_active and mean of a run, the error bar taken with the exact value's precision in quadrature
    (hunt.py rows carry exact and got; sweep.py rows only their z)."""
    if "exact" not in r or "got" not in r:
        return r["z"]
    out = []
    for (pe, me), (p, m, sp, sm) in zip(r["exact"], r["got"]):
        for k in range(len(pe)):
            out.append((p[k] - pe[k]) / np.hypot(sp[k], EXACT_PRECISION))
            out.append((m[k] - me[k]) / np.hypot(sm[k], EXACT_PRECISION))
    return out


def stats(rows):
    ok = [r for r in rows if "z" in r]
    z = np.abs(np.array([v for r in ok for v in zs(r)], float))
    pe = [r["perr"] for r in ok]; me = [r["merr"] for r in ok]
    t = [r["seconds"] for r in rows if "seconds" in r]
    cap = sum("stopped at its budget" in r.get("stderr", "") for r in ok)
    return dict(pmed=np.median(pe), pmax=max(pe), mmed=np.median(me), mmax=max(me), z2=np.mean(z > 2), z3=np.mean(z > 3),
                cap=cap, n=len(ok), tmed=np.median(t), tmean=np.mean(t), fail=len(rows) - len(ok))


def main():
    b, a = load(sys.argv[1]), load(sys.argv[2])
    print("| engine | median / worst cell max p err | median / worst cell max mean err | |z| > 2 | |z| > 3 | runs at budget | s per infer median (mean) | failed runs |")
    print("|---|---|---|---|---|---|---|---|")
    for e in b:
        x, y = stats(b[e]), stats(a[e])
        print(f"| {e} | {x['pmed']:.3f} / {x['pmax']:.3f} -> {y['pmed']:.3f} / {y['pmax']:.3f} | {x['mmed']:.3f} / {x['mmax']:.3f} -> {y['mmed']:.3f} / {y['mmax']:.3f} "
              f"| {100 * x['z2']:.1f} % -> {100 * y['z2']:.1f} % | {100 * x['z3']:.1f} % -> {100 * y['z3']:.1f} % | {x['cap']} of {x['n']} -> {y['cap']} of {y['n']} "
              f"| {x['tmed']:.2f} ({x['tmean']:.2f}) -> {y['tmed']:.2f} ({y['tmean']:.2f}) | {x['fail']} -> {y['fail']} |")


if __name__ == "__main__":
    main()
