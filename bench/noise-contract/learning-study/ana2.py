import glob, collections, math
S=collections.defaultdict(dict)
for f in glob.glob('results/run_*.csv'):
    for line in open(f):
        p=line.strip().split(',')
        if len(p)<10: continue
        S[p[0]][int(p[1])]=[float(x) for x in p[9].split()]
common=sorted(set.intersection(*[set(d) for d in S.values()]))
print("seeds",len(common))
def first(series,th=0.98,every=250):
    for i,c in enumerate(series):
        if c>=th: return (i+1)*every
    return None
def dips(series,th=0.98,drop=0.97):
    # reached th, then later fell below drop
    r=False
    for c in series:
        if c>=th: r=True
        elif r and c<drop: return True
    return False
for v in ['old','new','a','b','float']:
    if v not in S: continue
    ts=[first(S[v][s]) for s in common]
    reached=[t for t in ts if t is not None]
    srt=sorted([t if t is not None else 10**9 for t in ts])
    med=srt[len(srt)//2]
    nd=sum(dips(S[v][s]) for s in common)
    q90=srt[int(0.9*len(srt))]
    print(f"{v:6} T98: reached {len(reached)}/{len(ts)}  median {med}  90%-quantile {q90 if q90<10**9 else '>20000'}  mean(reached) {sum(reached)/max(1,len(reached)):.0f}  runs with a dip after reaching (below .97): {nd}")
    print("      ", ' '.join(str(t) if t else '-' for t in ts))
