using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using Xunit.Abstractions;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// A non-negative unit whose data want a negative code keeps its whole active mass in a thin layer just beyond its
/// threshold, of width about 1 / (lambda + J) with J the opposing data drive there (<see cref="StepPolicy.ThresholdDrive"/>).
/// The default step must resolve that layer, as it resolves the prior's kink at 0. Exact values from
/// <see cref="ExactPosterior"/> (a grid integral over u, independent of the sampler), checked against
/// bench/posterior-sweep/exact.py's.
/// </summary>
public class ThresholdLayerTests(ITestOutputHelper output)
{
    private static readonly double C3 = Math.Sqrt(1 - 0.09);

    /// <summary>hunt.py's new cell k2-cos0.3 s0.1 l3.0 pi0.7 non-negative, x = a0 - a1, unit 1 (J = 90).</summary>
    private static SparseCodingModel Cos03(double pi = 0.7) => new()
    {
        Variant = Variant.NonNegative, Lambda = 3, Pi = pi, Sigma = 0.1, Dictionary = new Matrix(2, 2, [1.0, 0.3, 0.0, C3]),
    };

    /// <summary>
    /// On main c2f2093 the default second-order step (dt 0.17, eps (lambda + J) / sqrt(mu) = 0.8: about one step across the
    /// layer) reported, seed 1, P(s_1 != 0) 0.0933 +- 0.0042 for exact 0.0693 (z 5.8) and E[s_1] 0.0015 +- 0.0001 for 0.0007
    /// (z 6.3); first order on the same model at pi 0.95 (eps (lambda + J)^2 = 2.7, and the noise step jumps the whole zero
    /// region, 2 u0 = 0.034) 0.5204 +- 0.0100 for 0.3773 (z 14); a K = 1 unit at x = -1, sigma 0.3, lambda 1, pi 0.95 (J = 11)
    /// first order 0.652 +- 0.010 for 0.595 (z 5.6).
    /// </summary>
    [Theory]
    [InlineData("cos0.3 pi0.7", 2, 0.0693)]
    [InlineData("cos0.3 pi0.95", 1, 0.3773)]
    [InlineData("k1 x-1 pi0.95", 1, 0.5952)]
    public void Default_step_resolves_the_layer_beyond_a_non_negative_threshold(string name, int order, double exactPy)
    {
        (SparseCodingModel model, double[] x, int unit) = name switch
        {
            "cos0.3 pi0.7" => (Cos03(), new[] { 0.7, -C3 }, 1),
            "cos0.3 pi0.95" => (Cos03(0.95), new[] { 0.7, -C3 }, 1),
            _ => (new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.95, Sigma = 0.3, Dictionary = new Matrix(1, 1, [1.0]) }, new[] { -1.0 }, 0),
        };
        // the layer is 0.01 wide: the grid needs more than its default 400 intervals per piece to resolve it
        var exact = new ExactPosterior(model, x, 1000);
        output.WriteLine($"exact P(s_{unit} != 0) {exact.PActive[unit]:F5} (exact.py {exactPy})");
        Assert.InRange(exact.PActive[unit], exactPy - 0.0005, exactPy + 0.0005); // the case (exact.py)
        var settings = new InferenceSettings { Order = order, Method = InferenceMethod.Langevin };
        (PosteriorSummary[] mc, RunLength length) = FloatEngine.Run(model, [x], settings, 1);
        StepChoice step = StepPolicy.Resolve(model, settings, [x]);
        PosteriorSummary r = StepBias.Include(mc, step.ExpectedBias)[0];
        for (int k = 0; k < model.K; k++)
        {
            double zp = (r.PActive[k] - exact.PActive[k]) / r.PActiveStdError[k], zm = (r.Mean[k] - exact.Mean[k]) / r.MeanStdError[k];
            output.WriteLine($"{name} order {order} unit {k}: P {r.PActive[k]:F4} +- {r.PActiveStdError[k]:F4} (exact {exact.PActive[k]:F4}, z {zp:F2}), " +
                             $"E[s] {r.Mean[k]:F5} +- {r.MeanStdError[k]:F5} (exact {exact.Mean[k]:F5}, z {zm:F2}); dt {step.Settings.Dt:G4}, J {step.ThresholdDrive:F1}, {length.SamplesTauU:F0} tau_u");
            // the policy's own tolerance on the bias, and error bars that cover the exact value
            Assert.True(Math.Abs(r.PActive[k] - exact.PActive[k]) <= StepPolicy.BiasTolerance + 3 * r.PActiveMonteCarloStdError![k],
                $"{name} unit {k}: p_active {r.PActive[k]:F4} vs exact {exact.PActive[k]:F4}");
            Assert.True(Math.Abs(zp) <= 3, $"{name} unit {k}: p_active {r.PActive[k]:F4} +- {r.PActiveStdError[k]:G3} vs exact {exact.PActive[k]:F4}: {zp:F1} standard errors");
            Assert.True(Math.Abs(zm) <= 3, $"{name} unit {k}: mean {r.Mean[k]:F5} +- {r.MeanStdError[k]:G3} vs exact {exact.Mean[k]:F5}: {zm:F1} standard errors");
        }
    }

    [Fact]
    public void The_threshold_drive_is_the_opposing_data_drive_at_the_MAP_of_the_other_units()
    {
        // K = 1, x = -1, sigma 0.3: the MAP is 0 and the unit meets a . x / sigma^2 = -1 / 0.09 at its threshold
        var k1 = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.95, Sigma = 0.3, Dictionary = new Matrix(1, 1, [1.0]) };
        Assert.Equal(1 / 0.09, StepPolicy.ThresholdLayer(k1, [[-1.0]]).Drive, 9);
        Assert.Equal((0.0, 0.0, 0.0), StepPolicy.ThresholdLayer(k1, [[1.0]]));                             // driven up: no layer
        Assert.Equal((0.0, 0.0, 0.0), StepPolicy.ThresholdLayer(k1 with { Variant = Variant.Signed }, [[-1.0]])); // the other sign takes it
        Assert.Equal((0.0, 0.0, 0.0), StepPolicy.ThresholdLayer(k1, null));
        // the pair at cosine 0.3, x = a0 - a1: unit 0's MAP is a0 . x - lambda sigma^2 = 0.7 - 0.03 = 0.67; unit 1 then
        // meets a1 . (x - 0.67 a0) / sigma^2 = (0.3 - 1 - 0.3 x 0.67) / 0.01 = -90.1
        Assert.Equal(90.1, StepPolicy.ThresholdLayer(Cos03(), [[0.7, -C3]]).Drive, 6);
        // the largest over the inputs
        Assert.Equal(90.1, StepPolicy.ThresholdLayer(Cos03(), [[1.0, 0.0], [0.7, -C3]]).Drive, 6);
    }

    [Fact]
    public void The_layer_weighs_in_by_its_largest_mass()
    {
        // cosine 0.3, pi 0.7, lambda 3, J 90.1: force 93.1; the slab's odds 0.7 x 3 / (0.3 x 93.1) = 0.075188, mass at most
        // 0.069930 (exact P 0.0693), w = 2.5 x 0.069930 = 0.174825: w force^2 = 1515.3
        Assert.Equal(1515.3, StepPolicy.ThresholdLayer(Cos03(), [[0.7, -C3]]).Stiffness, 1);
        Assert.Equal(2.5 * (2.1 / 27.93) / (1 + 2.1 / 27.93), StepPolicy.ThresholdLayer(Cos03(), [[0.7, -C3]]).Weight, 7);
        // at pi 0.95 the layer holds 0.38 of the posterior: odds 0.95 x 3 / (0.05 x 93.1) = 0.61224, w = 2.5 x 0.37975 = 0.94937
        Assert.Equal(0.94937 * 93.1 * 93.1, StepPolicy.ThresholdLayer(Cos03(0.95), [[0.7, -C3]]).Stiffness, 0);
        Assert.Equal(2.5 * (2.85 / 4.655) / (1 + 2.85 / 4.655), StepPolicy.ThresholdLayer(Cos03(0.95), [[0.7, -C3]]).Weight, 7);
        // K = 1, x = -1, sigma 0.3, pi 0.95: odds 0.95 / (0.05 x 12.11) = 1.569, mass 0.611, w = 1
        var k1 = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.95, Sigma = 0.3, Dictionary = new Matrix(1, 1, [1.0]) };
        Assert.Equal((1 + 1 / 0.09) * (1 + 1 / 0.09), StepPolicy.ThresholdLayer(k1, [[-1.0]]).Stiffness, 9);
        Assert.Equal(1, StepPolicy.ThresholdLayer(k1, [[-1.0]]).Weight);
        // no zero state (pi 1): the layer is all of the active mass
        Assert.Equal((1 + 1 / 0.09) * (1 + 1 / 0.09), StepPolicy.ThresholdLayer(k1 with { Pi = 1 }, [[-1.0]]).Stiffness, 9);
        // sigma 0.05, x = -1: J 400, mass at most 0.0025 (pi 0.5): w = 0.0062, not 400 times the model's steps
        var tiny = k1 with { Pi = 0.5, Sigma = 0.05 };
        Assert.Equal(2.5 * (1 / 401.0) / (1 + 1 / 401.0) * 401 * 401, StepPolicy.ThresholdLayer(tiny, [[-1.0]]).Stiffness, 6);
    }

    [Fact]
    public void The_layer_enters_the_stiffness_only_for_the_unadjusted_step()
    {
        SparseCodingModel m = Cos03();
        double[][] x = [[0.7, -C3]];
        double c = StepPolicy.Curvature(m);
        StepChoice langevin = StepPolicy.Resolve(m, new InferenceSettings(), x);
        Assert.Equal(1515.3, langevin.Stiffness, 1); // the steepest scale: the layer's, above c + lambda^2 = 139
        // rare.py case E (non-negative pair a1 = -0.5 a0, x at atom 0's threshold): J = 0.5, w (lambda + J)^2 = 1.25, far
        // below c + lambda^2 = 14.9: the model's step already resolves it
        var caseE = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.3, Sigma = 0.3, Dictionary = new Matrix(2, 2, [1.0, -0.5, 0.0, 0.0]) };
        Assert.Equal(StepPolicy.Resolve(caseE, new InferenceSettings()).Stiffness, StepPolicy.Resolve(caseE, new InferenceSettings(), [[0.09, 0.0]]).Stiffness);
        Assert.Equal(90.1, langevin.ThresholdDrive, 6);
        Assert.Equal(StepPolicy.FirstOrderH / langevin.Stiffness, langevin.Settings.Eps, 12);
        // without inputs (learning, compare, exports) and for MALA (exact at any step) the model's own step
        Assert.Equal(c + 9, StepPolicy.Resolve(m, new InferenceSettings()).Stiffness, 9);
        StepChoice mala = StepPolicy.Resolve(m, new InferenceSettings { Method = InferenceMethod.Mala }, x);
        Assert.Equal(StepPolicy.Resolve(m, new InferenceSettings { Method = InferenceMethod.Mala }).Settings.Eps, mala.Settings.Eps);
    }

    [Fact]
    public void A_layer_too_thin_for_the_default_lengths_does_not_refuse_a_model_whose_own_step_fits()
    {
        // sigma 0.01, pi 0.999, x = -1: J = 1e4 and the layer holds up to 0.09 of the posterior: w (lambda + J)^2 = 2.3e7 would
        // need 8.5e10 steps per chain. The model's own step (4e-6, stiffness 1e4) fits 150 tau_u in 3.75e7 steps, so the
        // run goes on at the shortest step that fits, and the error bars carry its larger bias.
        var m = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.999, Sigma = 0.01, Dictionary = new Matrix(1, 1, [1.0]) };
        StepChoice step = StepPolicy.Resolve(m, new InferenceSettings(), [[-1.0]]);
        StepChoice model = StepPolicy.Resolve(m, new InferenceSettings());
        Assert.True(model.Settings.ResolvedSamples + model.Settings.ResolvedBurnIn <= StepPolicy.MaxDefaultStepsPerChain);
        Assert.True(step.Settings.ResolvedSamples + step.Settings.ResolvedBurnIn <= StepPolicy.MaxDefaultStepsPerChain);
        Assert.True(step.Settings.Eps < model.Settings.Eps);
        Assert.True(step.ExpectedBias > StepPolicy.BiasTolerance, $"bias bound {step.ExpectedBias}");
    }
}
