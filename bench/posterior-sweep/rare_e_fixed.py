#!/usr/bin/env python3
"""Session 16: rare.py case E (overcomplete pair a1 = -0.5 a0, non-negative, x at atom 0's threshold) at a FIXED run length
(--samples / --burn-in, the default run's per-tau_u rate), to tell a short-run effect from a biased tau estimate.
  /usr/bin/python3 bench/posterior-sweep/rare_e_fixed.py BIN float1|mala TAU_U SEEDS OUT.json
Prints the E[s_1] spread over seeds against the reported error bars; OUT.json keeps (mean, se, mc se, p, p se) per seed.
"""
import json,subprocess,sys,numpy as np
sys.path.insert(0,'/work/wt/f/bench/posterior-sweep')
from exact import posterior
binp, engine, tau_target, nseeds, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
A=[[1.0,-0.5],[0.0,0.0]]; x=[0.09,0.0]
model={"format":"edgelangevin-model","variant":"nonnegative","lambda":1.0,"pi":0.3,"sigma":0.3,"dictionary":{"rows":2,"cols":2,"data":[1.0,-0.5,0.0,0.0]}}
json.dump(model,open('/tmp/E.m.json','w')); json.dump({"inputs":[x]},open('/tmp/E.x.json','w'))
json.dump({"inference":{"order":1}},open('/tmp/E.c.json','w'))
pe,me=posterior('nonnegative',1.0,0.3,0.3,A,x)
args=['--exact'] if engine=='mala' else ['--engine','float']
def run(seed,extra):
    o=subprocess.run(['nice','-n','15',binp,'infer','--model','/tmp/E.m.json','--input','/tmp/E.x.json','--json','-','--threads','1','-q','--config','/tmp/E.c.json','--seed',str(seed)]+args+extra,capture_output=True,text=True)
    return json.loads(o.stdout)
j=run(1,[]); per=j['inference']['samples']/j['run']['samples_tau_u']; burn=j['run']['burn_in'] if 'burn_in' in j['run'] else j['inference'].get('burn_in')
n=int(per*tau_target)
rows=[]
for s in range(1,nseeds+1):
    j=run(s,['--samples',str(n),'--burn-in',str(burn)]); r=j['results'][0]
    rows.append((r['mean'][1],r['mean_stderr'][1],r['mean_mc_stderr'][1],r['p_active'][1],r['p_active_stderr'][1]))
a=np.array(rows)
m,se=a[:,0],a[:,1]
print(engine,'tau_u',tau_target,'samples',n,'E exact %.4f mean %.4f spread %.4f SE median %.4f rms %.4f ratio spread/rmsSE %.2f |z|>2 %d%% ; P spread %.4f SE rms %.4f'%(me[1],m.mean(),m.std(ddof=1),np.median(se),np.sqrt(np.mean(se**2)),m.std(ddof=1)/np.sqrt(np.mean(se**2)),100*np.mean(abs(m-me[1])/se>2),a[:,3].std(ddof=1),np.sqrt(np.mean(a[:,4]**2))),flush=True)
json.dump(rows,open(out,'w'))
