using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Session 16's break round: `infer` reported Monte Carlo standard errors of P(s != 0) far above anything a probability
/// can have when the run was shorter than the zero region's escape time -- 1.3 on the bars model with --samples 50, 1.8e8
/// for a model with pi = 1e-12, and null (an overflow once the step's bias was added) for pi = 1e-300 -- exit 0, in the
/// JSON and in "standard errors up to ...". Any estimate of a quantity in [0, 1] has a standard deviation of at most 1/2,
/// which is what "nothing is known" is; the Monte Carlo part now stops there.
/// </summary>
public class ProbabilityErrorBarTests
{
    [Theory]
    [InlineData(0.3, "50")]     // a run far shorter than an escape time
    [InlineData(1e-12, "2000")] // an escape time of ~ 1/pi
    [InlineData(1e-300, "2000")]
    public void The_monte_carlo_error_of_p_active_is_at_most_one_half_and_always_reported(double pi, string samples)
    {
        using var tmp = new TempDir();
        string model = Path.Combine(tmp.Path, "model.json");
        var dictionary = new Matrix(4, 3, [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2]);
        ModelFile.Write(model, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1.0, Pi = pi, Sigma = 0.5, Dictionary = dictionary });
        string output = Path.Combine(tmp.Path, "p.json");
        var run = CliRun.Of("infer", "--model", model, "--input", Fixtures.Input(tmp), "--samples", samples, "--burn-in", "10", "--json", output, "--threads", "1");
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode o = JsonNode.Parse(File.ReadAllText(output))!;
        double max = (double)o["run"]!["max_p_active_stderr"]!;
        Assert.InRange(max, 0, 0.5);
        foreach (JsonNode? r in o["results"]!.AsArray())
            foreach (string field in new[] { "p_active_mc_stderr", "p_active_stderr" })
                foreach (JsonNode? v in r![field]!.AsArray())
                {
                    Assert.True(v is not null, $"{field} is null: {r.ToJsonString()}");
                    Assert.InRange((double)v!, 0, field == "p_active_mc_stderr" ? 0.5 : 1.5); // the total adds the step's bias bound (at most 1)
                }
    }
}
