using EdgeLangevin.Core;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The desktop VectorStepKernel must return the scalar kernel's integers exactly, and the
/// interleaved noise of the step must be the words the generator would have drawn one by one.
/// (On a machine without AVX2 the vector kernel runs the scalar loops and these tests compare
/// the scalar kernel with itself; the development and CI machine has AVX2, asserted below.)
/// </summary>
public class StepKernelTests
{
    [Fact]
    public void TheMachineThatRunsTheseTestsHasTheVectorKernel()
    {
        // Guards every comparison below: without AVX2 they would compare the scalar loops with themselves.
        Assert.True(VectorStepKernel.IsSupported, "AVX2 is not available: the vector kernel tests compare the scalar kernel with itself");
    }

    /// <summary>The vector instruction sets this machine runs (AVX2 always here; AVX-512 where present), each compared with the scalar kernel.</summary>
    internal static VectorIsa[] Isas => VectorStepKernel.Avx512Supported ? [VectorIsa.Avx2, VectorIsa.Avx512] : [VectorIsa.Avx2];

    // Column entries and operands: mostly random 16-bit words, with a share of the extreme
    // words -32768 and 32767 (the vpmaddwd corner is -32768 x -32768 twice in one lane).
    private static short Word(Random rng, double extremeShare) =>
        rng.NextDouble() < extremeShare ? (rng.Next(3) == 0 ? short.MaxValue : short.MinValue) : (short)rng.Next(short.MinValue, short.MaxValue + 1);

    public static TheoryData<int, int, double> Shapes() => new()
    {
        // D, K, share of extreme words
        { 1, 1, 0.5 }, { 7, 5, 0.5 }, { 15, 3, 0.5 }, { 16, 1, 0.5 }, { 16, 2, 1.0 }, { 17, 9, 0.3 },
        { 31, 33, 0.3 }, { 64, 128, 0.1 }, { 64, 128, 1.0 }, { 100, 37, 0.2 }, { 256, 16, 0.0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheVectorKernelGivesTheScalarSumsForEveryListLength(int d, int k, double extremes)
    {
        var rng = new Random(d * 1000 + k);
        var columns = new short[d * k];
        for (int i = 0; i < columns.Length; i++) columns[i] = Word(rng, extremes);
        var codes = new int[3 + k]; // offset 3: codes of unit k at 3 + k
        for (int i = 0; i < codes.Length; i++) codes[i] = Word(rng, extremes);
        var residual = new int[5 + d];
        for (int i = 0; i < residual.Length; i++) residual[i] = Word(rng, extremes);
        var scalar = new ScalarStepKernel();
        foreach (VectorIsa isa in Isas)
        foreach (int listed in new[] { 0, 1, 2, 3, 4, 5, k / 2, k - 1, k }.Where(n => n >= 0 && n <= k).Distinct())
        {
            // A list in increasing unit order, as the solver builds it, at offset 2.
            var active = new int[2 + k];
            var units = Enumerable.Range(0, k).OrderBy(_ => rng.Next()).Take(listed).Order().ToArray();
            units.CopyTo(active, 2);
            var vector = new VectorStepKernel(k, d, isa);
            var expectedR = new long[d];
            var actualR = Enumerable.Repeat(long.MinValue, d).ToArray(); // stale values must be overwritten
            scalar.Reconstruct(columns, d, active, 2, listed, codes, 3, expectedR);
            vector.Reconstruct(columns, d, active, 2, listed, codes, 3, actualR);
            Assert.Equal(expectedR, actualR);
            var expectedC = new long[k];
            var actualC = new long[k];
            scalar.Correlate(columns, d, active, 2, listed, residual, 5, expectedC);
            vector.Correlate(columns, d, active, 2, listed, residual, 5, actualC);
            Assert.Equal(expectedC, actualC);
            // The learner's outer product, added onto a nonzero start (it accumulates over chains).
            var expectedO = Enumerable.Range(0, d * k).Select(i => (long)i * 1_000_003 - 5_000_000).ToArray();
            var actualO = (long[])expectedO.Clone();
            if (listed > 0) codes[3 + units[0]] = 0; // a listed unit with s_m = 0 (the dense step) adds nothing
            scalar.AccumulateOuter(expectedO, d, active, 2, listed, codes, 3, residual, 5);
            vector.AccumulateOuter(actualO, d, active, 2, listed, codes, 3, residual, 5);
            Assert.Equal(expectedO, actualO);
        }
    }

    [Theory]
    [InlineData(256, 64, 4000, 20000)]
    [InlineData(96, 45, 2500, 30000)]
    [InlineData(70, 17, 6000, 32767)]
    public void SumsCutIntoManyInt32ChunksEqualTheScalarSums(int d, int k, int residualMax, int codeMax)
    {
        // Operands of a few thousand LSB: 32-dimension blocks of r_m sum to about 16 residualMax in
        // |r| and unit pairs to about codeMax in |s|, so the AVX-512 sums are cut into many chunks of
        // at most 2^16 - 1 (a block or pair per chunk down to a few), with extreme dictionary words.
        var rng = new Random(d + k);
        var columns = new short[d * k];
        for (int i = 0; i < columns.Length; i++) columns[i] = Word(rng, 0.3);
        var codes = Enumerable.Range(0, k).Select(_ => rng.Next(-codeMax, codeMax + 1)).ToArray();
        var residual = Enumerable.Range(0, d).Select(_ => rng.Next(-residualMax, residualMax + 1)).ToArray();
        var active = Enumerable.Range(0, k).ToArray();
        var scalar = new ScalarStepKernel();
        var expectedR = new long[d];
        var expectedC = new long[k];
        scalar.Reconstruct(columns, d, active, 0, k, codes, 0, expectedR);
        scalar.Correlate(columns, d, active, 0, k, residual, 0, expectedC);
        foreach (VectorIsa isa in Isas)
        {
            var vector = new VectorStepKernel(k, d, isa);
            var actualR = new long[d];
            var actualC = new long[k];
            vector.Reconstruct(columns, d, active, 0, k, codes, 0, actualR);
            vector.Correlate(columns, d, active, 0, k, residual, 0, actualC);
            Assert.Equal(expectedR, actualR);
            Assert.Equal(expectedC, actualC);
        }
        // Guards the case: the sums really exceed the int range, so a single int32 chunk would have wrapped.
        Assert.Contains(expectedR, v => Math.Abs(v) > int.MaxValue);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(70)]
    public void TheAllMinusOneCornerSumsToExactlyDTimesTwoToThe30(int d)
    {
        // Every word -32768: each product is +2^30 and each vpmaddwd lane pair +2^31, the one
        // value that wraps in an int lane. Independent expectation: the count of products times 2^30.
        const int k = 6;
        var columns = Enumerable.Repeat(short.MinValue, d * k).ToArray();
        var codes = Enumerable.Repeat((int)short.MinValue, k).ToArray();
        var residual = Enumerable.Repeat((int)short.MinValue, d).ToArray();
        var active = Enumerable.Range(0, k).ToArray();
        foreach (VectorIsa isa in Isas)
        {
        var vector = new VectorStepKernel(k, d, isa);
        var recon = new long[d];
        vector.Reconstruct(columns, d, active, 0, k, codes, 0, recon);
        Assert.All(recon, v => Assert.Equal(k * (1L << 30), v));
        var corr = new long[k];
        vector.Correlate(columns, d, active, 0, k, residual, 0, corr);
        Assert.All(corr, v => Assert.Equal(d * (1L << 30), v));
        }
    }

    public static TheoryData<int[], int, int, bool> SolverCases() => new()
    {
        // {WA FA WS FS WM FM WC FC}, variant (0 signed, 1 nonneg), order, event-driven
        { [16, 13, 32, 16, 16, 11, 16, 14], 0, 1, true },
        { [16, 13, 32, 16, 16, 11, 16, 14], 1, 1, false },
        { [16, 13, 32, 16, 16, 11, 16, 14], 1, 1, true },
        { [16, 13, 32, 16, 16, 11, 16, 14], 0, 2, false },
        { [16, 13, 32, 16, 16, 11, 16, 14], 1, 2, true },
        // MAC operands in Q0.15: every |r|, |s| >= 1 saturates to -32768 or 32767, with a dictionary
        // of mostly extreme words, so the vpmaddwd corner occurs all the time.
        { [16, 13, 32, 16, 16, 15, 16, 14], 0, 1, true },
        { [16, 13, 32, 16, 16, 15, 16, 14], 1, 2, false },
        { [8, 6, 16, 8, 8, 4, 8, 6], 0, 2, true },
        // A 16-bit state in the first-order event-driven step: the AVX-512 fused update and residual
        // clamp to [MinS, MaxS] (the 32-bit state's variants, which only detect the wrap, do not apply).
        { [8, 6, 16, 8, 8, 4, 8, 6], 0, 1, true },
        { [8, 6, 16, 8, 8, 4, 8, 6], 1, 1, true },
    };

    private static LangevinSolver[] ScalarAndVector(StepParameters p, short[] a, int d, int k, int chains, bool eventDriven, int[][] data)
    {
        // [0] the scalar kernel, then one solver per vector instruction set (Isas).
        var solvers = new LangevinSolver[1 + Isas.Length];
        for (int i = 0; i < solvers.Length; i++)
        {
            solvers[i] = new LangevinSolver(p, a, d, k, chains, 77) { EventDriven = eventDriven };
            if (i > 0) Assert.True(VectorStepKernel.Install(solvers[i], Isas[i - 1]));
            for (int b = 0; b < chains; b++) solvers[i].SetData(b, data[b], 0);
        }
        Assert.IsType<ScalarStepKernel>(solvers[0].Kernel);
        return solvers;
    }

    // Steps every solver `steps` times; after each step every vector solver's state, active lists and clip
    // counts (ChainBlockTests.AssertSameState) and m equal the scalar solver's ([0]).
    private static void StepAlike(LangevinSolver[] solvers, int steps)
    {
        for (int step = 0; step < steps; step++)
        {
            foreach (var s in solvers) s.Step();
            for (int i = 1; i < solvers.Length; i++)
            {
                ChainBlockTests.AssertSameState(solvers[0], solvers[i]);
                Assert.Equal(solvers[0].Workspace.M, solvers[i].Workspace.M);
            }
        }
    }

    private static short[] ExtremeDictionary(Random rng, FixedFormat f, int d, int k, short[] a)
    {
        // Half the entries at the format's extremes (-2^(WA-1) or 2^(WA-1) - 1).
        long max = FixedFormat.MaxOf(f.DictionaryBits), min = FixedFormat.MinOf(f.DictionaryBits);
        var result = (short[])a.Clone();
        for (int i = 0; i < result.Length; i++)
            if (rng.Next(2) == 0) result[i] = (short)(rng.Next(4) == 0 ? max : min);
        return result;
    }

    [Theory]
    [MemberData(nameof(SolverCases))]
    public void ASolverWithTheVectorKernelStepsBitForBitLikeTheScalarOne(int[] w, int variant, int order, bool eventDriven)
    {
        var f = new FixedFormat(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
        int fm = w[5];
        var rng = new Random(w[0] + 100 * fm + 10 * variant + order);
        // Chain counts: whole noise groups of 16, a leftover group of 4, single leftovers.
        // K a multiple of 16 and D of 32 (64 x 128, 96 x 64, 32 x 16): the AVX-512 kernel's fused step.
        foreach ((int d, int k, int chains) in new[] { (64, 128, 21), (23, 1, 5), (17, 9, 3), (40, 33, 32), (96, 47, 37), (96, 64, 19), (32, 16, 33) })
        {
            var (p, a, _) = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, order, xScale: 4);
            a = ExtremeDictionary(rng, f, d, k, a);
            var data = new int[chains][];
            for (int b = 0; b < chains; b++) data[b] = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, order, xScale: 4).x;
            var pair = ScalarAndVector(p, a, d, k, chains, eventDriven, data);
            StepAlike(pair, 150);
            if (order == 1 && eventDriven && k % 16 == 0 && d % 32 == 0 && VectorStepKernel.Avx512Supported)
            {
                // Guards the case: the AVX-512 solver really ran its fused step.
                Assert.True(((VectorStepKernel)pair[^1].Kernel).FusedSteps > 0);
            }
            if (fm == 15)
            {
                // Guards the case: the MAC operands really saturated, so -32768 operands met -32768 entries.
                Assert.True(pair[1].Workspace.Saturations[SolverWorkspace.SiteRm] > 0);
            }
        }
    }

    [Theory]
    [InlineData(0, 128, 64, 0.1)]
    [InlineData(1, 128, 64, 0.1)]
    [InlineData(1, 512, 256, 0.1)]
    [InlineData(0, 128, 64, 1.0)]
    [InlineData(1, 128, 64, 1.0)]
    [InlineData(1, 512, 256, 1.0)]
    public void AtAModelsOwnScaleTheVectorKernelStepsLikeTheScalarOne(int variant, int k, int d, double pi)
    {
        // The benchmark's problem (pi = 0.1 or 1, sigma = 0.5, a random unit-norm dictionary, data drawn
        // from the model, the parameters converted from it): codes and residuals of realistic size, so the
        // fused AVX-512 step's one-chunk int32 paths run at pi = 0.1 (A s and the residual in int32 lanes,
        // A^T r in one chunk), and at pi = 1 (every unit active) A s cut into several int32 chunks by
        // ChunkPairs' vector pass, where the saturating cases above take the chunked and long paths.
        var model = new EdgeLangevin.Reference.Model.SparseCodingModel
        {
            Variant = variant == 0 ? EdgeLangevin.Reference.Model.Variant.Signed : EdgeLangevin.Reference.Model.Variant.NonNegative,
            Lambda = 1, Pi = pi, Sigma = 0.5, Dictionary = EdgeLangevin.Reference.Learning.Learner.RandomDictionary(d, k, 1),
        };
        var settings = new EdgeLangevin.Reference.Settings.InferenceSettings { Dt = 1, Samples = 1, BurnIn = 0 };
        var p = FixedParameters.Create(model, FixedFormat.Default, settings.Eps, settings.Temperature, 1, 0);
        var source = new ModelDataSource(model);
        var rng = new EdgeLangevin.Reference.Random.Rng(2);
        const int chains = 35; // a 32-chain noise group and three more
        var data = new int[chains][];
        var x = new double[d];
        for (int b = 0; b < chains; b++)
        {
            source.Draw(rng, x, 0);
            data[b] = new int[d];
            FixedParameters.QuantizeData(x, FixedFormat.Default, data[b], 0);
        }
        var solvers = ScalarAndVector(p.Step, p.DictionaryRowMajor, d, k, chains, true, data);
        int oneChunk = 0, manyChunks = 0, partialGroups = 0, manyCodeChunks = 0;
        for (int step = 0; step < 120; step++)
        {
            foreach (var s in solvers) s.Step();
            var ws = solvers[0].Workspace;
            for (int i = 1; i < solvers.Length; i++)
            {
                Assert.Equal(ws.U, solvers[i].Workspace.U);
                Assert.Equal(ws.Sm, solvers[i].Workspace.Sm);
                Assert.Equal(ws.R, solvers[i].Workspace.R);
                Assert.Equal(ws.Rm, solvers[i].Workspace.Rm);
                Assert.Equal(ws.Gm, solvers[i].Workspace.Gm);
                Assert.Equal(ws.ActiveCount, solvers[i].Workspace.ActiveCount);
                Assert.Equal(ws.Saturations, solvers[i].Workspace.Saturations);
            }
            for (int b = 0; b < chains; b++)
            {
                // The one-chunk condition of both MAC sums, from the step's own s_m and r_m.
                long sL1 = 0, rL1 = 0;
                for (int j = 0; j < k; j++) sL1 += Math.Abs((long)ws.Sm[b * k + j]);
                for (int j = 0; j < d; j++) rL1 += Math.Abs((long)ws.Rm[b * d + j]);
                if (sL1 <= ushort.MaxValue && rL1 <= ushort.MaxValue) oneChunk++;
                if (rL1 > ushort.MaxValue) manyChunks++;
                if (ws.ActiveCount[b] % 16 != 0) partialGroups++;
                // A s in several chunks, every unit pair's |s_m| sum within 2^15 (ChunkPairs' vector pass).
                long largestPair = 0;
                for (int j = 0; j + 1 < k; j += 2) largestPair = Math.Max(largestPair, Math.Abs((long)ws.Sm[b * k + j]) + Math.Abs((long)ws.Sm[b * k + j + 1]));
                if (sL1 > ushort.MaxValue && largestPair <= 1 << 15) manyCodeChunks++;
            }
        }
        // Guards the case: the one-chunk paths (D = 64) or A^T r cut into chunks (D = 256), and the padded
        // last group of 16 units, really ran, fused.
        if (pi == 1) Assert.True(manyCodeChunks > 0, "no chain-step had A s in more than one int32 chunk");
        else if (d == 64) Assert.True(oneChunk > 0, "no chain-step had both MAC sums in one int32 chunk");
        else Assert.True(manyChunks > 0, "no chain-step had A^T r in more than one int32 chunk");
        if (pi < 1) Assert.True(partialGroups > 0);
        if (VectorStepKernel.Avx512Supported) Assert.Equal(120L * chains, ((VectorStepKernel)solvers[^1].Kernel).FusedSteps);
    }

    [Fact]
    public void TheFusedStepsChunkBoundFollowsADictionaryChangedBetweenSteps()
    {
        // The fused step sizes its int32 chunks by the dictionary's largest |A|, kept while the solver has
        // not handed its dictionary out for writing (DictionaryColumns). Step 1: every entry -4 (a bound of about 2^29: A s in one chunk). Then, as learning
        // does between steps, every entry -32768, the same codes again: a bound kept from step 1 would
        // sum 48 codes of 32767 against -32768 (2^35) in one int32 chunk and wrap.
        var f = FixedFormat.Default;
        const int d = 32, k = 48, chains = 32;
        var small = Enumerable.Repeat((short)-4, d * k).ToArray();
        var p = new StepParameters(f, FixedVariant.Signed, 1, 0, leak: 1, gain: 1, noiseScale: 1, half: 0, friction: 0);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++) data[b] = new int[d];
        var solvers = ScalarAndVector(p, small, d, k, chains, true, data);
        for (int step = 0; step < 2; step++)
        {
            foreach (var s in solvers)
            {
                if (step == 1) Array.Fill(s.DictionaryColumns, short.MinValue);
                for (int b = 0; b < chains; b++)
                    for (int j = 0; j < k; j++) s.Workspace.U[b * k + j] = (j % 3 == 0 ? -32767 : 32767) << 5; // s_m = +-32767
                s.Step();
            }
            for (int i = 1; i < solvers.Length; i++)
            {
                Assert.Equal(solvers[0].Workspace.R, solvers[i].Workspace.R);
                Assert.Equal(solvers[0].Workspace.Gm, solvers[i].Workspace.Gm);
                Assert.Equal(solvers[0].Workspace.U, solvers[i].Workspace.U);
                Assert.Equal(solvers[0].Workspace.Saturations, solvers[i].Workspace.Saturations);
            }
        }
        // Guards the case: step 2's A s left the int32 range (r = -(A s) >> 8 with x = 0), and the fused step ran.
        Assert.True((long)solvers[0].Workspace.R[0] << 8 > int.MaxValue);
        if (VectorStepKernel.Avx512Supported) Assert.Equal(2L * chains, ((VectorStepKernel)solvers[^1].Kernel).FusedSteps);
    }

    [Fact]
    public void EveryReadOfTheDictionaryForWritingCountsAsAChange()
    {
        // The version the AVX-512 kernel keys its chunk bound on: a read of DictionaryColumns changes it
        // (the writer may write through that reference until the next step); GetDictionary and
        // CopyDictionaryRowMajor do not.
        var p = new StepParameters(FixedFormat.Default, FixedVariant.Signed, 1, 0, leak: 1, gain: 1, noiseScale: 1, half: 0, friction: 0);
        var solver = new LangevinSolver(p, new short[4 * 16], 4, 16, 1, 1);
        int before = solver.Workspace.DictionaryVersion;
        solver.GetDictionary(0, 0);
        solver.CopyDictionaryRowMajor(new short[4 * 16]);
        Assert.Equal(before, solver.Workspace.DictionaryVersion);
        _ = solver.DictionaryColumns;
        Assert.NotEqual(before, solver.Workspace.DictionaryVersion);
    }

    [Fact]
    public void OneVectorKernelSteppingTwoSolversUsesEachOnesDictionaryBound()
    {
        // One AVX-512 kernel instance serves two solvers in turn: A (every entry -4, a chunk bound of about
        // 2^29) and B (every entry -32768, the bound 2^16 - 1), neither dictionary handed out for writing,
        // so both workspaces keep the same DictionaryVersion. A bound kept from A's step would sum B's 48
        // codes of 32767 against -32768 (2^35) in one int32 chunk and wrap.
        if (!VectorStepKernel.Avx512Supported) return;
        var f = FixedFormat.Default;
        const int d = 32, k = 48, chains = 32;
        var p = new StepParameters(f, FixedVariant.Signed, 1, 0, leak: 1, gain: 1, noiseScale: 1, half: 0, friction: 0);
        short[][] dictionaries = [Enumerable.Repeat((short)-4, d * k).ToArray(), Enumerable.Repeat(short.MinValue, d * k).ToArray()];
        var kernel = new VectorStepKernel(k, d, VectorIsa.Avx512);
        var shared = new LangevinSolver[2];
        var scalar = new LangevinSolver[2];
        for (int i = 0; i < 2; i++)
        {
            shared[i] = new LangevinSolver(p, dictionaries[i], d, k, chains, 77) { EventDriven = true, Kernel = kernel };
            scalar[i] = new LangevinSolver(p, dictionaries[i], d, k, chains, 77) { EventDriven = true };
        }
        Assert.Equal(shared[0].Workspace.DictionaryVersion, shared[1].Workspace.DictionaryVersion);
        for (int step = 0; step < 2; step++)
            for (int i = 0; i < 2; i++)
                foreach (var s in new[] { shared[i], scalar[i] })
                {
                    for (int b = 0; b < chains; b++)
                        for (int j = 0; j < k; j++) s.Workspace.U[b * k + j] = (j % 3 == 0 ? -32767 : 32767) << 5; // s_m = +-32767
                    s.Step();
                }
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(scalar[i].Workspace.R, shared[i].Workspace.R);
            Assert.Equal(scalar[i].Workspace.Gm, shared[i].Workspace.Gm);
            Assert.Equal(scalar[i].Workspace.U, shared[i].Workspace.U);
            Assert.Equal(scalar[i].Workspace.Saturations, shared[i].Workspace.Saturations);
        }
        // Guards the case: B's A s left the int32 range, and every chain-step ran fused.
        Assert.True((long)scalar[1].Workspace.R[0] << 8 > int.MaxValue);
        Assert.Equal(2L * 2 * chains, kernel.FusedSteps);
    }

    [Theory]
    [InlineData(16384, 16383)] // pairs of 32767: two pairs per 2^15 step of the running sum, a chunk of 65534
    [InlineData(16384, 16384)] // pairs of exactly 2^15, the largest ChunkPairs' vector pass takes
    [InlineData(16384, 16385)] // pairs of 2^15 + 1: the greedy pass (ChunkPairsByPair)
    public void CodesAtTheChunkBoundSumExactlyInTheFusedStep(int even, int odd)
    {
        // Every dictionary entry -32768 and s_m of even and odd units set by u (u0 = 0, FS - FM = 5):
        // A s sums to -2^15 (|s_m| sum), so a chunk of A s whose |s_m| passed ChunkL1 = 2^16 - 1 would
        // wrap its int32 lanes. 96 units (48 pairs: three blocks of 16 in ChunkPairs, the last partial
        // for 47 listed units) and the chains' u all set, so the first step's A s is this one.
        var f = FixedFormat.Default;
        const int d = 32, k = 96, chains = 3;
        var a = Enumerable.Repeat(short.MinValue, d * k).ToArray();
        var p = new StepParameters(f, FixedVariant.NonNegative, 1, 0, leak: 1, gain: 1, noiseScale: 1, half: 0, friction: 0);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++) data[b] = new int[d];
        var solvers = ScalarAndVector(p, a, d, k, chains, true, data);
        foreach (var s in solvers)
            for (int b = 0; b < chains; b++)
                for (int j = 0; j < k; j++)
                    // chain 2 leaves its last unit inactive: an odd list, its last code paired with 0
                    s.Workspace.U[b * k + j] = b == 2 && j == k - 1 ? 0 : (j % 2 == 0 ? even : odd) << 5;
        for (int step = 0; step < 2; step++)
        {
            foreach (var s in solvers) s.Step();
            for (int i = 1; i < solvers.Length; i++)
            {
                Assert.Equal(solvers[0].Workspace.R, solvers[i].Workspace.R);
                Assert.Equal(solvers[0].Workspace.Rm, solvers[i].Workspace.Rm);
                Assert.Equal(solvers[0].Workspace.Gm, solvers[i].Workspace.Gm);
                Assert.Equal(solvers[0].Workspace.U, solvers[i].Workspace.U);
                Assert.Equal(solvers[0].Workspace.Saturations, solvers[i].Workspace.Saturations);
            }
        }
        // Guards the case: the residual is x - A s = 2^15 sum |s_m| >> 5 (positive, far above the MAC
        // range), and the AVX-512 solver ran its fused step.
        Assert.True(solvers[0].Workspace.R[0] > 1 << 20);
        if (VectorStepKernel.Avx512Supported) Assert.True(((VectorStepKernel)solvers[^1].Kernel).FusedSteps > 0);
    }

    [Theory]
    [InlineData(0, 0, 32767)]
    [InlineData(1, 0, 32767)]
    [InlineData(0, 40000, 32767)]
    [InlineData(1, 1 << 24, 32767)]
    // A noise scale small enough for the AVX-512 update's int32 path (2^30 + leak + max noise < 2^31),
    // so its overflow detection, not the AVX2 fallback, meets u at both ends of the range.
    [InlineData(0, 0, 1000)]
    [InlineData(1, 40000, 1000)]
    public void WithAStateThatSaturatesAt32BitsTheVectorKernelStepsLikeTheScalarOne(int variant, int u0, int noiseScale)
    {
        // Coefficients Q9.6 (gain and noise up to ~512) drive u into both ends of the 32-bit state,
        // so |u| = 2^31 meets u0 = 0 (s = 2^31, which needs 33 bits) and the s_m, u and r sites clip.
        var f = new FixedFormat(16, 13, 32, 16, 16, 11, 16, 6);
        var rng = new Random(90 + variant);
        // 20 x 37, and 32 x 48 (K a multiple of 16, D of 32: the AVX-512 kernel's fused step when the noise scale lets it).
        foreach ((int d, int k) in new[] { (20, 37), (32, 48) })
            SaturatingStateCase(f, rng, variant, u0, noiseScale, d, k);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AResidualThatLeavesTheIntRangeInTheOneChunkFusedStepClipsLikeTheScalarOne(int variant)
    {
        // Data at both ends of the 32-bit state (2^31 - 1 - j, -2^31 + j) and a dictionary of small words
        // (|a| <= 64: every A s of the fused step fits one int32 chunk, so the residual is formed in int32
        // lanes): x - rshr(A s) leaves the int range wherever A s has the other sign than x, the case the
        // 32-bit state's residual only detects by the wrap.
        var f = new FixedFormat(16, 13, 32, 16, 16, 11, 16, 6);
        var rng = new Random(17 + variant);
        const int d = 64, k = 48, chains = 33;
        var a = new short[d * k];
        for (int i = 0; i < a.Length; i++) a[i] = (short)rng.Next(-64, 65);
        var p = new StepParameters(f, (FixedVariant)variant, 1, 40000, leak: 1 << 20, gain: 32767, noiseScale: 1000, half: 0, friction: 0);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++)
            data[b] = Enumerable.Range(0, d).Select(_ => rng.Next(2) == 0 ? int.MaxValue - rng.Next(1000) : int.MinValue + rng.Next(1000)).ToArray();
        var pair = ScalarAndVector(p, a, d, k, chains, true, data);
        StepAlike(pair, 60);
        // Guards the case: r clipped (x - q left the int range) and the AVX-512 solver ran its fused step.
        Assert.True(pair[0].Workspace.Saturations[SolverWorkspace.SiteR] > 0);
        Assert.Contains(int.MinValue, pair[0].Workspace.R);
        Assert.Contains(int.MaxValue, pair[0].Workspace.R);
        if (VectorStepKernel.Avx512Supported) Assert.Equal(60L * chains, ((VectorStepKernel)pair[^1].Kernel).FusedSteps);
    }

    private static void SaturatingStateCase(FixedFormat f, Random rng, int variant, int u0, int noiseScale, int d, int k)
    {
        const int chains = 21;
        var a = new short[d * k];
        for (int i = 0; i < a.Length; i++) a[i] = (short)rng.Next(short.MinValue, short.MaxValue + 1);
        var p = new StepParameters(f, (FixedVariant)variant, 1, u0, leak: 1 << 20, gain: 32767, noiseScale: noiseScale, half: 0, friction: 0);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++) data[b] = Enumerable.Range(0, d).Select(_ => rng.Next(int.MinValue, int.MaxValue)).ToArray();
        foreach (bool eventDriven in new[] { true, false })
        {
            var pair = ScalarAndVector(p, a, d, k, chains, eventDriven, data);
            for (int step = 0; step < 100; step++)
            {
                foreach (var s in pair) s.Step();
                for (int i = 1; i < pair.Length; i++)
                {
                    Assert.Equal(pair[0].Workspace.U, pair[i].Workspace.U);
                    Assert.Equal(pair[0].Workspace.Sm, pair[i].Workspace.Sm);
                    Assert.Equal(pair[0].Workspace.R, pair[i].Workspace.R);
                    Assert.Equal(pair[0].Workspace.Gm, pair[i].Workspace.Gm);
                }
            }
            for (int i = 1; i < pair.Length; i++) Assert.Equal(pair[0].Workspace.Saturations, pair[i].Workspace.Saturations);
            if (eventDriven && k % 16 == 0 && noiseScale == 1000 && VectorStepKernel.Avx512Supported)
                Assert.True(((VectorStepKernel)pair[^1].Kernel).FusedSteps > 0); // the fused step met both ends of the range
            // Guards the case: u reached both ends of the state range, and s_m clipped.
            Assert.Contains(int.MinValue, pair[0].Workspace.U);
            Assert.Contains(int.MaxValue, pair[0].Workspace.U);
            Assert.True(pair[0].Workspace.Saturations[SolverWorkspace.SiteSm] > 0);
        }
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void LearningWithTheVectorKernelChangesTheDictionaryAndThresholdBitForBitLikeTheScalarOne(int variant, bool eventDriven)
    {
        var f = FixedFormat.Default;
        var rng = new Random(40 + variant);
        const int d = 36, k = 20, chains = 19;
        var (p, a, _) = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, 1);
        var data = new int[chains][];
        for (int b = 0; b < chains; b++) data[b] = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, 1).x;
        var pair = ScalarAndVector(p, a, d, k, chains, eventDriven, data);
        // Large rates (mantissa 2^14, small shifts) so that the dictionary and u0 change every step.
        var lp = new LearningParameters(true, 16384, 20, true, 16384, 22, true, FixedSwitching.Asynchronous, 50, 1 << 28, LearningRounding.Stochastic);
        var learners = pair.Select(s => new FixedLearner(s, lp, 5)).ToArray();
        int thresholdChanges = 0, previous = pair[0].ThresholdQ;
        var before = (short[])pair[0].DictionaryColumns.Clone();
        for (int step = 0; step < 200; step++)
        {
            for (int i = 0; i < pair.Length; i++)
            {
                learners[i].DecideSwitching();
                for (int b = 0; b < chains; b++)
                    if (learners[i].NeedsData[b]) pair[i].SetData(b, data[(b + step) % chains], 0);
                learners[i].Step();
            }
            for (int i = 1; i < pair.Length; i++)
            {
                Assert.Equal(pair[0].DictionaryColumns, pair[i].DictionaryColumns);
                Assert.Equal(pair[0].ThresholdQ, pair[i].ThresholdQ);
                Assert.Equal(pair[0].Workspace.U, pair[i].Workspace.U);
            }
            if (pair[0].ThresholdQ != previous) thresholdChanges++;
            previous = pair[0].ThresholdQ;
        }
        // Guards the test: learning really moved both the dictionary and the threshold.
        Assert.NotEqual(before, pair[0].DictionaryColumns);
        Assert.True(thresholdChanges > 100, $"u0 changed {thresholdChanges} times");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AStepWithTheVectorKernelAllocatesNothing(int order)
    {
        foreach (VectorIsa isa in StepKernelTests.Isas) StepAllocatesNothing(order, isa);
    }

    private static void StepAllocatesNothing(int order, VectorIsa isa)
    {
        var (p, a, x) = SolverTests.RandomProblem(new Random(1), FixedFormat.Default, 64, 128, FixedVariant.NonNegative, order);
        var solver = new LangevinSolver(p, a, 64, 128, 37, 1);
        Assert.True(VectorStepKernel.Install(solver, isa));
        for (int b = 0; b < 37; b++) solver.SetData(b, x, 0);
        solver.Step(); // first call JIT-compiles
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++) solver.Step();
        solver.EventDriven = false;
        for (int i = 0; i < 300; i++) solver.Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public class InterleavedNoiseTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(128)]
    public void FillAndFill4GiveTheWordsOfNextInOrder(int count)
    {
        var oneByOne = new GaussianNoise(6, 31);
        var filled = new GaussianNoise(6, 31);
        var buffer = new int[3 + 4 * count];
        for (int round = 0; round < 3; round++)
        {
            filled.Fill4(1, buffer, 3, count); // chains 1..4
            for (int c = 0; c < 4; c++)
                for (int i = 0; i < count; i++)
                    Assert.Equal(oneByOne.Next(1 + c), buffer[3 + c * count + i]);
            filled.Fill(5, buffer, 0, count);
            for (int i = 0; i < count; i++) Assert.Equal(oneByOne.Next(5), buffer[i]);
        }
        for (int b = 0; b < 6; b++) Assert.Equal(oneByOne.StateOf(b), filled.StateOf(b));
    }

    [Theory]
    [InlineData(VectorIsa.Avx2, 16, 33)]
    [InlineData(VectorIsa.Avx512, 32, 33)] // two 16-draw blocks through the transpose, one draw left over
    [InlineData(VectorIsa.Avx512, 32, 128)]
    [InlineData(VectorIsa.Avx512, 32, 7)]
    public void TheVectorNoiseGivesTheWordsOfNextInOrder(VectorIsa isa, int group, int count)
    {
        if (!StepKernelTests.Isas.Contains(isa)) return; // this CPU does not run it (the AVX2 case always runs here)
        var oneByOne = new GaussianNoise(group + 4, -77);
        var filled = new GaussianNoise(group + 4, -77);
        var kernel = new VectorStepKernel(8, 16, isa);
        Assert.Equal(group, kernel.NoiseGroup);
        var buffer = new int[group * count];
        for (int round = 0; round < 3; round++)
        {
            kernel.FillNoise(filled, 3, count, buffer); // chains 3 .. 3 + group - 1
            for (int c = 0; c < group; c++)
                for (int i = 0; i < count; i++)
                    Assert.Equal(oneByOne.Next(3 + c), buffer[c * count + i]);
        }
        for (int b = 0; b < group + 4; b++) Assert.Equal(oneByOne.StateOf(b), filled.StateOf(b));
    }

    [Theory]
    [InlineData(1, 9, false)]
    [InlineData(2, 6, false)]
    [InlineData(1, 3, false)]
    [InlineData(1, 37, true)] // vector groups (32 or 16 chains), then scalar groups of 4, then one chain alone
    [InlineData(2, 16, true)]
    public void StepWithInterleavedNoiseEqualsSteppingEachChainAlone(int order, int chains, bool vector)
    {
        var (p, a, x) = SolverTests.RandomProblem(new Random(12), FixedFormat.Default, 16, 24, FixedVariant.Signed, order);
        var together = new LangevinSolver(p, a, 16, 24, chains, 4);
        var alone = new LangevinSolver(p, a, 16, 24, chains, 4);
        if (vector) Assert.True(VectorStepKernel.Install(together));
        for (int b = 0; b < chains; b++) { together.SetData(b, x, 0); alone.SetData(b, x, 0); }
        for (int t = 0; t < 60; t++)
        {
            together.Step();
            for (int b = 0; b < chains; b++) alone.StepChain(b);
        }
        Assert.Equal(alone.Workspace.U, together.Workspace.U);
        Assert.Equal(alone.Workspace.M, together.Workspace.M);
        Assert.Equal(alone.Workspace.Saturations, together.Workspace.Saturations);
        for (int b = 0; b < chains; b++) Assert.Equal(alone.Noise.StateOf(b), together.Noise.StateOf(b));
        // Independently of the solver: each chain's generator advanced by exactly 60 K draws.
        var reference = new GaussianNoise(chains, 4);
        for (int b = 0; b < chains; b++)
        {
            for (int i = 0; i < 60 * 24; i++) reference.Next(b);
            Assert.Equal(reference.StateOf(b), together.Noise.StateOf(b));
        }
    }

    [Fact]
    public void AnExternalNoiseWordWiderThan16BitsIsAClearError()
    {
        var (p, a, x) = SolverTests.RandomProblem(new Random(4), FixedFormat.Default, 8, 5, FixedVariant.Signed, 1);
        var solver = new LangevinSolver(p, a, 8, 5, 2, 1) { ExternalNoise = new Replay([100, -200, 40000, 0, 0]) };
        solver.SetData(0, x, 0);
        var e = Assert.Throws<InvalidOperationException>(() => solver.Step());
        Assert.Contains("40000", e.Message);
        Assert.Contains("Q5.10", e.Message);
    }

    private sealed class Replay(int[] words) : INoiseWordSource
    {
        public int Calls { get; private set; }
        public int NextEta() => words[Calls++];
    }

    [Fact]
    public void ExternalNoiseIsTakenChainByChainInIncreasingUnitOrderWithManyChains()
    {
        // The documented order: per step, chain 0's K words, then chain 1's, ... Replaying each
        // chain's own generator words in that order must reproduce the built-in run of 6 chains
        // (more than one interleaved group of four).
        const int chains = 6, k = 10, d = 12, steps = 40;
        var (p, a, x) = SolverTests.RandomProblem(new Random(3), FixedFormat.Default, d, k, FixedVariant.NonNegative, 1);
        var gen = new GaussianNoise(chains, 8);
        var words = new int[steps * chains * k];
        int n = 0;
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < chains; b++)
                for (int i = 0; i < k; i++) words[n++] = gen.Next(b);
        var builtIn = new LangevinSolver(p, a, d, k, chains, 8);
        var hooked = new LangevinSolver(p, a, d, k, chains, 1234);
        var source = new Replay(words);
        hooked.ExternalNoise = source;
        for (int b = 0; b < chains; b++) { builtIn.SetData(b, x, 0); hooked.SetData(b, x, 0); }
        for (int t = 0; t < steps; t++) { builtIn.Step(); hooked.Step(); }
        Assert.Equal(builtIn.Workspace.U, hooked.Workspace.U);
        Assert.Equal(words.Length, source.Calls);
        for (int b = 0; b < chains; b++) Assert.Equal(GaussianNoise.SeedFor(1234, b), hooked.Noise.StateOf(b));
    }
}
