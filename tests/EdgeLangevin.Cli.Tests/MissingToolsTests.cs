using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

/// <summary>
/// A user who skipped the set-up: no HDL tools on PATH. The demo must say which are missing and how
/// to install them, and still do everything else. PATH is process-wide, so this runs alone.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public class MissingToolsTests
{
    [Fact]
    public void Without_the_hdl_tools_the_demo_says_how_to_install_them_and_does_the_rest()
    {
        using var tmp = new TempDir();
        string? path = Environment.GetEnvironmentVariable("PATH");
        string config = tmp.File("c.json", DemoCommandTests.TinyConfig.Replace("\"hdl_steps\": 8", "\"hdl_steps\": 8, \"simulators\": [\"icarus\", \"verilator\"], \"synthesis\": true"));
        CliRun run;
        try
        {
            Environment.SetEnvironmentVariable("PATH", tmp.Path); // an empty folder: no verilator, iverilog, yosys, nextpnr
            run = CliRun.Of("demo", "--quick", "--out", Path.Combine(tmp.Path, "r"), "--config", config);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, "r", "summary.json")))!;
        JsonNode Stage(string id) => summary["stages"]!.AsArray().First(s => (string?)s!["id"] == id)!;
        Assert.Equal("done", (string?)Stage("hdl_generate")["status"]);
        foreach (string id in new[] { "hdl_verify", "hdl_synth" })
        {
            Assert.Equal("skipped", (string?)Stage(id)["status"]);
            Assert.Contains("not installed; install with: bash codegen/install-hdl-tools.sh", (string?)Stage(id)["detail"]);
        }
        Assert.Contains("iverilog", (string?)Stage("hdl_verify")["detail"]);
        Assert.Contains("yosys", (string?)Stage("hdl_synth")["detail"]);
        Assert.Equal("done", (string?)Stage("learn_float")["status"]);
        Assert.Contains("skipped Verify the Verilog", run.Out);
    }
}
