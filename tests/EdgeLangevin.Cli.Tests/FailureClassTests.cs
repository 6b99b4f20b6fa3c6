using System.CommandLine;
using CsCheck;
using System.Text;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Issue 14, classes 5 (resource limits), 6 (options that do not act), 7 (degenerate data),
/// 8 (silent saturation) and 11 (messages in the project's words), through the command line.
/// </summary>
public class FailureClassTests
{
    private static readonly string[] Tiny = ["--samples", "20", "--burn-in", "5", "--chains", "1"];

    private static void BadInput(CliRun run, params string[] expected)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        foreach (string e in expected) Assert.Contains(e, run.Err);
        Assert.DoesNotContain("   at ", run.Err);
        Assert.DoesNotContain("System.", run.Err);
    }

    // ----- 5: sizes are estimated before allocating -----

    [Theory]
    [InlineData("200000000")]
    [InlineData("2000000000")]
    [InlineData("1100000000")] // x 2 inputs overflows an int: was "at least one chain"
    public void Chains_that_cannot_fit_are_refused_with_the_numbers(string chains)
    {
        using var tmp = new TempDir();
        BadInput(CliRun.Of("infer", "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--json", Path.Combine(tmp.Path, "p.json"), "--chains", chains),
            $"2 input(s) x {chains} chains", "needs", "fewer chains");
        Assert.False(File.Exists(Path.Combine(tmp.Path, "p.json")));
    }

    [Fact]
    public void Chains_that_fit_in_arrays_but_not_in_memory_are_refused_with_the_estimate()
    {
        using var tmp = new TempDir();
        // Twice the usable memory at the estimate's own cost per chain (K = 3, D = 4: about 312 bytes), within array limits when possible.
        long chains = (long)Math.Min(int.MaxValue / 8, Math.Ceiling(2 * MemoryBudget.AvailableBytes / 312.0 / 2));
        BadInput(CliRun.Of("infer", "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--json", Path.Combine(tmp.Path, "p.json"), "--chains", chains.ToString()), "needs");
    }

    [Fact]
    public void A_dictionary_too_large_to_exist_is_refused_before_learning()
    {
        using var tmp = new TempDir();
        BadInput(CliRun.Of("learn", "--data", "bars", "--k", "100000000", "--out", Path.Combine(tmp.Path, "m.json")), "64 x 100000000", "needs");
    }

    [Fact]
    public void An_image_k_past_the_learning_steps_limit_is_refused_up_front_naming_k_not_a_dt_never_set()
    {
        // K = 320 (R = 5) starts at curvature 40.1, past dt = 1's limit 40: before, `learn` fitted the preprocessing and then
        // refused with "field 'dt': ... use a smaller dt or leave dt unset", and `reproduce images -r 1 -r 5` ran R = 1 first.
        using var tmp = new TempDir();
        string model = Path.Combine(tmp.Path, "m.json"), outDir = Path.Combine(tmp.Path, "ri");
        CliRun learn = CliRun.Of("learn", "--data", "images", "--k", "320", "--quick", "--out", model);
        BadInput(learn, "K = 320 (5x overcomplete", "up to K = ", "set inference.dt below");
        Assert.DoesNotContain("leave dt unset", learn.Err);
        Assert.False(File.Exists(model));
        CliRun reproduce = CliRun.Of("reproduce", "images", "--quick", "-r", "1", "-r", "5", "--out", outDir);
        BadInput(reproduce, "K = 320 (5x overcomplete");
        Assert.DoesNotContain("K=64: learning", reproduce.Out + reproduce.Err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void The_memory_check_refuses_more_than_the_usable_memory_and_accepts_less()
    {
        double usable = MemoryBudget.UsableFraction * MemoryBudget.AvailableBytes;
        var e = Assert.Throws<InvalidInputException>(() => MemoryBudget.Check("a test size", usable * 1.01, "ask for less"));
        Assert.Contains("a test size needs about", e.Message);
        Assert.Contains("ask for less", e.Message);
        MemoryBudget.Check("a test size", usable * 0.99, "ask for less");
        Assert.Throws<InvalidInputException>(() => MemoryBudget.CheckLength("a test array", Array.MaxLength + 1.0, "smaller"));
    }

    [Theory]
    [InlineData("1e308")]
    [InlineData("-1e200")]
    public void Inputs_too_large_for_double_precision_are_refused_not_sampled_into_NaN(string x)
    {
        using var tmp = new TempDir();
        string input = tmp.File("huge.json", $"{{\"inputs\": [[{x}, 0, 0, 0]]}}");
        BadInput(CliRun.Of(["infer", "--model", Fixtures.Model(tmp), "--input", input, "--json", Path.Combine(tmp.Path, "p.json"), "--samples", "50", "--burn-in", "10", "--chains", "1"]),
            "huge.json", "inputs[0][0]", "too large");
    }

    /// <summary>
    /// A temperature so large that the chains' spread (T / lambda) overflows double precision: at 1e308 the step's NaN check
    /// fired and the verb printed "internal error ... u became NaN" with a stack trace, exit 1; at 1.6e213 it wrote the
    /// summary, exit 0, with standard errors of Infinity (break-21). Every temperature above 1e100, in double and float32,
    /// is bad input naming the config file and the temperature.
    /// </summary>
    [Theory]
    [InlineData("double")]
    [InlineData("single")]
    public void A_temperature_beyond_double_precision_is_refused_naming_the_config_not_a_crash(string precision)
    {
        double lowest = 1.01e100;
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        Gen.Double[lowest, 1e308].Sample(t =>
        {
            string config = tmp.File("hot.json", $"{{\"inference\": {{\"temperature\": {t.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}}}");
            BadInput(CliRun.Of(["infer", "--model", model, "--input", input, "--config", config, "--precision", precision, "--json", Path.Combine(tmp.Path, "p.json"),
                "--samples", "20", "--burn-in", "5", "--chains", "1", "--quiet"]), "hot.json: field 'inference.temperature'", "too large");
            Assert.False(File.Exists(Path.Combine(tmp.Path, "p.json")));
        }, iter: 20, threads: 1);
    }

    /// <summary>
    /// A tau_u so small that the chosen step dt = eps tau_u rounds to 0 (5e-324: "field 'dt': must be a positive finite
    /// number, got 0", no file, a field the user never set; session 19) is bad input naming tau_u; the run does not start.
    /// </summary>
    [Fact]
    public void A_tau_u_too_small_for_any_step_is_refused_naming_tau_u()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        foreach (string tau in new[] { "5e-324", "1e-323", "9e-101" })
        {
            string config = tmp.File("fast.json", $"{{\"inference\": {{\"tau_u\": {tau}}}}}");
            CliRun run = CliRun.Of(["infer", "--model", model, "--input", input, "--config", config, "--json", Path.Combine(tmp.Path, "p.json"),
                "--samples", "20", "--burn-in", "5", "--chains", "1", "--quiet"]);
            BadInput(run, "fast.json: field 'inference.tau_u'", "too small");
            Assert.DoesNotContain("field 'dt'", run.Err);
            Assert.False(File.Exists(Path.Combine(tmp.Path, "p.json")));
        }
    }

    // ----- 6: every option acts or is an error -----

    [Fact]
    public void Image_options_with_bars_data_are_errors_naming_each()
    {
        using var tmp = new TempDir();
        string m = Path.Combine(tmp.Path, "m.json");
        BadInput(CliRun.Of("learn", "--data", "bars", "--sigma", "-1", "--variant", "xyz", "--overcomplete", "99", "--out", m, "--steps", "10"),
            "--overcomplete", "--sigma", "--variant", "no effect with --data bars");
        BadInput(CliRun.Of("learn", "--data", "bars", "--sigma", "0.1", "--out", m, "--steps", "10"), "--sigma: has no effect with --data bars");
        Assert.False(File.Exists(m));
        // Without them, bars learning still runs.
        CliRun ok = CliRun.Of("learn", "--data", "bars", "--out", m, "--steps", "10", "--quiet");
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }

    [Theory]
    [InlineData("A=16.13,A=12.10", "gives A twice")]
    [InlineData("M=16.11,,S=32.16", "empty entry")]
    public void A_format_that_says_two_things_or_has_a_hole_is_an_error(string format, string expected)
    {
        using var tmp = new TempDir();
        BadInput(CliRun.Of(["infer", "--engine", "fixed", "--format", format, "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--json", Path.Combine(tmp.Path, "p.json"), .. Tiny]), "--format", expected);
    }

    [Fact]
    public void Options_that_do_not_act_in_the_case_given_are_errors()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp);
        BadInput(CliRun.Of(["infer", "--engine", "float", "--format", "A=16.13", "--model", model, "--input", Fixtures.Input(tmp), "--json", Path.Combine(tmp.Path, "p.json"), .. Tiny]), "--format: has no effect with --engine float");
        string fw = Path.Combine(tmp.Path, "fw");
        BadInput(CliRun.Of("firmware", "export", "--model", model, "--target", "iot", "--out", fw, "--mu", "0.5"), "--mu: has no effect with --order 1");
        BadInput(CliRun.Of("firmware", "export", "--model", model, "--target", "iot", "--out", fw, "--learn", "none", "--tau-a", "100"), "--tau-a: has no effect with --learn none");
        BadInput(CliRun.Of("firmware", "export", "--model", model, "--target", "iot", "--out", fw, "--learn", "dictionary", "--tau-u0", "100"), "--tau-u0: has no effect with --learn dictionary");
        Assert.False(Directory.Exists(fw));
    }

    [Fact]
    public void An_option_left_at_its_default_is_not_refused()
    {
        var option = new Option<double>("--mu") { DefaultValueFactory = _ => 0.0 };
        var cmd = new RootCommand { option };
        CommonOptions.RefuseGiven(cmd.Parse([]), "in this test", option);
        Assert.Throws<InvalidInputException>(() => CommonOptions.RefuseGiven(cmd.Parse(["--mu", "0"]), "in this test", option)); // given, even at the default value
    }

    // ----- 7: degenerate data -----

    private static byte[] Pgm(int side, Func<int, byte> pixel) =>
        [.. Encoding.ASCII.GetBytes($"P5\n{side} {side}\n255\n"), .. Enumerable.Range(0, side * side).Select(pixel)];

    [Fact]
    public void A_folder_of_images_without_variation_is_refused_naming_the_file()
    {
        using var tmp = new TempDir();
        string folder = Path.Combine(tmp.Path, "flat");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "a.pgm"), Pgm(32, i => (byte)(i * 7 % 256)));
        File.WriteAllBytes(Path.Combine(folder, "b.pgm"), Pgm(32, _ => 128));
        BadInput(CliRun.Of("learn", "--data", folder, "--out", Path.Combine(tmp.Path, "m.json"), "--quick", "--steps", "10"), "b.pgm", "every pixel is 128");
        Assert.False(File.Exists(Path.Combine(tmp.Path, "m.json")));
    }

    [Fact]
    public void Patches_without_variation_beyond_round_off_are_refused_by_the_preprocessing()
    {
        // Each image is flat; different levels, so only the patch statistics (after mean removal) can tell.
        var images = new[] { new GrayImage(16, 16, 255, Enumerable.Repeat(17, 256).ToArray(), "dark.pgm"), new GrayImage(16, 16, 255, Enumerable.Repeat(200, 256).ToArray(), "light.pgm") };
        var e = Assert.Throws<InvalidInputException>(() => PatchPreprocessor.Fit(images, new PreprocessingOptions { FitPatches = 1000 }, 1));
        Assert.Contains("dark.pgm", e.Message);
        Assert.Contains("no variation", e.Message);
    }

    // ----- 8: saturation is counted and reported -----

    [Fact]
    public void Fixed_point_clipping_is_counted_by_site_in_the_json_and_warned_about()
    {
        using var tmp = new TempDir();
        // |x| = 1000 cannot be held by M = 16.11 (|v| < 16): the residual r = x - A s is narrowed to M for the MACs (site r_m) and must clip.
        string input = tmp.File("big.json", "{\"inputs\": [[1000, -1000, 1000, 500]]}");
        string json = Path.Combine(tmp.Path, "p.json");
        CliRun run = CliRun.Of(["infer", "--engine", "fixed", "--format", "M=16.11", "--model", Fixtures.Model(tmp), "--input", input, "--json", json, .. Tiny]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning: the fixed-point core clipped", run.Err);
        JsonObject sat = JsonNode.Parse(File.ReadAllText(json))!["fixed_point_saturations"]!.AsObject();
        long total = (long)sat["total"]!;
        Assert.True((long)sat["by_site"]!["r_m"]! > 0, sat.ToJsonString());
        Assert.Equal(total, sat["by_site"]!.AsObject().Sum(kv => (long)kv.Value!));
    }

    [Fact]
    public void Runs_that_do_not_clip_report_zero_and_float_runs_report_nothing()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp), json = Path.Combine(tmp.Path, "p.json");
        CliRun fixedRun = CliRun.Of(["infer", "--engine", "fixed", "--model", model, "--input", input, "--json", json, .. Tiny]);
        Assert.True(fixedRun.ExitCode == 0, fixedRun.ToString());
        Assert.DoesNotContain("clipped", fixedRun.Err);
        Assert.Equal(0, (long)JsonNode.Parse(File.ReadAllText(json))!["fixed_point_saturations"]!["total"]!);
        CliRun floatRun = CliRun.Of(["infer", "--model", model, "--input", input, "--json", json, .. Tiny]);
        Assert.True(floatRun.ExitCode == 0, floatRun.ToString());
        Assert.Null(JsonNode.Parse(File.ReadAllText(json))!["fixed_point_saturations"]);
    }

    // ----- 11: messages in the project's words -----

    [Fact]
    public void A_number_option_with_text_says_what_it_expects_without_dotnet_type_names()
    {
        using var tmp = new TempDir();
        BadInput(CliRun.Of("infer", "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--json", Path.Combine(tmp.Path, "p.json"), "--chains", "abc"), "--chains", "expected an integer");
        BadInput(CliRun.Of("learn", "--data", "bars", "--out", Path.Combine(tmp.Path, "m.json"), "--pi", "high"), "--pi", "expected a number");
    }

    [Theory]
    [InlineData("model")]
    [InlineData("input")]
    [InlineData("config")]
    public void A_field_given_twice_is_an_error_naming_the_file_and_the_field(string which)
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        string twice = which switch
        {
            "model" => tmp.File("twice.json", File.ReadAllText(model).Replace("\"pi\": 0.3", "\"pi\": 0.3, \"pi\": 0.5")),
            "input" => tmp.File("twice.json", "{\"inputs\": [[1, 2, 3, 4]], \"inputs\": [[0, 0, 0, 0]]}"),
            _ => tmp.File("twice.json", "{\"inference\": {\"samples\": 10, \"samples\": 20}}"),
        };
        if (which == "model") Assert.Contains("\"pi\": 0.5", File.ReadAllText(twice)); // the field really is there twice
        string[] args = which switch
        {
            "model" => ["infer", "--model", twice, "--input", input],
            "input" => ["infer", "--model", model, "--input", twice],
            _ => ["infer", "--model", model, "--input", input, "--config", twice],
        };
        BadInput(CliRun.Of([.. args, "--json", Path.Combine(tmp.Path, "p.json"), .. Tiny]), twice, "appears twice");
    }

    // ----- 4, in-process: what the message says when some outputs were already in place -----

    [Fact]
    public void An_interruption_after_one_output_names_it_and_keeps_the_others_as_they_were()
    {
        using var tmp = new TempDir();
        string first = Path.Combine(tmp.Path, "first.json"), second = tmp.File("second.json", "previous");
        using var cancel = new CancellationTokenSource();
        RootCommand root = CliApp.BuildRoot();
        var probe = new Command("probe", "Writes two outputs and is interrupted between them. Example: edgelangevin probe");
        probe.SetAction(_ =>
        {
            AtomicFile.WriteAllText(first, "new");
            cancel.Cancel();
            AtomicFile.WriteAllText(second, "new");
            return ExitCodes.Success;
        });
        root.Subcommands.Add(probe);
        var err = new StringWriter();
        int code = CliApp.Run(root, ["probe"], new StringWriter(), err, cancel.Token);
        Assert.Equal(1, code);
        Assert.Contains($"interrupted: {first} had already been written; the other outputs were left as they were", err.ToString());
        Assert.Equal("previous", File.ReadAllText(second));
        Assert.Empty(Directory.GetFiles(tmp.Path, ".*.tmp"));
    }
}
