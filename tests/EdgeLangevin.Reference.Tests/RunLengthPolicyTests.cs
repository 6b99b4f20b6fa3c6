using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using Xunit.Abstractions;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// The run-length policy (samples and burn-in left unset: RunLengthPolicy, FloatEngine.RunLoop) on posteriors the
/// posterior sweep (bench/posterior-sweep/RESULTS.md, session 11) found far off at the old fixed 50 + 100 tau_u:
/// the exact values come from <see cref="ExactPosterior"/> (a grid integral, independent of the sampler).
/// </summary>
public class RunLengthPolicyTests(ITestOutputHelper output)
{
    public static TheoryData<string, double, double, double, double[], double[], bool, int> Cases() => new()
    {
        // name, sigma, lambda, pi, dictionary (D x K row-major), x, MALA (--exact), unit checked; signed variant, first
        // order (infer's default). At the old defaults (`infer` of the session-11 main on the same single input, seed 1,
        // --threads 1) they were off by 0.244 (0.612 +- 0.300 for exact 0.856), 0.036 (0.913 +- 0.114 for 0.949) and
        // 0.087 (0.903 +- 0.127 for 0.990). Cases whose step is much smaller (k1-a3, k2-cos0.9 at sigma 0.1: eps 4e-4
        // and 2e-4, millions of steps) pass the same way (bench/posterior-sweep/RESULTS.md) but are too slow for a test.
        { "k1-a0.3 pi0.05", 0.3, 1, 0.05, [0.3], [1.2], false, 0 },
        { "k1-a1 pi0.05 MALA", 0.3, 1, 0.05, [1.0], [1.2], true, 0 },
        // weak prior
        { "k1-a1 l0.3", 0.3, 0.3, 0.3, [1.0], [1.2], false, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Defaults_reach_the_exact_posterior_within_their_standard_errors(string name, double sigma, double lambda, double pi, double[] a, double[] x,
        bool mala, int unit)
    {
        int k = a.Length / x.Length;
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = lambda, Pi = pi, Sigma = sigma, Dictionary = new Matrix(x.Length, k, a) };
        var exact = new ExactPosterior(model, x);
        var settings = new InferenceSettings { Method = mala ? InferenceMethod.Mala : InferenceMethod.Langevin };
        (PosteriorSummary[] s, RunLength length) = FloatEngine.Run(model, [x], settings, 1);
        PosteriorSummary r = s[0];
        output.WriteLine($"{name}: {RunLengthPolicy.Describe(length)}");
        for (int u = 0; u < k; u++)
            output.WriteLine($"  unit {u}: p_active {r.PActive[u]:F4} +- {r.PActiveStdError[u]:F4} exact {exact.PActive[u]:F4}; mean {r.Mean[u]:F4} +- {r.MeanStdError[u]:F4} exact {exact.Mean[u]:F4}");
        for (int u = 0; u < k; u++)
        {
            double dp = r.PActive[u] - exact.PActive[u], dm = r.Mean[u] - exact.Mean[u];
            Assert.True(Math.Abs(dp) <= 3 * r.PActiveStdError[u], $"{name} unit {u}: p_active {r.PActive[u]:F4} +- {r.PActiveStdError[u]:G3} vs exact {exact.PActive[u]:F4}");
            Assert.True(Math.Abs(dm) <= 3 * r.MeanStdError[u], $"{name} unit {u}: mean {r.Mean[u]:F4} +- {r.MeanStdError[u]:G3} vs exact {exact.Mean[u]:F4}");
        }
        Assert.True(Math.Abs(r.PActive[unit] - exact.PActive[unit]) <= 0.02, $"{name}: p_active {r.PActive[unit]:F4} vs exact {exact.PActive[unit]:F4}, more than 0.02 off");
        Assert.True(length.SamplesTauU > 100.5, $"{name}: stopped at {length.SamplesTauU:G4} tau_u, the old fixed length: these posteriors need more");
    }

    [Fact]
    public void Explicit_samples_and_burn_in_run_exactly_as_given()
    {
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.05, Sigma = 0.3, Dictionary = new Matrix(1, 1, [3.0]) };
        (PosteriorSummary[] s, RunLength length) = FloatEngine.Run(model, [[1.2]], new InferenceSettings { Samples = 300, BurnIn = 70 }, 1);
        Assert.Equal(RunStop.AsGiven, length.Stop);
        Assert.Equal(300, length.Samples);
        Assert.Equal(70, length.BurnIn);
        Assert.Equal(4 * 300, s[0].SampleCount);
    }

    [Fact]
    public void An_easy_posterior_stops_at_the_first_checkpoint_with_the_targets_met()
    {
        // MODEL.md's worked model at x = 0 (P(s != 0) about 0.1, escape 1.1 tau_u): the targets within 400 tau_u.
        // (At its worked x = 1.2, P(s != 0) = 0.62 needs about 2800 tau_u of 4 chains for SE 0.01: that run ends at the budget.)
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };
        (PosteriorSummary[] s, RunLength length) = FloatEngine.Run(model, [[0.0]], new InferenceSettings(), 1);
        output.WriteLine(RunLengthPolicy.Describe(length));
        Assert.Equal(RunStop.TargetReached, length.Stop);
        Assert.True(s[0].PActiveStdError[0] <= RunLengthPolicy.TargetPActiveStdError);
        Assert.InRange(length.SamplesTauU, 100, 400);
        Assert.InRange(length.BurnInTauU, 50, 51);
    }

    [Fact]
    public void A_posterior_that_mixes_too_slowly_stops_at_the_budget_naming_what_it_achieved()
    {
        // pi = 0.01: the zero region's escape takes 94 tau_u (first order); 100 escapes pooled over 4 chains is more
        // than the 1600 tau_u budget, so the run must stop there and say so, never report the targets met.
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.01, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };
        Assert.InRange(StepPolicy.ZeroRegionEscapeTauU(model, 1), 94, 95);
        (_, RunLength length) = FloatEngine.Run(model, [[0.0]], new InferenceSettings { Order = 2 }, 1);
        output.WriteLine(RunLengthPolicy.Describe(length));
        Assert.Equal(RunStop.Budget, length.Stop);
        Assert.InRange(length.SamplesTauU, StepPolicy.MaxSampleTauU * 0.8, StepPolicy.MaxSampleTauU * 1.01);
        string warning = RunLengthPolicy.Warning(length)!;
        Assert.Contains("budget", warning);
        Assert.Contains("--samples", warning);
    }

    [Fact]
    public void Escape_time_matches_the_mean_exit_time_of_the_prior_diffusion()
    {
        // Independent of the closed form: tau'' - lambda tau' = -1 on [0, u0], tau'(0) = 0, tau(u0) = 0, integrated
        // numerically (tau'(u) = -int_0^u e^(lambda (u - v)) dv, tau(0) = -int_0^u0 tau'(u) du) by the midpoint rule.
        foreach ((double lambda, double pi) in new[] { (1.0, 0.3), (1.0, 0.05), (0.3, 0.3), (2.0, 0.5) })
        {
            var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = lambda, Pi = pi, Sigma = 1, Dictionary = new Matrix(1, 1, [1.0]) };
            double u0 = model.U0, tau = 0;
            int n = 20000;
            for (int i = 0; i < n; i++)
            {
                double u = (i + 0.5) * u0 / n;
                tau += (Math.Exp(lambda * u) - 1) / lambda * (u0 / n); // -tau'(u)
            }
            Assert.Equal(tau, StepPolicy.ZeroRegionEscapeTauU(model, 1), 4);
        }
    }

    [Fact]
    public void A_growing_accumulator_keeps_every_sample_through_its_merges()
    {
        // 3 blocks' worth of doubling: the pooled mean and P(s != 0) are the plain averages; checkpoints at
        // 64 (merge to 32 blocks of 2), 80, 96, 112, 128 (merge), 160, ...
        var acc = PosteriorAccumulator.Growing(1, 1, 1, 64, stochastic: true, escapeSamples: 0);
        var checkpoints = new List<long>();
        double sum = 0; int active = 0;
        for (int t = 0; t < 320; t++)
        {
            double v = t % 3 == 0 ? 0 : t * 0.01;
            acc.Add(0, v);
            sum += v; if (v != 0) active++;
            acc.EndSample();
            if (acc.AtCheckpoint && acc.SampleCount >= 64) checkpoints.Add(acc.SampleCount);
        }
        Assert.Equal(new long[] { 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 }, checkpoints);
        PosteriorSummary r = acc.Summarise()[0];
        Assert.Equal(sum / 320, r.Mean[0], 12);
        Assert.Equal(active / 320.0, r.PActive[0], 12);
    }
}
