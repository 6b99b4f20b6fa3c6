using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>`compare --model`: the statistics and learning runs' step for models of every stiffness.</summary>
public class CompareTests
{
    [Theory]
    [InlineData(0.95, 0.2)] // lambda_max(A^T A) / sigma^2 ~ 49
    [InlineData(0.99, 0.15)] // ~ 88
    [InlineData(0.0, 0.1)] // orthogonal atoms, small sigma: 100
    public void A_model_too_stiff_for_learnings_step_is_compared_at_its_own_step_not_refused(double cosine, double sigma)
    {
        // Models past the explicit step's limit at learning's dt = 1 (2 / eps = 40 at eps 0.05) that `infer` samples at
        // their default step. compare used to refuse them with exit 2 in its statistics run ("field 'dt': learning's
        // dt = 1 ... the chains would diverge"), after the posteriors had run; both engines now run the model's step.
        using var tmp = new TempDir();
        var dictionary = new Matrix(4, 3, [1, cosine, 0, 0, Math.Sqrt(1 - cosine * cosine), 0, 0, 0, 1, 0, 0, 0]);
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1.0, Pi = 0.3, Sigma = sigma, Dictionary = dictionary };
        Assert.True(StepPolicy.Curvature(model) > 40, $"curvature {StepPolicy.Curvature(model)}: not past the limit at dt = 1");
        string path = Path.Combine(tmp.Path, "stiff.json");
        ModelFile.Write(path, model);
        var run = CliRun.Of("compare", "--model", path, "--quick", "--threads", "1", "--quiet", "--json", tmp.File("out.json"));
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode result = JsonNode.Parse(File.ReadAllText(tmp.File("out.json")))!;
        double dt = (double)result["statistics_and_learning_dt"]!;
        Assert.InRange(dt / 20, 1e-6, 0.999 * StepPolicy.StabilityLimitEps(StepPolicy.Curvature(model), 1, 1)); // tau_u 20
    }

    [Fact]
    public void A_model_inside_the_limit_keeps_learnings_step()
    {
        using var tmp = new TempDir();
        var run = CliRun.Of("compare", "--model", Fixtures.Model(tmp), "--quick", "--threads", "1", "--quiet", "--json", tmp.File("out.json"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1.0, (double)JsonNode.Parse(File.ReadAllText(tmp.File("out.json")))!["statistics_and_learning_dt"]!);
    }
}
