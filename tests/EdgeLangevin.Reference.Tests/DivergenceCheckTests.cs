using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// FloatEngine.CheckFinite, the safety net that turns diverged chains into an error: it must fire on a mean no posterior
/// can have, and must not fire on a legitimate run at a high temperature, whose tempered posterior exp(-E / T) is broad.
/// </summary>
public class DivergenceCheckTests
{
    private static SparseCodingModel Model() => new()
    {
        Variant = Variant.Signed, Lambda = 1.0, Pi = 0.3, Sigma = 0.5,
        Dictionary = new Matrix(4, 2, [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2]),
    };

    private static readonly double[][] Inputs = [[0.5, -0.25, 1.0, 0.0]];

    private static PosteriorSummary Summary(double mean) => new()
    {
        PActive = [0.5, 0.5], Mean = [mean, 0], Std = [1, 1], PActiveStdError = [0.01, 0.01], MeanStdError = [0.01, 0.01],
        PActiveEss = [100, 100], MeanEss = [100, 100], SampleCount = 100,
    };

    [Theory]
    [InlineData(1.0)]
    [InlineData(1e12)]
    public void A_mean_beyond_any_tempered_posterior_is_refused_as_diverged(double temperature)
    {
        var settings = StepPolicy.Resolve(Model(), InferenceSettings.Default with { Temperature = temperature }).Settings;
        // 1e30 is beyond the reach of exp(-E / T) at either temperature (its Laplace tail is T / lambda = 1e12 long).
        var e = Assert.Throws<InvalidInputException>(() => FloatEngine.CheckFinite(Model(), Inputs, [Summary(1e30)], settings));
        Assert.StartsWith(FloatEngine.Diverged, e.Message);
        Assert.Throws<InvalidInputException>(() => FloatEngine.CheckFinite(Model(), Inputs, [Summary(double.NaN)], settings));
    }

    [Fact]
    public void A_stable_run_at_a_high_temperature_is_not_called_diverged()
    {
        // At T = 1e12 the chains wander to |E[s]| ~ 1e5 within a few hundred steps: plausible for a posterior whose Laplace
        // tail is 1e12 long, and refused before the reach was widened with T (infer exited 2 with "the chains diverged").
        var settings = InferenceSettings.Default with { Temperature = 1e12, Chains = 4, Samples = 200, BurnIn = 50 };
        PosteriorSummary[] result = FloatEngine.Infer(Model(), Inputs, settings, seed: 3);
        Assert.All(result[0].Mean, m => Assert.True(double.IsFinite(m)));
        Assert.True(result[0].Mean.Max(Math.Abs) > 10 * Exact.ExactPosterior.HalfWidth(Model(), Inputs[0]),
            "the run must reach beyond the T = 1 limit, or it does not test the widening");
    }
}
