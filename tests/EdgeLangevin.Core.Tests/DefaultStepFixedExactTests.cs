using EdgeLangevin.Core;
using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// Right by default, fixed point: on the stiff sigma = 0.3 cases of <see cref="StiffCases"/> (K = 1, and K = 2 with
/// atoms at cosine 0.9), both variants and both orders, the fixed-point core in the default formats at the step
/// policy's default step is within 0.01 of the exact grid posterior in P(s != 0 | x) and E[s | x]. As in the float
/// test (EdgeLangevin.Reference.Tests.DefaultStepExactTests) only the run length is set: 256 chains x 300 tau_u (second order 1200), so
/// that the standard error is at most 0.005 (checked).
/// </summary>
public class DefaultStepFixedExactTests
{
    public static TheoryData<string, Variant, int> Cases()
    {
        var data = new TheoryData<string, Variant, int>();
        foreach (var (name, variant, order) in StiffCases.DefaultStepCases()) data.Add(name, variant, order);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_step_in_the_default_formats_is_within_0_01_of_the_exact_posterior(string name, Variant variant, int order)
    {
        ExactCase c = StiffCases.Get(name, variant);
        var exact = new ExactPosterior(c.Model, c.X, 200);
        InferenceSettings s = StiffCases.AtDefaultStep(c.Model, order, 256); // as in the float test
        FixedInferenceResult run = FixedEngine.Infer(c.Model, [c.X], s, 23, FixedFormat.Default);
        PosteriorSummary mc = run.Summaries[0];
        Assert.Equal(0, run.SaturationCount);
        for (int k = 0; k < c.Model.K; k++)
        {
            Assert.True(mc.PActiveStdError[k] <= 0.005 && mc.MeanStdError[k] <= 0.005, $"{c.Name}: standard errors {mc.PActiveStdError[k]}, {mc.MeanStdError[k]} too large to test 0.01");
            Assert.True(Math.Abs(mc.PActive[k] - exact.PActive[k]) <= 0.01, $"{c.Name} order {order} unit {k}: P(s != 0) {mc.PActive[k]:F4} vs exact {exact.PActive[k]:F4}");
            Assert.True(Math.Abs(mc.Mean[k] - exact.Mean[k]) <= 0.01, $"{c.Name} order {order} unit {k}: E[s] {mc.Mean[k]:F4} vs exact {exact.Mean[k]:F4}");
        }
    }
}
