using System.Globalization;
using System.Text;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;
using Xunit.Abstractions;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// el_mac's dictionary update, A = satA(A + (((p >>> PRE_A) + R[SH_A-1:0]) >>> SH_A)), written only when the delta is
/// not 0, against the C# rule it must equal (FixedLearner.Round, stochastic: the product floored by shift - 31 beyond
/// 31, FixedArithmetic.StochasticShiftRight, FixedArithmetic.Saturate to WA bits). The rounding carry c (the carry out of
/// the low SH_A bits of p >>> PRE_A plus R) is taken in two halves (issue-11j): S3 registers the low half's carry c_lo,
/// the high half's generate g and g | p, where p = "the high half's sum is all ones", and S4's carry chain rebuilds
/// c = g | (p &amp; c_lo). The pass-through case, p and c_lo (the high half passes the low half's carry on), comes about
/// once in about 2^(RHI + 1) draws (RHI = SH_A - SH_A / 2 high bits all ones, and a low carry about half the time): once
/// in ~131,000 for the usual SH_A = 31, so gate-level and RTL runs of the learning chip rarely see it. Here it is driven
/// directly: for every total shift 1..34 (SH_A 1..31, then PRE_A 1..3 with SH_A 31), an instance of the generated el_core with that PRE_A / SH_A, and vectors forced onto its el_mac's S2c signals (the
/// product s2c_p, the stream word rnd_next, the dictionary word dict_flat, s2c_v / s2c_nz); every write the core reports
/// (o_dw_valid / o_dw_data) must be the C# rule's. The directed vectors put the high half's sum at all ones with and
/// without a low carry, one above and one below it, and the edges of R (high half 0 or all ones, the smallest low carry),
/// each with deltas near 0 (ph -2..2: with ph = -1 the pass-through carry makes the delta 0, no write) and near and
/// beyond the saturation; random vectors follow. Icarus only: the testbench forces signals inside the generated
/// design by hierarchical name (not tried under Verilator). With the pass-through term removed from the template
/// (el_mac's `s3_gp &lt;= s2c_g | s2c_p1` made `s3_gp &lt;= s2c_g`) 947 of the 5692 vectors differ, all pass-through;
/// with only S3's delta-zero carry cut (`s3_c = s3_g`) 333 differ (writes of an unchanged word).
/// </summary>
public sealed class RoundingCarryTests(ITestOutputHelper output)
{
    private sealed record Vector(long P, int R, short A, bool PassThrough);

    private static readonly int[] TotalShifts = Enumerable.Range(1, 34).ToArray();

    private static (int Pre, int Sh) Split(int shift) => (Math.Max(0, shift - 31), Math.Min(31, shift));

    /// <summary>The C# rule: the learner's stochastic Round of the product, then A + delta saturated; null when the delta is 0 (no write).</summary>
    private static short? Expected(Vector v, int shift, int wa)
    {
        long product = v.P;
        if (shift > 31)
        {
            product >>= shift - 31;
            shift = 31;
        }
        long delta = FixedArithmetic.StochasticShiftRight(product, shift, v.R);
        return delta == 0 ? null : (short)FixedArithmetic.Saturate(v.A + delta, wa);
    }

    /// <summary>Whether the vector is the pass-through case of the split (SH_A >= 2): the low half carries, the high half's sum is all ones.</summary>
    private static bool IsPassThrough(long pp, int r, int sh)
    {
        if (sh < 2) return false;
        int rlo = sh / 2, rhi = sh - rlo;
        long loMask = (1L << rlo) - 1, hiMask = (1L << rhi) - 1;
        long lo = pp & loMask, hi = (pp >> rlo) & hiMask, rl = r & loMask, rh = (r >> rlo) & hiMask;
        return lo + rl > loMask && hi + rh == hiMask;
    }

    /// <summary>
    /// The product p whose p >>> PRE_A is ph * 2^SH_A + low (low: the SH_A bits below the shift), with random bits below PRE_A;
    /// null if it does not fit PAW bits.
    /// </summary>
    private static long? Product(long ph, long low, int pre, int sh, int paw, Random rng)
    {
        long pp = (ph << sh) | low;
        long p = (pp << pre) | (pre == 0 ? 0 : rng.NextInt64(1L << pre));
        long limit = 1L << (paw - 1);
        return p >= -limit && p < limit ? p : null;
    }

    private static List<Vector> Vectors(int shift, int wa, int paw, Random rng)
    {
        (int pre, int sh) = Split(shift);
        var list = new List<Vector>();
        short RandomA() => (short)rng.Next(-(1 << (wa - 1)), 1 << (wa - 1));
        short[] edgeA = [(short)((1 << (wa - 1)) - 1), (short)(-(1 << (wa - 1))), 0, 1, -1];
        long sat = 1L << (wa + 1);   // ph beyond WA + 2 bits saturates A whatever A and c are
        long[] phs = [-2, -1, 0, 1, 2, rng.Next(-30000, 30000), sat - 1, -sat, sat, -sat - 1, 3 * sat, -3 * sat];
        void Add(long ph, long low, int r, short a)
        {
            if (Product(ph, low, pre, sh, paw, rng) is not long p) return;
            list.Add(new Vector(p, r, a, IsPassThrough((ph << sh) | low, r, sh)));
        }
        if (sh >= 2)
        {
            int rlo = sh / 2, rhi = sh - rlo;
            long loMask = (1L << rlo) - 1, hiMask = (1L << rhi) - 1;
            // a random stream word with the given high and low halves in its low SH_A bits
            int RandomR(long hiPart, long loPart)
            {
                uint word = (uint)rng.Next() | ((uint)rng.Next(2) << 31), field = (uint)((hiMask << rlo) | loMask);
                return unchecked((int)((word & ~field) | (uint)(hiPart << rlo) | (uint)loPart));
            }
            long LoCarry(long rl) => (1L << rlo) - rl + rng.NextInt64(rl);     // lo + rl >= 2^RLO
            long LoNoCarry(long rl) => rng.NextInt64((1L << rlo) - rl);        // lo + rl < 2^RLO
            foreach (long ph in phs)
            {
                for (int i = 0; i < 2; i++)
                {
                    long rh = rng.NextInt64(hiMask + 1), rl = 1 + rng.NextInt64(loMask);   // a nonzero low half: else no low carry
                    int r = RandomR(rh, rl);
                    short a = i == 0 ? RandomA() : edgeA[rng.Next(edgeA.Length)];
                    Add(ph, ((~rh & hiMask) << rlo) | LoCarry(rl), r, a);            // pass-through: c = 1
                    Add(ph, ((~rh & hiMask) << rlo) | LoNoCarry(rl), r, a);          // all ones, no low carry: c = 0
                    if (rh > 0) Add(ph, ((hiMask + 1 - rh) << rlo) | LoNoCarry(rl), r, a);   // one above: generate, c = 1
                    if (rh < hiMask) Add(ph, ((hiMask - 1 - rh) << rlo) | LoCarry(rl), r, a); // one below: c = 0
                }
                // the edges of R: the high half 0 (the product's high half all ones) or all ones (0), the smallest and largest low carries
                Add(ph, (hiMask << rlo) | loMask, RandomR(0, 1), RandomA());
                Add(ph, (0L << rlo) | 1, RandomR(hiMask, loMask), RandomA());
                Add(ph, (hiMask << rlo) | 1, RandomR(0, loMask), RandomA());
            }
        }
        else
        {
            foreach (long ph in phs)
                for (int low = 0; low < 2; low++)
                    for (int r = 0; r < 2; r++) Add(ph, low, r | (rng.Next() & ~1), RandomA());
        }
        for (int i = 0; i < 40; i++)
        {
            long p = rng.NextInt64(-(1L << (paw - 1)), 1L << (paw - 1)) >> rng.Next(paw - 1);   // every magnitude
            int r = rng.Next() | (rng.Next(2) << 31);
            list.Add(new Vector(p, r, RandomA(), IsPassThrough(p >> pre, r, sh)));
        }
        return list;
    }

    private static string Hex(long v, int bits) => (bits == 64 ? (ulong)v : (ulong)v & ((1UL << bits) - 1)).ToString("x", CultureInfo.InvariantCulture);

    private static string Testbench(IReadOnlyList<(int Shift, List<Vector> Vectors)> cases, int wa, int paw, int lanes)
    {
        var sb = new StringBuilder();
        sb.Append("`timescale 1ns/1ps\n`default_nettype none\nmodule tb_rc;\n    reg clk = 1'b0;\n    always #5 clk = ~clk;\n    reg rst = 1'b1;\n");
        foreach (var (shift, vectors) in cases)
        {
            (int pre, int sh) = Split(shift);
            string u = $"u{shift}";
            string everyLane = "{" + lanes.ToString(CultureInfo.InvariantCulture) + "{a}}";   // the word on every lane's read port
            sb.Append(CultureInfo.InvariantCulture, $$"""
                    wire {{u}}_v;  wire [{{wa - 1}}:0] {{u}}_d;
                    el_core #(.PRE_A({{pre}}), .SH_A({{sh}})) {{u}} (.i_clk(clk), .i_rst(rst), .o_dw_valid({{u}}_v), .o_dw_data({{u}}_d));
                    integer {{u}}_n;  reg [{{wa - 1}}:0] {{u}}_got;
                    // one vector into S2c for one clock, then every write that comes out within 9 clocks (S3, S4, S5, the write pad, o_dw)
                    task {{u}}_vec(input integer i, input [{{paw - 1}}:0] p, input [31:0] r, input [{{wa - 1}}:0] a);
                        begin
                            force {{u}}.u_mac.s2c_p = p;  force {{u}}.u_mac.rnd_next = r;  force {{u}}.u_mac.dict_flat = {{everyLane}};
                            force {{u}}.u_mac.s2c_v = 1'b1;
                            @(posedge clk); #1 force {{u}}.u_mac.s2c_v = 1'b0;
                            {{u}}_n = 0;
                            repeat (9) begin @(posedge clk); #1 if ({{u}}_v) begin {{u}}_n = {{u}}_n + 1; {{u}}_got = {{u}}_d; end end
                            if ({{u}}_n == 0) $display("V {{shift}} %0d none", i); else $display("V {{shift}} %0d %0d %0d", i, {{u}}_n, $signed({{u}}_got));
                        end
                    endtask
                    initial begin
                        force {{u}}.u_mac.s2c_v = 1'b0;  force {{u}}.u_mac.s2c_nz = 1'b1;  force {{u}}.u_mac.s2c_l = 0;
                        @(negedge rst); repeat (4) @(posedge clk); #1;

                """);
            for (int i = 0; i < vectors.Count; i++)
                sb.Append(CultureInfo.InvariantCulture, $"            {u}_vec({i}, {paw}'h{Hex(vectors[i].P, paw)}, 32'h{Hex(vectors[i].R, 32)}, {wa}'h{Hex(vectors[i].A, wa)});\n");
            sb.Append(CultureInfo.InvariantCulture, $"            $display(\"DONE {shift}\");\n        end\n");
        }
        sb.Append("    initial begin\n        repeat (4) @(posedge clk);\n        #1 rst = 1'b0;\n    end\n");
        int longest = cases.Max(c => c.Vectors.Count);
        sb.Append(CultureInfo.InvariantCulture, $"    initial begin\n        repeat ({12 * longest + 100}) @(posedge clk);\n        $finish;\n    end\nendmodule\n");
        return sb.ToString();
    }

    [Fact]
    public void The_dictionary_update_with_its_carry_in_two_halves_equals_the_CSharp_rule_in_the_pass_through_case()
    {
        HdlTestConfigs.RequireTools("iverilog", "vvp");
        // the 1-lane bars learning chip (tau_a 2000: shift 34, PRE_A 3, SH_A 31)
        HdlProject project = HdlTestConfigs.FromConfig(LearningTests.BarsConfig(lanes: 1), 22);
        DatapathModel dp = project.Datapath;
        Assert.Contains(dp.Learning!.Parameters.DictionaryShift, TotalShifts);
        int wa = dp.Format.DictionaryBits, paw = dp.Accw + 16;
        var rng = new Random(11);
        var cases = TotalShifts.Select(s => (Shift: s, Vectors: Vectors(s, wa, paw, rng))).ToList();
        string dir = Path.Combine(Path.GetTempPath(), "el-rounding-carry-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            HdlGenerator.WriteFiles(new HdlGenerator().Render(dp), dir);
            File.WriteAllText(Path.Combine(dir, "tb_rc.v"), Testbench(cases, wa, paw, dp.Lanes));
            ToolResult c = ToolRunner.Run("iverilog", new[] { "-g2012", "-s", "tb_rc", "-o", "rc.vvp", "tb_rc.v" }.Concat(HdlGenerator.CoreRtl), dir);
            Assert.True(c.Ok, c.Tail());
            ToolResult r = ToolRunner.Run("vvp", ["-n", "rc.vvp"], dir);
            Assert.True(r.Ok, r.Tail());
            var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("V ", StringComparison.Ordinal))
                .Select(l => l.Split(' ')).ToDictionary(f => (int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture)), f => f[3..]);
            int compared = 0;
            var wrong = new List<string>();
            foreach (var (shift, vectors) in cases)
            {
                Assert.Contains($"DONE {shift}", r.Stdout, StringComparison.Ordinal);
                int passThrough = vectors.Count(v => v.PassThrough);
                // the directed vectors reach the case, with and without a write, at every split shift
                if (Split(shift).Sh >= 2)
                {
                    Assert.True(passThrough >= 30, $"shift {shift}: only {passThrough} pass-through vectors");
                    Assert.Contains(vectors, v => v.PassThrough && Expected(v, shift, wa) is null);
                }
                for (int i = 0; i < vectors.Count; i++)
                {
                    Vector v = vectors[i];
                    short? want = Expected(v, shift, wa);
                    string[] g = got[(shift, i)];
                    string gotText = g[0] == "none" ? "no write" : $"{g[0]} write(s), A = {g[1]}";
                    string wantText = want is short w ? $"1 write(s), A = {w}" : "no write";
                    if (gotText != wantText)
                        wrong.Add(FormattableString.Invariant(
                            $"shift {shift} (PRE_A {Split(shift).Pre}, SH_A {Split(shift).Sh}), vector {i}{(v.PassThrough ? " (pass-through)" : "")}: p = 0x{Hex(v.P, paw)}, R = 0x{v.R:x8}, A = {v.A}: C# {wantText}, el_mac {gotText}"));
                    compared++;
                }
            }
            Assert.True(wrong.Count == 0, FormattableString.Invariant($"{wrong.Count} of {compared} vectors differ ({wrong.Count(w => w.Contains("pass-through", StringComparison.Ordinal))} pass-through), the first:\n") + string.Join("\n", wrong.Take(5)));
            output.WriteLine(FormattableString.Invariant($"{compared} vectors over {cases.Count} shifts, {cases.Sum(c => c.Vectors.Count(v => v.PassThrough))} of them pass-through"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
