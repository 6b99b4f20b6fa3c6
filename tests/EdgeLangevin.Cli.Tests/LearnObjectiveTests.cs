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

    [Fact]
    public void A_small_image_folder_whose_map_dictionary_is_stiff_is_learned_not_refused_at_the_pi_stage()
    {
        // One 12 x 9 crop of a shipped photo: ten distinct 8 x 8 patches for 64 unit-norm atoms, so the MAP finish's
        // atoms are nearly alike and lambda_max(A^T A) / sigma^2 passes the all-units-active bound 2 / eps = 40 at the
        // learning dt. The pi stage used to refuse that dictionary with exit 2 ("field 'dt': dt = 1 ... the chains would
        // diverge"), after the MAP stage, naming a dt the user never set; a stage continuing this run's dictionary at the
        // same dt is not held to that bound (StepPolicy.ResolveForLearning), and its codes stay sparse.
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "tiny");
        Directory.CreateDirectory(folder);
        byte[] photo = File.ReadAllBytes(Path.Combine(Fixtures.RepoRoot(), "src", "EdgeLangevin.Reference", "Data", "images", "astronaut.pgm"));
        int raster = photo.Length - 256 * 256; // P5, 256 x 256, maxval 255
        var crop = new List<byte>(System.Text.Encoding.ASCII.GetBytes("P5 12 9 255\n"));
        for (int r = 0; r < 9; r++) crop.AddRange(photo.AsSpan(raster + r * 256, 12).ToArray());
        File.WriteAllBytes(Path.Combine(folder, "tiny.pgm"), crop.ToArray());

        string modelFile = dir.File("m.json");
        var run = CliRun.Of("learn", "--data", folder, "--quick", "--out", modelFile, "--seed", "2", "--threads", "1", "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        var model = ModelFile.Read(modelFile);
        // The case this test is about: the learned dictionary is past the all-active bound at the learning step.
        Assert.True(Reference.Inference.StepPolicy.Curvature(model) > 40, $"curvature {Reference.Inference.StepPolicy.Curvature(model)}: not the stiff case");
        Assert.InRange(model.Pi, 1e-3, 0.5);
    }
}
