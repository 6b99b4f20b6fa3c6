#!/usr/bin/env python3
"""The hunt (session 15): `infer` at DEFAULT settings against exact posteriors on models neither sweep.py's grid nor
beyond.py holds: overcomplete dictionaries (K > D: a parallel pair of atoms), pairs at cosine 0.7 to 0.95, pi 0.5 and
0.01, sigma 3 and 0.05, a mixed-scale input (one unit 40 times its threshold, another at it), inputs exactly at a
unit's threshold (data drive = lambda), negative inputs, both variants. Exact values: exact.py per block of at most two
atoms (the blocks are mutually orthogonal, so the posterior factorises; beyond.py's docstring).
  EDGELANGEVIN=<bin> /usr/bin/python3 bench/posterior-sweep/hunt.py --out DIR [--only REGEX] [--engines float1,float2,fixed1,mala] [--cells old|new|all]
  /usr/bin/python3 bench/posterior-sweep/table.py BEFORE/results.jsonl AFTER/results.jsonl
Writes DIR/results.jsonl in sweep.py's format, with the exact values and the reported ones per input.
"""
import argparse, json, math, os, re, sys
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from beyond import block_posterior
import sweep

C8, C95 = math.sqrt(1 - 0.64), math.sqrt(1 - 0.95 ** 2)
# name: (dictionary D x K, blocks, sigma, lambda, pi, variants, mixed-scale input)
CELLS = {
    # K = 3 > D = 2: atom 1 = -0.5 atom 0 (cosine -1, the pair explains away completely), atom 2 orthogonal
    "k3-d2 parallel s0.3 l1.0 pi0.3": ([[1.0, -0.5, 0.0], [0.0, 0.0, 1.0]], [2, 1], 0.3, 1.0, 0.3, ("signed", "nonnegative"), False),
    # K = 2 > D = 1 at pi 0.5
    "k2-d1 s0.3 l1.0 pi0.5": ([[1.0, 0.7]], [2], 0.3, 1.0, 0.5, ("signed", "nonnegative"), False),
    "k2-cos0.8 s0.3 l1.0 pi0.5": ([[1.0, 0.8], [0.0, C8]], [2], 0.3, 1.0, 0.5, ("signed", "nonnegative"), False),
    "k2-cos0.95 s0.5 l1.0 pi0.1": ([[1.0, 0.95 * 1.5], [0.0, C95 * 1.5]], [2], 0.5, 1.0, 0.1, ("signed",), False),
    "k2-cos-0.7 s0.3 l0.5 pi0.5": ([[1.0, -0.7], [0.0, math.sqrt(0.51)]], [2], 0.3, 0.5, 0.5, ("signed",), False),
    "k2-orth mixed s0.3 l1.0 pi0.3": ([[1.0, 0.0], [0.0, 1.0]], [1, 1], 0.3, 1.0, 0.3, ("signed", "nonnegative"), True),
    "k1-a1 s3.0 l1.0 pi0.3": ([[1.0]], [1], 3.0, 1.0, 0.3, ("signed", "nonnegative"), False),
    "k1-a0.5 s0.05 l1.0 pi0.3": ([[0.5]], [1], 0.05, 1.0, 0.3, ("signed",), False),
    "k1-a1 s0.3 l0.5 pi0.5": ([[1.0]], [1], 0.3, 0.5, 0.5, ("signed", "nonnegative"), False),
    "k1-a1 s0.3 l1.0 pi0.01": ([[1.0]], [1], 0.3, 1.0, 0.01, ("signed",), False),
}
# session 16 (--cells new): correlated pairs with a unit far above threshold (the clamped-MAP zero-mass bound's
# territory), K = 2 > D = 1 at other scales, a weakly correlated pair at pi 0.7, two correlated blocks at sigma 1
C6, C9, C3 = math.sqrt(1 - 0.36), math.sqrt(1 - 0.81), math.sqrt(1 - 0.09)
NEW_CELLS = {
    "k2-cos0.9 mixed s0.3 l1.0 pi0.3": ([[1.0, 0.9], [0.0, C9]], [2], 0.3, 1.0, 0.3, ("signed", "nonnegative"), True),
    "k4-d4 cos0.6/-0.9 mixed s0.5 l2.0 pi0.2": ([[1.0, 0.6, 0, 0], [0, C6, 0, 0], [0, 0, 1.0, -0.9], [0, 0, 0, math.sqrt(1 - 0.81)]],
                                                [2, 2], 0.5, 2.0, 0.2, ("signed", "nonnegative"), True),
    "k2-d1 a1,2 s1.0 l0.3 pi0.1": ([[1.0, 2.0]], [2], 1.0, 0.3, 0.1, ("nonnegative", "signed"), False),
    "k2-cos0.3 s0.1 l3.0 pi0.7": ([[1.0, 0.3], [0.0, C3]], [2], 0.1, 3.0, 0.7, ("signed", "nonnegative"), False),
    "k4-d4 cos-0.5,0.8 s1.0 l0.5 pi0.3": ([[1.0, -0.5, 0, 0], [0, math.sqrt(0.75), 0, 0], [0, 0, 1.0, 0.8], [0, 0, 0, 0.6]],
                                          [2, 2], 1.0, 0.5, 0.3, ("signed",), True),
}


def inputs_for(A, sigma, lam, mixed):
    """0; along atom 0 at its threshold (drive n0 c / sigma^2 = lambda), 1.5 and 4 times above, and -1.5 times; for K >= 2
    a0 + a1 and a0 - a1; mixed: atom 0 at 40 times its scale and the last atom at its threshold."""
    A = np.array(A)
    a0 = A[:, 0]; n0 = np.linalg.norm(a0); d = a0 / n0
    thr = lam * sigma * sigma / n0
    scale = max(thr, 0.3 / n0)
    xs = [np.zeros(A.shape[0]), thr * d, 1.5 * scale * d, 4 * scale * d, -1.5 * scale * d]
    if A.shape[1] >= 2:
        xs += [A[:, 0] + A[:, 1], A[:, 0] - A[:, 1]]
    if mixed:
        al = A[:, -1]; nl = np.linalg.norm(al)
        xs.append(40 * scale * d + lam * sigma * sigma / nl * al / nl)
    return [list(map(float, x)) for x in xs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None)
    ap.add_argument("--engines", default="float1,float2,fixed1,mala")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--cells", default="old", choices=("old", "new", "all"), help="session 15's cells, session 16's, or both")
    a = ap.parse_args()
    cells = {"old": CELLS, "new": NEW_CELLS, "all": {**CELLS, **NEW_CELLS}}[a.cells]
    os.makedirs(a.out, exist_ok=True)
    outf = open(f"{a.out}/results.jsonl", "a")
    for cell, (A, blocks, s, l, pi, variants, mixed) in cells.items():
        A = np.array(A)
        xs = inputs_for(A, s, l, mixed)
        for variant in variants:
            name = f"{cell} {variant}"
            if a.only and not re.search(a.only, name):
                continue
            exact = [block_posterior(variant, l, pi, s, A, blocks, x) for x in xs]
            for engine in a.engines.split(","):
                r = sweep.run(name, A.tolist(), dict(sigma=s, lam=l, pi=pi), variant, engine, a.out, None, 1, xs, a.timeout)
                if isinstance(r, dict):
                    print(f"{name:45s} {engine:7s} exit {r['exit']} {r.get('stderr', '')[:300]}", flush=True)
                    outf.write(json.dumps(r) + "\n"); outf.flush()
                    continue
                res, j = r
                perr, merr, zs = [], [], []
                for (pe, me), rr in zip(exact, j["results"]):
                    for k in range(len(pe)):
                        dp, dm = rr["p_active"][k] - pe[k], rr["mean"][k] - me[k]
                        perr.append(dp); merr.append(dm)
                        # the exact value's own precision in quadrature (table.py's EXACT_PRECISION: a bounded zero
                        # mass reports 1 +- 1e-30, exact.py's rounding 1 - 1e-16)
                        zs.append(dp / math.hypot(rr["p_active_stderr"][k], 1e-9))
                        zs.append(dm / math.hypot(rr["mean_stderr"][k], 1e-9))
                res.update(perr=max(map(abs, perr)), merr=max(map(abs, merr)), zmax=max(map(abs, zs)), z=[round(z, 2) for z in zs],
                           samples_tau_u=j["run"]["samples_tau_u"], stopped=j["run"]["stopped"], exact=exact, xs=xs,
                           got=[(rr["p_active"], rr["mean"], rr["p_active_stderr"], rr["mean_stderr"]) for rr in j["results"]])
                outf.write(json.dumps(res) + "\n"); outf.flush()
                print(f"{name:45s} {engine:7s} dt {res['dt']:.4g} {res['samples_tau_u']:.0f} tau_u {res['stopped']} perr {res['perr']:.4f} "
                      f"merr {res['merr']:.4f} zmax {res['zmax']:.2f} {res['seconds']}s", flush=True)


if __name__ == "__main__":
    main()
