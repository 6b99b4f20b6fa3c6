import sys, math, glob, collections
rows=collections.defaultdict(dict)
for f in sorted(glob.glob('results/run_*.csv')):
    for line in open(f):
        p=line.strip().split(',')
        if len(p)<9: continue
        v,seed=p[0],int(p[1]); rows[v][seed]=dict(fin=float(p[2]),mean=float(p[3]),med=float(p[4]),below=float(p[5]),min=float(p[6]))
common=set.intersection(*[set(d) for d in rows.values()])
print("seeds in common:",len(common), "per variant:", {v:len(d) for v,d in rows.items()})
def ms(xs):
    n=len(xs); m=sum(xs)/n; sd=math.sqrt(sum((x-m)**2 for x in xs)/(n-1)) if n>1 else 0; return m, sd/math.sqrt(n)
print(f"{'var':6} {'n':>3} {'final':>15} {'tailmean':>15} {'tailmedian':>15} {'frac<.98':>13} {'tailmin':>15} {'#fin<.98':>8} {'#mean<.98':>9} {'#med<.98':>8}")
for v in ['old','new','a','b','float','nearest','lr0']:
    if v not in rows: continue
    d=[rows[v][s] for s in sorted(common)]
    out=f"{v:6} {len(d):3}"
    for key in ['fin','mean','med','below','min']:
        m,se=ms([r[key] for r in d]); out+=f" {m:.4f}+-{se:.4f}" if key!='below' else f" {m:.3f}+-{se:.3f}"
    out+=f" {sum(r['fin']<0.98 for r in d):8} {sum(r['mean']<0.98 for r in d):9} {sum(r['med']<0.98 for r in d):8}"
    print(out)
print("paired differences vs old (tail mean, frac below):")
for v in ['new','a','b','float']:
    if v not in rows: continue
    dm=[rows[v][s]['mean']-rows['old'][s]['mean'] for s in sorted(common)]
    db=[rows[v][s]['below']-rows['old'][s]['below'] for s in sorted(common)]
    m,se=ms(dm); m2,se2=ms(db)
    print(f"  {v}-old: tailmean {m:+.4f}+-{se:.4f} (t={m/se if se else 0:.2f}); frac<.98 {m2:+.3f}+-{se2:.3f} (t={m2/se2 if se2 else 0:.2f})")
from math import comb
def fisher(a,n1,b,n2):
    # two-sided Fisher exact: a of n1 vs b of n2
    K=a+b; N=n1+n2
    def p(x): return comb(n1,x)*comb(n2,K-x)/comb(N,K)
    p0=p(a); return sum(p(x) for x in range(max(0,K-n2),min(K,n1)+1) if p(x)<=p0*(1+1e-9))
cs=sorted(common)
for v in ['new','a','b','float']:
    for ref in ['old','float']:
        if v==ref: continue
        dm=[rows[v][s]['mean']-rows[ref][s]['mean'] for s in cs]; m,se=ms(dm)
        fa=sum(rows[v][s]['fin']<0.98 for s in cs); fb=sum(rows[ref][s]['fin']<0.98 for s in cs)
        print(f"{v} vs {ref}: paired tailmean diff {m:+.4f}+-{se:.4f} (t={m/se:.2f}); final<0.98 {fa}/{len(cs)} vs {fb}/{len(cs)} Fisher p={fisher(fa,len(cs),fb,len(cs)):.3f}")
