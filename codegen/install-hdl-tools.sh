#!/usr/bin/env bash
# Installs the open HDL tools that `edgelangevin hdl verify|synth`, the demo and the
# tests use, from Debian's packages: Verilator, Icarus Verilog, yosys, nextpnr-ice40
# and the IceStorm tools; and the TrueType font the PNG plots draw their text with
# (SkiaSharp's Linux build loads it by path). Does nothing when all are present already.
set -euo pipefail

needed=(verilator iverilog yosys nextpnr-ice40 icepack)
missing=()
for tool in "${needed[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$font" ] || missing+=("$font")
if [ ${#missing[@]} -eq 0 ]; then
  echo "HDL tools and plot font present: ${needed[*]} $font"
  exit 0
fi

echo "Installing HDL tools (missing: ${missing[*]}) from Debian's packages..."
packages=(verilator iverilog yosys nextpnr-ice40 fpga-icestorm fonts-dejavu-core)
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "error: not root and no sudo; install them yourself: apt-get install ${packages[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
for tool in "${needed[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool still missing after install" >&2; exit 1; }
done
[ -f "$font" ] || { echo "error: $font still missing after install" >&2; exit 1; }
echo "HDL tools installed: $(verilator --version | head -n1); $(yosys -V)"
