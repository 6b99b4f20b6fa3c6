using System.Globalization;
using System.Text;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The learning design's serial noise generator (el_noise with a K-word buffer) alone, under Icarus,
/// against the C# GaussianNoise: a scripted run of seed loads, waits for o_ready and draws, where every
/// drawn word must be the C# generator's next word and o_state at every o_ready the C# state K words
/// past the words drawn so far (what el_core copies as the chain's next state). The script has walks
/// of K words back to back, gaps inside a walk, partial walks followed by a refill, seed loads in the
/// middle of a refill and during the first fill, a zero seed, and a reload of a full buffer.
/// </summary>
public sealed class SerialNoiseTests
{
    private abstract record Op;
    private sealed record Load(int Seed) : Op;
    private sealed record WaitReady : Op;
    private sealed record Draw(int Count, int Gap) : Op;
    private sealed record Idle(int Clocks) : Op;

    private static List<Op> Script(int k) =>
    [
        new Load(12345), new WaitReady(), new Draw(k, 0),                       // a walk
        new WaitReady(), new Draw(k, 0),                                        // refilled: the next walk (one chain)
        new WaitReady(), new Draw(3, 0), new Idle(40), new Draw(k - 3, 2),      // gaps inside a walk
        new WaitReady(), new Draw(5, 0), new WaitReady(), new Draw(k, 1),       // a partial walk, then a refill
        new WaitReady(), new Draw(4, 0), new Load(unchecked((int)0xDEADBEEF)),  // a load while refilling
        new WaitReady(), new Draw(k, 0),
        new Load(777), new Idle(7), new Load(-1640531527), new WaitReady(), new Draw(k, 0), // a load during the first fill
        new Load(0), new WaitReady(), new Draw(k, 0),                           // zero seed: state 1
        new WaitReady(), new Load(424242), new WaitReady(), new Draw(2, 3),     // a full buffer reloaded
        new Idle(200), new WaitReady(), new Draw(k - 2, 0), new WaitReady(),
    ];

    /// <summary>What the testbench must print: the C# generator followed through the script.</summary>
    private static List<string> Expected(List<Op> script, int k)
    {
        var g = new GaussianNoise(1, 1);
        var ahead = new GaussianNoise(1, 1);
        var lines = new List<string>();
        foreach (Op op in script)
        {
            switch (op)
            {
                case Load l: g.SetState(0, l.Seed); break;
                case WaitReady:
                    ahead.SetState(0, g.StateOf(0));
                    for (int i = 0; i < k; i++) ahead.Next(0);
                    lines.Add("S " + unchecked((uint)ahead.StateOf(0)).ToString(CultureInfo.InvariantCulture));
                    break;
                case Draw d:
                    for (int i = 0; i < d.Count; i++) lines.Add("W " + g.Next(0).ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }
        lines.Add("END");
        return lines;
    }

    private static string Testbench(List<Op> script, int k, int kbits)
    {
        var ops = new StringBuilder();
        foreach (Op op in script)
            ops.Append("        ").Append(op switch
            {
                Load l => $"do_load(32'd{unchecked((uint)l.Seed)});",
                WaitReady => "wait_ready;",
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
                wire [31:0] state;
                wire signed [15:0] eta;
                el_noise #(.K({{k}}), .KBITS({{kbits}})) dut (.i_clk(clk), .i_seed_load(load), .i_seed(seed), .i_next(next),
                    .o_ready(ready), .o_state(state), .o_eta(eta));
                integer waited, j;
                task tick; begin @(posedge clk); #1; end endtask
                task do_load(input [31:0] s); begin seed = s; load = 1'b1; tick; load = 1'b0; end endtask
                task wait_ready; begin
                    waited = 0;
                    while (!ready) begin
                        tick; waited = waited + 1;
                        if (waited > 100000) begin $display("TIMEOUT"); $finish; end
                    end
                    $display("S %0d", state);
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
    [InlineData(16)]   // bars: K = 2^KBITS, the buffer's pointers wrap exactly at K
    [InlineData(12)]   // K < 2^KBITS
    public void The_serial_generator_gives_the_CSharp_words_and_states_under_gaps_bursts_and_reloads(int k)
    {
        HdlTestConfigs.RequireTools("iverilog", "vvp");
        string config = k == 16 ? LearningTests.BarsConfig(lanes: 1) : LearningTests.SignedSyncConfig();
        HdlProject p = HdlTestConfigs.FromConfig(config, 22);
        Assert.Equal(k, p.Datapath.K);
        string dir = Path.Combine(Path.GetTempPath(), "el-serial-noise-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            HdlGenerator.WriteFiles(new HdlGenerator().Render(p.Datapath), dir);
            List<Op> script = Script(k);
            File.WriteAllText(Path.Combine(dir, "tb_noise.v"), Testbench(script, k, p.Datapath.KBits));
            ToolResult c = ToolRunner.Run("iverilog", ["-g2012", "-o", "noise.vvp", "tb_noise.v", "rtl/el_ram.v", "rtl/el_noise.v"], dir);
            Assert.True(c.Ok, c.Tail());
            ToolResult r = ToolRunner.Run("vvp", ["-n", "noise.vvp"], dir);
            Assert.True(r.Ok, r.Tail());
            string[] got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l[0] is 'S' or 'W' or 'E' or 'T').ToArray();
            List<string> want = Expected(script, k);
            Assert.True(want.Count > 6 * k, "the script draws several walks");
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
