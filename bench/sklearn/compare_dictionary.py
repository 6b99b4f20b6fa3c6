#!/usr/bin/python3
"""Reconstruction SNR of learned dictionaries on whitened natural-image patches: ours against scikit-learn.

For every model file given (an EdgeLangevin model learned from images: its "preprocessing" says how patches were
whitened), this script
  1. cuts random 8x8 patches from the images (a training set and a separate test set, from different random
     streams) and whitens them exactly as the model's preprocessing says (x = scale * W (p / divisor - mean(p)));
  2. fits scikit-learn's MiniBatchDictionaryLearning with the same number of atoms K on the training patches;
  3. codes the test patches with OMP at a fixed number of non-zeros (atoms normalised to unit length, as OMP
     assumes) with our dictionary, scikit-learn's and a random Gaussian one (for scale), and reports
     SNR = 10 log10(sum |x|^2 / sum |x - A s|^2) in dB.
"Held out" means patches drawn afresh, not patches of unseen images: the four shipped images are all that both
learners see, and ours learns from an endless random stream of their patches.

Install: bash bench/sklearn/install.sh (Debian's python3-sklearn). Run:
  /usr/bin/python3 bench/sklearn/compare_dictionary.py --model demo=edgelangevin-demo/model_float.json \
      --model learn64=learn64.json --model learn128=learn128.json
Not run by CI: it is a measurement.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
from sklearn.decomposition import MiniBatchDictionaryLearning, SparseCoder

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "..", "..", "src", "EdgeLangevin.Reference", "Data", "images")


def read_pgm(path):
    """Binary PGM (P5), 8 or 16 bits; returns (maxval, 2-D float array)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            while data[pos:pos + 1] not in (b"\n", b""):
                pos += 1
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P5":
        sys.exit(f"{path}: not a binary PGM (P5)")
    width, height, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    pos += 1  # the single whitespace after maxval
    dtype = ">u2" if maxval > 255 else "u1"
    pixels = np.frombuffer(data, dtype=dtype, count=width * height, offset=pos)
    return maxval, pixels.reshape(height, width).astype(np.float64)


def load_images(folder):
    files = sorted(f for f in os.listdir(folder) if f.endswith(".pgm"))
    if not files:
        sys.exit(f"{folder}: no .pgm files")
    return [read_pgm(os.path.join(folder, f))[1] for f in files]


def raw_patches(images, side, count, rng):
    """count patches: an image uniformly, then a top-left corner uniformly inside it (as EdgeLangevin's sampler)."""
    out = np.empty((count, side * side))
    for n in range(count):
        img = images[rng.integers(len(images))]
        r = rng.integers(img.shape[0] - side + 1)
        c = rng.integers(img.shape[1] - side + 1)
        out[n] = img[r:r + side, c:c + side].ravel()
    return out


def whiten(raw, pre):
    """The model's stored per-patch transform (PatchPreprocessor): scale * W (raw / divisor - patch mean)."""
    if pre["whitening"] not in ("zca", "none"):
        sys.exit(f"whitening {pre['whitening']!r}: this script applies only per-patch transforms (zca, none)")
    x = raw / pre.get("pixel_divisor", 255.0)
    if pre["mean_removal"]:
        x = x - x.mean(axis=1, keepdims=True)
    if pre.get("whitening_matrix") is not None:
        m = pre["whitening_matrix"]
        w = np.array(m["data"], dtype=np.float64).reshape(m["rows"], m["cols"])
        x = x @ w.T
    return pre["scale"] * x


def omp_snr(atoms, x, nonzeros):
    """atoms: K x D (one atom a row). SNR in dB of the OMP reconstruction with `nonzeros` atoms per patch."""
    norms = np.linalg.norm(atoms, axis=1)
    used = atoms[norms > 1e-12] / norms[norms > 1e-12, None]
    coder = SparseCoder(dictionary=used, transform_algorithm="omp", transform_n_nonzero_coefs=nonzeros)
    recon = coder.transform(x) @ used
    return 10 * np.log10(np.sum(x * x) / np.sum((x - recon) ** 2))


def atom_statistics(atoms, x):
    """atoms: K x D. (mean |cosine| between distinct atoms, share of the atoms' energy in the data's 8 largest principal
    directions): two signs of a dictionary that crowds its atoms into the high-variance directions instead of tiling."""
    norms = np.linalg.norm(atoms, axis=1)
    u = atoms[norms > 1e-12] / norms[norms > 1e-12, None]
    cos = np.abs(u @ u.T)
    k = len(u)
    mean_cos = (cos.sum() - k) / (k * (k - 1)) if k > 1 else 0.0
    _, vectors = np.linalg.eigh(x.T @ x / len(x))  # ascending
    energy = (u @ vectors[:, ::-1]) ** 2  # K x D, by data direction, largest variance first
    return mean_cos, energy[:, :8].sum() / energy.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, metavar="NAME=PATH", help="an EdgeLangevin model file learned from images")
    ap.add_argument("--images", default=SHIPPED, help="folder of .pgm images (default: the shipped ones)")
    ap.add_argument("--train-patches", type=int, default=20000)
    ap.add_argument("--test-patches", type=int, default=5000)
    ap.add_argument("--nonzeros", type=int, nargs="+", default=[8], help="OMP non-zeros per patch (one or more)")
    ap.add_argument("--epochs", type=int, default=20, help="passes of MiniBatchDictionaryLearning over the training patches")
    ap.add_argument("--alpha", type=float, default=1.0, help="MiniBatchDictionaryLearning's L1 weight while learning")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--cache", metavar="DIR", help="keep scikit-learn's fitted atoms here (one .npy per preprocessing, K and fit "
                    "settings) and reuse them: many models can then be measured against one fit")
    args = ap.parse_args()

    images = load_images(args.images)
    results, fitted = [], {}
    for spec in args.model:
        name, _, path = spec.partition("=")
        if not path:
            sys.exit(f"--model {spec!r}: expected NAME=PATH")
        with open(path) as f:
            model = json.load(f)
        pre = model.get("preprocessing")
        if pre is None:
            sys.exit(f"{path}: no preprocessing: not a model learned from images")
        dic = model["dictionary"]
        a = np.array(dic["data"], dtype=np.float64).reshape(dic["rows"], dic["cols"])  # D x K
        d, k = a.shape
        side = pre["patch_size"]
        # Same patches for every model with the same patch size: the streams depend only on the seed.
        train = whiten(raw_patches(images, side, args.train_patches, np.random.default_rng([args.seed, 1])), pre)
        test = whiten(raw_patches(images, side, args.test_patches, np.random.default_rng([args.seed, 2])), pre)
        key = (json.dumps(pre, sort_keys=True), k)
        if key not in fitted:
            import sklearn
            fit = [key[0], k, args.train_patches, args.epochs, args.alpha, args.seed, sklearn.__version__]
            cached = None
            if args.cache:
                os.makedirs(args.cache, exist_ok=True)
                digest = hashlib.sha256(json.dumps(fit).encode()).hexdigest()[:16]
                cached = os.path.join(args.cache, f"sklearn-k{k}-{digest}.npy")
            if cached and os.path.exists(cached):
                fitted[key] = (np.load(cached), 0.0)
            else:
                t0 = time.time()
                learner = MiniBatchDictionaryLearning(n_components=k, alpha=args.alpha, batch_size=256,
                                                      n_iter=args.epochs * max(1, args.train_patches // 256),
                                                      random_state=args.seed, n_jobs=1)
                learner.fit(train)
                fitted[key] = (learner.components_, time.time() - t0)
                if cached:
                    np.save(cached, learner.components_)
        sk_atoms, sk_seconds = fitted[key]
        rand = np.random.default_rng([args.seed, 3]).standard_normal((k, d))
        for nz in args.nonzeros:
            row = {
                "model": name, "path": path, "k": k, "nonzeros": nz,
                "snr_db_ours": omp_snr(a.T, test, nz),
                "snr_db_sklearn": omp_snr(sk_atoms, test, nz),
                "snr_db_random": omp_snr(rand, test, nz),
                "sklearn_seconds": round(sk_seconds, 1),
            }
            row["ours_minus_sklearn_db"] = row["snr_db_ours"] - row["snr_db_sklearn"]
            (row["mean_abs_cosine_ours"], row["top8_energy_ours"]) = atom_statistics(a.T, test)
            (row["mean_abs_cosine_sklearn"], row["top8_energy_sklearn"]) = atom_statistics(sk_atoms, test)
            results.append(row)
            print(f"{name:>12}  K = {k:3d}  OMP {nz:2d} non-zeros:  ours {row['snr_db_ours']:6.2f} dB   "
                  f"scikit-learn {row['snr_db_sklearn']:6.2f} dB   (ours - sklearn {row['ours_minus_sklearn_db']:+.2f} dB; "
                  f"random {row['snr_db_random']:5.2f} dB; sklearn fit {'cached' if sk_seconds == 0 else f'{sk_seconds:.0f} s'})  "
                  f"atoms' mean |cos| {row['mean_abs_cosine_ours']:.3f} vs {row['mean_abs_cosine_sklearn']:.3f}, "
                  f"energy in the data's top 8 directions {row['top8_energy_ours']:.2f} vs {row['top8_energy_sklearn']:.2f}", flush=True)
    if args.json:
        import sklearn
        out = {"train_patches": args.train_patches, "test_patches": args.test_patches, "epochs": args.epochs,
               "alpha": args.alpha, "seed": args.seed, "sklearn": sklearn.__version__, "results": results}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
