import collections
S=collections.defaultdict(dict)
for line in (l for f in ('results/long_1.csv','results/long_17.csv') for l in open(f)):
    p=line.strip().split(',')
    if len(p)<10: continue
    S[p[0]][int(p[1])]=[float(x) for x in p[9].split()]
def first(series,th=0.98,every=250):
    for i,c in enumerate(series):
        if c>=th: return (i+1)*every
    return None
for v in S:
    for s in sorted(S[v]):
        ser=S[v][s]; t=first(ser)
        last=ser[-40:]
        print(v,s,"T98",t,"cos@20000 %.4f cos@30000 %.4f cos@40000 %.4f mean(30000..40000] %.4f min %.4f"%(ser[79],ser[119],ser[-1],sum(last)/len(last),min(last)))
