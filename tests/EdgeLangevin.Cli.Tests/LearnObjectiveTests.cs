using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

/// <summary>`learn --data images --objective sample|map` and the "map_finish" config section.</summary>
public class LearnObjectiveTests
{
    private const string Small = """
        {"learning": {"batch": 8, "tau_x": 50, "record_every": 100},
         "map_finish": {"dictionary": {"batch": 8, "tau_x": 50, "tau_a": 200, "steps": 300, "record_every": 100}, "pi_steps": 200}}
        """;

    [Fact]
    public void The_default_objective_map_writes_unit_norm_atoms_and_reports_the_finish_sample_does_not()
    {
        using var dir = new TempDir();
        string config = dir.File("c.json", Small);
        // No --objective: learn's default is map.
        var map = CliRun.Of("learn", "--data", "images", "--quick", "--k", "16", "--steps", "200", "--config", config,
            "--out", dir.File("map.json"), "--json", dir.File("map.out.json"), "--seed", "2");
        Assert.True(map.ExitCode == 0, map.ToString());
        var sample = CliRun.Of("learn", "--data", "images", "--quick", "--k", "16", "--steps", "200", "--config", config, "--objective", "sample",
            "--out", dir.File("sample.json"), "--json", dir.File("sample.out.json"), "--seed", "2");
        Assert.True(sample.ExitCode == 0, sample.ToString());

        // The MAP stage normalises every column after every step; the sampler's rule never does (the paper's runs).
        var mapModel = ModelFile.Read(dir.File("map.json"));
        var sampleModel = ModelFile.Read(dir.File("sample.json"));
        for (int c = 0; c < 16; c++) Assert.Equal(1.0, mapModel.Dictionary.ColumnNorm(c), 1e-9);
        Assert.Contains(Enumerable.Range(0, 16), c => Math.Abs(sampleModel.Dictionary.ColumnNorm(c) - 1) > 1e-3);
        // The model written is the sampler's (sigma 0.5), not the MAP stage's (sigma 1).
        Assert.Equal(0.5, mapModel.Sigma);

        JsonNode mapOut = JsonNode.Parse(File.ReadAllText(dir.File("map.out.json")))!;
        JsonNode sampleOut = JsonNode.Parse(File.ReadAllText(dir.File("sample.out.json")))!;
        Assert.Equal(300, (long)mapOut["configuration"]!["map_finish"]!["dictionary"]!["steps"]!);
        Assert.True((bool)mapOut["configuration"]!["map_finish"]!["dictionary"]!["normalise"]!);
        Assert.Null(sampleOut["configuration"]!["map_finish"]);
    }

    [Fact]
    public void An_unknown_objective_or_a_bad_map_finish_field_is_bad_input_naming_it_and_writes_nothing()
    {
        using var dir = new TempDir();
        string outFile = dir.File("m.json");
        var bogus = CliRun.Of("learn", "--data", "images", "--quick", "--objective", "mle", "--out", outFile);
        Assert.Equal(2, bogus.ExitCode);
        Assert.Contains("--objective: expected sample or map, got \"mle\"", bogus.Err);

        var sigma = CliRun.Of("learn", "--data", "images", "--quick", "--config", dir.File("c.json", """{"map_finish": {"sigma": -1}}"""), "--out", outFile);
        Assert.Equal(2, sigma.ExitCode);
        Assert.Contains("map_finish.sigma", sigma.Err);

        var bars = CliRun.Of("learn", "--data", "bars", "--objective", "map", "--out", outFile);
        Assert.Equal(2, bars.ExitCode);
        Assert.Contains("--objective", bars.Err);
        Assert.False(File.Exists(outFile));
    }
}
