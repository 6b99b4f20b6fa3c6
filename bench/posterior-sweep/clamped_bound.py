"""Session 16: the clamped-MAP bound on P(s_k = 0 | x) (ZeroMassBound.cs, "Correlated atoms"), written again in Python
from the derivation, for zerobound_check.py --clamped to check against its direct quadrature. Not the C# code's source of
truth: the two are checked separately against exact posteriors (ZeroMassBoundTests: ExactPosterior's grid over u).
bounds(variant, lam, pi, sigma, A, x) -> per unit the bound (inf where none)."""
import numpy as np, math
def lasso(A,x,s2,mu,signed,s,skip=-1,sweeps=1000):
    G=A.T@A; K=A.shape[1]; g=A.T@(x-A@s)
    for _ in range(sweeps):
        big=0
        for j in range(K):
            if j==skip or G[j,j]<=0: continue
            z=g[j]+G[j,j]*s[j]; t=mu*s2
            nx=(z-t)/G[j,j] if z>t else ((z+t)/G[j,j] if signed and z<-t else 0.0)
            st=nx-s[j]
            if st!=0: s[j]=nx; g-=G[:,j]*st; big=max(big,abs(st)*math.sqrt(G[j,j]))
        if big<=1e-12*math.sqrt(s2)*(1+np.linalg.norm(x)): break
    return s
def dual(A,x,s2,mu,signed,s,skip):
    res=x-A@s; xr=x@res; rr=res@res
    d=A.T@res
    if skip>=0: d[skip]=0
    big=max(0,np.max(np.abs(d) if signed else d))
    if rr<=0: return 0.0
    al=max(0,xr/rr)
    if big>0: al=min(al,mu*s2/big)
    return (al*xr-al*al*rr/2)/s2
def bounds(variant,lam,pi,sigma,A,x):
    A=np.asarray(A,float); x=np.asarray(x,float); K=A.shape[1]; s2=sigma*sigma; signed=variant=='signed'
    G=A.T@A; logc=math.log(pi*lam/(2 if signed else 1)); l1=math.log(1-pi)
    m=lasso(A,x,s2,lam,signed,np.zeros(K))
    def lz1(m,inS):
        lg=0
        for j in range(K):
            if not inS[j]: lg+=l1; continue
            h=min(math.sqrt(3*s2/G[j,j]),abs(m[j])); lg+=logc+math.log(2*h)-G[j,j]*h*h/(6*s2)-lam*abs(m[j])
        r=x-A@m; return lg-(r@r)/(2*s2)
    inS=m!=0; Z1=lz1(m,inS)
    for j in sorted([j for j in range(K) if inS[j]],key=lambda j:abs(m[j])*math.sqrt(G[j,j])):
        keep=m[j]; m[j]=0; inS[j]=False; d=lz1(m,inS)
        if d>Z1: Z1=d
        else: m[j]=keep; inS[j]=True
    out=[math.inf]*K
    for k in range(K):
        if not inS[k]: continue
        best=math.inf
        for th in (0.5,0.9):
            c=m.copy(); c[k]=0; c=lasso(A,x,s2,th*lam,signed,c,k)
            z0=l1+(K-1)*math.log(1-pi+pi/(1-th))-dual(A,x,s2,th*lam,signed,c,k)
            best=min(best,z0-Z1)
        out[k]=min(1,math.exp(best))
    return out
