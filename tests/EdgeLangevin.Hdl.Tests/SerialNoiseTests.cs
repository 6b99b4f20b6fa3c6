using System.Globalization;
using System.Text;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The learning design's serial noise generator (el_noise with a FIFO of 2 K words and every chain's
/// generator state) alone, under Icarus, against the C# GaussianNoise with the same chains: a
/// scripted run of seed loads, waits for o_ready and draws, where every drawn word must be the C#
/// generator's next word of the chain whose walk it belongs to (el_core's walks draw K words each,
/// chain 0, 1, .., CHAINS-1, 0, ..: draw n after a seed load is chain (n / K) mod CHAINS's). The script
/// has walks of K words back to back, gaps inside a walk, partial walks, seed loads in the middle of
/// a refill, during the first fill and inside a walk, a seed that makes chain 0's or chain 1's state
/// zero, and a reload of a full FIFO. The prefill is checked too: once the generator had the time
/// to make two walks' words (2 (K + 1) clocks: a word per clock, a clock per chain change), the next walk's words must be buffered the clock
/// after a walk (o_ready within 2 clocks, what lets el_core start the next chain's walk without
/// waiting), else the testbench prints LATE.
/// </summary>
public sealed class SerialNoiseTests
{
    private abstract record Op;
    private sealed record Load(int Seed) : Op;
    /// <summary>Wait for o_ready; longer than <paramref name="MaxClocks"/> prints LATE.</summary>
    private sealed record WaitReady(int MaxClocks = 100000) : Op;
    private sealed record Draw(int Count, int Gap) : Op;
    private sealed record Idle(int Clocks) : Op;

    /// <summary>Clocks in which the generator makes two walks of words (one raw step per clock, a
    /// clock per chain change) and its pipeline has written them, with margin.</summary>
    private static int TwoWalks(int k) => 2 * (k + 1) + 12;

    /// <summary>The script; between waits for o_ready it draws at most K words (2 K after two walks' time).</summary>
    private static List<Op> Script(int k)
    {
        int a = Math.Min(3, k), part = Math.Max(0, Math.Min(5, k - 1)), b = Math.Min(2, k);
        return
        [
            new Load(12345), new WaitReady(), new Draw(k, 0),                       // a walk
            new WaitReady(), new Draw(k, 0),                                        // refilled: the next walk
            new WaitReady(), new Draw(a, 0), new Idle(40), new Draw(k - a, 2),      // gaps inside a walk
            new Idle(TwoWalks(k)), new Draw(k, 0), new WaitReady(2), new Draw(k, 1), // prefilled: no wait
            new WaitReady(), new Draw(part, 0), new WaitReady(), new Draw(k, 1),    // a partial walk
            new WaitReady(), new Draw(Math.Min(4, k), 0), new Load(unchecked((int)0xDEADBEEF)), // a load inside a walk, while refilling
            new WaitReady(), new Draw(k, 0), new WaitReady(), new Draw(k, 0), new WaitReady(), new Draw(k, 0),
            new Load(777), new Idle(7), new Load(GaussianNoise.ChainSeedStride), new WaitReady(), new Draw(k, 0), // a load during the first fill; chain 1's seed 0
            new WaitReady(), new Draw(k, 0),
            new Load(0), new WaitReady(), new Draw(k, 0),                           // zero seed: chain 0's state 1
            new Idle(TwoWalks(k)), new Load(424242), new WaitReady(), new Draw(b, 3), // a full FIFO reloaded
            new Idle(TwoWalks(k) + 60), new WaitReady(), new Draw(k - b, 0), new WaitReady(2), new Draw(k, 0),
            new Idle(TwoWalks(k)), new Draw(k, 0), new WaitReady(2), new Draw(k, 0), new WaitReady(), new Draw(k, 0),
            new WaitReady(), new Draw(k, 0), new WaitReady(),
        ];
    }

    /// <summary>What the testbench must print: the C# generator of every chain followed through the script.</summary>
    private static List<string> Expected(List<Op> script, int k, int chains)
    {
        var g = new GaussianNoise(chains, 1);
        long drawn = 0;   // words drawn since the last seed load
        var lines = new List<string>();
        foreach (Op op in script)
        {
            switch (op)
            {
                case Load l: g.Reseed(l.Seed); drawn = 0; break;
                case Draw d:
                    for (int i = 0; i < d.Count; i++, drawn++)
                        lines.Add("W " + g.Next((int)(drawn / k % chains)).ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }
        lines.Add("END");
        return lines;
    }

    private static string Testbench(List<Op> script, int k, int kbits, int chains)
    {
        var ops = new StringBuilder();
        foreach (Op op in script)
            ops.Append("        ").Append(op switch
            {
                Load l => $"do_load(32'd{unchecked((uint)l.Seed)});",
                WaitReady w => $"wait_ready({w.MaxClocks});",
                Draw d => $"draw({d.Count}, {d.Gap});",
                Idle i => $"repeat ({i.Clocks}) tick;",
                _ => throw new InvalidOperationException(),
            }).Append('\n');
        return $$"""
            `timescale 1ns/1ps
            `default_nettype none
            module tb;
                reg clk = 1'b0;
                always #5 clk = ~clk;
                reg load = 1'b0, next = 1'b0;
                reg [31:0] seed = 32'd0;
                wire ready;
                wire signed [15:0] eta;
                el_noise #(.K({{k}}), .KBITS({{kbits}}), .CHAINS({{chains}})) dut (.i_clk(clk), .i_seed_load(load), .i_seed(seed), .i_next(next),
                    .o_ready(ready), .o_eta(eta));
                integer waited, j;
                task tick; begin @(posedge clk); #1; end endtask
                task do_load(input [31:0] s); begin seed = s; load = 1'b1; tick; load = 1'b0; end endtask
                task wait_ready(input integer max_clocks); begin
                    waited = 0;
                    while (!ready) begin
                        tick; waited = waited + 1;
                        if (waited > 100000) begin $display("TIMEOUT"); $finish; end
                    end
                    if (waited > max_clocks) $display("LATE %0d clocks, at most %0d expected", waited, max_clocks);
                end endtask
                // a draw takes the word o_eta shows on the clock i_next is high
                task draw(input integer n, input integer gap); begin
                    for (j = 0; j < n; j = j + 1) begin
                        next = 1'b1; $display("W %0d", eta); tick; next = 1'b0;
                        repeat (gap) tick;
                    end
                end endtask
                initial begin
                    tick;
            {{ops}}        $display("END");
                    $finish;
                end
            endmodule

            """;
    }

    [Theory]
    [InlineData(16, 4, 4)]   // bars: K = 2^KBITS, the FIFO's pointers wrap exactly at 2 K
    [InlineData(12, 4, 3)]   // K < 2^KBITS
    [InlineData(16, 4, 1)]   // one chain: no chain change, a stream
    [InlineData(2, 1, 2)]    // a chain change every second word
    [InlineData(1, 1, 3)]    // ... every word
    public void The_serial_generator_gives_every_chains_CSharp_words_in_walk_order_and_prefills_the_next_walk(int k, int kbits, int chains)
    {
        HdlTestConfigs.RequireTools("iverilog", "vvp");
        HdlProject p = HdlTestConfigs.FromConfig(LearningTests.BarsConfig(lanes: 1), 22);
        string dir = Path.Combine(Path.GetTempPath(), "el-serial-noise-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            HdlGenerator.WriteFiles(new HdlGenerator().Render(p.Datapath), dir);
            List<Op> script = Script(k);
            File.WriteAllText(Path.Combine(dir, "tb_noise.v"), Testbench(script, k, kbits, chains));
            ToolResult c = ToolRunner.Run("iverilog", ["-g2012", "-o", "noise.vvp", "tb_noise.v", "rtl/el_ram.v", "rtl/el_noise.v"], dir);
            Assert.True(c.Ok, c.Tail());
            ToolResult r = ToolRunner.Run("vvp", ["-n", "noise.vvp"], dir);
            Assert.True(r.Ok, r.Tail());
            string[] got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l[0] is 'W' or 'E' or 'T' or 'L').ToArray();
            List<string> want = Expected(script, k, chains);
            Assert.True(want.Count > 12 * k, "the script draws several walks");
            for (int i = 0; i < Math.Max(want.Count, got.Length); i++)
            {
                string w = i < want.Count ? want[i] : "(nothing)", g = i < got.Length ? got[i] : "(nothing)";
                Assert.True(w == g, $"line {i}: the C# generator gives '{w}', el_noise '{g}'");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
