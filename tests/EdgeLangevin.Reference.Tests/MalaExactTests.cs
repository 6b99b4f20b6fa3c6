using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// MALA, the exact mode: at the paper's eps = 0.05, where the unadjusted sampler is off by 0.03 to 0.07 on the stiff
/// cases, the Metropolis-adjusted chain with the same proposal matches the exact grid posterior within its Monte Carlo
/// error: |P(s != 0) - exact| and |E[s] - exact| &lt;= 0.003 with standard errors &lt;= 0.0015 (0.003 is 2 of them) (512 chains x 1000 tau_u; 3000 for K = 2).
/// </summary>
public class MalaExactTests
{
    [Theory]
    [InlineData("k1-sigma0.3", Variant.NonNegative, 20_000)]
    [InlineData("k2-cos0.9-sigma0.3", Variant.Signed, 60_000)] // explaining away mixes slowly: 20000 left standard errors of 0.002
    public void Mala_matches_the_exact_posterior_where_the_unadjusted_step_is_biased(string name, Variant variant, int samples)
    {
        ExactCase c = StiffCases.Get(name, variant);
        var exact = new ExactPosterior(c.Model, c.X, 200);
        var settings = new InferenceSettings { Method = InferenceMethod.Mala, Dt = 1, Chains = 512, BurnIn = 1_000, Samples = samples };
        PosteriorSummary mala = FloatEngine.Infer(c.Model, [c.X], settings, 41)[0];
        Assert.NotNull(mala.AcceptanceRate);
        Assert.InRange(mala.AcceptanceRate!.Value, 0.5, 1.0);
        for (int k = 0; k < c.Model.K; k++)
        {
            Assert.True(mala.PActiveStdError[k] <= 0.0015 && mala.MeanStdError[k] <= 0.0015, $"standard errors {mala.PActiveStdError[k]}, {mala.MeanStdError[k]}");
            Assert.True(Math.Abs(mala.PActive[k] - exact.PActive[k]) <= 0.003, $"{c.Name} unit {k}: MALA P(s != 0) {mala.PActive[k]:F4} vs exact {exact.PActive[k]:F4}");
            Assert.True(Math.Abs(mala.Mean[k] - exact.Mean[k]) <= 0.003, $"{c.Name} unit {k}: MALA E[s] {mala.Mean[k]:F4} vs exact {exact.Mean[k]:F4}");
        }
        // The same proposal without the accept/reject step is visibly off here: the test's step matters.
        PosteriorSummary ula = FloatEngine.Infer(c.Model, [c.X], settings with { Method = InferenceMethod.Langevin, Chains = 64, Samples = 10_000 }, 41)[0];
        double worst = Enumerable.Range(0, c.Model.K).Max(k => Math.Abs(ula.PActive[k] - exact.PActive[k]));
        Assert.True(worst > 0.02, $"unadjusted at eps = 0.05 off by only {worst:F4}");
    }

    /// <summary>
    /// A strongly driven unit at default settings (the step and run length the tool chooses): one unit-norm atom in D = 8,
    /// sigma 0.5, x = c a with c = 40 (posterior mean ~ c - sigma^2 lambda, P(s != 0) = 1 to many digits) and c = 12, both
    /// signs in the signed variant. With the untruncated MALA force every proposal across the threshold was rejected
    /// (its way back carried the whole data drive): c = 40 reported P(s != 0) = 0 +- 0.0045 and E[s] = 0.
    /// The exact values are ExactPosterior's quadrature, not the sampler's.
    /// </summary>
    [Theory]
    [InlineData(Variant.NonNegative, 40.0)]
    [InlineData(Variant.Signed, -40.0)]
    [InlineData(Variant.NonNegative, 12.0)]
    public void Mala_at_default_settings_activates_a_strongly_driven_unit(Variant variant, double c)
    {
        var atom = Enumerable.Repeat(1 / Math.Sqrt(8), 8).ToArray();
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(8, 1, atom) };
        double[] x = atom.Select(a => c * a).ToArray();
        var exact = new ExactPosterior(model, x);
        PosteriorSummary mala = FloatEngine.Infer(model, [x], new InferenceSettings { Method = InferenceMethod.Mala }, 5)[0];
        Assert.True(exact.PActive[0] > 0.999, $"the case's exact P(s != 0) is {exact.PActive[0]}");
        Assert.True(Math.Abs(mala.PActive[0] - exact.PActive[0]) <= 3 * mala.PActiveStdError[0],
            $"c = {c}: MALA P(s != 0) {mala.PActive[0]:F4} +- {mala.PActiveStdError[0]:F4} vs exact {exact.PActive[0]:F4}");
        Assert.True(Math.Abs(mala.Mean[0] - exact.Mean[0]) <= 3 * mala.MeanStdError[0] + 1e-3,
            $"c = {c}: MALA E[s] {mala.Mean[0]:F4} +- {mala.MeanStdError[0]:F4} vs exact {exact.Mean[0]:F4}");
    }
}
