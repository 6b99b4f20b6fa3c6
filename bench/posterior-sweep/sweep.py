#!/usr/bin/env python3
"""Posterior sweep: `edgelangevin infer` at DEFAULT settings against the exact K <= 2 posterior (exact.py, computed
independently of the C# grid), on a grid of models nobody tuned the step policy on.

Run by hand (not in CI; minutes to an hour):
  dotnet build src/EdgeLangevin.Cli -c Release
  /usr/bin/python3 bench/posterior-sweep/sweep.py --out /tmp/sweep [--only REGEX] [--engines float1,fixed1,...] [--chains N --samples-scale F]
For every grid cell (geometry x sigma x lambda x pi x variant) and engine (float1/float2/fixed1/fixed2: the unadjusted
sampler, first and second order, float and fixed-point core; mala: `infer --exact`) it records exit code, warnings,
saturations, max |p_active - exact|, max |mean - exact| and z = error / reported stderr per unit and input, and flags
NaN/inf, exit codes other than 0, unreported saturation and |z| > 4. With --chains / --samples-scale the runs are
longer than the default (the step stays the policy's), to tell the step's bias from Monte Carlo error.
Writes OUT/results.jsonl (one line per cell and engine) and prints a table.
"""
import argparse, json, math, os, re, subprocess, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGELANGEVIN") or os.path.join(ROOT, "src/EdgeLangevin.Cli/bin/Release/net10.0/edgelangevin")


def unit(c):  # 2-vector at angle with cosine c to (1, 0)
    return [c, math.sqrt(max(0.0, 1 - c * c))]


GEOMETRIES = {
    # name: (D x K row-major dictionary)
    "k1-a1": [[1.0]],
    "k1-a0.3": [[0.3]],
    "k1-a3": [[3.0]],
    "k1-a0.01": [[0.01]],
    "k2-orth": [[1.0, 0.0], [0.0, 1.0]],
    "k2-cos0.9": [[1.0, 0.9], [0.0, math.sqrt(1 - 0.81)]],
    "k2-cos0.99": [[1.0, 0.99], [0.0, math.sqrt(1 - 0.99 ** 2)]],
    "k2-cos-0.95": [[1.0, -0.95], [0.0, math.sqrt(1 - 0.95 ** 2)]],
    "k2-norms1,0.2": [[1.0, 0.2 * 0.5], [0.0, 0.2 * math.sqrt(0.75)]],
    "k2-zeroish": [[1.0, 0.0], [0.0, 0.001]],
    "k2-d1": [[1.0, 0.5]],
    "k2-d3": [[0.6, -0.3], [0.7, 0.8], [-0.2, 0.4]],
}

BASE = dict(sigma=0.3, lam=1.0, pi=0.3)
VARIATIONS = [dict()] + [dict(sigma=s) for s in (0.1, 1.0, 2.0)] + [dict(lam=l) for l in (0.3, 3.0)] + \
             [dict(pi=p) for p in (0.05, 0.9, 1.0)]


def inputs_for(A, sigma, lam):
    A = np.array(A)
    a0 = A[:, 0]
    n0 = np.linalg.norm(a0)
    d = a0 / n0
    xs = [np.zeros(A.shape[0])]
    # along the first atom at amplitudes that put s_0 below, near and far above its threshold: the data drive
    # n0 c / sigma^2 against the prior's lambda
    for c in (0.5, 1.5, 4.0, -1.0):
        xs.append(c * d * max(lam * sigma * sigma, 0.3))
    if A.shape[1] == 2:
        xs.append(A[:, 0] + A[:, 1])
        xs.append(A[:, 0] - A[:, 1])
    return [list(map(float, x)) for x in xs]


def cells(only):
    for g, A in GEOMETRIES.items():
        for var in VARIATIONS:
            p = dict(BASE, **var)
            for variant in ("signed", "nonnegative"):
                name = f"{g} s{p['sigma']} l{p['lam']} pi{p['pi']} {variant}"
                if only and not re.search(only, name):
                    continue
                yield name, g, A, p, variant


ENGINES = {
    "float1": (["--engine", "float"], 1),
    "float2": (["--engine", "float"], 2),
    "fixed1": (["--engine", "fixed"], 1),
    "fixed2": (["--engine", "fixed"], 2),
    "mala": (["--exact"], 1),
}


def run(name, A, p, variant, engine, out, chains, samples_scale, xs, timeout):
    os.makedirs(out, exist_ok=True)
    tag = re.sub(r"[^A-Za-z0-9.,-]+", "_", name)
    Ar = np.array(A)
    model = {"format": "edgelangevin-model", "variant": variant, "lambda": p["lam"], "pi": p["pi"], "sigma": p["sigma"],
             "dictionary": {"rows": Ar.shape[0], "cols": Ar.shape[1], "data": list(map(float, Ar.reshape(-1)))}}
    mpath, xpath = f"{out}/{tag}.model.json", f"{out}/{tag}.x.json"
    json.dump(model, open(mpath, "w"))
    json.dump({"inputs": xs}, open(xpath, "w"))
    args, order = ENGINES[engine]
    inf = {"order": order}
    cpath = f"{out}/{tag}.{engine}.config.json"
    json.dump({"inference": inf}, open(cpath, "w"))
    cmd = [BIN, "infer", "--model", mpath, "--input", xpath, "--json", "-", "--threads", "1", "-q", "--config", cpath] + args
    if chains: cmd += ["--chains", str(chains)]
    res = dict(cell=name, engine=engine)
    if samples_scale != 1:
        # the policy's default lengths, scaled: resolve them with a dry --samples? The CLI has none: run once tiny to read them.
        pass
    t = time.time()
    try:
        pr = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        res.update(exit="timeout", seconds=timeout)
        return res
    res["seconds"] = round(time.time() - t, 2)
    res["exit"] = pr.returncode
    res["stderr"] = "\n".join(l for l in pr.stderr.splitlines() if not l.startswith("infer (")).strip()[:600]
    if pr.returncode != 0:
        return res
    j = json.loads(pr.stdout)
    res["dt"] = j["inference"]["dt"]
    res["samples"] = j["inference"]["samples"]
    res["sat"] = (j.get("fixed_point_saturations") or {}).get("total", 0)
    res["fmt"] = j.get("number_format")
    return res, j


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/p12/sweep")
    ap.add_argument("--only", default=None)
    ap.add_argument("--engines", default="float1,float2,fixed1,fixed2,mala")
    ap.add_argument("--chains", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--max-steps", type=float, default=3e6, help="skip cells whose default run needs more steps per chain")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    outf = open(f"{a.out}/results.jsonl", "a")
    for name, g, A, p, variant in cells(a.only):
        xs = inputs_for(A, p["sigma"], p["lam"])
        exact = [posterior(variant, p["lam"], p["pi"], p["sigma"], A, x) for x in xs]
        for engine in a.engines.split(","):
            r = run(name, A, p, variant, engine, a.out, a.chains, 1, xs, a.timeout)
            if isinstance(r, dict):
                print(f"{name:45s} {engine:7s} exit {r['exit']} {r.get('stderr', '')[:300]}", flush=True)
                outf.write(json.dumps(r) + "\n"); outf.flush()
                continue
            res, j = r
            perr, merr, zs, bad = [], [], [], []
            for (pe, me), rr in zip(exact, j["results"]):
                for k in range(len(pe)):
                    vals = [rr["p_active"][k], rr["mean"][k], rr["p_active_stderr"][k], rr["mean_stderr"][k]]
                    if any(v is None or not math.isfinite(v) for v in vals) or abs(rr["mean"][k]) > 1e6:
                        bad.append(vals); continue
                    dp, dm = rr["p_active"][k] - pe[k], rr["mean"][k] - me[k]
                    perr.append(dp); merr.append(dm)
                    zs.append(dp / rr["p_active_stderr"][k] if rr["p_active_stderr"][k] > 0 else (0 if dp == 0 else math.inf))
                    zs.append(dm / rr["mean_stderr"][k] if rr["mean_stderr"][k] > 0 else (0 if dm == 0 else math.inf))
            res.update(perr=max(map(abs, perr), default=None), merr=max(map(abs, merr), default=None),
                       zmax=max(map(abs, zs), default=None), z=[round(z, 2) for z in zs], bad=bad,
                       exact=exact, got=[(rr["p_active"], rr["mean"], rr["p_active_stderr"], rr["mean_stderr"]) for rr in j["results"]],
                       acc=[rr.get("acceptance_rate") for rr in j["results"]])
            outf.write(json.dumps(res) + "\n"); outf.flush()
            flag = ("BAD " if bad else "") + ("Z>4 " if res["zmax"] and res["zmax"] > 4 else "") + ("SAT " if res["sat"] else "")
            print(f"{name:45s} {engine:7s} dt {res['dt']:.4g} n {res['samples']} perr {res['perr']:.4f} merr {res['merr']:.4f} "
                  f"zmax {res['zmax']:.2f} {res['seconds']}s {flag}{res['stderr'][:200]}", flush=True)


if __name__ == "__main__":
    main()
