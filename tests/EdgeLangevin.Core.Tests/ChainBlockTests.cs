using EdgeLangevin.Core;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The AVX-512 kernel's chain-blocked step (VectorStepKernel.StepFirstOrderGroup: the dense chains of a
/// noise group stepped four at a time, each dictionary load shared) must leave the scalar kernel's
/// integers and clip counts. The density rule is set per test (BlockDensity: 0 blocks every chain of a
/// group), so that blocked, one-chain and mixed groups all run; each test guards that the path it is
/// about really ran (the kernel's BlockedSteps and FusedSteps counters).
/// </summary>
public class ChainBlockTests
{
    private static bool Avx512 => VectorStepKernel.Avx512Supported;

    // [0] the scalar kernel, [1] the AVX-512 kernel with the given density rule.
    private static LangevinSolver[] ScalarAndBlocked(StepParameters p, short[] a, int d, int k, int chains, double density, int[][] data)
    {
        var solvers = new LangevinSolver[2];
        for (int i = 0; i < 2; i++)
        {
            solvers[i] = new LangevinSolver(p, a, d, k, chains, 77);
            if (i == 1) solvers[i].Kernel = new VectorStepKernel(k, d, VectorIsa.Avx512) { BlockDensity = density, BlockMinWords = 0 };
            for (int b = 0; b < chains; b++) solvers[i].SetData(b, data[b], 0);
        }
        return solvers;
    }

    // u, s_m, r, r_m, g_m, the active lists and the clip counts of two solvers equal (StepKernelTests uses it too).
    internal static void AssertSameState(LangevinSolver expected, LangevinSolver actual)
    {
        SolverWorkspace e = expected.Workspace, w = actual.Workspace;
        Assert.Equal(e.U, w.U);
        Assert.Equal(e.Sm, w.Sm);
        Assert.Equal(e.R, w.R);
        Assert.Equal(e.Rm, w.Rm);
        Assert.Equal(e.Gm, w.Gm);
        Assert.Equal(e.ActiveCount, w.ActiveCount);
        for (int b = 0; b < expected.Chains; b++)
            for (int j = 0; j < e.ActiveCount[b]; j++) Assert.Equal(e.Active[b * expected.K + j], w.Active[b * expected.K + j]);
        Assert.Equal(e.Saturations, w.Saturations);
    }

    private static VectorStepKernel KernelOf(LangevinSolver s) => (VectorStepKernel)s.Kernel;

    [Theory]
    // variant (0 signed, 1 non-negative), K, D, pi, density rule
    [InlineData(1, 128, 64, 1.0, 0.0)] // the benchmark's dense case, every chain blocked
    [InlineData(0, 128, 64, 1.0, 0.0)]
    [InlineData(1, 80, 96, 0.5, 0.5)] // K not a multiple of 32, D of 64 (a last pass of 32 dimensions); dense and sparse chains in one group
    [InlineData(0, 48, 160, 0.3, 0.25)]
    [InlineData(1, 512, 256, 1.0, 0.5)] // the large case: A^T r in several int32 chunks
    [InlineData(1, 48, 40, 1.0, 0.0)] // D not a multiple of 32: no fused step, the stages (same bits)
    public void ChainBlocksStepLikeTheScalarKernelAtAModelsOwnScale(int variant, int k, int d, double pi, double density)
    {
        if (!Avx512) return; // the chain-blocked step is AVX-512 only (elsewhere the solver never calls it)
        var model = new EdgeLangevin.Reference.Model.SparseCodingModel
        {
            Variant = variant == 0 ? EdgeLangevin.Reference.Model.Variant.Signed : EdgeLangevin.Reference.Model.Variant.NonNegative,
            Lambda = 1, Pi = pi, Sigma = 0.5, Dictionary = EdgeLangevin.Reference.Learning.Learner.RandomDictionary(d, k, 1),
        };
        var settings = new EdgeLangevin.Reference.Settings.InferenceSettings { Dt = 1, Samples = 1, BurnIn = 0 };
        var p = FixedParameters.Create(model, FixedFormat.Default, settings.Eps, settings.Temperature, 1, 0);
        var source = new ModelDataSource(model);
        var rng = new EdgeLangevin.Reference.Random.Rng(5);
        const int chains = 70; // two noise groups of 32 and six more (a group of 4 and two single chains)
        var data = new int[chains][];
        var x = new double[d];
        for (int b = 0; b < chains; b++)
        {
            source.Draw(rng, x, 0);
            data[b] = new int[d];
            FixedParameters.QuantizeData(x, FixedFormat.Default, data[b], 0);
        }
        var solvers = ScalarAndBlocked(p.Step, p.DictionaryRowMajor, d, k, chains, density, data);
        int partialBlocks = 0;
        long minActive = (long)Math.Ceiling(density * k);
        for (int step = 0; step < 60; step++)
        {
            // The blocks of this step: the chains of each group at or above the rule, by the active counts of the step before.
            for (int g = 0; g + 32 <= chains; g += 32)
                if (Enumerable.Range(g, 32).Count(b => solvers[1].Workspace.ActiveCount[b] >= minActive) % VectorStepKernel.ChainBlock != 0) partialBlocks++;
            foreach (var s in solvers) s.Step();
            AssertSameState(solvers[0], solvers[1]);
        }
        VectorStepKernel kernel = KernelOf(solvers[1]);
        if (d % 32 != 0)
        {
            Assert.Equal(0, kernel.BlockedSteps); // guards the case: the stages ran
            return;
        }
        // Guards the case: chains ran blocked; with a density rule above 0, one-chain fused steps in the
        // same groups too and blocks short of four chains.
        Assert.True(kernel.BlockedSteps > 0, "no chain-step ran in a chain block");
        if (density > 0)
        {
            Assert.True(kernel.FusedSteps - kernel.BlockedSteps > 6 * 60, "no chain of a group took the one-chain step");
            if (pi < 1) Assert.True(partialBlocks > 0, "no group had a short chain block");
        }
        else Assert.Equal(64L * 60, kernel.BlockedSteps); // every chain of both groups, every step
    }

    [Theory]
    // u of every unit (s_m = u >> 5: u0 = 0, FS - FM = 5), x of every dimension, the variant
    [InlineData(16383 << 5, 0, 1)] // A s: unit pairs of |s_m| sum 32766, two per int32 chunk of 65535 (max|A| = 2^15)
    [InlineData(32767 << 5, 0, 1)] // one pair per chunk
    [InlineData(-(32768 << 5), 0, 0)] // s_m = -32768: a pair alone exceeds the bound, the stage sums (vpmaddwd's corner)
    // s_m = 1 and r_m = 1024 (r = x - rshr(-32768 x 48, 8) = 32768): A^T r = -32768 x 1024 x 128 = -2^32, which an
    // uncut int32 sum wraps to 0 (g_m 0, not -32768); sum |r_m| 2^17, so four chunks of one 32-dimension block
    [InlineData(1 << 5, 26624, 1)]
    public void ChainBlocksSumExactlyAtTheChunkBoundsOfTheLargestEntry(int u, int x, int variant)
    {
        if (!Avx512) return; // the chain-blocked step is AVX-512 only (elsewhere the solver never calls it)
        // Every dictionary entry -32768, so L1Bound is 2^16 - 1 and every chunk cut too long wraps its
        // int32 lanes. 38 chains: a noise group of 32 (30 of them dense by the rule: seven blocks of four and
        // one of two, the other two stepped alone), then six more outside any group.
        var f = FixedFormat.Default;
        const int d = 128, k = 48, chains = 38;
        var a = Enumerable.Repeat(short.MinValue, d * k).ToArray();
        var p = new StepParameters(f, (FixedVariant)variant, 1, 0, leak: 1, gain: 1, noiseScale: 1, half: 0, friction: 0);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++) data[b] = Enumerable.Repeat(x, d).ToArray();
        var solvers = ScalarAndBlocked(p, a, d, k, chains, 0.5, data);
        foreach (var s in solvers)
            for (int b = 0; b < chains; b++)
            {
                for (int j = 0; j < k; j++) s.Workspace.U[b * k + j] = u;
                s.Workspace.ActiveCount[b] = b == 3 || b == 17 ? 0 : k; // the density rule reads the step before's counts
            }
        foreach (var s in solvers) s.Step();
        AssertSameState(solvers[0], solvers[1]);
        SolverWorkspace ws = solvers[0].Workspace;
        // Guards the case: sum |s_m| or sum |r_m| of a chain passes the int32 chunk bound (so one chunk
        // would wrap), and 30 chains ran blocked.
        long sL1 = 0, rL1 = 0;
        for (int j = 0; j < k; j++) sL1 += Math.Abs((long)ws.Sm[j]);
        for (int j = 0; j < d; j++) rL1 += Math.Abs((long)ws.Rm[j]);
        Assert.True(Math.Max(sL1, rL1) > ushort.MaxValue, $"sum |s_m| {sL1}, sum |r_m| {rL1}");
        if (x != 0) Assert.Equal(1024, ws.Rm[0]);
        Assert.Equal(30, KernelOf(solvers[1]).BlockedSteps);
        Assert.Equal(chains, KernelOf(solvers[1]).FusedSteps); // the other eight chains one at a time, fused
    }

    [Fact]
    public void AChainBlockedStepAllocatesNothing()
    {
        if (!Avx512) return; // the chain-blocked step is AVX-512 only (elsewhere the solver never calls it)
        var (p, a, x) = SolverTests.RandomProblem(new Random(1), FixedFormat.Default, 64, 128, FixedVariant.NonNegative, 1);
        var solver = new LangevinSolver(p, a, 64, 128, 37, 1);
        var kernel = new VectorStepKernel(128, 64, VectorIsa.Avx512) { BlockDensity = 0, BlockMinWords = 0 };
        solver.Kernel = kernel;
        for (int b = 0; b < 37; b++) solver.SetData(b, x, 0);
        solver.Step(); // first call JIT-compiles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++) solver.Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(301L * 32, kernel.BlockedSteps); // guards the case: the blocked path ran
    }
}
