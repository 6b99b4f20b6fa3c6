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

    /// <summary>
    /// `infer --json`'s run object names what set the step (session 19: it gave only the bias bound, though the step depends
    /// on J and the layer's weight). K = 1, a = 1, sigma 0.3, lambda 1, pi 0.95, non-negative, x = -1: the unit's data want a
    /// negative code, so at its threshold it meets J = -a x / sigma^2 = 1 / 0.09 beyond lambda; the layer's mass bound
    /// o / (1 + o), o = pi lambda / ((1 - pi)(lambda + J)) = 1.569, is 0.61, so w = min(1, 2.5 x 0.61) = 1 and the stiffness is
    /// (lambda + J)^2 = 146.5, above curvature + lambda^2 = 1 / 0.09 + 1; the first-order step is 0.04 / stiffness (x tau_u 20).
    /// The signed variant has no layer (J = w = 0). The per-unit skewness of the estimates is printed, and the run's worst
    /// excess skewness is the largest |skew E| - |skew P| of them.
    /// </summary>
    [Theory]
    [InlineData("nonnegative", "float")]
    [InlineData("nonnegative", "fixed")]
    [InlineData("signed", "float")]
    public void Infer_json_names_the_threshold_drive_the_layer_weight_and_the_skewness(string variant, string engine)
    {
        using var dir = new TempDir();
        string model = dir.File("m.json", "{\"variant\": \"" + variant + "\", \"lambda\": 1.0, \"pi\": 0.95, \"sigma\": 0.3, \"dictionary\": {\"rows\": 1, \"cols\": 1, \"data\": [1.0]}}");
        string input = dir.File("x.json", """{"inputs": [[-1.0], [0.2]]}"""), output = dir.File("p.json");
        CliRun run = CliRun.Of("infer", "--model", model, "--input", input, "--engine", engine, "--samples", "3000", "--burn-in", "500", "--json", output, "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode json = JsonNode.Parse(File.ReadAllText(output))!;
        JsonNode r = json["run"]!;
        double j = 1 / 0.09, curvature = 1 / 0.09;
        Assert.Equal(curvature, (double)r["curvature"]!, 9);
        if (variant == "nonnegative")
        {
            Assert.Equal(j, (double)r["threshold_drive"]!, 9);
            Assert.Equal(1.0, (double)r["threshold_layer_weight"]!);
            Assert.Equal((1 + j) * (1 + j), (double)r["stiffness"]!, 9);
        }
        else
        {
            Assert.Equal(0.0, (double)r["threshold_drive"]!);
            Assert.Equal(0.0, (double)r["threshold_layer_weight"]!);
            Assert.Equal(curvature + 1, (double)r["stiffness"]!, 9);
        }
        Assert.Equal(0.04 / (double)r["stiffness"]! * 20, (double)json["inference"]!["dt"]!, 12);
        double worst = double.NegativeInfinity;
        foreach (JsonNode? res in json["results"]!.AsArray())
        {
            double skewE = (double)res!["mean_estimate_skewness"]![0]!, skewP = (double)res["p_active_estimate_skewness"]![0]!;
            Assert.True(double.IsFinite(skewE) && double.IsFinite(skewP));
            worst = Math.Max(worst, Math.Abs(skewE) - Math.Abs(skewP));
        }
        Assert.Equal(worst, (double)r["max_excess_skewness"]!, 12);
        Assert.Equal(0.1, (double)r["target_max_excess_skewness"]!);
    }
}
