#!/bin/bash
# Timing closure of one hdl config on the UP5K over several placement seeds: the netlist once, from
# `hdl synth --netlist-only` (the checked yosys flow `hdl synth` places, with its refusal of a netlist that is
# not the RTL: exit 2 stops the script), then nextpnr-ice40 at 48 MHz for each SEED with --sdf, printing per seed
# the logic cells, the achieved clock and the worst paths (codegen/timing-paths.py, those above the 48 MHz period).
# One seed is not a measurement at 95 %+ utilisation: placement alone moves fmax by several MHz, so compare
# designs over the same seeds. Ring oscillators, if the config has the entropy source, are excluded (--ignore-loops).
# Usage: bash codegen/measure-fmax.sh WORKDIR CONFIG.json SEED...   (e.g. SEED = 1 2 3)
# env EDGELANGEVIN = the edgelangevin command to run instead of dotnet run; GEN_SEED = the model's seed (default 7);
#     PATHS = how many path lines to print per seed (default 6); FREQ = the target MHz (default 48).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 3 ] || { echo "usage: bash codegen/measure-fmax.sh WORKDIR CONFIG.json SEED..." >&2; exit 2; }
work=$1; config=$2; shift 2
[ -f "$config" ] || { echo "config '$config' does not exist" >&2; exit 2; }
mkdir -p "$work"
if [ -n "${EDGELANGEVIN:-}" ]; then el=("$EDGELANGEVIN"); else el=(dotnet run --project "$root/src/EdgeLangevin.Cli" -c Release --); fi
freq=${FREQ:-48}
# yosys 0.23's ABC sometimes aborts in lutpack (an assertion, not a design error: exit 1): try again; exit 2 is a refusal
for try in 1 2 3; do
    rc=0; "${el[@]}" hdl synth --netlist-only --config "$config" --seed "${GEN_SEED:-7}" --work "$work/hdl" -q > "$work/netlist.txt" || rc=$?
    [ $rc -eq 0 ] && break
    if [ $rc -eq 2 ] || [ $try -eq 3 ]; then echo "hdl synth --netlist-only failed (exit $rc): nothing measured" >&2; exit $rc; fi
done
netlist=$(sed -n 's/^netlist: //p' "$work/netlist.txt"); src=$(sed -n 's/^sources: //p' "$work/netlist.txt")
period=$(awk -v f="$freq" 'BEGIN { printf "%.3f", 1000 / f }')
for seed in "$@"; do
    log="$work/nextpnr-$seed.log"
    nextpnr-ice40 --up5k --package sg48 --pcf "$src/board/icebreaker.pcf" --json "$netlist" --freq "$freq" --seed "$seed" \
        --timing-allow-fail --ignore-loops --sdf "$work/pnr-$seed.sdf" -l "$log" > /dev/null 2>&1
    echo "== seed $seed: $(grep -E 'ICESTORM_LC:' "$log" | tail -1 | awk '{print $3 $4}') LC," \
        "$(grep -E 'ICESTORM_RAM:' "$log" | tail -1 | awk '{print $3 $4}') BRAM, $(grep -E 'ICESTORM_DSP:' "$log" | tail -1 | awk '{print $3 $4}') DSP;" \
        "$(grep -E 'Max frequency for clock' "$log" | tail -1 | sed 's/.*: //')"
    /usr/bin/python3 "$root/codegen/timing-paths.py" "$work/pnr-$seed.sdf" "$period" | head -n "${PATHS:-6}" | sed 's/^/   /'
done
