#!/bin/bash
# Where a benchmark's CPU time goes, per .NET method and per machine instruction (perf, cpu-clock: this VM
# has no hardware counters). Usage, from the repository:
#   bash bench/profile/perf-jit.sh OUT SECONDS -- COMMAND ARGS...
# runs COMMAND under `perf record`, copies its JIT code out of the live process after SECONDS (pick a time
# inside the phase to measure), then writes OUT/functions.txt (share per method) and OUT/annotated.txt
# (the top methods' instructions with their share of all samples). Needs perf, objdump, python3 and the
# right to read the child's memory (root, or ptrace allowed). Example, the learner at K = 128 on one thread:
#   dotnet build tests/EdgeLangevin.Benchmarks -c Release
#   EDGELANGEVIN_BENCH_ROUNDS=12 bash bench/profile/perf-jit.sh /tmp/prof 25 -- \
#     tests/EdgeLangevin.Benchmarks/bin/Release/net10.0/EdgeLangevin.Benchmarks --case learn 128 cpu 1
set -euo pipefail
if [ $# -lt 4 ] || [ "$3" != "--" ]; then sed -n '2,12p' "$0" >&2; exit 2; fi
out=$1; delay=$2; shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# PerfMapEnabled=3: /tmp/perf-PID.map only. W^X off: with it the JIT code runs from a double mapping
# (memfd:doublemapper) that perf does not match to the map's addresses.
DOTNET_PerfMapEnabled=3 DOTNET_EnableWriteXorExecute=0 perf record -q -e cpu-clock -F 2000 -o "$out/perf.data" "$@" &
perf_pid=$!
sleep "$delay"
child=$(pgrep -P "$perf_pid" | head -1)
if [ -z "$child" ]; then echo "error: the command ended before ${delay} s; give a shorter delay" >&2; wait "$perf_pid" || true; exit 1; fi
python3 "$here/jit_annotate.py" dump "$child" "$out/code"
wait "$perf_pid"
perf report -i "$out/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' | cut -c1-200 > "$out/functions.txt"
python3 "$here/jit_annotate.py" annotate "$out/perf.data" "$out/code" 6 > "$out/annotated.txt"
head -12 "$out/functions.txt"
echo "per instruction: $out/annotated.txt"
