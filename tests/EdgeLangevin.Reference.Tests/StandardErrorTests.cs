using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using Xunit.Abstractions;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// Honest error bars: the standard errors that infer reports (<see cref="PosteriorAccumulator"/>, through
/// <see cref="EffectiveSampleSize"/>) are the real spread of the estimates. Checked against series whose
/// autocorrelation time is known in closed form, and against the exact K = 1 posterior over many independent runs:
/// the z-scores (estimate - exact) / SE must have unit spread.
/// </summary>
public class StandardErrorTests(ITestOutputHelper output)
{
    /// <summary>AR(1) series x_t = phi x_{t-1} + N(0, 1), started in its stationary law: tau = (1 + phi) / (1 - phi).</summary>
    private static double[] Ar1(double phi, int chains, int length, long seed)
    {
        var x = new double[chains * length];
        for (int j = 0; j < chains; j++)
        {
            var rng = new Rng(seed, j);
            double v = rng.NextGaussian() / Math.Sqrt(1 - phi * phi);
            for (int i = 0; i < length; i++)
            {
                x[j * length + i] = v;
                v = phi * v + rng.NextGaussian();
            }
        }
        return x;
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.9, 19.0)]
    [InlineData(-0.5, 1.0 / 3)]
    public void Autocorrelation_time_of_an_AR1_series_is_its_closed_form(double phi, double tau)
    {
        // 4 chains x 20000: the initial positive sequence's relative error is a few per cent at tau = 19
        // (its window is ~ 5 tau of 80000 values); 15 % is about 3 of them. Anti-correlated (phi < 0): the true tau is
        // 1/3, above the estimator's floor 1 / log10(80000) = 0.2, and the pairs rho_2m + rho_2m+1 stay positive.
        EffectiveSampleSize.Estimate e = EffectiveSampleSize.Analyse(Ar1(phi, 4, 20_000, 5), 4, 20_000);
        Assert.InRange(e.Tau, 0.85 * tau, 1.15 * tau);
        Assert.InRange(e.Variance, 0.9 / (1 - phi * phi), 1.1 / (1 - phi * phi));
        Assert.Equal(80_000 / e.Tau, e.Ess, 9);
    }

    [Fact]
    public void Chains_that_disagree_widen_the_error_instead_of_hiding_it()
    {
        // Two chains stuck at different levels (0 and 1, each with independent noise of sd 0.1): the within-chain
        // spread alone would give 0.1 / sqrt(2000) = 0.002; the grand mean is really uncertain by about the gap.
        var x = new double[2 * 1000];
        var rng = new Rng(3);
        for (int i = 0; i < x.Length; i++) x[i] = (i < 1000 ? 0 : 1) + 0.1 * rng.NextGaussian();
        EffectiveSampleSize.Estimate e = EffectiveSampleSize.Analyse(x, 2, 1000);
        Assert.True(e.StandardError > 0.2, $"standard error {e.StandardError} of two disagreeing chains");
        // Constant series: no error, no effective sample size.
        EffectiveSampleSize.Estimate flat = EffectiveSampleSize.Analyse(new double[400], 4, 100);
        Assert.Equal(0, flat.StandardError);
        Assert.True(double.IsNaN(flat.Ess));
    }

    private static readonly SparseCodingModel WorkedCase =
        new() { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };

    /// <summary>
    /// <paramref name="runs"/> independent runs of MALA (exact at any step, so the only error is Monte Carlo) with infer's
    /// default 4 chains on the MODEL.md worked case, as one call with the input repeated (each input gets its own chains and
    /// random streams). Returns the z-scores of P(s != 0) and E[s] against the grid posterior, and the summaries.
    /// </summary>
    private static (double[] Z, PosteriorSummary[] Runs) ZScores(InferenceSettings settings, int runs, long seed)
    {
        double[] x = [1.2];
        var exact = new ExactPosterior(WorkedCase, x, 200);
        PosteriorSummary[] r = FloatEngine.Infer(WorkedCase, Enumerable.Repeat(x, runs).ToArray(), settings, seed);
        double[] z = r.SelectMany(s => new[]
        {
            (s.PActive[0] - exact.PActive[0]) / s.PActiveStdError[0],
            (s.Mean[0] - exact.Mean[0]) / s.MeanStdError[0],
        }).ToArray();
        return (z, r);
    }

    /// <summary>
    /// The tolerance: 400 runs give 800 z-scores, but a run's two are correlated, so count 400 independent ones. If the
    /// standard errors are right, z is close to N(0, 1): the fraction beyond 2 is 0.046 (binomial sd over 400: 0.010), and
    /// the RMS is 1 (sd about 1 / sqrt(2 x 400) = 0.035). Accepted: fraction in [0.015, 0.085] and RMS in [0.87, 1.15],
    /// about 3 to 4 sd either way, with a little room for the estimator's own noise. What this catches: the previous
    /// estimate from the spread over 4 chains is Student-t with 3 degrees of freedom (RMS 1.7, 14 % beyond 2), and the
    /// naive i.i.d. formula at a small step is off by a factor of 10 or more.
    /// </summary>
    private void AssertCalibrated(double[] z, string what)
    {
        double beyond2 = z.Count(v => Math.Abs(v) > 2) / (double)z.Length;
        double rms = Math.Sqrt(z.Average(v => v * v));
        output.WriteLine($"{what}: {z.Length} z-scores, fraction beyond 2 SE {beyond2:F3}, RMS {rms:F3}, mean {z.Average():F3}");
        Assert.InRange(beyond2, 0.015, 0.085);
        Assert.InRange(rms, 0.87, 1.15);
    }

    [Fact]
    public void Standard_errors_at_infers_defaults_have_unit_z_spread_against_the_exact_posterior()
    {
        // MALA at the paper's eps = 0.05 (acceptance ~0.95) with infer's default lengths (4 chains, 100 tau_u of samples).
        var settings = new InferenceSettings { Method = InferenceMethod.Mala, Dt = 1 };
        settings = StepPolicy.Resolve(WorkedCase, settings).Settings;
        (double[] z, _) = ZScores(settings, 400, 11);
        AssertCalibrated(z, "eps 0.05, 4 chains x 100 tau_u");
    }

    [Fact]
    public void A_small_step_gets_wider_errors_than_the_iid_formula_and_they_are_still_right()
    {
        // eps = 0.005 (a tenth of the paper's): successive samples are nearly equal (the autocorrelation time is about
        // 900 steps), so sqrt(p (1 - p) / N) over all 4 x 20000 samples (100 tau_u per chain) is far too small.
        // Measured while writing this: with 50 tau_u per chain (ESS ~46 of 80000) the z RMS was 1.13: a standard error
        // estimated from so few effective samples is itself noisy, so z is heavier-tailed than N(0, 1).
        var settings = new InferenceSettings { Method = InferenceMethod.Mala, Dt = 0.1, Samples = 20_000, BurnIn = 10_000 };
        (double[] z, PosteriorSummary[] runs) = ZScores(settings, 400, 12);
        AssertCalibrated(z, "eps 0.005, 4 chains x 100 tau_u");
        double ratio = runs.Average(r => r.PActiveStdError[0] / Math.Sqrt(r.PActive[0] * (1 - r.PActive[0]) / r.SampleCount));
        double ess = runs.Average(r => r.PActiveEss[0]);
        output.WriteLine($"SE / i.i.d. SE = {ratio:F1}, ESS {ess:F0} of {runs[0].SampleCount} samples");
        Assert.True(ratio > 5, $"SE only {ratio:F1} x the i.i.d. formula's");
        Assert.InRange(ess, 1, runs[0].SampleCount / 25.0);
    }
}
