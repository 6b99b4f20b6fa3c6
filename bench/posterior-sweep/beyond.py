#!/usr/bin/env python3
"""Posteriors beyond the sweep's grid: `infer` at DEFAULT settings against exact posteriors on models the grid does not
hold: K = 1 at sigma 0.05 / 0.1, lambda 3 / 5 / 0.3, pi 0.02; K = 3 and 4 with random atoms in D = 3..16. The exact
posterior for K = 3, 4 is exact.py's by enumeration over blocks: the random dictionaries are block-orthogonal (atoms in
blocks of one or two, a block's atoms at a random cosine, blocks mutually orthogonal), so ||x - A s||^2 separates into
one K <= 2 term per block (the cross terms between blocks vanish) and the posterior is the product of the blocks' exact
K <= 2 posteriors (exact.py, each given the whole x). Within a block the two atoms explain away; across blocks they do not.
  EDGELANGEVIN=<bin> /usr/bin/python3 bench/posterior-sweep/beyond.py --out DIR [--only REGEX] [--engines float1,float2,fixed1,mala]
  /usr/bin/python3 bench/posterior-sweep/table.py BEFORE/results.jsonl AFTER/results.jsonl
Writes DIR/results.jsonl in sweep.py's format (table.py reads it).
"""
import argparse, json, math, os, re, sys
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior
import sweep


def block_dictionary(rng, d, blocks):
    """D x K, columns in mutually orthogonal blocks; a block of two has a random cosine in +-[0.3, 0.95]."""
    k = sum(blocks)
    q, _ = np.linalg.qr(rng.standard_normal((d, k)))
    cols, j = [], 0
    for b in blocks:
        n = rng.uniform(0.5, 2.0, size=b)
        if b == 1:
            cols.append(n[0] * q[:, j])
        else:
            c = rng.choice([-1, 1]) * rng.uniform(0.3, 0.95)
            cols += [n[0] * q[:, j], n[1] * (c * q[:, j] + math.sqrt(1 - c * c) * q[:, j + 1])]
        j += b
    return np.array(cols).T


def block_posterior(variant, lam, pi, sigma, A, blocks, x):
    p, m, j = [], [], 0
    for b in blocks:
        pb, mb = posterior(variant, lam, pi, sigma, A[:, j:j + b].tolist(), list(x))
        p += pb; m += mb; j += b
    return p, m


def cells():
    # (name, dictionary, blocks, sigma, lambda, pi)
    one = np.array([[1.0]])
    for s in (0.05, 0.1):
        yield f"k1-a1 s{s} l1.0 pi0.3", one, [1], s, 1.0, 0.3
    for l in (3.0, 5.0, 0.3):
        yield f"k1-a1 s0.3 l{l} pi0.3", one, [1], 0.3, l, 0.3
    yield "k1-a1 s0.3 l1.0 pi0.02", one, [1], 0.3, 1.0, 0.02
    rng = np.random.default_rng(14)
    for d, blocks, s, l, pi in ((3, [2, 1], 0.3, 1.0, 0.3), (8, [2, 1], 0.1, 1.0, 0.3), (5, [2, 2], 0.3, 1.0, 0.3),
                                (16, [2, 1, 1], 0.3, 1.0, 0.05), (12, [1, 1, 1], 0.3, 3.0, 0.3), (4, [2, 2], 0.5, 0.3, 0.3)):
        A = block_dictionary(rng, d, blocks)
        yield f"k{sum(blocks)}-d{d} blocks{''.join(map(str, blocks))} s{s} l{l} pi{pi}", A, blocks, s, l, pi


def inputs_for(A, sigma, lam, rng):
    # sweep.py's inputs along the first atom (0, below / near / far above threshold, negative) and two drawn from the
    # model's prior (spike and slab, signed) plus noise
    xs = sweep.inputs_for(A[:, :1], sigma, lam)
    if A.shape[1] > 1:
        for _ in range(2):
            s = np.where(rng.random(A.shape[1]) < 0.5, rng.exponential(1 / lam, A.shape[1]) * rng.choice([-1, 1], A.shape[1]), 0)
            xs.append(list(map(float, A @ s + sigma * rng.standard_normal(A.shape[0]))))
    else:
        xs = [[v[0] * 1.0] for v in xs]
    return xs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None)
    ap.add_argument("--engines", default="float1,float2,fixed1,mala")
    ap.add_argument("--timeout", type=float, default=240)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    outf = open(f"{a.out}/results.jsonl", "a")
    rng = np.random.default_rng(7)
    for name, A, blocks, s, l, pi in cells():
        xs = inputs_for(A, s, l, rng)  # drawn for every cell, so --only does not change the others' inputs
        if a.only and not re.search(a.only, name):
            continue
        exact = [block_posterior("signed", l, pi, s, A, blocks, x) for x in xs]
        p = dict(sigma=s, lam=l, pi=pi)
        for engine in a.engines.split(","):
            r = sweep.run(name, A.tolist(), p, "signed", engine, a.out, None, 1, xs, a.timeout)
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
                    zs.append(dp / rr["p_active_stderr"][k] if rr["p_active_stderr"][k] else (0 if dp == 0 else math.inf))
                    zs.append(dm / rr["mean_stderr"][k] if rr["mean_stderr"][k] else (0 if dm == 0 else math.inf))
            res.update(perr=max(map(abs, perr)), merr=max(map(abs, merr)), zmax=max(map(abs, zs)), z=[round(z, 2) for z in zs],
                       samples_tau_u=j["run"]["samples_tau_u"], stopped=j["run"]["stopped"])
            outf.write(json.dumps(res) + "\n"); outf.flush()
            print(f"{name:45s} {engine:7s} dt {res['dt']:.4g} {res['samples_tau_u']:.0f} tau_u {res['stopped']} perr {res['perr']:.4f} "
                  f"merr {res['merr']:.4f} zmax {res['zmax']:.2f} {res['seconds']}s", flush=True)


if __name__ == "__main__":
    main()
