#!/usr/bin/python3
"""Peer benchmark: the first-order Langevin sparse-coding step and the learning step written
the way the paper's authors' PyTorch code does it (every chain a row of a dense batched
tensor, the whole code vector thresholded and multiplied densely, an Euler-Maruyama
update with Gaussian noise from the framework's generator), in PyTorch and in numpy.

Measures chain-steps per second (one step of one chain) at the sizes EdgeLangevin's
benchmarks use: K = 128, D = 64, 128 chains, pi = 0.1 and 1; K = 512, D = 256; and the
learning step (dictionary and pi learned, batch 128, K = 64 and 128, D = 64). Model as
shared/MODEL.md: non-negative code s = max(|u| - u0, 0), lambda = 1, sigma = 0.5,
eps = dt / tau_u = 1 / 20, T = 1. The dense tensors cost the same whatever pi is (the
threshold only zeroes entries), which is the point of the comparison.

Usage: python3 bench/peers/peer_bench.py [--threads N] [--seconds S] [--json] [--cases learning]
(install: bash bench/peers/install.sh). Prints one line per case; with --json one JSON
object per line, which the C# runner (`--peers`) reads.
"""
import argparse
import json
import math
import os
import sys
import time

np = None  # imported in main, after OPENBLAS_NUM_THREADS is set

LAMBDA, SIGMA, EPS, TEMPERATURE = 1.0, 0.5, 1.0 / 20.0, 1.0
BATCH = 128
INFERENCE_CASES = [(128, 64, 0.1), (128, 64, 1.0), (512, 256, 0.1), (512, 256, 1.0)]
LEARNING_CASES = [(64, 64), (128, 64)]
TAU_X, TAU_A, TAU_U0 = 400.0, 1e4, 5e7  # the image runs' stage-1 time scales (dt = 1)


def problem(k, d, pi, seed):
    """A random unit-norm dictionary and data drawn from the model (as the C# benchmark does)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((d, k))
    a /= np.linalg.norm(a, axis=0, keepdims=True)
    s = (rng.random((BATCH, k)) < pi) * rng.exponential(1.0 / LAMBDA, (BATCH, k))
    x = s @ a.T + SIGMA * rng.standard_normal((BATCH, d))
    u0 = -math.log(pi) / LAMBDA
    return a, x, u0


CLOCK = time.perf_counter  # --clock cpu: time.process_time (this process's CPU time, every thread)


def timed(step, seconds):
    """Steps per second of `step`: warm up, then run for about `seconds` and keep the best of three rounds."""
    for _ in range(20):
        step()
    n = 20
    while True:  # find a round length of about seconds / 3
        t0 = CLOCK()
        for _ in range(n):
            step()
        dt = CLOCK() - t0
        if dt > seconds / 6:
            break
        n *= 2
    n = max(1, int(n * (seconds / 3) / dt))
    best = 0.0
    for _ in range(3):
        t0 = CLOCK()
        for _ in range(n):
            step()
        best = max(best, n / (CLOCK() - t0))
    return best


def torch_inference(torch, k, d, pi, seed):
    a_np, x_np, u0 = problem(k, d, pi, seed)
    a = torch.tensor(a_np, dtype=torch.float32)
    x = torch.tensor(x_np, dtype=torch.float32)
    u = torch.zeros(BATCH, k)
    g = torch.Generator().manual_seed(seed)
    noise = math.sqrt(2 * TEMPERATURE * EPS)

    def step():
        nonlocal u
        s = torch.relu(u.abs() - u0)
        r = x - s @ a.t()
        gate = (u.abs() > u0).float() * torch.sign(u)
        du = (r @ a) * gate / SIGMA ** 2 - LAMBDA * torch.sign(u)
        u = u + EPS * du + noise * torch.randn(BATCH, k, generator=g)
    return step


def numpy_inference(k, d, pi, seed):
    a, x, u0 = problem(k, d, pi, seed)
    a = a.astype(np.float32)
    x = x.astype(np.float32)
    state = {"u": np.zeros((BATCH, k), np.float32)}
    rng = np.random.default_rng(seed)
    noise = np.float32(math.sqrt(2 * TEMPERATURE * EPS))

    def step():
        u = state["u"]
        s = np.maximum(np.abs(u) - u0, 0)
        r = x - s @ a.T
        gate = (np.abs(u) > u0) * np.sign(u)
        du = (r @ a) * gate / SIGMA ** 2 - LAMBDA * np.sign(u)
        state["u"] = u + EPS * du + noise * rng.standard_normal((BATCH, k), dtype=np.float32)
    return step


def torch_learning(torch, k, d, seed):
    """Inference step plus the dictionary and threshold updates of MODEL.md ("Learning"), data
    switched synchronously every tau_x steps from a pool of whitened-like random patches."""
    a_np, _, _ = problem(k, d, 0.5, seed)
    pool = torch.randn(100 * BATCH, d, generator=torch.Generator().manual_seed(seed + 1))
    a = torch.tensor(a_np, dtype=torch.float32)
    u = torch.zeros(BATCH, k)
    u0 = torch.tensor(-math.log(0.5) / LAMBDA)
    g = torch.Generator().manual_seed(seed)
    noise = math.sqrt(2 * TEMPERATURE * EPS)
    every = int(TAU_X)
    state = {"t": 0, "x": pool[:BATCH]}

    def step():
        nonlocal u, a, u0
        t = state["t"]
        if t % every == 0:
            idx = torch.randint(0, pool.shape[0], (BATCH,), generator=g)
            state["x"] = pool[idx]
        x = state["x"]
        active = (u.abs() > u0).float()
        s = torch.relu(u.abs() - u0)
        r = x - s @ a.t()
        atr = r @ a
        du = atr * active * torch.sign(u) / SIGMA ** 2 - LAMBDA * torch.sign(u)
        u = u + EPS * du + noise * torch.randn(BATCH, k, generator=g)
        a = a + (1.0 / (TAU_A * SIGMA ** 2 * BATCH)) * (r.t() @ s)
        u0 = u0 - (1.0 / (TAU_U0 * SIGMA ** 2)) * (atr * active).sum()
        state["t"] = t + 1
    return step


def loaded_blas():
    """The BLAS libraries mapped into this process (Linux)."""
    try:
        with open("/proc/self/maps") as maps:
            names = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return ""
    return " ".join(sorted(names))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="threads for torch and for OpenBLAS (numpy); default 1")
    ap.add_argument("--seconds", type=float, default=3.0, help="measuring time per case (after warm-up); default 3")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--only", choices=["torch", "numpy"], help="run one framework only")
    ap.add_argument("--cases", choices=["all", "inference", "learning"], default="all",
                    help="the inference cases, the learning cases or both (default)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock (default) or this process's CPU time (meaningful on one thread on a loaded machine)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads < 1:
        print(f"error: --threads must be at least 1, got {args.threads}", file=sys.stderr)
        return 2
    # OpenBLAS reads its thread count when it is loaded: set it before numpy or torch load it.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    global np
    import numpy
    np = numpy
    rows = []
    if args.only != "numpy":
        import torch
        torch.set_num_threads(args.threads)
        # Debian's torch is built with BLAS_INFO=generic and calls whatever libblas.so.3 is: check
        # that OpenBLAS is what got loaded (the reference BLAS makes torch about four times slower).
        (torch.randn(64, 64) @ torch.randn(64, 64)).sum()
        blas = loaded_blas()
        if "openblas" not in blas:
            print(f"error: torch's matrix products do not run on OpenBLAS (loaded: {blas or 'no BLAS library'}); "
                  "run bash bench/peers/install.sh", file=sys.stderr)
            return 1
        for k, d, pi in INFERENCE_CASES if args.cases != "learning" else []:
            rows.append({"framework": "torch", "case": "inference", "K": k, "D": d, "pi": pi, "threads": args.threads,
                         "chain_steps_per_second": BATCH * timed(torch_inference(torch, k, d, pi, 1), args.seconds)})
        for k, d in LEARNING_CASES if args.cases != "inference" else []:
            rows.append({"framework": "torch", "case": "learning", "K": k, "D": d, "pi": None, "threads": args.threads,
                         "steps_per_second": timed(torch_learning(torch, k, d, 1), args.seconds)})
    if args.only != "torch":
        for k, d, pi in INFERENCE_CASES if args.cases != "learning" else []:
            rows.append({"framework": "numpy", "case": "inference", "K": k, "D": d, "pi": pi, "threads": args.threads,
                         "chain_steps_per_second": BATCH * timed(numpy_inference(k, d, pi, 1), args.seconds)})
    for row in rows:
        row["blas"] = loaded_blas()
        row["clock"] = args.clock
        if args.json:
            print(json.dumps(row), flush=True)
        elif row["case"] == "inference":
            print(f"{row['framework']:6} inference K={row['K']:4} D={row['D']:4} pi={row['pi']:<4} threads={row['threads']}: "
                  f"{row['chain_steps_per_second']:12.0f} chain-steps/s", flush=True)
        else:
            print(f"{row['framework']:6} learning  K={row['K']:4} D={row['D']:4} batch={BATCH} threads={row['threads']}: "
                  f"{row['steps_per_second']:12.1f} learning steps/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
