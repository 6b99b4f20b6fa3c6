using EdgeLangevin.Core;

namespace EdgeLangevin.Core.Tests;

public class SolverTests
{
    internal static (StepParameters p, short[] a, int[] x) RandomProblem(Random rng, FixedFormat f, int d, int k, FixedVariant variant, int order, double aScale = 0.4, double xScale = 1.5)
    {
        var a = new short[d * k];
        long aMax = FixedFormat.MaxOf(f.DictionaryBits);
        for (int i = 0; i < a.Length; i++)
            a[i] = (short)Math.Clamp((long)Math.Round((rng.NextDouble() * 2 - 1) * aScale * Math.ScaleB(1.0, f.DictionaryFracBits)), -aMax - 1, aMax);
        var x = new int[d];
        long sMax = FixedFormat.MaxOf(f.StateBits);
        for (int i = 0; i < d; i++)
            x[i] = (int)Math.Clamp((long)Math.Round((rng.NextDouble() * 2 - 1) * xScale * Math.ScaleB(1.0, f.StateFracBits)), -sMax - 1, sMax);
        double scaleS = Math.ScaleB(1.0, f.StateFracBits), scaleC = Math.ScaleB(1.0, f.CoefficientFracBits);
        long cMax = FixedFormat.MaxOf(f.CoefficientBits);
        int Coef(double v) => (int)Math.Min(cMax, Math.Max(1, Math.Round(v * scaleC)));
        var p = new StepParameters(f, variant, order,
            u0: (int)Math.Min(sMax, Math.Round(0.3 * scaleS)),
            leak: (int)Math.Min(sMax, Math.Max(1, Math.Round(0.05 * scaleS))),
            gain: Coef(0.2), noiseScale: Coef(0.3), half: order == 2 ? Coef(0.05) : 0, friction: order == 2 ? Coef(0.1) : 0);
        return (p, a, x);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Formats() => new()
    {
        // WA FA WS FS WM FM WC FC  variant(0 signed, 1 nonneg)  order
        { 16, 13, 32, 16, 16, 11, 16, 14, 0, 1 },
        { 16, 13, 32, 16, 16, 11, 16, 14, 1, 1 },
        { 16, 13, 32, 16, 16, 11, 16, 14, 0, 2 },
        { 16, 13, 32, 16, 16, 11, 16, 14, 1, 2 },
        { 8, 6, 16, 8, 8, 4, 8, 6, 0, 1 },       // narrow: saturates often
        { 8, 6, 16, 8, 8, 4, 8, 6, 1, 2 },
        { 12, 10, 24, 12, 12, 8, 12, 10, 1, 1 },
        { 16, 15, 20, 12, 10, 6, 16, 12, 0, 2 },
        { 4, 2, 8, 4, 4, 2, 4, 3, 0, 1 },         // very narrow
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void EveryStateWordMatchesTheNaiveGoldModelBitForBit(int wa, int fa, int ws, int fs, int wm, int fm, int wc, int fc, int variant, int order)
    {
        var f = new FixedFormat(wa, fa, ws, fs, wm, fm, wc, fc);
        var rng = new Random(wa * 1000 + ws * 10 + variant + order * 7);
        // D and K chosen as odd/tail lengths so any blocking would show (CMSIS habit: 7, 16, 23).
        foreach ((int d, int k) in new[] { (7, 5), (16, 23), (23, 16) })
        {
            var (p, a, x) = RandomProblem(rng, f, d, k, (FixedVariant)variant, order, xScale: ws <= 16 ? 6 : 1.5);
            const int seed = 12345;
            var solver = new LangevinSolver(p, a, d, k, chains: 2, seed: seed);
            solver.SetData(0, x, 0);
            solver.SetData(1, x, 0);
            var gold = new NaiveGoldModel(f, p, a, d, k, x, unchecked((uint)GaussianNoise.SeedFor(seed, 1)));
            for (int step = 0; step < 300; step++)
            {
                solver.Step();
                gold.Step();
                for (int i = 0; i < k; i++)
                {
                    Assert.Equal(gold.U[i], solver.Workspace.U[k + i]);
                    if (order == 2) Assert.Equal(gold.M[i], solver.Workspace.M[k + i]);
                    Assert.Equal(gold.Code(i), solver.CodeQ(1, i));
                }
            }
            // Two chains, same data: the clip count is the gold model's for one chain times two at most;
            // at least it is nonzero exactly when the gold model clipped.
            Assert.Equal(gold.Saturations > 0, solver.Workspace.SaturationTotal > 0);
        }
    }

    [Fact]
    public void TheNarrowFormatsOfTheBitExactTestReallySaturate()
    {
        // Guards the test above: without clipping it would not exercise saturation.
        var f = new FixedFormat(4, 2, 8, 4, 4, 2, 4, 3);
        var (p, a, x) = RandomProblem(new Random(3), f, 7, 5, FixedVariant.Signed, 1, xScale: 6);
        var solver = new LangevinSolver(p, a, 7, 5, 1, 1);
        solver.SetData(0, x, 0);
        for (int i = 0; i < 100; i++) solver.Step();
        Assert.True(solver.Workspace.SaturationTotal > 0);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    public void TheDenseStepGivesTheSameBitsAsTheEventDrivenOne(int variant, int order)
    {
        var f = FixedFormat.Default;
        var (p, a, x) = RandomProblem(new Random(5), f, 16, 32, (FixedVariant)variant, order);
        var ev = new LangevinSolver(p, a, 16, 32, 3, 9);
        var dense = new LangevinSolver(p, a, 16, 32, 3, 9) { EventDriven = false };
        for (int b = 0; b < 3; b++) { ev.SetData(b, x, 0); dense.SetData(b, x, 0); }
        for (int i = 0; i < 200; i++)
        {
            ev.Step();
            dense.Step();
            Assert.Equal(ev.Workspace.U, dense.Workspace.U);
            Assert.Equal(ev.Workspace.M, dense.Workspace.M);
        }
        Assert.True(dense.Workspace.ActiveCount[0] == 32);
        Assert.True(ev.Workspace.ActiveCount[0] < 32);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AStepAllocatesNothing(int order)
    {
        var (p, a, x) = RandomProblem(new Random(1), FixedFormat.Default, 64, 128, FixedVariant.NonNegative, order);
        var solver = new LangevinSolver(p, a, 64, 128, 4, 1);
        for (int b = 0; b < 4; b++) solver.SetData(b, x, 0);
        solver.Step(); // first call JIT-compiles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++) solver.Step();
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    [Fact]
    public void AtZeroTemperatureOneUnitDescendsToTheMapPoint()
    {
        // K = 1, a = 1, x = 1.2, sigma = 0.5, lambda = 1: on the active branch
        // dE/du = -(x - s)/sigma^2 + lambda = 0 at s = x - lambda sigma^2 = 0.95, u = s + u0.
        var f = FixedFormat.Default;
        int u0 = (int)Math.Round(0.5 * 65536);
        var p = new StepParameters(f, FixedVariant.Signed, 1, u0, leak: 3277, gain: 3277, noiseScale: 0, half: 0, friction: 0);
        var solver = new LangevinSolver(p, [8192], 1, 1, 1, 1);
        solver.SetData(0, [(int)Math.Round(1.2 * 65536)], 0);
        solver.Workspace.U[0] = 65536; // start active
        for (int i = 0; i < 2000; i++) solver.Step();
        double s = solver.CodeQ(0, 0) / 65536.0;
        // The fixed point: drive equals leak up to rounding of the narrowed residual (Q4.11 LSB 1/2048
        // times gain/sigma-scaled slope 4) -> a few 1e-3.
        Assert.InRange(s, 0.95 - 0.005, 0.95 + 0.005);
    }

    [Fact]
    public void StateSaturatesAndIsCountedAtTheUSite()
    {
        var f = new FixedFormat(16, 13, 16, 8, 16, 8, 16, 14);
        // A huge constant push: gain large, x at the top of the state range.
        var p = new StepParameters(f, FixedVariant.Signed, 1, u0: 0, leak: 1, gain: 16000, noiseScale: 0, half: 0, friction: 0);
        var solver = new LangevinSolver(p, [8191], 1, 1, 1, 1);
        solver.SetData(0, [32767], 0);
        solver.Workspace.U[0] = 1;
        for (int i = 0; i < 200; i++) solver.Step();
        Assert.True(solver.Workspace.Saturations[SolverWorkspace.SiteU] > 0);
        Assert.Equal(32767, solver.Workspace.U[0]);
    }

    [Fact]
    public void ADictionaryEntryWiderThanItsFormatIsRejected()
    {
        var f = new FixedFormat(8, 6, 32, 16, 16, 11, 16, 14);
        var p = new StepParameters(f, FixedVariant.Signed, 1, 0, 1, 1, 0, 0, 0);
        var e = Assert.Throws<ArgumentException>(() => new LangevinSolver(p, [200], 1, 1, 1, 1));
        Assert.Contains("(d = 0, k = 0)", e.Message);
    }
}

public class ExternalNoiseTests
{
    private sealed class Recorded(int[] words) : INoiseWordSource
    {
        private int _i;
        public int Calls => _i;
        public int NextEta() => words[_i++ % words.Length];
    }

    [Fact]
    public void AnExternalSourceFedTheGeneratorsOwnWordsGivesTheSameBits()
    {
        // Replaying chain 0's own noise words through the hook must reproduce the built-in
        // run exactly: the hook is consumed once per unit per step, in the same order.
        var (p, a, x) = SolverTests.RandomProblem(new Random(8), FixedFormat.Default, 16, 12, FixedVariant.NonNegative, 2);
        const int steps = 100;
        var gen = new GaussianNoise(1, 21);
        var words = new int[steps * 12];
        for (int i = 0; i < words.Length; i++) words[i] = gen.Next(0);
        var builtIn = new LangevinSolver(p, a, 16, 12, 1, 21);
        var hooked = new LangevinSolver(p, a, 16, 12, 1, 999);
        var source = new Recorded(words);
        hooked.ExternalNoise = source;
        builtIn.SetData(0, x, 0);
        hooked.SetData(0, x, 0);
        for (int t = 0; t < steps; t++) { builtIn.Step(); hooked.Step(); }
        Assert.Equal(builtIn.Workspace.U, hooked.Workspace.U);
        Assert.Equal(builtIn.Workspace.M, hooked.Workspace.M);
        Assert.Equal(words.Length, source.Calls);
        Assert.Equal(GaussianNoise.SeedFor(999, 0), hooked.Noise.StateOf(0)); // its own generator untouched
    }
}
