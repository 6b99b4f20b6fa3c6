#!/usr/bin/env python3
"""Per-instruction profile of .NET JIT code from `perf record` (used by perf-jit.sh).

perf resolves JIT frames to method names from /tmp/perf-PID.map, but has no code bytes to annotate
them (the runtime's jitdump held only stubs here). So:
  dump PID DIR          copy the code of every optimized EdgeLangevin method out of the live process
                        (/proc/PID/mem at the addresses of its perf map) into DIR
  annotate DATA DIR N   disassemble the N methods with the most samples (objdump) and print each
                        instruction's share of all samples, with a running total
Run `dump` while the process is in the phase being measured: tiered compilation replaces methods.
"""
import collections, os, subprocess, sys


def dump(pid, out):
    os.makedirs(out, exist_ok=True)
    n = 0
    with open(f"/proc/{pid}/mem", "rb") as mem, open(f"{out}/index.tsv", "w") as index:
        for line in open(f"/tmp/perf-{pid}.map"):
            addr, size, name = line.rstrip("\n").split(" ", 2)
            if "EdgeLangevin" not in name or "Optimized" not in name:
                continue
            mem.seek(int(addr, 16))
            try:
                code = mem.read(int(size, 16))
            except OSError:
                continue
            with open(f"{out}/{n}.bin", "wb") as f:
                f.write(code)
            index.write(f"{n}\t{addr}\t{size}\t{name}\n")
            n += 1
    print(f"{n} methods dumped to {out}")


def annotate(data, out, top):
    ips = subprocess.run(["perf", "script", "-i", data, "-F", "ip"], capture_output=True, text=True).stdout.split()
    counts = collections.Counter(int(ip, 16) for ip in ips)
    total = sum(counts.values())
    methods = []
    for row in open(f"{out}/index.tsv"):
        n, addr, size, name = row.rstrip("\n").split("\t")
        a, s = int(addr, 16), int(size, 16)
        methods.append((sum(c for ip, c in counts.items() if a <= ip < a + s), n, a, name))
    methods.sort(reverse=True)
    for samples, n, a, name in methods[:top]:
        print(f"\n### {100 * samples / total:.1f} % of all samples: {name}")
        listing = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "-M", "intel", f"--adjust-vma={a}",
                                  f"{out}/{n}.bin"], capture_output=True, text=True).stdout
        running = 0.0
        for line in listing.splitlines():
            if ":\t" not in line:
                continue
            share = 100 * counts.get(int(line.split(":")[0], 16), 0) / total
            running += share
            print(f"{share:6.2f} {running:6.2f} {line.strip()}" if share else f"{'':13} {line.strip()}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "annotate":
        annotate(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
