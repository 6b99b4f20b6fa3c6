#!/usr/bin/env python3
"""Run lengths and max |z| per hunt.py run, before -> after, for the runs that changed (same cells, same order), and the
totals: /usr/bin/python3 bench/posterior-sweep/runlengths.py BEFORE/results.jsonl AFTER/results.jsonl"""
import sys,json
import numpy as np
A=[json.loads(l) for l in open(sys.argv[1])]; B=[json.loads(l) for l in open(sys.argv[2])]
ta=[];tb=[]
for a,b in zip(A,B):
    ta.append(a['samples_tau_u']); tb.append(b['samples_tau_u'])
    if abs(a['samples_tau_u']-b['samples_tau_u'])>1 or abs(a['zmax']-b['zmax'])>0.01:
        print(f"{a['cell'][:42]:42s} {a['engine']:7s} {a['samples_tau_u']:6.0f} -> {b['samples_tau_u']:6.0f} tau_u  zmax {a['zmax']:.2f} -> {b['zmax']:.2f}")
ta=np.array(ta);tb=np.array(tb)
print(f"runs {len(ta)}: tau_u median {np.median(ta):.0f} -> {np.median(tb):.0f}, mean {ta.mean():.0f} -> {tb.mean():.0f}, total {ta.sum():.0f} -> {tb.sum():.0f} ({tb.sum()/ta.sum():.2f}x)")
