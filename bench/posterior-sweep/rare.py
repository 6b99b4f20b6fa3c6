#!/usr/bin/env python3
"""The rare zero state: one input far above threshold whose zero state holds 1-6 % of the posterior, run by `infer` at
default settings over many seeds. Prints, per case and engine, the exact P(s != 0), the mean and the spread (std) of the
estimate over seeds, the median reported standard error, the share of seeds with |z| > 2 / > 3, the zero state's entries
and stays when the output reports them, and the median seconds per infer.
  EDGELANGEVIN=<bin> /usr/bin/python3 bench/posterior-sweep/rare.py --out DIR [--seeds 20] [--cases A,B,C,D] [--engine E]
  /usr/bin/python3 bench/posterior-sweep/rare.py --out DIR --summarise
"""
import argparse, json, math, os, subprocess, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGELANGEVIN") or os.path.join(ROOT, "src/EdgeLangevin.Cli/bin/Release/net10.0/edgelangevin")

# name: (engine, dictionary D x K, sigma, lambda, pi, input, unit[, variant, default signed]): A-D the sweep's four misses (RESULTS.md, session 13)
CASES = {
    "A": ("float1", [[1.0]], 0.3, 1.0, 0.05, [1.2], 0),
    "B": ("float2", [[1.0]], 1.0, 1.0, 0.3, [4.0], 0),
    "C": ("mala", [[3.0]], 0.3, 0.3, 0.3, [1.2], 0),
    "D": ("mala", [[1.0, 0.0], [0.0, 1.0]], 0.3, 1.0, 0.3, [1.0, -1.0], 0),
    # session 15's hunt (hunt.py): the overcomplete pair (atom 1 = -0.5 atom 0, non-negative) with x at atom 0's threshold
    "E": ("mala", [[1.0, -0.5], [0.0, 0.0]], 0.3, 1.0, 0.3, [0.09, 0.0], 1, "nonnegative"),
}
ENGINES = {"float1": (["--engine", "float"], 1), "float2": (["--engine", "float"], 2), "fixed1": (["--engine", "fixed"], 1), "mala": (["--exact"], 1)}


def run_one(out, tag, engine, A, sigma, lam, pi, x, seed, variant="signed"):
    Ar = np.array(A)
    model = {"format": "edgelangevin-model", "variant": variant, "lambda": lam, "pi": pi, "sigma": sigma,
             "dictionary": {"rows": Ar.shape[0], "cols": Ar.shape[1], "data": list(map(float, Ar.reshape(-1)))}}
    mp, xp, cp = f"{out}/{tag}.model.json", f"{out}/{tag}.x.json", f"{out}/{tag}.{engine}.config.json"
    json.dump(model, open(mp, "w")); json.dump({"inputs": [x]}, open(xp, "w"))
    args, order = ENGINES[engine]
    json.dump({"inference": {"order": order}}, open(cp, "w"))
    cmd = [BIN, "infer", "--model", mp, "--input", xp, "--json", "-", "--threads", "1", "-q", "--config", cp, "--seed", str(seed)] + args
    t = time.time()
    pr = subprocess.run(cmd, capture_output=True, text=True)
    if pr.returncode != 0:
        raise SystemExit(pr.stderr)
    return json.loads(pr.stdout), time.time() - t


def summarise(c, engine, rows):
    ex = rows[0]["exact"]
    p = np.array([r["p"] for r in rows]); se = np.array([r["se"] for r in rows])
    z = (p - ex) / se
    ent = [r["entries"] for r in rows if r["entries"] is not None]
    stays = [r["stay"] for r in rows if r["stay"] is not None]
    print(f"{c} {engine}: exact {ex:.4f}; P over {len(rows)} seeds mean {p.mean():.4f} std {p.std(ddof=1):.4f} "
          f"(rms err {np.sqrt(np.mean((p - ex) ** 2)):.4f}); reported SE median {np.median(se):.4f} (MC {np.median([r['mc'] for r in rows]):.4f}); "
          f"|z| > 2 {np.mean(abs(z) > 2):.0%} > 3 {np.mean(abs(z) > 3):.0%} (max {np.max(abs(z)):.1f}); run median {np.median([r['tau'] for r in rows]):.0f} tau_u, "
          f"{sum(r['stopped'] == 'budget' for r in rows)} at the budget; "
          + (f"zero entries median {np.median(ent):.0f} (min {min(ent)}), mean stay median {np.median(stays):.2f} tau_u; " if ent else "")
          + f"median {np.median([r['seconds'] for r in rows]):.2f} s per infer", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--cases", default="A,B,C,D")
    ap.add_argument("--engine", default=None, help="override the case's engine")
    ap.add_argument("--summarise", action="store_true", help="only print the summary of OUT/rare.jsonl")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.summarise:
        rows = [json.loads(l) for l in open(f"{a.out}/rare.jsonl")]
        for key in dict.fromkeys((r["case"], r["engine"]) for r in rows):
            summarise(*key, [r for r in rows if (r["case"], r["engine"]) == key])
        return
    log = open(f"{a.out}/rare.jsonl", "a")
    for c in a.cases.split(","):
        engine, A, sigma, lam, pi, x, unit, *rest = CASES[c]
        variant = rest[0] if rest else "signed"
        engine = a.engine or engine
        pe, me = posterior(variant, lam, pi, sigma, A, x)
        rows = []
        for seed in range(1, a.seeds + 1):
            j, sec = run_one(a.out, c, engine, A, sigma, lam, pi, x, seed, variant)
            r = j["results"][0]
            row = dict(case=c, engine=engine, seed=seed, exact=pe[unit], p=r["p_active"][unit], se=r["p_active_stderr"][unit],
                       mc=r["p_active_mc_stderr"][unit], mean=r["mean"][unit], mean_exact=me[unit], mean_se=r["mean_stderr"][unit],
                       entries=(r.get("zero_entries") or [None] * (unit + 1))[unit], stay=(r.get("zero_mean_stay_tau_u") or [None] * (unit + 1))[unit],
                       long_stays=(r.get("zero_long_stays") or [None] * (unit + 1))[unit],
                       tau=j["run"]["samples_tau_u"], stopped=j["run"]["stopped"], seconds=round(sec, 2))
            rows.append(row); log.write(json.dumps(row) + "\n"); log.flush()
        summarise(c, engine, rows)


if __name__ == "__main__":
    main()
