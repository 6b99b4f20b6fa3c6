#!/usr/bin/env python3
"""The step's bias: `infer` with explicit dt = the policy's default and dt / 2 (same seed, many chains, the run-length
policy's length) against exact.py, on grid cells and beyond the grid (larger D, small sigma, strong / weak priors).
For each input and unit: error = estimate - exact, in units of the reported standard error and absolutely.
The difference between dt and dt / 2 is the step's bias at dt / 2 (order 1: bias ~ eps) or 3/4 of the bias at dt
(order 2: ~ eps^2), plus Monte Carlo noise sqrt(se1^2 + se2^2).
  EDGELANGEVIN=<bin> /usr/bin/python3 bench/posterior-sweep/stepbias.py --out DIR [--chains 32] [--only REGEX]
"""
import argparse, json, math, os, re, subprocess, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior
from sweep import GEOMETRIES, inputs_for, BIN

rng = np.random.default_rng(7)
D8 = rng.normal(size=(8, 2)); D8 /= np.linalg.norm(D8, axis=0)
MODELS = [
    # name, A, sigma, lambda, pi
    ("k1-a1 s0.3 l1 pi0.3", GEOMETRIES["k1-a1"], 0.3, 1.0, 0.3),
    ("k1-a1 s0.3 l1 pi0.05", GEOMETRIES["k1-a1"], 0.3, 1.0, 0.05),
    ("k1-a3 s0.3 l1 pi1", GEOMETRIES["k1-a3"], 0.3, 1.0, 1.0),
    ("k1-a1 s0.05 l1 pi0.3", GEOMETRIES["k1-a1"], 0.05, 1.0, 0.3),
    ("k1-a1 s0.3 l5 pi0.3", GEOMETRIES["k1-a1"], 0.3, 5.0, 0.3),
    ("k1-a1 s0.3 l0.3 pi0.3", GEOMETRIES["k1-a1"], 0.3, 0.3, 0.3),
    ("k2-d3 s0.3 l1 pi0.3", GEOMETRIES["k2-d3"], 0.3, 1.0, 0.3),
    ("k2-cos0.9 s0.3 l1 pi0.3", GEOMETRIES["k2-cos0.9"], 0.3, 1.0, 0.3),
    ("k2-d8 s0.2 l1 pi0.3", D8.tolist(), 0.2, 1.0, 0.3),
    ("k2-d8 s0.5 l2 pi0.1", D8.tolist(), 0.5, 2.0, 0.1),
]


def infer(out, tag, A, sigma, lam, pi, xs, order, dt, chains, engine="float", extra=()):
    Ar = np.array(A)
    model = {"format": "edgelangevin-model", "variant": "signed", "lambda": lam, "pi": pi, "sigma": sigma,
             "dictionary": {"rows": Ar.shape[0], "cols": Ar.shape[1], "data": list(map(float, Ar.reshape(-1)))}}
    mp, xp, cp = f"{out}/{tag}.model.json", f"{out}/{tag}.x.json", f"{out}/{tag}.o{order}.{dt}.config.json"
    json.dump(model, open(mp, "w")); json.dump({"inputs": xs}, open(xp, "w"))
    inf = {"order": order}
    if dt: inf["dt"] = dt
    json.dump({"inference": inf}, open(cp, "w"))
    cmd = [BIN, "infer", "--model", mp, "--input", xp, "--json", "-", "--threads", "1", "-q", "--config", cp,
           "--engine", engine, "--chains", str(chains), *extra]
    pr = subprocess.run(cmd, capture_output=True, text=True)
    if pr.returncode: raise RuntimeError(pr.stderr)
    return json.loads(pr.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/stepbias"); ap.add_argument("--chains", type=int, default=32)
    ap.add_argument("--only", default=None); ap.add_argument("--orders", default="1,2")
    a = ap.parse_args(); os.makedirs(a.out, exist_ok=True)
    outf = open(f"{a.out}/stepbias.jsonl", "a")
    for name, A, sigma, lam, pi in MODELS:
        if a.only and not re.search(a.only, name): continue
        tag = re.sub(r"[^A-Za-z0-9.,-]+", "_", name)
        xs = inputs_for(A, sigma, lam)
        ex = [posterior("signed", lam, pi, sigma, A, x) for x in xs]
        for order in map(int, a.orders.split(",")):
            dt0 = infer(a.out, tag, A, sigma, lam, pi, xs, order, None, 1, extra=("--samples", "1", "--burn-in", "1"))["inference"]["dt"]
            runs = {f: infer(a.out, tag, A, sigma, lam, pi, xs, order, dt0 * f, a.chains) for f in (1, 0.5)}
            for xi, (pe, me) in enumerate(ex):
                for k in range(len(pe)):
                    row = dict(model=name, order=order, dt=dt0, x=xi, k=k, exact_p=pe[k], exact_m=me[k])
                    for f, j in runs.items():
                        r = j["results"][xi]
                        row[f"f{f}"] = dict(p=r["p_active"][k], m=r["mean"][k], sp=r["p_active_stderr"][k], sm=r["mean_stderr"][k],
                                            std=r["std"][k], tau=j["run"]["samples_tau_u"], stop=j["run"]["stopped"])
                    outf.write(json.dumps(row) + "\n"); outf.flush()
                    r1, r2 = row["f1"], row["f0.5"]
                    print(f"{name:26s} o{order} x{xi} k{k} exact p {pe[k]:.4f} m {me[k]:.4f} | dt: dp {r1['p']-pe[k]:+.4f} (se {r1['sp']:.4f}) dm {r1['m']-me[k]:+.4f} (se {r1['sm']:.4f})"
                          f" | dt/2: dp {r2['p']-pe[k]:+.4f} (se {r2['sp']:.4f}) dm {r2['m']-me[k]:+.4f} (se {r2['sm']:.4f}) std {r1['std']:.3f} tau {r1['tau']:.0f}/{r2['tau']:.0f}", flush=True)


if __name__ == "__main__":
    main()
