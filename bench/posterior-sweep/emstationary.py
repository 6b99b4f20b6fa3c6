#!/usr/bin/env python3
"""The step's bias without Monte Carlo noise, K = 1, first order: the Euler-Maruyama chain
u' = u + eps F(u) + sqrt(2 eps) eta (shared/MODEL.md, signed variant) is a Markov chain on the line whose transition
density is Gaussian; on a fine grid its stationary distribution is the null vector of (T - I), solved directly.
P(s != 0) and E[s] of that distribution minus exact.py's are the bias of the float engine's first-order step at eps.
Grid convergence is checked by halving the spacing (printed). Usage:
  /usr/bin/python3 bench/posterior-sweep/emstationary.py
"""
import math, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from exact import posterior


def stationary(a, x, sigma, lam, pi, eps, per_sd=6):
    a = np.asarray(a, float); x = np.asarray(x, float)
    u0 = -math.log(pi) / lam
    aa, ax = a @ a, a @ x
    smax = max(ax / aa, 0) + 12 * sigma / math.sqrt(aa) + 12 / lam
    lo, hi = -(u0 + max(-ax / aa, 0) + 12 * sigma / math.sqrt(aa) + 12 / lam), u0 + smax
    sd = math.sqrt(2 * eps)
    du = sd / per_sd
    u = np.arange(lo, hi + du, du)
    h = np.sign(u) * np.maximum(np.abs(u) - u0, 0)
    g = (np.abs(u) > u0).astype(float)
    F = g * (ax - aa * h) / sigma ** 2 - lam * np.sign(u)
    m = u + eps * F
    T = np.exp(-0.5 * ((u[:, None] - m[None, :]) / sd) ** 2)  # T[j, i]: from u_i to u_j
    T /= T.sum(axis=0, keepdims=True)
    M = T - np.eye(len(u))
    M[-1, :] = 1
    rhs = np.zeros(len(u)); rhs[-1] = 1
    p = np.linalg.solve(M, rhs)
    p = np.maximum(p, 0); p /= p.sum()
    return float(p[np.abs(u) > u0].sum()), float(p @ h), float(math.sqrt(max(p @ h ** 2 - (p @ h) ** 2, 0)))


def bias_at(a, x, sigma, lam, pi, eps, check=False):
    pe, me = posterior("signed", lam, pi, sigma, np.asarray(a, float).reshape(-1, 1), np.asarray(x, float))
    P, E, S = stationary(a, x, sigma, lam, pi, eps)
    out = (P - pe[0], E - me[0], S, pe[0], me[0])
    if check:
        P2, E2, _ = stationary(a, x, sigma, lam, pi, eps, per_sd=12)
        out += (P2 - P, E2 - E)
    return out


if __name__ == "__main__":
    cases = [  # name, atom, sigma, lambda, pi, amplitudes of x along the atom (x = c a / |a|)
        ("grid a1 s0.3 l1 pi0.3", [1.0], 0.3, 1.0, 0.3, [0, 0.15, 0.45, 1.2, -0.3]),
        ("grid a1 s0.3 l1 pi0.05", [1.0], 0.3, 1.0, 0.05, [0, 0.45, 1.2, 2.0]),
        ("grid a3 s0.3 l1 pi1", [3.0], 0.3, 1.0, 1.0, [0, 0.45, 1.2]),
        ("grid a1 s1 l1 pi0.3", [1.0], 1.0, 1.0, 0.3, [0, 0.5, 1.5, 3.0]),
        ("beyond a1 s0.1 l1 pi0.3", [1.0], 0.1, 1.0, 0.3, [0.15, 1.2, 2.0]),
        ("beyond a2 s0.5 l3 pi0.1", [2.0], 0.5, 3.0, 0.1, [0.5, 1.5, 3.0]),
        ("beyond a1 s0.3 l0.3 pi0.5", [1.0], 0.3, 0.3, 0.5, [0.3, 1.0, 2.0]),
        ("beyond a0.5 s0.2 l2 pi0.02", [0.5], 0.2, 2.0, 0.02, [0.5, 1.0, 2.0]),
        ("beyond a1 s0.3 l5 pi0.3", [1.0], 0.3, 5.0, 0.3, [0.5, 1.2, 2.0]),
    ]
    FIRST_H = 0.04
    for name, a, sigma, lam, pi, amps in cases:
        curv = float(np.dot(a, a)) / sigma ** 2
        stiff = curv + lam * lam
        eps = min(0.05, 1.99 * sigma * sigma, FIRST_H / stiff)
        for c in amps:
            x = [c]
            for f in (1, 0.5):
                dp, dm, S, pe, me, *chk = bias_at(a, x, sigma, lam, pi, eps * f, check=(f == 1))
                scale = max(S, abs(me) / pe if pe > 0 else 0)
                print(f"{name:28s} x {c:5.2f} h {FIRST_H * f:.3f} exact p {pe:.4f} m {me:+.4f} | bias p {dp:+.5f} m {dm:+.5f} (m / (b scale) {dm / scale / (0.25 * FIRST_H * f) if scale else 0:+.2f}; p / bound {dp / (0.25 * FIRST_H * f):+.2f})"
                      + (f" | grid check dp {chk[0]:+.1e} dm {chk[1]:+.1e}" if chk else ""), flush=True)
