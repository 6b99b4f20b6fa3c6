#!/bin/bash
# The entropy source beside a datapath on the UP5K: generates the iCEBreaker top for K = 16, D = 64,
# 2 lanes (random signed model, seed 1; env K, D, LANES change them) with hdl.entropy {"enabled": true, "noise_mode": MODE}
# (MODE "physical" or "seeded"), or without the source (MODE "none"), then synthesises it with `hdl synth
# --netlist-only` (yosys, the checked flow of `hdl synth`) and places and routes it with nextpnr-ice40
# at 48 MHz (rings excluded from timing: --ignore-loops) for each placement SEED.
# Prints per seed: logic cells, block RAM, DSP, the achieved clock and the paths above 20.8 ns (pnr-SEED.sdf kept).
# Usage: [PARALLEL=1] [LANES=1] bash codegen/measure-entropy-beside.sh WORKDIR MODE SEED...
# (EDGELANGEVIN_CLI, if set, is the edgelangevin command to run instead of dotnet run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$1; mode=$2; shift 2
mkdir -p "$work"
if [ "$mode" = none ]; then entropy='{"enabled": false}'; else entropy="{\"enabled\": true, \"noise_mode\": \"$mode\"}"; fi
cat > "$work/config.json" <<JSON
{"hdl": {"lanes": ${LANES:-2}, "entropy": $entropy},
 "vectors": {"problem": "random", "variant": "signed", "k": ${K:-16}, "d": ${D:-64}, "lambda": 1, "pi": 0.3, "sigma": 0.5}}
JSON
cli=${EDGELANGEVIN_CLI:-dotnet run --project $root/src/EdgeLangevin.Cli -c Release --}
# The netlist comes from `hdl synth --netlist-only`: the flow `hdl synth` places (synth_ice40 with yosys's
# `check` after the coarse stage, HdlSynthesizer.Ice40SynthCommands) and its refusal of a netlist that is
# not the RTL (YosysLogCheck: "used but has no driver", driver conflicts, ...: exit 2, nothing measured).
# yosys 0.23's ABC sometimes aborts in lutpack (an assertion, not a design error: exit 1): try again.
for try in 1 2 3; do
    rc=0; $cli hdl synth --config "$work/config.json" --work "$work/hdl" --netlist-only --quiet > "$work/netlist.txt" || rc=$?
    [ $rc -eq 0 ] && break
    if [ $rc -eq 2 ] || [ $try -eq 3 ]; then echo "hdl synth --netlist-only failed (exit $rc): nothing measured" >&2; exit $rc; fi
done
netlist=$(sed -n 's/^netlist: //p' "$work/netlist.txt"); g=$(sed -n 's/^sources: //p' "$work/netlist.txt")
cd "$work"
loops=""; [ "$mode" != none ] && loops="--ignore-loops"
# One nextpnr per seed; with PARALLEL=1 all seeds at once (placement results do not depend on it, only wall time).
# --sdf: every path above the 48 MHz period from codegen/timing-paths.py (nextpnr 0.4's log gives only the worst).
pnr() {
    nextpnr-ice40 --up5k --package sg48 --pcf "$g/board/icebreaker.pcf" --json "$netlist" --freq 48 \
        --timing-allow-fail $loops --seed "$1" --sdf "pnr-$1.sdf" -l "nextpnr-$1.log" > /dev/null 2>&1
}
if [ "${PARALLEL:-0}" = 1 ]; then
    pids=(); for seed in "$@"; do pnr "$seed" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid"; done
fi
for seed in "$@"; do
    [ "${PARALLEL:-0}" = 1 ] || pnr "$seed"
    echo "== $mode seed $seed: $(grep -E 'ICESTORM_LC:' "nextpnr-$seed.log" | tail -1 | awk '{print $3 $4}') LC," \
        "$(grep -E 'ICESTORM_RAM:' "nextpnr-$seed.log" | tail -1 | awk '{print $3 $4}') BRAM, $(grep -E 'ICESTORM_DSP:' "nextpnr-$seed.log" | tail -1 | awk '{print $3 $4}') DSP;" \
        "$(grep -E 'Max frequency for clock' "nextpnr-$seed.log" | tail -1 | sed 's/.*: //')"
    # the paths above the 48 MHz period (20.833 ns), worst first (at most PATHS lines, default 6)
    /usr/bin/python3 "$root/codegen/timing-paths.py" "pnr-$seed.sdf" 20.8 | head -n "${PATHS:-6}" | sed 's/^/   /'
done
