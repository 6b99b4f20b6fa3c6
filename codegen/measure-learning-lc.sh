#!/bin/bash
# The measured rows behind DatapathModel.EstimateLearningLogicCells and SynthTests' learning rows:
# for each shape (K, D, lanes, chains) generates a random non-negative model with learning (tau_x 20,
# tau_a 4000, asynchronous switching, seed 7), synthesises the board top with `hdl synth --netlist-only`
# (yosys, the checked flow `hdl synth` places: synth_ice40 -dsp -spram with yosys's `check` after the coarse
# stage, HdlSynthesizer.Ice40SynthCommands, and YosysLogCheck's refusal of a netlist that is not the RTL --
# "is used but has no driver", driver conflicts, an SB_MAC16 adding an undefined constant: exit 2, the script
# stops and nothing is counted) and packs it (nextpnr-ice40 --up5k --pack-only), then prints one line per
# shape with ICESTORM_LC and the least-squares fit LC = c0 + c1 lanes + c2 K + c3 B + c4 ceil(log2 B)
# over the first seven shapes (the last three are held out, as in SynthTests). Rerun it whenever the
# learning RTL changes size, then put the numbers into SynthTests and the model.
# About 1-3 minutes per shape on an idle 2-core machine.
# Usage: bash codegen/measure-learning-lc.sh [WORKDIR]   (EDGELANGEVIN=path/to/edgelangevin to skip dotnet run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
if [ -n "${EDGELANGEVIN:-}" ]; then el=("$EDGELANGEVIN"); else el=(dotnet run --project "$root/src/EdgeLangevin.Cli" -c Release --); fi
: > "$work/rows.txt"
# K D lanes chains data (fitted: 7 rows; held out: 3 rows)
while read -r k d lanes b data; do
    name="k${k}d${d}l${lanes}b${b}"
    cat > "$work/$name.json" <<JSON
{"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
 "vectors": {"problem": "random", "variant": "non_negative", "k": $k, "d": $d, "pi": 0.1, "sigma": 0.5, "data_count": $data, "checkpoint_every": 50},
 "learning": {"batch": $b, "tau_x": 20, "tau_a": 4000, "switching": "asynchronous", "learn_pi": true, "tau_u0": 100000.0},
 "hdl": {"lanes": $lanes}}
JSON
    rm -rf "$work/$name"; mkdir -p "$work/$name"
    # yosys 0.23's ABC sometimes aborts in lutpack (an assertion, not a design error: exit 1): try again; exit 2 is a refusal
    for try in 1 2 3; do
        rc=0; "${el[@]}" hdl synth --netlist-only --config "$work/$name.json" --seed 7 --work "$work/hdl" -q > "$work/$name/netlist.txt" || rc=$?
        [ $rc -eq 0 ] && break
        if [ $rc -eq 2 ] || [ $try -eq 3 ]; then echo "$name: hdl synth --netlist-only failed (exit $rc): nothing counted" >&2; exit $rc; fi
    done
    netlist=$(sed -n 's/^netlist: //p' "$work/$name/netlist.txt"); src=$(sed -n 's/^sources: //p' "$work/$name/netlist.txt")
    nextpnr-ice40 --up5k --package sg48 --pcf "$src/board/icebreaker.pcf" --json "$netlist" --pack-only -l "$work/$name/pack.log" > /dev/null 2>&1
    lc=$(grep -m1 ICESTORM_LC "$work/$name/pack.log" | sed 's/.*LC: *\([0-9]*\).*/\1/')
    echo "$k $d $lanes $b $lc" | tee -a "$work/rows.txt"
done <<ROWS
16 64 1 1 64
16 64 1 4 64
16 64 1 8 64
16 64 1 16 64
16 64 2 4 64
64 64 1 1 32
64 64 1 2 32
32 64 1 4 64
32 32 2 2 64
64 64 2 4 32
ROWS
/usr/bin/python3 - "$work/rows.txt" <<'PY'
import math, sys
import numpy as np
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
x = lambda k, lanes, b: [1.0, lanes, k, b, math.ceil(math.log2(b))]
a = np.array([x(k, l, b) for k, d, l, b, lc in rows[:7]]); y = np.array([r[4] for r in rows[:7]], float)
c = np.linalg.lstsq(a, y, rcond=None)[0]
print("fit: LC = %.1f + %.1f lanes + %.1f K + %.1f B + %.1f ceil(log2 B)" % tuple(c))
for i, (k, d, l, b, lc) in enumerate(rows):
    e = float(np.dot(c, x(k, l, b)))
    print("K %3d D %3d lanes %d B %2d  measured %5d  fit %5.0f  %+.1f %%%s" % (k, d, l, b, lc, e, 100 * (e - lc) / lc, "" if i < 7 else "  (held out)"))
PY
