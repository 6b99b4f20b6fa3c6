using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using Xunit.Abstractions;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// Standard errors of P(s != 0) when one state is rare (the posterior sweep, bench/posterior-sweep, found them at 0 or
/// 1e-4 with the truth 0.002 to 0.02 away: 7 to 200 standard errors, "inf" when the run never left the active state).
/// Inputs far enough above threshold that P(s = 0 | x) is 0.001 to 0.01, at infer's default settings (the policy's
/// step, 4 chains, 100 tau_u), float first and second order and MALA: the reported standard error must cover the
/// distance to the exact grid posterior, |error| &lt;= 4 SE for every case (4: a normal z beyond 4 has odds 6e-5, so
/// across these cases one such is already a failure of the error bar, not bad luck).
/// Before the rare-switch floor (PosteriorAccumulator) 6 of the 9 failed (9 to 182 SE, and inf where the run never left the active state).
/// </summary>
public class RareSwitchStandardErrorTests(ITestOutputHelper output)
{
    public static TheoryData<double, double, Variant, int, string> Cases() => new()
    {
        // sigma, x, variant, order, method; lambda = 1, pi = 0.3, a = 1 (K = 1)
        { 0.3, 1.2, Variant.Signed, 1, "langevin" },
        { 0.3, 1.2, Variant.Signed, 2, "langevin" },
        { 0.3, 1.2, Variant.NonNegative, 1, "langevin" },
        { 0.3, 1.2, Variant.NonNegative, 2, "langevin" },
        { 0.1, 0.45, Variant.Signed, 2, "langevin" },
        { 0.1, 0.45, Variant.NonNegative, 2, "langevin" },
        { 0.3, 1.2, Variant.Signed, 1, "mala" },
        { 0.5, 2.0, Variant.Signed, 1, "langevin" },
        { 0.5, 2.0, Variant.NonNegative, 2, "langevin" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reported_standard_error_covers_a_rare_zero_state(double sigma, double x, Variant variant, int order, string method)
    {
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = sigma, Dictionary = new Matrix(1, 1, [1.0]) };
        var exact = new ExactPosterior(model, [x], 200);
        Assert.InRange(exact.PActive[0], 0.99, 0.9995); // the class: a rare zero state, not a certain one
        var settings = new InferenceSettings { Order = order, Method = method == "mala" ? InferenceMethod.Mala : InferenceMethod.Langevin };
        PosteriorSummary r = FloatEngine.Infer(model, [[x]], settings, 3)[0];
        double z = (r.PActive[0] - exact.PActive[0]) / r.PActiveStdError[0];
        output.WriteLine($"sigma {sigma} x {x} {variant} order {order} {method}: p_active {r.PActive[0]:F5} +- {r.PActiveStdError[0]:F5}, exact {exact.PActive[0]:F5}, z {z:F2}; mean {r.Mean[0]:F5} +- {r.MeanStdError[0]:F5}, exact {exact.Mean[0]:F5}");
        Assert.True(Math.Abs(z) <= 4, $"p_active {r.PActive[0]:F5} +- {r.PActiveStdError[0]:G3} vs exact {exact.PActive[0]:F5}: {z:F1} standard errors");
        double zMean = (r.Mean[0] - exact.Mean[0]) / r.MeanStdError[0];
        Assert.True(Math.Abs(zMean) <= 4, $"mean {r.Mean[0]:F5} +- {r.MeanStdError[0]:G3} vs exact {exact.Mean[0]:F5}: {zMean:F1} standard errors");
    }

    [Fact]
    public void Floor_follows_the_blocks_that_saw_the_minority_state()
    {
        // Never seen in 4 chains x 64 blocks: one block's share, 1 / 256. Seen in 15 of 256 blocks with mass 0.01:
        // 0.01 sqrt((1 - 15/256) / 16). Seen in every block (well mixed): no floor.
        Assert.Equal(1.0 / 256, PosteriorAccumulator.RareSwitchFloor(1.0, 256, 0, 256), 12);
        Assert.Equal(1.0 / 256, PosteriorAccumulator.RareSwitchFloor(0.0, 0, 256, 256), 12);
        Assert.Equal(0.01 * Math.Sqrt((1 - 15.0 / 256) / 16), PosteriorAccumulator.RareSwitchFloor(0.99, 256, 15, 256), 12);
        Assert.Equal(0.01 * Math.Sqrt((1 - 15.0 / 256) / 16), PosteriorAccumulator.RareSwitchFloor(0.01, 15, 256, 256), 12);
        Assert.Equal(0, PosteriorAccumulator.RareSwitchFloor(0.3, 256, 256, 256));
    }

    [Fact]
    public void Deterministic_descent_has_no_floor()
    {
        // T = 0 (MAP descent): every chain sits at the same code; there is no Monte Carlo error to floor.
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.3, Dictionary = new Matrix(1, 1, [1.0]) };
        PosteriorSummary r = FloatEngine.Infer(model, [[1.2]], new InferenceSettings { Temperature = 0 }, 3)[0];
        Assert.True(r.PActive[0] is 0 or 1, $"p_active {r.PActive[0]} of identical deterministic chains");
        Assert.Equal(0.0, r.PActiveStdError[0]);
    }
}
