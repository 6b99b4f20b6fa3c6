#!/usr/bin/env python3
"""Before/after table of two sweeps (results.jsonl files, several allowed per side separated by commas):
grid cell (geometry, sigma, lambda, pi; both variants pooled) -> max |p_active error| and max |z| (p_active and mean,
|error| / reported stderr) for float (order 1 and 2), fixed (order 1 and 2) and MALA; 'ERR' marks a refused run.
Usage: compare.py BEFORE.jsonl[,..] AFTER.jsonl[,..]"""
import json, math, os, re, sys
sys.path.insert(0, os.path.dirname(__file__))
from analyze import exact_for

GROUP = {"float1": "float", "float2": "float", "fixed1": "fixed", "fixed2": "fixed", "mala": "mala"}


def load(paths):
    out = {}
    for path in paths.split(","):
        for l in open(path):
            r = json.loads(l)
            cell = re.sub(r" (signed|nonnegative)$", "", r["cell"])
            g = out.setdefault((cell, GROUP[r["engine"]]), dict(p=0.0, z=0.0, err=0, n=0))
            g["n"] += 1
            if "got" not in r:
                g["err"] += 1; continue
            for (ep, em), got in zip(exact_for(r["cell"]), r["got"]):
                for k in range(len(ep)):
                    p, m, sp, sm = got[0][k], got[1][k], got[2][k], got[3][k]
                    g["p"] = max(g["p"], abs(p - ep[k]))
                    for d, s in ((p - ep[k], sp), (m - em[k], sm)):
                        z = abs(d) / s if s > 0 else (0 if abs(d) < 1e-9 else math.inf)
                        g["z"] = max(g["z"], z)
    return out


before, after = load(sys.argv[1]), load(sys.argv[2])
cells = sorted({c for c, _ in after} & {c for c, _ in before}, key=lambda c: list(before).index((c, "float")) if (c, "float") in before else 0)
print("| cell | float max p err (before / after) | float max z | fixed max p err | fixed max z | MALA max p err | MALA max z |")
print("|---|---|---|---|---|---|---|")
def f(g, key):
    if g is None: return "-"
    v = f"{g[key]:.3f}" if key == "p" else ("inf" if g[key] == math.inf else f"{g[key]:.1f}")
    return v + (f" ({g['err']} ERR)" if g["err"] else "")
for c in cells:
    row = [c]
    for grp in ("float", "fixed", "mala"):
        b, a = before.get((c, grp)), after.get((c, grp))
        row += [f"{f(b, 'p')} / {f(a, 'p')}", f"{f(b, 'z')} / {f(a, 'z')}"]
    print("| " + " | ".join(row) + " |")
