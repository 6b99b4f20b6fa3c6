"""Exact posterior of a K <= 2 EdgeLangevin model, computed independently of the C# grid (ExactPosterior.cs).

It integrates over s, not u: the thresholded Laplace prior on u is, on s, a spike-and-slab (shared/MODEL.md): mass
1 - pi at s = 0 and a slab c exp(-lambda |s|) with c = pi lambda (non-negative) or pi lambda / 2 per sign (signed).
For each pattern of active units and signs the Gaussian-times-exponential integral is done in closed form over one
unit (erfcx, stable for any sigma) and, for K = 2 with both units active, by Simpson's rule over the other on the
region where its (concave) log integrand is within 60 of its maximum. Returns P(s_k != 0 | x) and E[s_k | x].
"""
import math
import numpy as np

_erfc = np.vectorize(math.erfc, otypes=[float])


def erfcx(z):
    """exp(z^2) erfc(z) without overflow for large positive z (asymptotic series beyond 25; error < 1e-12 there)."""
    z = np.asarray(z, dtype=float)
    big = z >= 25
    zs = np.where(big, 25.0, z)
    with np.errstate(over="ignore"):
        small = np.exp(zs * zs) * _erfc(zs)
    zb = np.where(big, z, 25.0)
    w = 1 / (2 * zb * zb)
    asym = 1 / (zb * math.sqrt(math.pi)) * (1 - w + 3 * w * w - 15 * w ** 3 + 105 * w ** 4)
    return np.where(big, asym, small)


def log_ndtr(y):
    """log Phi(y) for any y (log(erfc(-y / sqrt 2) / 2), through erfcx in the far left tail)."""
    y = np.asarray(y, dtype=float)
    w = -y / math.sqrt(2)
    tail = w > 25
    with np.errstate(divide="ignore"):
        direct = np.log(0.5 * _erfc(np.where(tail, 0.0, w)))
    far = math.log(0.5) + np.log(erfcx(np.where(tail, w, 25.0))) - np.where(tail, w, 25.0) ** 2
    return np.where(tail, far, direct)

LOG_SQRT_PI_OVER_2 = 0.5 * math.log(math.pi / 2)


def _half_line(q, b):
    """log int_0^inf exp(-q t^2 / 2 + b t) dt and the mean of t under it (arrays in b; q >= 0 scalar)."""
    b = np.asarray(b, dtype=float)
    if q <= 0:
        if np.any(b >= 0):
            raise ValueError("improper slab: zero curvature and non-negative drive")
        return np.log(-1 / b), -1 / b
    sq = math.sqrt(q)
    # int = sqrt(2 pi / q) Phi(b / sqrt q) exp(b^2 / (2 q))
    logint = 0.5 * math.log(2 * math.pi / q) + log_ndtr(b / sq) + b * b / (2 * q)
    z = -b / math.sqrt(2 * q)
    mean = b / q + math.sqrt(2 / (math.pi * q)) / erfcx(z)
    return logint, mean


def posterior(variant, lam, pi, sigma, A, x, n_grid=40001):
    A = np.asarray(A, dtype=float).reshape(len(x), -1)
    x = np.asarray(x, dtype=float)
    K = A.shape[1]
    s2 = sigma * sigma
    Q = A.T @ A / s2
    r = A.T @ x / s2
    signs = [1, -1] if variant == "signed" else [1]
    logc = math.log(pi * lam / (2 if variant == "signed" else 1)) if pi > 0 else -math.inf
    log0 = math.log(1 - pi) if pi < 1 else -math.inf
    terms = []  # (log mass, active tuple, mean tuple)
    # all zero
    terms.append((K * log0, (0,) * K, (0.0,) * K))
    for j in range(K):
        for sg in signs:
            li, mt = _half_line(Q[j, j], sg * r[j] - lam)
            act = [0] * K; act[j] = 1
            mean = [0.0] * K; mean[j] = sg * float(mt)
            terms.append((float(li) + logc + (log0 if K == 2 else 0.0), tuple(act), tuple(mean)))  # 0 * -inf would be NaN at pi = 1
    if K == 2:
        for s0 in signs:
            for s1 in signs:
                q11, q22, q12 = Q[0, 0], Q[1, 1], s0 * s1 * Q[0, 1]
                b1, b2 = s0 * r[0] - lam, s1 * r[1] - lam

                def g(t):
                    li, mt = _half_line(q22, b2 - q12 * t)
                    return -0.5 * q11 * t * t + b1 * t + li, mt

                # concave in t: find the maximum on [0, inf) by expanding then golden section
                hi = 1.0
                while g(np.array([2 * hi]))[0][0] > g(np.array([hi]))[0][0]:
                    hi *= 2
                    if hi > 1e12: raise ValueError("no maximum")
                lo_, hi_ = 0.0, 2 * hi
                for _ in range(200):
                    m1 = lo_ + (hi_ - lo_) * 0.381966; m2 = hi_ - (hi_ - lo_) * 0.381966
                    if g(np.array([m1]))[0][0] < g(np.array([m2]))[0][0]: lo_ = m1
                    else: hi_ = m2
                tmax = 0.5 * (lo_ + hi_)
                gmax = g(np.array([tmax]))[0][0]
                if g(np.array([0.0]))[0][0] > gmax: tmax, gmax = 0.0, g(np.array([0.0]))[0][0]

                def edge(lo, step):
                    while g(np.array([lo + step]))[0][0] > gmax - 60:
                        step *= 2
                        if step > 1e12: raise ValueError("no edge")
                    a, b = lo, lo + step
                    for _ in range(100):
                        m = 0.5 * (a + b)
                        if g(np.array([m]))[0][0] > gmax - 60: a = m
                        else: b = m
                    return b
                left = 0.0
                if tmax > 0 and g(np.array([0.0]))[0][0] < gmax - 60:
                    a, b = 0.0, tmax
                    for _ in range(100):
                        m = 0.5 * (a + b)
                        if g(np.array([m]))[0][0] < gmax - 60: a = m
                        else: b = m
                    left = a
                right = edge(tmax, max(1e-9, 1e-6 * (1 + tmax)))
                t = np.linspace(left, right, n_grid)
                gv, m2 = g(t)
                w = np.ones(n_grid); w[1:-1:2] = 4; w[2:-1:2] = 2; w *= (t[1] - t[0]) / 3
                f = np.exp(gv - gmax) * w
                z = f.sum()
                terms.append((gmax + math.log(z) + 2 * logc, (1, 1),
                              (s0 * float((f * t).sum() / z), s1 * float((f * m2).sum() / z))))
    logs = np.array([tm[0] for tm in terms])
    mx = logs.max()
    wts = np.exp(logs - mx); wts /= wts.sum()
    p_active = [float(sum(w for w, tm in zip(wts, terms) if tm[1][k])) for k in range(K)]
    mean = [float(sum(w * tm[2][k] for w, tm in zip(wts, terms))) for k in range(K)]
    return p_active, mean


if __name__ == "__main__":
    # shared/MODEL.md's worked case: P(s = 0 | x) = 0.382, E[s | x] = 0.594 (signed); 0.240, 0.748 (non-negative)
    for v in ("signed", "nonnegative"):
        p, m = posterior(v, 1, 0.3, 0.5, [[1.0]], [1.2])
        print(v, 1 - p[0], m[0])
    # K = 2 with an orthogonal dictionary must factor into two K = 1 posteriors
    p, m = posterior("signed", 1, 0.3, 0.5, [[1.0, 0], [0, 1.0]], [1.2, -0.4])
    pa, ma = posterior("signed", 1, 0.3, 0.5, [[1.0]], [1.2]); pb, mb = posterior("signed", 1, 0.3, 0.5, [[1.0]], [-0.4])
    print(p, m, pa + pb, ma + mb)
