#!/usr/bin/env bash
# Installs what bench/sklearn/compare_dictionary.py needs from Debian's packages: scikit-learn
# (python3-sklearn, which brings numpy and scipy) for /usr/bin/python3. Not run by CI (the
# comparison is a measurement, not a test). Does nothing when everything is present.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../debian-packages.sh"
install_debian_packages python3-sklearn python3-numpy
/usr/bin/python3 -c 'import sklearn, numpy; print("scikit-learn", sklearn.__version__, "numpy", numpy.__version__)'
