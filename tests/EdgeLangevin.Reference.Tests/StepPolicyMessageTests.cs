using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// The step policy's refusals give advice the user can follow: learning with dt unset runs at the paper's dt = 1, so a
/// model too stiff for it must not be told to "leave dt unset" (it was: `learn --data images --k 100000`).
/// </summary>
public class StepPolicyMessageTests
{
    // lambda_max(A^T A) = 4 at sigma 0.1: curvature 400, first-order stability limit eps < 0.005, so dt = 1 (eps 0.05) is unstable.
    private static SparseCodingModel Stiff() => new()
    {
        Variant = Variant.Signed, Lambda = 1.0, Pi = 0.3, Sigma = 0.1,
        Dictionary = new Matrix(2, 2, [2, 0, 0, 1]),
    };

    [Fact]
    public void Learning_at_the_papers_dt_names_it_and_asks_for_a_smaller_inference_dt()
    {
        var e = Assert.Throws<InvalidInputException>(() => StepPolicy.ResolveForLearning(Stiff(), InferenceSettings.Default));
        Assert.Contains("learning's dt = 1 (the paper's", e.Message);
        Assert.Contains("set a smaller inference.dt", e.Message);
        Assert.DoesNotContain("leave dt unset", e.Message);
    }

    [Fact]
    public void An_explicit_unstable_dt_is_told_to_shrink_or_be_left_unset()
    {
        var e = Assert.Throws<InvalidInputException>(() => StepPolicy.ResolveForLearning(Stiff(), InferenceSettings.Default with { Dt = 1 }));
        Assert.Contains("dt = 1 (eps = dt / tau_u = 0.05)", e.Message);
        Assert.Contains("leave dt unset", e.Message);
        e = Assert.Throws<InvalidInputException>(() => StepPolicy.Resolve(Stiff(), InferenceSettings.Default with { Dt = 1 }));
        Assert.Contains("leave dt unset", e.Message);
    }
}
