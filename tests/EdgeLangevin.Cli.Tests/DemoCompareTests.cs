using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// The demo's fixed-against-float stage runs its own chains (demo.compare_patches x compare_chains, both engines) and
/// says whether its scatter is Monte Carlo noise or the engines' difference, from the standard errors.
/// </summary>
public class DemoCompareTests
{
    [Fact]
    public void The_comparison_uses_its_own_chains_and_says_what_its_scatter_is()
    {
        using var tmp = new TempDir();
        string out_ = Path.Combine(tmp.Path, "report");
        string config = DemoCommandTests.TinyConfig.Replace("\"posterior_patches\": 2,", "\"posterior_patches\": 2, \"compare_patches\": 1, \"compare_chains\": 6,");
        var run = CliRun.Of("demo", "--quick", "--out", out_, "--config", tmp.File("tiny.json", config));
        Assert.True(run.ExitCode == 0, run.ToString());

        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(out_, "summary.json")))!;
        JsonNode compare = summary["metrics"]!["compare"]!;
        Assert.Equal(1, (int?)compare["patches"]);
        Assert.Equal(6, (int?)compare["chains"]);
        int k = (int)summary["metrics"]!["learn_float"]!["k"]!;
        Assert.Equal(k, (int?)compare["values"]);
        // The share is the Monte Carlo variance over the mean squared difference; the engine estimate is what is left.
        double rms = (double)compare["p_active_rms_error"]!, mc = (double)compare["p_active_rms_monte_carlo_error"]!;
        Assert.Equal(mc * mc / (rms * rms), (double)compare["p_active_monte_carlo_share"]!, 9);
        Assert.Equal(Math.Sqrt(Math.Max(0, rms * rms - mc * mc)), (double)compare["p_active_engine_rms_difference"]!, 9);
        string readme = File.ReadAllText(Path.Combine(out_, "README.md"));
        Assert.Matches("The scatter is mostly (Monte Carlo noise|the engines' difference)", readme);
    }
}
