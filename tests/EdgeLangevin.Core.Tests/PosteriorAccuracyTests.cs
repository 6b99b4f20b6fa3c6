using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The fixed-point sampler against the exact posterior (K = 1, 2, grid integration by the
/// reference) and against the float reference on the bars posterior. Tolerances are Monte
/// Carlo standard errors from the effective sample size (PosteriorSummary),
/// at a step small enough (dt = 0.25, eps = 0.0125) that the Euler-Maruyama bias, which
/// float and fixed share, is below them: at dt = 1 both are off by about 0.015 on the
/// non-negative example (measured), which is the discretisation, not the arithmetic.
/// </summary>
public class PosteriorAccuracyTests
{
    private static readonly InferenceSettings Fine = new() { Dt = 0.25, Chains = 64, Samples = 60_000, BurnIn = 4_000, Mu = 1 };

    [Theory]
    [InlineData(Variant.Signed, 1, 0.382, 0.594)]
    [InlineData(Variant.NonNegative, 1, 0.240, 0.748)]
    [InlineData(Variant.Signed, 2, 0.382, 0.594)]
    [InlineData(Variant.NonNegative, 2, 0.240, 0.748)]
    public void OneUnitMatchesTheExactPosteriorWithinMonteCarloError(Variant variant, int order, double pZeroModelMd, double meanModelMd)
    {
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };
        double[] x = [1.2];
        var exact = new ExactPosterior(model, x);
        // The grid integrator agrees with the numbers MODEL.md states (3 decimals).
        Assert.Equal(pZeroModelMd, exact.PZero[0], 3);
        Assert.Equal(meanModelMd, exact.Mean[0], 3);
        var fixedRun = FixedEngine.Infer(model, [x], Fine with { Order = order }, 11, FixedFormat.Default);
        PosteriorSummary s = fixedRun.Summaries[0];
        // 4 standard errors: a false alarm rate of 6e-5 per comparison.
        Assert.InRange(s.PActive[0], exact.PActive[0] - 4 * s.PActiveStdError[0], exact.PActive[0] + 4 * s.PActiveStdError[0]);
        Assert.InRange(s.Mean[0], exact.Mean[0] - 4 * s.MeanStdError[0], exact.Mean[0] + 4 * s.MeanStdError[0]);
        Assert.True(s.PActiveStdError[0] < 0.01, "the run is long enough to resolve 0.04");
        Assert.Equal(0, fixedRun.SaturationCount);
        AllocationAssert.NoStepAllocates(fixedRun.AllocatingSteps, fixedRun.AllocatedBytesPerStep);
    }

    [Theory]
    [InlineData(Variant.Signed)]
    [InlineData(Variant.NonNegative)]
    public void TwoCorrelatedUnitsMatchTheExactPosteriorWithinMonteCarloError(Variant variant)
    {
        // Columns at 53 degrees to each other (cosine 0.6): explaining away couples the units.
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(2, 2, [1.0, 0.6, 0.0, 0.8]) };
        double[] x = [1.1, 0.6];
        var exact = new ExactPosterior(model, x);
        var run = FixedEngine.Infer(model, [x], Fine with { Samples = 40_000 }, 5, FixedFormat.Default);
        PosteriorSummary s = run.Summaries[0];
        for (int k = 0; k < 2; k++)
        {
            Assert.InRange(s.PActive[k], exact.PActive[k] - 4 * s.PActiveStdError[k], exact.PActive[k] + 4 * s.PActiveStdError[k]);
            Assert.InRange(s.Mean[k], exact.Mean[k] - 4 * s.MeanStdError[k], exact.Mean[k] + 4 * s.MeanStdError[k]);
        }
    }

    [Fact]
    public void OnTheBarsPosteriorFixedPointMatchesTheFloatReference()
    {
        // The brief's acceptance: 16-bit dictionary, 32-bit state, true bars dictionary,
        // p_active within 0.01 and E[s] within 3 % of the float reference. Both are Monte
        // Carlo estimates: with 16 chains x 40000 samples the standard error of a p_active
        // difference was up to 0.005 on slowly mixing units (measured: worst difference
        // 0.0145 = 2.9 SE); 64 chains x 30000 halves it, so 0.01 is about 4 SE; E[s] is compared where it is at least 0.2 (a relative error of a mean
        // near 0 is dominated by its absolute Monte Carlo error).
        var data = new BarsData();
        var model = data.TrueModel();
        var rng = new Rng(7, 0);
        var inputs = new double[2][];
        for (int i = 0; i < inputs.Length; i++) { inputs[i] = new double[data.Dimension]; data.Draw(rng, inputs[i], 0); }
        // dt = 1 (eps = 0.05) as measured: fixed against float at the same step; the step policy's smaller step would need more samples.
        var settings = new InferenceSettings { Dt = 1, Chains = 64, Samples = 30_000, BurnIn = 1_000 };
        var fx = FixedEngine.Infer(model, inputs, settings, 1, FixedFormat.Default);
        var fl = FloatEngine.Infer(model, inputs, settings, 2);
        for (int i = 0; i < inputs.Length; i++)
            for (int k = 0; k < data.K; k++)
            {
                Assert.InRange(fx.Summaries[i].PActive[k] - fl[i].PActive[k], -0.01, 0.01);
                if (fl[i].Mean[k] >= 0.2)
                    Assert.InRange(fx.Summaries[i].Mean[k] / fl[i].Mean[k], 0.97, 1.03);
            }
        Assert.Equal(0, fx.SaturationCount);
        AllocationAssert.NoStepAllocates(fx.AllocatingSteps, fx.AllocatedBytesPerStep);
    }
}
