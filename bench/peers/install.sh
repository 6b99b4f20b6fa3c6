#!/usr/bin/env bash
# Installs what the peer benchmark (bench/peers/peer_bench.py) needs, from Debian's packages:
# PyTorch (python3-torch), numpy (python3-numpy) and the multithreaded OpenBLAS
# (libopenblas0-pthread). Debian's torch calls BLAS through the system's libblas.so.3
# alternative; without OpenBLAS that is the reference BLAS and torch's matrix products are
# about four times slower, which would make the comparison meaningless, so this script also
# checks that the alternative points at OpenBLAS. Not run by CI (the benchmark is a
# measurement, not a test). Does nothing when everything is present.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../debian-packages.sh"
install_debian_packages python3-torch python3-numpy libopenblas0-pthread
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) echo "BLAS: $blas" ;;
  *) echo "error: libblas.so.3 resolves to '$blas', not OpenBLAS (update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2; exit 1 ;;
esac
/usr/bin/python3 -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'
