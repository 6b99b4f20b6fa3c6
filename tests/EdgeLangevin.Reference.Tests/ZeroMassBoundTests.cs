using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using Xunit.Abstractions;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// <see cref="ZeroMassBound"/>: a closed-form upper bound on P(s_k = 0 | x) for units orthogonal to every other atom, and
/// what it does to the error bars of a unit far above its threshold. Exact values from <see cref="ExactPosterior"/> (a grid
/// integral over u, independent of the bound's closed form over s and of the sampler).
/// </summary>
public class ZeroMassBoundTests(ITestOutputHelper output)
{
    private static SparseCodingModel K1(Variant variant, double atom, double sigma, double lambda, double pi) =>
        new() { Variant = variant, Lambda = lambda, Pi = pi, Sigma = sigma, Dictionary = new Matrix(1, 1, [atom]) };

    [Fact]
    public void The_bound_holds_and_is_tight_far_above_threshold()
    {
        int tight = 0;
        double worstFar = 0;
        foreach (Variant variant in new[] { Variant.Signed, Variant.NonNegative })
            foreach ((double atom, double sigma, double lambda, double pi) in new[]
                     { (1.0, 0.3, 1.0, 0.3), (3.0, 0.3, 0.3, 0.3), (1.0, 1.0, 1.0, 0.05), (0.5, 0.1, 3.0, 0.9), (1.0, 3.0, 1.0, 0.3), (2.0, 0.5, 1.0, 0.01) })
            {
                SparseCodingModel m = K1(variant, atom, sigma, lambda, pi);
                double threshold = lambda * sigma * sigma / atom; // x where the data drive a x / sigma^2 equals lambda
                foreach (double f in new[] { -8.0, -1.0, 0.0, 0.5, 1.0, 1.01, 1.5, 2.0, 4.0, 8.0, 20.0, 60.0 })
                {
                    double x = f * Math.Max(threshold, sigma / atom);
                    double p0 = new ExactPosterior(m, [x]).PZero[0];
                    double bound = ZeroMassBound.ForInputs(m, [[x]])[0][0];
                    Assert.True(bound >= p0 * (1 - 1e-6), $"{variant} a {atom} sigma {sigma} lambda {lambda} pi {pi} x {x}: bound {bound:G4} < exact {p0:G4}");
                    // the derivation's only slack: 1 / Phi(t) taken at most 1 / max(1/2, 1 - phi(t) / t) (at most 2, and 1.0015 at
                    // t = 3) and the other sign's slab left out (e^-2 |b| / sigma^2 of the mass, nothing far above threshold)
                    if (bound < 0.01 && p0 > 1e-200)
                    {
                        tight++;
                        Assert.True(bound <= 2 * p0, $"{variant} a {atom} sigma {sigma} pi {pi} x {x}: bound {bound:G4} > 2 x exact {p0:G4}");
                        double t = (Math.Abs(atom * x) / (sigma * sigma) - lambda) / (atom / sigma);
                        if (t >= 3) worstFar = Math.Max(worstFar, bound / p0); // the derivation: at most 1.0015, plus the grid integral's error
                    }
                }
            }
        Assert.True(tight >= 20, $"only {tight} cases far above threshold");
        output.WriteLine($"{tight} cases with bound < 0.01; worst bound / exact at t >= 3: {worstFar:F4}");
        Assert.InRange(worstFar, 1, 1.01);
    }

    [Fact]
    public void Orthogonal_atoms_get_the_bound_and_it_holds_against_the_K2_posterior()
    {
        var m = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.3, Dictionary = new Matrix(2, 2, [1.0, 0.0, 0.0, 0.5]) };
        foreach (double[] x in new[] { new[] { 1.5, 0.2 }, new[] { 3.0, -1.5 }, new[] { 0.1, 0.1 } })
        {
            double[] p0 = new ExactPosterior(m, x).PZero;
            double[] bound = ZeroMassBound.ForInputs(m, [x])[0];
            for (int k = 0; k < 2; k++)
                Assert.True(bound[k] >= p0[k] * (1 - 1e-6), $"x ({x[0]}, {x[1]}) unit {k}: bound {bound[k]:G4} < exact {p0[k]:G4}");
        }
        Assert.True(ZeroMassBound.ForInputs(m, [[3.0, -1.5]])[0].All(b => b < 1e-3), "both units far above threshold");
    }

    /// <summary>
    /// Why correlated atoms need more than the unit's own samples: at D = 1, atoms 1 and 0.5 (K = 2 &gt; D), sigma 0.3,
    /// pi 0.05, x = 4, unit 0's active state sits about 9 of its posterior standard deviations from 0, and a Gaussian tail
    /// at that distance would put its zero mass near e^-40; the exact zero mass is 0.038 (the mode where atom 1 explains x
    /// alone). The clamped-MAP bound sees that mode (atom 1 alone fits x exactly) and stays above it.
    /// </summary>
    [Fact]
    public void A_correlated_unit_far_from_zero_in_its_own_std_still_gets_a_bound_above_the_other_mode()
    {
        var m = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.05, Sigma = 0.3, Dictionary = new Matrix(1, 2, [1.0, 0.5]) };
        var exact = new ExactPosterior(m, [4.0]);
        double activeMean = exact.Mean[0] / exact.PActive[0];
        double activeStd = Math.Sqrt(exact.SecondMoment[0] / exact.PActive[0] - activeMean * activeMean);
        double bound = ZeroMassBound.ForInputs(m, [[4.0]])[0][0];
        output.WriteLine($"P0 {exact.PZero[0]:G4}, active mean {activeMean:G4}, std {activeStd:G4}: {activeMean / activeStd:F1} standard deviations; bound {bound:G4}");
        Assert.True(activeMean / activeStd > 6, "the active state is far from 0");
        Assert.InRange(exact.PZero[0], 0.02, 0.06);
        Assert.True(bound >= exact.PZero[0], $"bound {bound:G4} < exact {exact.PZero[0]:G4}");
    }

    /// <summary>
    /// The clamped-MAP bound (the type's remarks, "Correlated atoms") against the grid posterior (<see cref="ExactPosterior"/>,
    /// an integral over u, independent of the bound's lasso and box) on K = 2 geometries where no atom is orthogonal to the
    /// other: cosine 0.9, -0.95, 0.7, K = 2 &gt; D = 1, a parallel pair in D = 2; both variants; seven (sigma, lambda, pi);
    /// inputs along atom 0 from half its threshold to 20 times it, and sums of the atoms. It must never fall below the
    /// exact zero mass, and it must say something where a unit is far above threshold: main gave +infinity to every
    /// one of these units.
    /// </summary>
    [Fact]
    public void The_clamped_MAP_bound_never_falls_below_the_exact_zero_mass_of_correlated_pairs()
    {
        double c9 = Math.Sqrt(1 - 0.81), c95 = Math.Sqrt(1 - 0.95 * 0.95), c7 = Math.Sqrt(1 - 0.49);
        var geometries = new (string Name, Matrix A)[]
        {
            ("cos 0.9", new Matrix(2, 2, [1.0, 0.9, 0.0, c9])),
            ("cos -0.95", new Matrix(2, 2, [1.0, -0.95, 0.0, c95])),
            ("cos 0.7 norms 1, 2", new Matrix(2, 2, [1.0, 1.4, 0.0, 2 * c7])),
            ("D 1", new Matrix(1, 2, [1.0, 0.5])),
            ("parallel", new Matrix(2, 2, [1.0, -0.5, 0.0, 0.0])),
        };
        int cases = 0, informative = 0, farBelow = 0;
        double loosestFar = 0, tightest = double.PositiveInfinity;
        foreach ((string name, Matrix a) in geometries)
            foreach (Variant variant in new[] { Variant.Signed, Variant.NonNegative })
                foreach ((double sigma, double lambda, double pi) in new[] { (0.3, 1.0, 0.3), (0.1, 1.0, 0.3), (1.0, 1.0, 0.3), (0.3, 0.3, 0.3), (0.3, 3.0, 0.3), (0.3, 1.0, 0.05), (0.3, 1.0, 0.9) })
                {
                    var m = new SparseCodingModel { Variant = variant, Lambda = lambda, Pi = pi, Sigma = sigma, Dictionary = a };
                    double n0 = Math.Sqrt(Enumerable.Range(0, a.Rows).Sum(r => a.Data[r * 2] * a.Data[r * 2]));
                    double threshold = lambda * sigma * sigma / n0;
                    var xs = new List<double[]>();
                    foreach (double f in new[] { 0.5, 1.0, 2.0, 4.0, 8.0, 20.0 })
                        xs.Add(Enumerable.Range(0, a.Rows).Select(r => f * Math.Max(threshold, 0.3) * a.Data[r * 2] / n0).ToArray());
                    foreach ((double f0, double f1) in new[] { (1.0, 1.0), (2.0, -1.0), (3.0, 0.5) })
                        xs.Add(Enumerable.Range(0, a.Rows).Select(r => f0 * a.Data[r * 2] + f1 * a.Data[r * 2 + 1]).ToArray());
                    double[][] bounds = ZeroMassBound.ForInputs(m, xs.ToArray());
                    for (int i = 0; i < xs.Count; i++)
                    {
                        double[] p0 = new ExactPosterior(m, xs[i], 200).PZero;
                        for (int k = 0; k < 2; k++)
                        {
                            cases++;
                            string what = $"{name} {variant} sigma {sigma} lambda {lambda} pi {pi} x ({string.Join(", ", xs[i].Select(v => v.ToString("G4")))}) unit {k}";
                            Assert.True(bounds[i][k] >= p0[k] * (1 - 1e-6), $"{what}: bound {bounds[i][k]:G4} < exact {p0[k]:G4}");
                            if (bounds[i][k] < 0.01) informative++;
                            if (bounds[i][k] < 1 && p0[k] > 1e-250) tightest = Math.Min(tightest, bounds[i][k] / p0[k]);
                            if (bounds[i][k] < 1e-6) { farBelow++; if (p0[k] > 1e-250) loosestFar = Math.Max(loosestFar, Math.Log10(bounds[i][k] / p0[k])); }
                        }
                    }
                }
        output.WriteLine($"{cases} unit cases, {informative} with a bound below 0.01, {farBelow} below 1e-6 (loosest there: {loosestFar:F1} decades above exact); tightest bound / exact {tightest:G3}");
        Assert.True(farBelow >= 50, $"only {farBelow} unit cases with a bound below 1e-6");
    }

    /// <summary>
    /// The bars model (firmware/models/bars8x8.json: 16 unit-norm bars of 8 pixels, horizontal and vertical bars sharing
    /// one pixel, so no atom is orthogonal to the rest; non-negative, sigma 0.5, lambda 1, pi 0.3), x = 40 on bar 0's
    /// pixels: E[s_0] about 112.9, 0.5 = sigma / ||a_0|| its conditional std (a lower bound on its posterior std). On main
    /// e318ac3 the bar's E[s] error bar was 1.24 (first order), 0.55 (second), 0.50 (MALA), and every run went to the
    /// budget (1400 tau_u), from a zero state worth about e^-25000. Now each must stop on target with an error bar below a
    /// third of 0.5.
    /// </summary>
    [Theory]
    [InlineData(1, "langevin")]
    [InlineData(2, "langevin")]
    [InlineData(1, "mala")]
    public void A_bar_far_above_threshold_gets_an_error_bar_below_its_posterior_spread(int order, string method)
    {
        SparseCodingModel m = Bars();
        double[] x = Enumerable.Range(0, 64).Select(r => m.Dictionary.Data[r * 16] > 0 ? 40.0 : 0.0).ToArray();
        double bound = ZeroMassBound.ForInputs(m, [x])[0][0];
        var settings = new InferenceSettings { Order = order, Method = method == "mala" ? InferenceMethod.Mala : InferenceMethod.Langevin };
        (PosteriorSummary[] mc, RunLength length) = FloatEngine.Run(m, [x], settings, 3);
        PosteriorSummary r = StepBias.Include(mc, StepPolicy.Resolve(m, settings, [x]).ExpectedBias)[0];
        output.WriteLine($"order {order} {method}: bound on P(s_0 = 0) {bound:G3}; p_active {r.PActive[0]} +- {r.PActiveStdError[0]:G3}; " +
                         $"mean {r.Mean[0]:F4} +- {r.MeanStdError[0]:G3} (MC {r.MeanMonteCarloStdError![0]:G3}), std {r.Std[0]:F4}; {RunLengthPolicy.Describe(length)}");
        Assert.True(bound < 1e-100, $"bound {bound:G3}");
        Assert.True(r.MeanStdError[0] <= 0.5 / 3, $"E[s_0] error bar {r.MeanStdError[0]:G3} for a posterior std of at least 0.5");
        Assert.Equal(RunStop.TargetReached, length.Stop);
    }

    private static SparseCodingModel Bars()
    {
        // 8 x 8 pixels, row-major; atoms 0-7 the rows, 8-15 the columns, pixel 1 / sqrt 8 (firmware/models/bars8x8.json)
        var a = new double[64 * 16];
        for (int row = 0; row < 8; row++)
            for (int col = 0; col < 8; col++)
            {
                a[(row * 8 + col) * 16 + row] = 1 / Math.Sqrt(8);
                a[(row * 8 + col) * 16 + 8 + col] = 1 / Math.Sqrt(8);
            }
        return new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(64, 16, a) };
    }

    /// <summary>
    /// A unit far above its threshold (a = 1, sigma 0.3, x = 40: E[s] = 39.91, std 0.3, 133 std from 0, P(s = 0) about
    /// e^-8800) at default settings, seed 3. On main 8958d54 its E[s] error bar was 0.44 first order (mostly the step's
    /// bias bound 0.01 x E[s] / P), 0.20 second order and 0.18 MALA (the rare-switch floor's unseen stay x E[s] / P): more
    /// than the posterior's own std, from a zero state the unit cannot reach. Now it must be below a third of the std
    /// (after 100 effective samples an error bar is a tenth of the std) and still cover the exact mean.
    /// </summary>
    [Theory]
    [InlineData(1, "langevin")]
    [InlineData(2, "langevin")]
    [InlineData(1, "mala")]
    public void A_unit_far_above_threshold_gets_an_error_bar_below_its_posterior_spread(int order, string method)
    {
        SparseCodingModel m = K1(Variant.Signed, 1.0, 0.3, 1.0, 0.3);
        double x = 40;
        var exact = new ExactPosterior(m, [x]);
        var settings = new InferenceSettings { Order = order, Method = method == "mala" ? InferenceMethod.Mala : InferenceMethod.Langevin };
        (PosteriorSummary[] mc, RunLength length) = FloatEngine.Run(m, [[x]], settings, 3);
        PosteriorSummary r = StepBias.Include(mc, StepPolicy.Resolve(m, settings).ExpectedBias)[0];
        output.WriteLine($"order {order} {method}: p_active {r.PActive[0]} +- {r.PActiveStdError[0]:G3}; mean {r.Mean[0]:F4} +- {r.MeanStdError[0]:G3} " +
                         $"(MC {r.MeanMonteCarloStdError![0]:G3}), exact {exact.Mean[0]:F4}, std {exact.Std[0]:F4}; {RunLengthPolicy.Describe(length)}");
        Assert.True(r.MeanStdError[0] <= exact.Std[0] / 3, $"E[s] error bar {r.MeanStdError[0]:G3} for a posterior std of {exact.Std[0]:F3}");
        Assert.True(Math.Abs(r.Mean[0] - exact.Mean[0]) <= 3 * r.MeanStdError[0], $"E[s] {r.Mean[0]:F4} +- {r.MeanStdError[0]:G3} vs exact {exact.Mean[0]:F4}");
        Assert.True(r.PActiveStdError[0] <= 1e-3, $"P(s != 0) error bar {r.PActiveStdError[0]:G3} for a zero mass of e^-8800");
        Assert.Equal(RunStop.TargetReached, length.Stop);
    }

    /// <summary>
    /// `infer` resolves its step (the threshold layer) and these bounds from one <see cref="ZeroMassBound.LassoMaps"/>
    /// (session 19: each input's lasso was solved three times): each input's lasso is solved once, and the step and the
    /// bounds are the same bits as when each solves its own.
    /// </summary>
    [Fact]
    public void Step_and_bounds_from_shared_lasso_maps_solve_each_input_once_and_equal_their_own()
    {
        double c9 = Math.Sqrt(1 - 0.81);
        var cos09 = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.3, Sigma = 0.3, Dictionary = new Matrix(2, 2, [1.0, 0.9, 0.0, c9]) };
        var k2d1 = new SparseCodingModel { Variant = Variant.Signed, Lambda = 0.3, Pi = 0.1, Sigma = 1, Dictionary = new Matrix(1, 2, [1.0, 2.0]) };
        foreach ((SparseCodingModel m, double[][] inputs) in new[]
                 {
                     (cos09, new[] { new[] { 0.0, 0.0 }, new[] { 0.45, 0.0 }, new[] { 1.9, c9 }, new[] { 0.1, -c9 }, new[] { 12.0, 0.04 } }),
                     (k2d1, new[] { new[] { 0.0 }, new[] { -1.0 }, new[] { 3.0 } }),
                 })
            foreach (int order in new[] { 1, 2 })
            {
                var settings = new InferenceSettings { Order = order };
                var maps = new ZeroMassBound.LassoMaps(m, inputs);
                StepChoice shared = StepPolicy.Resolve(m, settings, maps);
                double[][] sharedBounds = ZeroMassBound.ForInputs(maps);
                // non-negative: the step reads every input's MAP; signed: only the bounds do (correlated atoms)
                Assert.Equal(inputs.Length, maps.Solves);
                StepChoice own = StepPolicy.Resolve(m, settings, inputs);
                Assert.Equal(own.Settings.Dt, shared.Settings.Dt);
                Assert.Equal(own.Stiffness, shared.Stiffness);
                Assert.Equal(own.ThresholdDrive, shared.ThresholdDrive);
                Assert.Equal(own.ExpectedBias, shared.ExpectedBias);
                double[][] ownBounds = ZeroMassBound.ForInputs(m, inputs);
                for (int i = 0; i < inputs.Length; i++) Assert.Equal(ownBounds[i], sharedBounds[i]);
            }
        // orthogonal atoms, signed: neither the step nor the bounds need a lasso
        var orth = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.3, Dictionary = new Matrix(2, 2, [1.0, 0.0, 0.0, 1.0]) };
        var none = new ZeroMassBound.LassoMaps(orth, [[0.45, 0.0], [1.0, -1.0]]);
        StepPolicy.Resolve(orth, new InferenceSettings(), none);
        ZeroMassBound.ForInputs(none);
        Assert.Equal(0, none.Solves);
    }
}
