using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// A learning stage that continues from a model learned at the same dt (settling, averaging, evaluation) is not refused
/// for the all-units-active stability bound lambda_max(A^T A) / sigma^2 &lt; 2 / eps, which sparse codes never approach;
/// divergence is still caught by the learner.
/// </summary>
public class ContinuingStageTests
{
    // Bars at sigma 0.2, pi 0.1: lambda_max(A^T A) = 2 (the all-ones direction: 1 + 8 x 1/8), so the all-active curvature
    // is 2 / 0.04 = 50 and eps = 0.05 is beyond the bound 2 / 50 = 0.04. But about 1.6 of the 16 bars are active per
    // datum; even 4 horizontal and 4 vertical bars at once have curvature (1 + 4/8) / 0.04 = 37.5, eps x 37.5 = 1.9 < 2.
    private static readonly BarsData Data = new(pi: 0.1, sigma: 0.2);

    private static readonly LearningSettings Evaluation = new() { Batch = 16, Steps = 2_000, RecordEvery = 200, LearnDictionary = false, TauX = 200 };

    [Fact]
    public void A_fresh_run_beyond_the_all_active_bound_is_refused_naming_the_limit()
    {
        var e = Assert.Throws<InvalidInputException>(() => Learner.Run(Data.TrueModel(), Data, new InferenceSettings(), Evaluation, 1));
        Assert.Contains("stability limit", e.Message);
        Assert.Contains("= 50", e.Message); // the all-active curvature
    }

    [Fact]
    public void A_continuing_stage_with_sparse_codes_runs_stably_beyond_the_all_active_bound()
    {
        var r = Learner.Run(Data.TrueModel(), Data, new InferenceSettings(), Evaluation, 1, statisticsFrom: 200, continuing: true);
        Assert.All(r.History, h => Assert.True(double.IsFinite(h.ReconstructionMse)));
        // The codes are as sparse as the data's (activity near pi = 0.1, far from all 16 units), which is why it is stable.
        Assert.InRange(r.Statistics.Activity, 0.05, 0.2);
        // And the data are explained, not blown up: the mean squared residual per pixel lies between the noise's
        // sigma^2 = 0.04 (less a little for the few dimensions the code fits) and the data's own mean square, about
        // 0.04 + pi K E[s^2] / D + the bars' overlaps = 0.04 + 0.05 + 0.01 = 0.10 (each period's first tau_u or two,
        // before the code follows the new datum, and the step's bias put it between: 0.07 measured).
        Assert.InRange(r.History[^1].ReconstructionMse, 0.03, 0.09);
    }

    [Fact]
    public void A_continuing_stage_that_really_is_unstable_stops_with_the_learners_divergence_error()
    {
        // K = 1, a = 1, sigma = 0.1: the curvature 100 acts whenever the unit is active (eps x 100 = 5 > 2), so u blows up.
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.9, Sigma = 0.1, Dictionary = new Matrix(1, 1, [1.0]) };
        var data = new ConstantData([1.2]);
        var e = Assert.Throws<InvalidInputException>(() => Learner.Run(model, data, new InferenceSettings(), Evaluation with { Batch = 2 }, 1, continuing: true));
        Assert.Contains("learning diverged", e.Message);
    }

    private sealed class ConstantData(double[] x) : IDataSource
    {
        public string Name => "constant";
        public int Dimension => x.Length;
        public void Draw(EdgeLangevin.Reference.Random.Rng rng, double[] target, int offset) => x.CopyTo(target, offset);
    }
}
