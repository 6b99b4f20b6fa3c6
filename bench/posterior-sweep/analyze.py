#!/usr/bin/env python3
"""Summarise a sweep's results.jsonl: per cell and engine max |p_active error|, max |mean error|, max |z|, flags;
then per engine the distribution of |z| (coverage) and the cells with errors beyond what their standard errors allow.
The exact posterior is recomputed from the cell's name (exact.py), so a fix there needs no rerun.
Usage: /usr/bin/python3 bench/posterior-sweep/analyze.py RESULTS.jsonl [--cells]"""
import json, math, os, re, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior
from sweep import GEOMETRIES, inputs_for

cache = {}


def exact_for(cell):
    if cell not in cache:
        g, s, l, p, v = re.match(r"(\S+) s(\S+) l(\S+) pi(\S+) (\S+)", cell).groups()
        A = GEOMETRIES[g]; s, l, p = float(s), float(l), float(p)
        cache[cell] = [posterior(v, l, p, s, A, x) for x in inputs_for(A, s, l)]
    return cache[cell]


def main():
    rows = [json.loads(l) for l in open(sys.argv[1])]
    show_cells = "--cells" in sys.argv
    byeng = {}
    for r in rows:
        e = byeng.setdefault(r["engine"], dict(z=[], perr=[], merr=[], fail=[], n=0))
        e["n"] += 1
        if "got" not in r:
            e["fail"].append(f"{r['cell']}: exit {r['exit']} {r.get('stderr', '')[:160]}")
            continue
        ex = exact_for(r["cell"])
        pe, me, zs = [], [], []
        for xi, ((ep, em), g) in enumerate(zip(ex, r["got"])):
            for k in range(len(ep)):
                p, m, sp, sm = g[0][k], g[1][k], g[2][k], g[3][k]
                if any(v is None or not math.isfinite(v) for v in (p, m, sp, sm)):
                    e["fail"].append(f"{r['cell']} x{xi}: non-finite output {g}"); continue
                dp, dm = p - ep[k], m - em[k]
                pe.append(abs(dp)); me.append(abs(dm))
                for d, sd in ((dp, sp), (dm, sm)):
                    z = d / sd if sd > 0 else (0.0 if abs(d) < 1e-12 else math.inf)
                    zs.append(abs(z))
                    if abs(z) > 4:
                        e["fail"].append(f"{r['cell']} x{xi} k{k}: {'p' if sd is sp else 'mean'} {p if sd is sp else m:.5f} +- {sd:.2g} vs exact {(ep if sd is sp else em)[k]:.5f} (z {z:.1f})")
        e["z"] += zs; e["perr"].append(max(pe, default=0)); e["merr"].append(max(me, default=0))
        if show_cells:
            print(f"{r['cell']:44s} {r['engine']:6s} perr {max(pe, default=0):.4f} merr {max(me, default=0):.4f} zmax {max(zs, default=0):.2f} sat {r.get('sat')} {r.get('stderr', '')[:120]}")
    for name, e in byeng.items():
        z = np.array(e["z"])
        print(f"\n== {name}: {e['n']} cells, {len(z)} z-scores: |z|>2 {np.mean(z > 2):.3f} (N(0,1): 0.046), |z|>3 {np.mean(z > 3):.4f} (0.0027), |z|>4 {np.sum(z > 4)}, "
              f"max |p err| {max(e['perr'], default=0):.4f}, median cell max |p err| {np.median(e['perr']) if e['perr'] else 0:.4f}")
        for f in e["fail"][:40]: print("   ", f)
        if len(e["fail"]) > 40: print(f"    ... {len(e['fail']) - 40} more")


if __name__ == "__main__":
    main()
