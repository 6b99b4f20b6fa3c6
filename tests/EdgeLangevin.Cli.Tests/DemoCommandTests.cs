using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// The demo end to end with tiny run lengths (a --config file), so the test takes seconds: what it
/// writes, what it prints, its exit codes, and that an interrupted run leaves the previous report.
/// </summary>
public class DemoCommandTests
{
    internal const string TinyConfig = """
        {
          "demo": {"learn_steps": 200, "map_steps": 200, "map_pi_steps": 100, "batch": 8, "posterior_patches": 2, "posterior_samples": 20,
                   "exact_chains": 16, "exact_samples": 100, "noise_samples": 5000, "hdl_steps": 8, "chip_steps": 0},
          "inference": {"samples": 20, "burn_in": 10}
        }
        """;

    [Fact]
    public void The_demo_writes_a_report_folder_with_readme_summary_model_and_plots_and_says_where()
    {
        using var tmp = new TempDir();
        string out_ = Path.Combine(tmp.Path, "report");
        string json = tmp.File("demo.json");
        var run = CliRun.Of("demo", "--quick", "--out", out_, "--seed", "3", "--json", json, "--config", tmp.File("tiny.json", TinyConfig));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"report: {Path.Combine(out_, "README.md")}", run.Out);
        Assert.True(File.Exists(Path.Combine(out_, "README.md")));
        Assert.True(File.Exists(Path.Combine(out_, "model_float.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(out_, "plots"), "*.png"));

        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(out_, "summary.json")))!;
        Assert.Equal(3, (int?)summary["seed"]);
        Assert.Equal(200, (int?)summary["configuration"]!["demo"]!["learn_steps"]);
        JsonNode fromJsonOption = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal("demo", (string?)fromJsonOption["command"]);
        Assert.Equal(summary["stages"]!.AsArray().Count, fromJsonOption["stages"]!.AsArray().Count);

        // Every stage is accounted for, and a stage that did not run is never shown as done.
        string readme = File.ReadAllText(Path.Combine(out_, "README.md"));
        foreach (JsonNode? stage in summary["stages"]!.AsArray())
        {
            string status = (string)stage!["status"]!;
            Assert.Contains(status, new[] { "done", "skipped", "failed" });
            if (status == "skipped") Assert.Contains($"skipped: {(string)stage["detail"]!}", readme);
        }
        // Every plot the report shows exists.
        foreach (JsonNode? plot in summary["plots"]!.AsArray())
            Assert.True(File.Exists(Path.Combine(out_, (string)plot!)), $"{plot} is listed but missing");
        // No temporary folders left beside the report.
        Assert.Equal([out_], Directory.GetDirectories(tmp.Path).Where(d => !d.EndsWith(".json", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void With_json_to_stdout_the_demo_prints_only_json_there_and_its_lines_on_stderr()
    {
        using var tmp = new TempDir();
        var run = CliRun.Of("demo", "--quick", "--out", Path.Combine(tmp.Path, "r"), "--json", "-", "--config", tmp.File("tiny.json", TinyConfig));
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode parsed = JsonNode.Parse(run.Out)!;
        Assert.Equal("demo", (string?)parsed["command"]);
        Assert.Contains("report: ", run.Err);
    }

    [Fact]
    public void An_interrupted_demo_exits_1_and_leaves_the_previous_report_untouched()
    {
        using var tmp = new TempDir();
        string out_ = Path.Combine(tmp.Path, "report");
        Directory.CreateDirectory(out_);
        File.WriteAllText(Path.Combine(out_, "README.md"), "previous report");
        using var cts = new CancellationTokenSource();
        cts.Cancel(); // Ctrl-C before the first stage finishes

        var run = CliRun.Of(cts.Token, "demo", "--quick", "--out", out_, "--config", tmp.File("tiny.json", TinyConfig));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("interrupted", run.Err);
        Assert.Equal("previous report", File.ReadAllText(Path.Combine(out_, "README.md")));
        Assert.Single(Directory.GetFileSystemEntries(out_));
        Assert.Equal([out_], Directory.GetDirectories(tmp.Path));
    }

    [Fact]
    public void A_demo_config_with_a_misspelt_field_exits_2_naming_file_field_and_the_intended_name()
    {
        using var tmp = new TempDir();
        string cfg = tmp.File("bad.json", """{"demo": {"learn_step": 10}}""");
        var run = CliRun.Of("demo", "--quick", "--out", Path.Combine(tmp.Path, "r"), "--config", cfg);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{cfg}: field 'demo.learn_step': unknown field; did you mean 'learn_steps'?", run.Err);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "r")));
    }

    [Theory]
    [InlineData("""{"demo": {"batch": "eight"}}""", "field 'demo.batch': expected an integer, got the string \"eight\"")]
    [InlineData("""{"demo": {"batch": 0}}""", "field 'demo.batch': must be >= 1, got 0")]
    [InlineData("""{"demo": {"map_steps": 2}}""", "field 'demo.map_steps': must be 0 (no MAP finish) or at least 3 (one step per part of the decaying rate), got 2")]
    [InlineData("""{"inference": {"tau_u": 0.5}}""", "field 'inference.dt': dt / tau_u must be below 1")]
    [InlineData("""{"demo": {"batch": 8,}}""", "not valid JSON at line 1")]
    [InlineData("""{"infrence": {}}""", "field 'infrence': unknown section; did you mean 'inference'?")]
    [InlineData("""{"inference": {"method": "gibbs"}}""", "field 'inference.method': expected one of \"langevin\", \"lca\", \"mala\", got \"gibbs\"")]
    [InlineData("[1, 2, 3]", "expected a JSON object {...} at the top level, got an array")]
    [InlineData("""{"inference": {"method": "lca"}}""", "field 'inference.method': the demo runs Langevin dynamics")]
    public void Bad_configuration_files_exit_2_with_a_message_naming_the_file_and_the_problem(string content, string expected)
    {
        using var tmp = new TempDir();
        string cfg = tmp.File("c.json", content);
        var run = CliRun.Of("demo", "--quick", "--out", Path.Combine(tmp.Path, "r"), "--config", cfg);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(cfg, run.Err);
        Assert.Contains(expected, run.Err);
    }

    [Fact]
    public void A_missing_config_file_exits_2()
    {
        using var tmp = new TempDir();
        var run = CliRun.Of("demo", "--config", Path.Combine(tmp.Path, "none.json"), "--out", Path.Combine(tmp.Path, "r"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("none.json: config file not found", run.Err);
    }
}
