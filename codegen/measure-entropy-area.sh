#!/bin/bash
# Cost of the entropy source alone on the UP5K: generates a design with hdl.entropy.enabled from
# CONFIG (default: codegen/examples/k16d8-small.json plus the entropy section), then synthesises a
# harness top holding only the source (rings, sampler, health tests, conditioner), the physical noise
# word unit (el_phys_noise), the UART commands and the UART, placed and routed by nextpnr at 48 MHz
# (rings excluded from timing: --ignore-loops). Prints the logic cells, RAM, DSP and the achieved
# clock, then yosys's LUT and flip-flop counts per part (before packing into logic cells).
# Usage: bash codegen/measure-entropy-area.sh [WORKDIR] [SEED]
# (EDGELANGEVIN_CLI, if set, is the edgelangevin command to generate with instead of dotnet run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
seed=${2:-1}
mkdir -p "$work"
cat > "$work/config.json" <<'JSON'
{"hdl": {"lanes": 2, "entropy": {"enabled": true, "noise_mode": "seeded"}},
 "vectors": {"problem": "random", "variant": "signed", "k": 16, "d": 8, "lambda": 1, "pi": 0.3, "sigma": 0.5}}
JSON
${EDGELANGEVIN_CLI:-dotnet run --project $root/src/EdgeLangevin.Cli -c Release --} hdl generate --config "$work/config.json" --out "$work/gen" > /dev/null
g="$work/gen"
# harness: the source and its commands behind the UART, the datapath left out
cat > "$work/harness.v" <<'V'
`default_nettype none
module entropy_harness (input wire i_clk12, input wire i_uart_rx, output wire o_uart_tx, output wire o_led_fault);
    wire clk = i_clk12;
    reg [7:0] por_r = 8'd0;
    wire rst = ~por_r[7];
    always @(posedge clk) if (!por_r[7]) por_r <= por_r + 8'd1;
    wire rx_valid; wire [7:0] rx_byte; wire tx_busy, ent_tx_valid; wire [7:0] ent_tx_byte;
    el_uart_rx #(.CLKS_PER_BIT(417)) u_rx (.i_clk(clk), .i_rx(i_uart_rx), .o_valid(rx_valid), .o_byte(rx_byte));
    el_uart_tx #(.CLKS_PER_BIT(417)) u_tx (.i_clk(clk), .i_valid(ent_tx_valid), .i_byte(ent_tx_byte), .o_busy(tx_busy), .o_tx(o_uart_tx));
    wire raw_valid, raw_bit, cv, cb, seed_valid, clear, hold, busy, pending; wire [1:0] mode; wire [2:0] status;
    wire [15:0] fm, failures; wire [31:0] fs, samples, seed; wire signed [15:0] lag1;
    el_entropy u_entropy (.i_clk(clk), .i_clear(clear), .i_hold(hold), .i_fault_mode(2'd0), .i_fault_bit(1'b0),
        .o_raw_valid(raw_valid), .o_raw_bit(raw_bit), .o_cond_valid(cv), .o_cond_bit(cb), .i_seed_take(1'b0),
        .o_seed(seed), .o_seed_valid(seed_valid), .o_status(status), .o_fault_measure(fm), .o_fault_sample(fs),
        .o_samples(samples), .o_failures(failures), .o_last_lag1_q15(lag1));
    el_entropy_ctl u_ctl (.i_clk(clk), .i_rst(rst), .i_go(rx_valid && !busy), .i_cmd(rx_byte), .i_hold(1'b0), .o_pending(pending),
        .i_rx_valid(rx_valid), .i_rx_byte(rx_byte), .i_tx_busy(tx_busy), .o_tx_valid(ent_tx_valid), .o_tx_byte(ent_tx_byte),
        .o_busy(busy), .o_mode(mode), .o_clear(clear), .o_hold(hold), .i_raw_valid(raw_valid), .i_raw_bit(raw_bit), .i_status(status),
        .i_failures(failures), .i_samples(samples), .i_fault_measure(fm), .i_last_lag1(lag1),
        .i_seed(seed), .i_seed_flags({seed_valid, status[0]}));
    wire phys_valid; wire signed [15:0] phys_eta;
    el_phys_noise u_phys (.i_clk(clk), .i_clear(clear), .i_bit_valid(cv), .i_bit(cb), .o_valid(phys_valid), .o_eta(phys_eta));
    assign o_led_fault = (status != 3'd0) ^ (^seed) ^ seed_valid ^ (^mode) ^ pending ^ phys_valid ^ (^phys_eta);   // keep the outputs
endmodule
V
printf 'set_io -nowarn i_clk12 35\nset_io -nowarn i_uart_rx 6\nset_io -nowarn o_uart_tx 9\nset_io -nowarn o_led_fault 26\n' > "$work/harness.pcf"
cd "$work"
src="$g/rtl/el_ram.v $g/rtl/el_health.v $g/rtl/el_entropy.v $g/board/el_entropy_ctl.v $g/board/el_ro_ice40.v $g/board/el_uart.v harness.v"
# The flow of `hdl synth` (HdlSynthesizer.Ice40SynthCommands: synth_ice40 with yosys's `check` after the
# coarse stage), spelt out here because the harness is not a generated top the CLI can synthesise; a
# netlist that is not the RTL (the warnings YosysLogCheck refuses) is refused here too: nothing measured.
# yosys 0.23's ABC sometimes aborts in lutpack (an assertion, not a design error): try again
for try in 1 2 3; do
    yosys -q -l yosys.log -p "read_verilog $src; synth_ice40 -dsp -spram -top entropy_harness -run :map_ram; check;
        synth_ice40 -dsp -spram -top entropy_harness -run map_ram: -json harness.json; tee -q -o stat.txt stat" && break
done
if grep -E "Warning: (Driver-driver conflict|Initial value conflict|multiple conflicting drivers|Wire .* is used but has no driver|found logic loop)" yosys.log; then
    echo "yosys: the netlist is not the RTL (above): nothing measured" >&2; exit 2
fi
nextpnr-ice40 --up5k --package sg48 --pcf harness.pcf --json harness.json --asc harness.asc --freq 48 --timing-allow-fail --ignore-loops --seed "$seed" -l nextpnr.log > /dev/null 2>&1
grep -E "ICESTORM_(LC|RAM|DSP):" nextpnr.log | tail -3
grep -E "Max frequency for clock" nextpnr.log | tail -1
echo "ring LUTs kept by yosys: $(grep -c 'lut' <(grep -o 'ring\[[0-9]*\]\.u_ro\.stage\[[0-9]*\]\.lut' harness.json | sort -u))"
# per part, from a hierarchical synthesis (LUTs and flip-flops; a logic cell holds one of each)
for try in 1 2 3; do
    yosys -q -p "read_verilog $src; synth_ice40 -dsp -noflatten -top entropy_harness; tee -q -o stat-parts.txt stat" > /dev/null 2>&1 && break
done
awk '/^=== /{m=$2; sub(/^\$paramod\$[0-9a-f]*\\/, "", m); sub(/^\$paramod\\/, "", m); sub(/\\.*/, "", m)} /SB_LUT4/{lut[m]+=$2} /SB_DFF/{ff[m]+=$2}
     END {for (k in lut) if (k != "design") printf "  %-20s %5d LUT %5d FF\n", k, lut[k], ff[k]}' stat-parts.txt | sort
