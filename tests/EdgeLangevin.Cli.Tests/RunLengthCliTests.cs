using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// `infer` says how long it ran and why it stopped (the run-length policy for samples left unset, RunLengthPolicy):
/// the output's "run" object, the human line, and a warning when the budget ended the run before the targets.
/// </summary>
public class RunLengthCliTests
{
    private static string Model(double pi) =>
        "{\"variant\": \"signed\", \"lambda\": 1.0, \"pi\": " + pi.ToString(System.Globalization.CultureInfo.InvariantCulture) +
        ", \"sigma\": 0.5, \"dictionary\": {\"rows\": 1, \"cols\": 1, \"data\": [1.0]}}";

    [Fact]
    public void Defaults_report_the_length_and_that_the_targets_were_reached()
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.3)), input = dir.File("x.json", """{"inputs": [[0.0]]}"""), output = dir.File("p.json");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--json", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode o = JsonNode.Parse(File.ReadAllText(output))!;
        JsonNode r = o["run"]!;
        Assert.Equal("target_reached", (string)r["stopped"]!);
        Assert.True((double)r["max_p_active_stderr"]! <= 0.02, r.ToJsonString());
        Assert.True((double)r["max_mean_stderr_relative"]! <= 0.04, r.ToJsonString());
        // the error bars: Monte Carlo and the first-order default step's bias bound 0.01 in quadrature
        Assert.Equal(0.01, (double)r["step_bias_p_active"]!, 6);
        JsonNode x0 = o["results"]![0]!;
        double mc = (double)x0["p_active_mc_stderr"]![0]!, total = (double)x0["p_active_stderr"]![0]!;
        Assert.Equal(Math.Sqrt(mc * mc + 0.01 * 0.01), total, 9);
        Assert.Equal((long)r["samples_per_chain"]!, (long)o["inference"]!["samples"]!);
        Assert.Equal(4 * (long)r["samples_per_chain"]!, (long)o["results"]![0]!["samples"]!);
        Assert.Contains("stopped when the standard errors reached the targets", run.Out + run.Err);
        Assert.DoesNotContain("warning", run.Err);
    }

    [Fact]
    public void A_run_that_ends_at_the_budget_warns_with_what_it_reached_and_how_to_run_longer()
    {
        // pi = 0.01: the zero region's escape (94 tau_u) makes 100 escapes pooled over 4 chains longer than the budget.
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.01)), input = dir.File("x.json", """{"inputs": [[0.0]]}"""), output = dir.File("p.json");
        string config = dir.File("c.json", """{"inference": {"order": 2}}""");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--config", config, "--json", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("budget", (string)JsonNode.Parse(File.ReadAllText(output))!["run"]!["stopped"]!);
        Assert.Contains("warning: the run stopped at its budget", run.Err);
        Assert.Contains("standard errors up to", run.Err);
        Assert.Contains("--samples", run.Err);
    }

    [Fact]
    public void Explicit_samples_are_reported_as_given()
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.3)), input = dir.File("x.json", """{"inputs": [[1.2]]}"""), output = dir.File("p.json");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--samples", "500", "--burn-in", "100", "--json", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode r = JsonNode.Parse(File.ReadAllText(output))!["run"]!;
        Assert.Equal("as_given", (string)r["stopped"]!);
        Assert.Equal(500, (long)r["samples_per_chain"]!);
        Assert.Equal(100, (long)r["burn_in"]!);
    }

    [Fact]
    public void With_exact_the_error_bars_are_the_Monte_Carlo_ones()
    {
        // MALA samples the posterior exactly at any step: no bias bound
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.3)), input = dir.File("x.json", """{"inputs": [[1.2]]}"""), output = dir.File("p.json");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--exact", "--samples", "500", "--burn-in", "100", "--json", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode o = JsonNode.Parse(File.ReadAllText(output))!;
        Assert.Equal(0.0, (double)o["run"]!["step_bias_p_active"]!);
        JsonNode x0 = o["results"]![0]!;
        Assert.Equal((double)x0["p_active_mc_stderr"]![0]!, (double)x0["p_active_stderr"]![0]!);
        Assert.Equal((double)x0["mean_mc_stderr"]![0]!, (double)x0["mean_stderr"]![0]!);
    }
}
