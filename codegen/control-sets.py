#!/usr/bin/env python3
"""Control sets of a flattened iCE40 yosys netlist (the top.json `hdl synth --netlist-only` writes), per module.

An iCE40 logic block (PLB) holds 8 logic cells whose flip-flops share one clock, one clock enable (CEN) and one
set/reset net (SR), and the block's 8 cells read at most 32 local inputs, where a CEN or SR that is not on a global
buffer takes one of them (nextpnr-ice40's Arch::logicCellsCompatible checks exactly this). So every distinct
(clock, CEN, SR) set needs blocks of its own: a set of n flip-flops takes ceil(n / 8) blocks' flip-flop places and
leaves the rest of them to cells without a flip-flop. Many small sets in a nearly full design leave flip-flops that no
legal block takes; this script counts them.

Usage: python3 codegen/control-sets.py NETLIST.json [--list N] [--module PREFIX]
  prints the totals, a table per module (instance path, from the cell names yosys's flatten gives), the control nets
  that reach the most flip-flops (nextpnr promotes the largest to the 8 global buffers: up to 4 resets, up to 4 enables,
  the clock takes one), and the N smallest control sets (default 40) with their nets and flip-flops.
"""
import argparse
import collections
import json
import math
import re
import signal
import sys

PLB_CELLS = 8


def net_names(module):
    """bit -> the best readable name: public (no '$'), then shortest."""
    names = {}
    for name, info in module["netnames"].items():
        for bit in info["bits"]:
            if isinstance(bit, str):
                continue
            key = (name.startswith("$") or "$" in name, info.get("hide_name", 0), len(name), name)
            if bit not in names or key < names[bit][0]:
                names[bit] = (key, name)
    return {bit: name for bit, (key, name) in names.items()}


def instance_of(cell_name, cell):
    """The instance path of a flattened cell: the dotted prefix of its name ('top' for yosys's own names), as
    EdgeLangevin.Codegen.Hdl.ControlSets counts them for `hdl synth`'s message."""
    name = cell_name.lstrip("\\")
    return "top" if name.startswith("$") or "." not in name else name.rsplit(".", 1)[0]


def control_sets(module):
    """[(clock, negative edge, CEN bit or None, SR bit or None)] -> list of (cell name, instance, Q bit)."""
    sets = collections.defaultdict(list)
    for name, cell in module["cells"].items():
        kind = cell["type"]
        if not kind.startswith("SB_DFF"):
            continue
        conn = cell["connections"]
        negative = kind.startswith("SB_DFFN")
        cen = conn["E"][0] if "E" in conn else None
        sr = (conn.get("R") or conn.get("S") or [None])[0]
        if isinstance(cen, str):  # tied high: no enable
            cen = None if cen == "1" else cen
        if isinstance(sr, str):
            sr = None if sr == "0" else sr
        sets[(conn["C"][0], negative, cen, sr)].append((name, instance_of(name, cell), conn["Q"][0]))
    return sets


def fanout_of_control(sets):
    cen = collections.Counter()
    sr = collections.Counter()
    for (clk, neg, e, r), ffs in sets.items():
        if e is not None:
            cen[e] += len(ffs)
        if r is not None:
            sr[r] += len(ffs)
    return cen, sr


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("netlist")
    parser.add_argument("--list", type=int, default=40, help="how many of the smallest control sets to print")
    parser.add_argument("--module", default=None, help="list only control sets with a flip-flop under this instance path")
    args = parser.parse_args(argv)
    try:
        design = json.load(open(args.netlist))
    except (OSError, ValueError) as error:
        sys.exit(f"control-sets: cannot read the yosys json netlist '{args.netlist}': {error}")
    tops = [m for m, v in design.get("modules", {}).items() if v.get("attributes", {}).get("top")]
    if len(tops) != 1:
        sys.exit(f"control-sets: '{args.netlist}' has {len(tops)} top modules, expected 1 (a flattened synth_ice40 netlist)")
    module = design["modules"][tops[0]]
    names = net_names(module)
    name = lambda bit: "-" if bit is None else names.get(bit, str(bit))
    sets = control_sets(module)
    ffs = sum(len(v) for v in sets.values())
    blocks = sum(math.ceil(len(v) / PLB_CELLS) for v in sets.values())
    small = [k for k, v in sets.items() if len(v) < PLB_CELLS]
    print(f"{tops[0]}: {ffs} flip-flops in {len(sets)} control sets (clock, CEN, SR); {len(small)} sets of fewer than "
          f"{PLB_CELLS}; they need at least {blocks} logic blocks' flip-flop places ({blocks * PLB_CELLS} cells, "
          f"{blocks * PLB_CELLS - ffs} of them left to cells without a flip-flop)")
    # generate-loop copies (ring[3], stage[1], g_lane[0]) are added up under [*]: one row per kind of instance
    kind = lambda inst: re.sub(r"\[\d+\]", "[*]", inst)
    luts = collections.Counter(kind(instance_of(n, c)) for n, c in module["cells"].items() if c["type"] == "SB_LUT4")
    per = collections.defaultdict(lambda: {"ffs": 0, "sets": set()})
    for key, members in sets.items():
        for cell_name, inst, q in members:
            per[kind(inst)]["ffs"] += 1
            per[kind(inst)]["sets"].add(key)
    print(f"\n{'instance':<36} {'LUT':>5} {'FF':>5} {'sets':>5} {'<8':>4} {'1-2':>4}  (sets: control sets with a flip-flop here)")
    for inst in sorted(set(per) | set(luts)):
        s = per[inst]["sets"]
        print(f"{inst:<36} {luts[inst]:>5} {per[inst]['ffs']:>5} {len(s):>5} {sum(1 for k in s if len(sets[k]) < PLB_CELLS):>4}"
              f" {sum(1 for k in s if len(sets[k]) <= 2):>4}")
    cen, sr = fanout_of_control(sets)
    print("\nlargest control nets (flip-flops reached; nextpnr puts the largest on global buffers):")
    for label, counter in (("CEN", cen), ("SR", sr)):
        print(f"  {label}: {len(counter)} nets; " + ", ".join(f"{name(b)} {n}" for b, n in counter.most_common(8)))
    chosen = sorted(sets.items(), key=lambda kv: (len(kv[1]), name(kv[0][2]), name(kv[0][3])))
    if args.module:
        chosen = [kv for kv in chosen if any(inst.startswith(args.module) for _, inst, _ in kv[1])]
    print(f"\nsmallest control sets{' under ' + args.module if args.module else ''} (FFs: CEN / SR: instances: flip-flops):")
    for (clk, neg, e, r), members in chosen[: args.list]:
        insts = sorted({inst for _, inst, _ in members})
        qs = sorted({name(q) for _, _, q in members})
        shown = ", ".join(qs[:6]) + (" ..." if len(qs) > 6 else "")
        print(f"  {len(members):>3}: CEN {name(e)} / SR {name(r)}{' (negedge)' if neg else ''}: {','.join(insts)}: {shown}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends the listing quietly
    main(sys.argv[1:])
