# Sourced by the bench install scripts: install_debian_packages PKG... installs from Debian's
# packages those of PKG that are not installed yet (as root, or through sudo), and does nothing
# when all are present.
install_debian_packages() {
  local packages=("$@") missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]} from Debian's packages..."
  local sudo
  if [ "$(id -u)" -eq 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
  else echo "error: not root and no sudo; install them yourself: apt-get install ${packages[*]}" >&2; return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}
