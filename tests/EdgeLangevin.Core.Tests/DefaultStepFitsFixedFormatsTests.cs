using EdgeLangevin.Core;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The step policy's default step is one the fixed-point core can hold in its default formats whenever the model
/// itself fits them: the posterior sweep (bench/posterior-sweep) found `infer --engine fixed` refusing models at
/// default settings that the float engine ran, because the default step put the data gain eps / sigma^2 beyond the
/// Q1.14 coefficient word (below 2): small atoms at small sigma in second order (eps scales as sigma / |a|, the gain
/// as 1 / (sigma |a|)) and tiny atoms in first order (gain 0.04 / (|a|^2 + lambda^2 sigma^2)). Each case below failed the
/// conversion before <see cref="StepPolicy.MaxGain"/> capped the default step.
/// </summary>
public class DefaultStepFitsFixedFormatsTests
{
    public static TheoryData<double, double, int, Variant> Cases() => new()
    {
        // atom norm, sigma, order, variant (K = 1, lambda = 1, pi = 0.3)
        { 0.3, 0.1, 2, Variant.Signed },      // gain 3.16 before
        { 0.3, 0.1, 2, Variant.NonNegative },
        { 0.5, 0.05, 2, Variant.Signed },     // gain 3.98 before
        { 0.1, 0.1, 1, Variant.NonNegative }, // gain 2.0 before (round(2 x 2^14) = 32768 > 32767)
        { 0.1, 0.05, 2, Variant.Signed },     // gain 17.9 before
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_step_converts_to_the_default_formats_and_runs(double atom, double sigma, int order, Variant variant)
    {
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = sigma, Dictionary = new Matrix(1, 1, [atom]) };
        StepChoice step = StepPolicy.Resolve(model, new InferenceSettings { Order = order });
        double gain = step.Settings.Eps / (sigma * sigma);
        Assert.True(gain <= StepPolicy.MaxGain, $"gain eps / sigma^2 = {gain}");
        FixedParameters p = FixedParameters.Create(model, FixedFormat.Default, step);
        Assert.InRange(p.Step.Gain, 1, FixedFormat.MaxOf(FixedFormat.Default.CoefficientBits));
        // The engines still run it (a short run: the default length at these steps is millions of steps).
        InferenceSettings shortRun = step.Settings with { Samples = 200, BurnIn = 100 };
        FixedInferenceResult run = FixedEngine.Infer(model, [[2 * sigma * atom]], shortRun, 5, FixedFormat.Default);
        Assert.True(double.IsFinite(run.Summaries[0].Mean[0]) && run.SaturationCount == 0);
    }

    [Fact]
    public void The_cap_leaves_the_default_formats_room()
    {
        // MaxGain must fit Q1.14 after rounding: round(1.99 x 2^14) <= 2^15 - 1.
        FixedFormat f = FixedFormat.Default;
        Assert.True(Math.Round(StepPolicy.MaxGain * Math.ScaleB(1.0, f.CoefficientFracBits)) <= FixedFormat.MaxOf(f.CoefficientBits));
    }
}
