#!/usr/bin/python3
"""Every timing path above a threshold, from nextpnr's SDF (nextpnr-ice40 0.4 prints only the worst).

Usage: python3 codegen/timing-paths.py ROUTED.sdf [MIN_NS] [SUBSTRING]
  ROUTED.sdf  written by `nextpnr-ice40 ... --sdf ROUTED.sdf` (the same run whose log gives the MHz)
  MIN_NS      print endpoints whose arrival + setup is at least this many ns (default 20.0;
              20.833 = the 48 MHz period)
  SUBSTRING   only paths whose first or last cell name contains it (e.g. u_core.u_mac.)
  env VERBOSE=1 also prints each path's pins with their arrival times.
Prints one line per (start register, end register) pair, worst first: the required period in ns,
the two cells' names without yosys's packing suffixes, the end pin and the number of pins on the path.
A packed logic cell is named after its LUT, so the register a path starts from may be another one
than the name says (VERBOSE shows the pins). A single clock domain is assumed (the iCEBreaker designs have one). The worst line equals
nextpnr's "Max frequency" (1000 / ns); the SDF's max corner is used.
"""
import collections
import os
import re
import sys


def parse_sdf(text):
    """The SDF as nested lists of tokens."""
    tokens = re.findall(r'\(|\)|"[^"]*"|[^\s()]+', text)
    pos = 0

    def node():
        nonlocal pos
        pos += 1  # '('
        out = []
        while tokens[pos] != ')':
            if tokens[pos] == '(':
                out.append(node())
            else:
                out.append(tokens[pos])
                pos += 1
        pos += 1
        return out
    return node()


def delay_ns(triple):
    """'(min:typ:max)' in ps (TIMESCALE 1ps) -> max in ns."""
    s = triple[0] if isinstance(triple, list) else triple
    return float(s.split(':')[-1]) / 1000.0


def name(s):
    return s.strip('"').replace('\\', '')


def timing_graph(root):
    edges = collections.defaultdict(list)  # (cell, pin) -> [((cell, pin), ns)]
    launch = {}                            # clock-to-output pins: (cell, pin) -> ns
    setup = {}                             # checked inputs: (cell, pin) -> ns
    for cell in root:
        if not isinstance(cell, list) or cell[0] != 'CELL':
            continue
        inst = next((name(s[1]) if len(s) > 1 else '' for s in cell[1:] if s[0] == 'INSTANCE'), '')
        for sub in cell[1:]:
            if sub[0] == 'DELAY':
                for kind in sub[1:]:
                    for d in kind[1:]:
                        if d[0] == 'IOPATH':
                            a, b = d[1], d[2]
                            if isinstance(a, list) or 'CLK' in a:   # a register's or a RAM's output
                                launch[(inst, b)] = max(launch.get((inst, b), 0.0), delay_ns(d[3]))
                            else:
                                edges[(inst, a)].append(((inst, b), delay_ns(d[3])))
                        elif d[0] == 'INTERCONNECT':
                            fc, fp = name(d[1]).rsplit('/', 1)
                            tc, tp = name(d[2]).rsplit('/', 1)
                            edges[(fc, fp)].append(((tc, tp), delay_ns(d[3])))
            elif sub[0] == 'TIMINGCHECK':
                for c in sub[1:]:
                    if c[0] in ('SETUP', 'SETUPHOLD'):
                        pin = c[1][-1] if isinstance(c[1], list) else c[1]
                        setup[(inst, pin)] = max(setup.get((inst, pin), 0.0), delay_ns(c[3]))
    return edges, launch, setup


def longest_arrivals(edges, launch):
    """Arrival time of every pin from the clock edge (longest path; loops are not followed)."""
    indeg = collections.Counter(m for es in edges.values() for m, _ in es)
    nodes = set(edges) | set(indeg) | set(launch)
    arrival = dict(launch)
    pred = {}
    ready = collections.deque(n for n in nodes if indeg[n] == 0)
    while ready:
        n = ready.popleft()
        a = arrival.get(n)
        for m, d in edges.get(n, ()):
            if a is not None and (m not in arrival or a + d > arrival[m]):
                arrival[m] = a + d
                pred[m] = n
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    return arrival, pred


def base(cell):
    """A packed cell's name without yosys/nextpnr suffixes: the register or memory it comes from."""
    for sep in ('_SB_', '_DFFLC', '_LC', '_DSP', '_RAM'):
        i = cell.find(sep)
        if i > 0:
            cell = cell[:i]
    return cell


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    root = parse_sdf(open(argv[1]).read())
    min_ns = float(argv[2]) if len(argv) > 2 else 20.0
    only = argv[3] if len(argv) > 3 else None
    edges, launch, setup = timing_graph(root)
    arrival, pred = longest_arrivals(edges, launch)
    ends = sorted(((arrival[n] + s, n) for n, s in setup.items() if n in arrival), reverse=True)
    seen = set()
    for ns, end in ends:
        if ns < min_ns:
            break
        path = [end]
        while path[-1] in pred:
            path.append(pred[path[-1]])
        path.reverse()
        start = path[0][0]
        if only and only not in start and only not in end[0]:
            continue
        key = (base(start), base(end[0]))
        if key in seen:
            continue
        seen.add(key)
        print('%6.2f ns  %s  ->  %s/%s  (%d pins)' % (ns, key[0], key[1], end[1], len(path)))
        if os.environ.get('VERBOSE'):
            for p in path:
                print('           %7.2f  %s/%s' % (arrival[p], p[0], p[1]))


if __name__ == '__main__':
    try:
        main(sys.argv)
    except BrokenPipeError:
        pass
