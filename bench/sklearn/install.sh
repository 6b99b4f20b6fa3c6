#!/usr/bin/env bash
# Installs what bench/sklearn/compare_dictionary.py needs from Debian's packages: scikit-learn
# (python3-sklearn, which brings numpy and scipy) for /usr/bin/python3. Not run by CI (the
# comparison is a measurement, not a test). Does nothing when everything is present.
set -euo pipefail

packages=(python3-sklearn python3-numpy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages..."
  if [ "$(id -u)" -eq 0 ]; then SUDO=""
  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
  else echo "error: not root and no sudo; install them yourself: apt-get install ${packages[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import sklearn, numpy; print("scikit-learn", sklearn.__version__, "numpy", numpy.__version__)'
