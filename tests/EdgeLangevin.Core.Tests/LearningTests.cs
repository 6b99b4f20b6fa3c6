using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class LearningTests
{
    [Theory]
    [InlineData(1000L, 8)]
    [InlineData(-1000L, 8)]
    [InlineData(37L, 10)]
    [InlineData(-1L, 5)]
    [InlineData(123456789L, 12)]
    public void StochasticRoundingIsExactOnAverageOverEveryRandomValue(long product, int shift)
    {
        // Exhaustive over the 2^shift values of R: the sum of the results is exactly the
        // product, so with uniform R the expected change is the exact increment.
        long sum = 0;
        for (int r = 0; r < 1 << shift; r++) sum += FixedArithmetic.StochasticShiftRight(product, shift, r);
        Assert.Equal(product, sum);
    }

    [Fact]
    public void IntegerSquareRootIsTheFloorOfTheSquareRoot()
    {
        foreach (long v in new long[] { 0, 1, 2, 3, 4, 15, 16, 17, 1L << 40, (1L << 40) - 1, long.MaxValue })
        {
            long r = FixedArithmetic.SquareRoot(v);
            Assert.True((System.Numerics.BigInteger)r * r <= v && (System.Numerics.BigInteger)(r + 1) * (r + 1) > v, $"isqrt({v}) = {r}");
        }
    }

    private static LangevinSolver BarsSolver(int chains, out BarsData data, out FixedParameters p)
    {
        data = new BarsData();
        var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 3) };
        p = FixedParameters.Create(model, FixedFormat.Default, 0.05, 1, 1, 0);
        return new LangevinSolver(p.Step, p.DictionaryRowMajor, 64, 16, chains, 1);
    }

    [Fact]
    public void ALearningStepAllocatesNothing()
    {
        var solver = BarsSolver(8, out var data, out _);
        var lp = new LearningParameters(true, 20000, 30, true, 20000, 35, true, FixedSwitching.Asynchronous, 200, 10_000_000, LearningRounding.Stochastic);
        var learner = new FixedLearner(solver, lp, 1);
        var rng = new Reference.Random.Rng(1);
        var x = new double[64];
        var xq = new int[64];
        for (int b = 0; b < 8; b++) { data.Draw(rng, x, 0); FixedParameters.QuantizeData(x, FixedFormat.Default, xq, 0); solver.SetData(b, xq, 0); }
        learner.DecideSwitching();
        learner.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) { learner.DecideSwitching(); learner.Step(); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void LearningFromADataMemoryAllocatesNothing()
    {
        var solver = BarsSolver(8, out var data, out _);
        var lp = new LearningParameters(true, 20000, 30, true, 20000, 35, false, FixedSwitching.Asynchronous, 20, 200_000_000, LearningRounding.Stochastic);
        var learner = new FixedLearner(solver, lp, 1);
        var rng = new Reference.Random.Rng(1);
        var x = new double[64];
        var words = new int[32 * 64];
        for (int n = 0; n < 32; n++) { data.Draw(rng, x, 0); FixedParameters.QuantizeData(x, FixedFormat.Default, words, n * 64); }
        var memory = new FixedDataMemory(words, 32, 64, 8);
        learner.DecideSwitching(); memory.Feed(learner); learner.Step();
        int switched = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) { learner.DecideSwitching(); switched += memory.Feed(learner); learner.Step(); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(switched > 100, $"only {switched} switches"); // p = 0.093 per chain and step: ~150 expected
    }

    [Fact]
    public void NearestRoundingLosesSubLsbUpdatesThatStochasticRoundingKeeps()
    {
        // tau_a = 2e6: the per-step change of an entry is ~1e-3 of an LSB (Q2.13).
        var data = new BarsData();
        var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 3) };
        var inf = new InferenceSettings();
        var learn = new LearningSettings { Batch = 16, Steps = 1000, TauA = 2e6, RecordEvery = 1000 };
        var nearest = FixedLearning.Run(model, data, inf, learn, FixedFormat.Default, 1, rounding: LearningRounding.Nearest);
        var stochastic = FixedLearning.Run(model, data, inf, learn, FixedFormat.Default, 1, rounding: LearningRounding.Stochastic);
        var start = FixedParameters.QuantizeDictionary(model.Dictionary, FixedFormat.Default);
        var n = FixedParameters.QuantizeDictionary(nearest.Model.Dictionary, FixedFormat.Default);
        var s = FixedParameters.QuantizeDictionary(stochastic.Model.Dictionary, FixedFormat.Default);
        Assert.Equal(start, n);
        Assert.True(s.Zip(start).Count(z => z.First != z.Second) > 50, "stochastic rounding moved the dictionary");
    }

    [Fact]
    public void FixedPointLearningOnBarsReachesCosine098()
    {
        // The brief's acceptance: from a random unit-norm dictionary, no normalisation,
        // tau_a = 2000 (mean convention), batch 256, the learned dictionary's cosine to the
        // bars >= 0.98; with batch 64 both float and fixed plateau near 0.965 from the
        // dictionary's own fluctuations, so the batch is part of the setting.
        // 0.98 is a property of the PLATEAU, so the test reads the plateau: the mean cosine
        // over steps 30000..40000 (40 records). The cosine at step 20000 read whether this
        // seed had converged yet: the step at which the cosine first reaches 0.98 varies from
        // seed to seed (median ~15000), past 20000 for 4 of 31 seeds with the FLOAT learner,
        // which has no quantised noise (bench/noise-contract/learning-study), while every run
        // that reached 0.98 stayed at 0.990-0.991 (none fell back below 0.97).
        // Measured here (seed 1, mean over 30000..40000): 0.9910 (0.9775 at step 20000,
        // reaching 0.98 at 20500); the float learner 0.9910; learning rate 0 (LearnDictionary
        // false) 0.1620, which this test rejects.
        var data = new BarsData();
        var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 1) };
        var learn = new LearningSettings { Batch = 256, Steps = 40_000, RecordEvery = 250 };
        var result = FixedLearning.Run(model, data, new InferenceSettings(), learn, FixedFormat.Default, 1, data.TrueDictionary);
        double[] plateau = result.History.Where(h => h.Step > 30_000).Select(h => h.Cosine!.Value).ToArray();
        Assert.Equal(40, plateau.Length);
        double mean = plateau.Average();
        Assert.True(mean >= 0.98, $"mean cosine over steps 30000..40000 {mean:F4} (at step 40000 {plateau[^1]:F4})");
        AllocationAssert.NoStepAllocates(result.AllocatingSteps, result.AllocatedBytesPerStep);
        Assert.Equal(0, result.DictionarySaturations);
    }

    [Fact]
    public void ThresholdLearningFollowsTheFloatLearner()
    {
        // pi_model 0.1 on data with pi = 0.3: u0 falls and pi rises (0.1 -> ~0.156 in 1e4 steps).
        // The trajectory averages 64 x 16 terms per step, so two runs with different noise
        // differ by about 0.001 (measured); 0.01 would be a 20 % error in the learning rate.
        var data = new BarsData();
        var model = data.TrueModel(0.1);
        var inf = new InferenceSettings();
        var learn = new LearningSettings { Batch = 64, Steps = 10_000, RecordEvery = 1000, LearnDictionary = false, LearnPi = true, TauU0 = 1e6 };
        var fl = Learner.Run(model, data, inf, learn, 1);
        var fx = FixedLearning.Run(model, data, inf, learn, FixedFormat.Default, 1);
        Assert.True(fx.Model.Pi > 0.14, $"pi {fx.Model.Pi}");
        Assert.InRange(fx.Model.Pi - fl.Model.Pi, -0.01, 0.01);
    }

    [Fact]
    public void AsynchronousSwitchingFlagsEachChainWithTheGivenProbability()
    {
        var solver = BarsSolver(64, out _, out _);
        int prob = (int)Math.Round(0.005 * Math.ScaleB(1.0, 31)); // dt / tau_x = 1/200
        var lp = new LearningParameters(false, 0, 0, false, 0, 0, false, FixedSwitching.Asynchronous, 1, prob, LearningRounding.Stochastic);
        var learner = new FixedLearner(solver, lp, 9);
        Assert.Equal(64, learner.DecideSwitching()); // every chain at step 0
        learner.Step();
        long flagged = 0;
        const int steps = 20_000;
        for (int t = 0; t < steps; t++) { flagged += learner.DecideSwitching(); learner.Step(); }
        double n = 64.0 * steps, p = 0.005;
        double se = Math.Sqrt(n * p * (1 - p)); // binomial standard error of the count
        Assert.InRange(flagged, n * p - 4 * se, n * p + 4 * se);
    }

    [Fact]
    public void SynchronousSwitchingFlagsEveryChainEveryTauXSteps()
    {
        var solver = BarsSolver(4, out _, out _);
        var lp = new LearningParameters(false, 0, 0, false, 0, 0, false, FixedSwitching.Synchronous, 5, 0, LearningRounding.Stochastic);
        var learner = new FixedLearner(solver, lp, 9);
        var counts = new List<int>();
        for (int t = 0; t < 11; t++) { counts.Add(learner.DecideSwitching()); learner.Step(); }
        Assert.Equal(new[] { 4, 0, 0, 0, 0, 4, 0, 0, 0, 0, 4 }, counts);
    }

    [Fact]
    public void NormalisationGivesUnitColumnsToWithinAFewLsb()
    {
        var solver = BarsSolver(1, out _, out _);
        short[] a = solver.DictionaryColumns;
        for (int i = 0; i < a.Length; i++) a[i] = (short)(a[i] / 3 + (i % 7)); // shrink and skew every column
        var lp = new LearningParameters(false, 0, 0, false, 0, 0, true, FixedSwitching.Synchronous, 1, 0, LearningRounding.Stochastic);
        new FixedLearner(solver, lp, 1).NormaliseColumns();
        for (int k = 0; k < 16; k++)
        {
            double sq = 0;
            for (int d = 0; d < 64; d++) { double v = a[k * 64 + d] / 8192.0; sq += v * v; }
            // Each entry is rounded to nearest (error <= 1/2 LSB), so the norm is off by at most
            // about sqrt(64) / 2 LSB relative to a unit column: 4 / 8192.
            Assert.InRange(Math.Sqrt(sq), 1 - 4.0 / 8192, 1 + 4.0 / 8192);
        }
    }
}

/// <summary>Learning rates that round to zero at the chosen formats are refused with the limit that works.</summary>
public class LearningRateLimitTests
{
    [Fact]
    public void TheDictionaryRateLimitIsWhereTheTypicalIncrementFallsBelowTheRoundingResolution()
    {
        // A Q1.10, M Q3.8, sigma 0.5, B = 4, dt = 1: c_A = dt / (tau 0.25 4) 2^(10 - 16) = 2^-6 / tau LSB per unit;
        // one chain's s = r = 1 is a sum of 2^16, so the increment 2^10 / tau LSB reaches 2^-31 at tau = 2^41.
        var format = Simulator.FormatSpec.Parse("A=12.10,S=24.12,M=12.8,C=12.10");
        var model = new Reference.Data.BarsData().TrueModel();
        var inference = Reference.Settings.InferenceSettings.Default with { Dt = 1 };
        var learning = new Reference.Settings.LearningSettings { Batch = 4 };
        double limit = Math.ScaleB(1.0, 41);
        var ok = Simulator.FixedLearning.Convert(model, format, inference, learning with { TauA = limit * 0.99 });
        Assert.True(ok.DictionaryRate > 0);
        var e = Assert.Throws<Reference.Io.InvalidInputException>(() => Simulator.FixedLearning.Convert(model, format, inference, learning with { TauA = limit * 1.01 }));
        Assert.Contains("tau_a", e.Message);
        Assert.Contains("tau_a <= 2.199E+12", e.Message);
        Assert.Contains("A Q1.10", e.Message);
        // an unlearned dictionary's rate is not checked
        Assert.Equal(0, Simulator.FixedLearning.Convert(model, format, inference, learning with { TauA = limit * 4, LearnDictionary = false }).DictionaryRate);
    }
}
