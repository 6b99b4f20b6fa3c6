using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// The reproduction: at sigma 0.1 `infer --engine float` wrote mean -3.9e231 with exit 0 at the old default
/// step (eps = 0.05, beyond the stability limit 2 sigma^2 = 0.02), and at sigma 0.05 died with a stack trace.
/// Now the default step is derived from the model, and an explicit unstable dt is exit 2 naming the limit, with no output.
/// </summary>
public class StepPolicyCliTests
{
    private static string Model(double sigma) =>
        "{\"variant\": \"signed\", \"lambda\": 1.0, \"pi\": 0.3, \"sigma\": " + sigma.ToString(System.Globalization.CultureInfo.InvariantCulture) +
        ", \"dictionary\": {\"rows\": 1, \"cols\": 1, \"data\": [1.0]}}";

    [Theory]
    [InlineData("float", 0.1)]
    [InlineData("fixed", 0.1)]
    [InlineData("float", 0.05)]
    public void Stiff_model_at_the_default_step_gives_finite_sensible_numbers(string engine, double sigma)
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(sigma)), input = dir.File("x.json", """{"inputs": [[0.3]]}"""), output = dir.File("p.json");
        // A short run: only finiteness and the range are checked here (accuracy: DefaultStepExactTests).
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--engine", engine, "--samples", "20000", "--burn-in", "5000", "--json", output, "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonNode.Parse(File.ReadAllText(output))!["results"]![0]!;
        double mean = (double)result["mean"]![0]!, p = (double)result["p_active"]![0]!;
        Assert.InRange(mean, 0.0, 0.6);
        Assert.InRange(p, 0.0, 1.0);
        Assert.True((double)result["std"]![0]! < 1);
    }

    [Fact]
    public void Explicit_dt_beyond_the_stability_limit_is_exit_2_naming_the_limit_and_writes_nothing()
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.1)), input = dir.File("x.json", """{"inputs": [[0.3]]}"""), output = dir.File("p.json");
        string config = dir.File("c.json", """{"inference": {"dt": 1}}""");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--config", config, "--json", output);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("stability limit", run.Err);
        Assert.Contains("dt < 0.4", run.Err);
        Assert.Contains("sigma = 0.1", run.Err);
        Assert.False(File.Exists(output));
    }

    /// <summary>
    /// sigma 1e-9 (stiffness 1e18): the default step is tiny, and the default lengths in tau_u came out as int.MaxValue
    /// steps per chain -- `infer` ran for hours without a word under --quiet. Now it is exit 2 naming the stiffness and
    /// what to set; explicit samples and burn_in still run as given.
    /// </summary>
    [Theory]
    [InlineData("float")]
    [InlineData("fixed")]
    public void A_model_too_stiff_for_the_default_lengths_is_exit_2_naming_the_stiffness(string engine)
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(1e-9)), input = dir.File("x.json", """{"inputs": [[0.3]]}"""), output = dir.File("p.json");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--engine", engine, "--json", output, "--quiet");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("too stiff to sample at default settings", run.Err);
        Assert.Contains("stiffness lambda_max(A^T A) / sigma^2 + lambda^2 = 1E+18", run.Err);
        Assert.Contains("set samples and burn_in", run.Err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Explicit_dt_expected_to_bias_is_a_warning_saying_by_how_much()
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", Model(0.5)), input = dir.File("x.json", """{"inputs": [[1.2]]}"""), output = dir.File("p.json");
        string config = dir.File("c.json", """{"inference": {"dt": 1, "samples": 200, "burn_in": 100}}""");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--config", config, "--json", output, "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning: dt = 1", run.Err);
        Assert.Contains("about 0.0625", run.Err);
    }

    /// <summary>
    /// `vectors` with a learning section applies the step policy as the hdl verbs do: the previous long-run
    /// configuration's eps = 0.4 on the bars (stability limit 0.25, 2 sigma^2 / lambda_max) is refused by
    /// both, where `vectors` used to write it.
    /// </summary>
    [Fact]
    public void Learning_vectors_beyond_the_stability_limit_are_exit_2_like_the_hdl_verbs()
    {
        using var dir = new TempDir();
        string config = dir.File("c.json", """
            {"inference": {"dt": 1, "tau_u": 2.5},
             "vectors": {"problem": "bars", "variant": "non_negative", "pi": 0.3, "sigma": 0.5, "steps": 10, "data": "bars", "data_count": 64, "dictionary_init": "random"},
             "learning": {"batch": 4, "tau_x": 20, "tau_a": 2000, "switching": "asynchronous", "learn_dictionary": true, "learn_pi": false}}
            """);
        string output = Path.Combine(dir.Path, "vectors");
        CliRun run = CliRun.Of("vectors", "--config", config, "--out", output, "--seed", "2");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("stability limit", run.Err);
        Assert.False(Directory.Exists(output));
        CliRun hdl = CliRun.Of("hdl", "generate", "--config", config, "--out", Path.Combine(dir.Path, "hdl"), "--seed", "2");
        Assert.Equal(2, hdl.ExitCode);
        Assert.Contains("stability limit", hdl.Err);
    }
}
