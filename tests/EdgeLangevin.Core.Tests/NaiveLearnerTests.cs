using EdgeLangevin.Core;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// FixedLearner against a plain transcription of FIXED_POINT.md "Learning" (dictionary and
/// threshold with stochastic rounding from the learner's own xorshift stream), written here
/// without the core's loop structure: every entry of the dictionary and u0 must agree after
/// every step. Synchronous switching (no stream draws for it) and no normalisation.
/// </summary>
public class NaiveLearnerTests
{
    private sealed class NaiveLearner(LangevinSolver solver, int rateA, int shiftA, int rateU0, int shiftU0, int seed)
    {
        private int _random = GaussianNoise.SeedFor(seed ^ 0x5EED1E, 0);

        private long Round(long product, int shift)
        {
            if (shift == 0) return product;
            if (shift > 31) { product >>= shift - 31; shift = 31; }
            _random = GaussianNoise.Xorshift(_random);
            long r = _random & 0x7FFFFFFF & ((1L << shift) - 1);
            return (product + r) >> shift;
        }

        public void AfterSolverStep()
        {
            SolverWorkspace ws = solver.Workspace;
            int k = solver.K, d = solver.D;
            long maxA = FixedFormat.MaxOf(solver.Format.DictionaryBits), minA = FixedFormat.MinOf(solver.Format.DictionaryBits);
            var acc = new long[k * d];
            for (int b = 0; b < solver.Chains; b++)
                for (int j = 0; j < ws.ActiveCount[b]; j++)
                {
                    int unit = ws.Active[b * k + j];
                    for (int i = 0; i < d; i++) acc[unit * d + i] += (long)ws.Sm[b * k + unit] * ws.Rm[b * d + i];
                }
            short[] a = solver.DictionaryColumns;
            for (int i = 0; i < acc.Length; i++)
            {
                if (acc[i] == 0) continue;
                long delta = Round(rateA * acc[i], shiftA);
                a[i] = (short)Math.Clamp(a[i] + delta, minA, maxA);
            }
            bool signed = solver.Parameters.Variant == FixedVariant.Signed;
            long sum = 0;
            for (int b = 0; b < solver.Chains; b++)
                for (int j = 0; j < ws.ActiveCount[b]; j++)
                {
                    long g = ws.Gm[b * k + j];
                    long s = ws.Sm[b * k + ws.Active[b * k + j]];
                    sum -= signed ? Math.Sign(s) * g : g;
                }
            if (sum == 0) return;
            long u0 = solver.ThresholdQ + Round(rateU0 * sum, shiftU0);
            solver.SetThreshold((int)Math.Clamp(u0, 0, FixedFormat.MaxOf(solver.Format.StateBits)));
        }
    }

    [Theory]
    [InlineData(0, 16384, 20, 16384, 22)]
    [InlineData(1, 16384, 20, 16384, 22)]
    [InlineData(1, 30000, 40, 20000, 35)] // shifts above 31: the product is pre-shifted
    [InlineData(0, 3, 0, 1, 0)]           // shift 0: no rounding, no stream draws
    [InlineData(1, 1, 12, 1, 10)]         // small shifts: the random bits decide the rounding often
    public void TheLearnerFollowsAPlainTranscriptionOfTheSpecification(int variant, int rateA, int shiftA, int rateU0, int shiftU0)
    {
        const int d = 20, k = 24, chains = 9, seed = 13;
        var rng = new Random(70 + variant);
        var (p, a, _) = SolverTests.RandomProblem(rng, FixedFormat.Default, d, k, (FixedVariant)variant, 1);
        var lp = new LearningParameters(true, rateA, shiftA, true, rateU0, shiftU0, false, FixedSwitching.Synchronous, 1_000_000, 0, LearningRounding.Stochastic);
        var learned = new LangevinSolver(p, a, d, k, chains, seed);
        var naive = new LangevinSolver(p, a, d, k, chains, seed);
        var learner = new FixedLearner(learned, lp, seed);
        var reference = new NaiveLearner(naive, rateA, shiftA, rateU0, shiftU0, seed);
        for (int b = 0; b < chains; b++)
        {
            int[] x = SolverTests.RandomProblem(rng, FixedFormat.Default, d, k, (FixedVariant)variant, 1).x;
            learned.SetData(b, x, 0);
            naive.SetData(b, x, 0);
        }
        var start = (short[])a.Clone();
        for (int step = 0; step < 150; step++)
        {
            learner.DecideSwitching(); // synchronous: every chain at step 0 only (data already set), no stream draws
            learner.Step();
            naive.Step();
            reference.AfterSolverStep();
            Assert.Equal(naive.DictionaryColumns, learned.DictionaryColumns);
            Assert.Equal(naive.ThresholdQ, learned.ThresholdQ);
        }
        var columns = new short[d * k];
        naive.CopyDictionaryRowMajor(columns);
        Assert.NotEqual(start, columns); // guards the test: the dictionary moved
    }
}
