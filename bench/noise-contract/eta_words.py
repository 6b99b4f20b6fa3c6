#!/usr/bin/env python3
"""The Gaussian noise word of src/EdgeLangevin.Core/FIXED_POINT.md ("The Gaussian noise generator"),
written from the contract's text alone, with Python's unbounded non-negative integers (no C# shared):
the expected words of GaussianNoiseTests.EtaMatchesTheIndependentScriptsWords and the exact moments
of the word's distribution (GaussianNoiseTests.TheExactDistributionHasVarianceExactlyOneInQ5_10).

Usage: python3 bench/noise-contract/eta_words.py            (prints both)
"""
from fractions import Fraction

MASK32 = 0xFFFFFFFF


def xorshift32(x):
    """One raw step: Marsaglia's xorshift32 with shifts 13, 17, 5 on an unsigned 32-bit word."""
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    x ^= (x << 5) & MASK32
    return x


def seed_for(seed, chain):
    """Chain b of run seed S starts at S ^ (b * 0x9E3779B9) (wrapping), 1 if that is 0."""
    x = ((seed & MASK32) ^ ((chain * 0x9E3779B9) & MASK32)) & MASK32
    return 1 if x == 0 else x


def eta(w):
    """eta = sum over j in (0, 10, 20) of (2 * ((w >> j) & 0x3FF) - 1023) + (bit 30 ? +1 : -1)."""
    total = sum(2 * ((w >> j) & 0x3FF) - 1023 for j in (0, 10, 20))
    return total + (1 if (w >> 30) & 1 else -1)


def words(seed, chain, count):
    x = seed_for(seed, chain)
    out = []
    for _ in range(count):
        x = xorshift32(x)
        out.append(eta(x))
    return out, x


def exact_moments():
    """Mean, variance and kurtosis of eta when w is uniform on all 2^32 words (exact rationals)."""
    dist = {0: Fraction(1)}
    for _ in range(3):
        nxt = {}
        for s, p in dist.items():
            for i in range(1024):
                v = s + 2 * i - 1023
                nxt[v] = nxt.get(v, 0) + p / 1024
        dist = nxt
    full = {}
    for s, p in dist.items():
        for b in (-1, 1):
            full[s + b] = full.get(s + b, 0) + p / 2
    mean = sum(v * p for v, p in full.items())
    var = sum(v * v * p for v, p in full.items())
    m4 = sum(v ** 4 * p for v, p in full.items())
    return mean, var, m4 / var ** 2, max(full), min(full)


if __name__ == "__main__":
    for seed, chain in ((1, 0), (42, 3), (-7, 1), (0x12345678, 0)):
        ws, state = words(seed, chain, 8)
        print(f"seed {seed} chain {chain}: {', '.join(map(str, ws))}; state after 0x{state:08x}")
    mean, var, kurt, hi, lo = exact_moments()
    print(f"mean {mean}, variance {var} (2^20 = {2 ** 20}), kurtosis {kurt} = {float(kurt)!r}, range {lo}..{hi}")
