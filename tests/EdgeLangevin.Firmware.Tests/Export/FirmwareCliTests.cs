using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Firmware.Tests.Export;

public class FirmwareCliTests
{
    private static string BarsModelPath => Path.Combine(SourceTree.Root, "firmware", "models", "bars8x8.json");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"edgelangevin-fwcli-{Guid.NewGuid():N}-{name}");

    [Fact]
    public void Firmware_export_writes_the_model_source_and_golden_vector_and_records_the_seed_in_its_json()
    {
        string outDir = TempPath("out"), json = TempPath("result.json");
        try
        {
            var (code, stdout, stderr) = Run("firmware", "export", "--model", BarsModelPath, "--target", "nanoframework", "--out", outDir, "--seed", "9", "--json", json);
            Assert.True(code == 0, stderr);
            Assert.Contains("exported bars8x8 for nanoframework", stdout);
            Assert.True(File.Exists(Path.Combine(outDir, "ExportedModel.cs")));
            var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "golden.json")))!;
            Assert.Equal(9, (int)golden["seed"]!);
            var result = JsonNode.Parse(File.ReadAllText(json))!;
            Assert.Equal(9, (int)result["seed"]!);
            Assert.Equal("nanoframework", (string)result["target"]!);
            Assert.Equal(65536, (long)result["ram_budget_bytes"]!);
            Assert.Contains("model.GoldenSeed = 9;", File.ReadAllText(Path.Combine(outDir, "ExportedModel.cs")));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
            if (File.Exists(json)) File.Delete(json);
        }
    }

    [Fact]
    public void A_model_too_large_for_the_target_exits_2_with_the_budget_in_the_message_and_writes_nothing()
    {
        var random = new Random(1);
        var a = new Matrix(64, 192);
        for (int i = 0; i < a.Data.Length; i++) a.Data[i] = random.NextDouble() - 0.5;
        string modelPath = TempPath("big.json"), outDir = TempPath("out");
        ModelFile.Write(modelPath, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.2, Sigma = 0.5, Dictionary = a });
        try
        {
            // --eps 0.005: this random dictionary (lambda_max(A^T A) about 40, sigma 0.5) is unstable at the paper's eps = 0.05
            // (limit 2 sigma^2 / lambda_max, about 0.012), which the step policy refuses before the budget is checked.
            var (code, _, stderr) = Run("firmware", "export", "--model", modelPath, "--target", "nanoframework", "--out", outDir, "--eps", "0.005");
            Assert.Equal(2, code);
            Assert.Contains("more than the nanoframework budget of 64.0 KiB", stderr);
            Assert.False(Directory.Exists(outDir));
            Assert.Equal(0, Run("firmware", "export", "--model", modelPath, "--target", "meadow", "--out", outDir, "--eps", "0.005").Code);
        }
        finally
        {
            File.Delete(modelPath);
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        }
    }

    [Fact]
    public void A_model_too_stiff_for_the_learning_boards_default_step_is_told_what_to_give_not_to_leave_dt_unset()
    {
        // lambda_max(A^T A) = 4 at sigma 0.1: curvature 400, limit eps < 0.005; the learning board's default is the paper's 0.05.
        string modelPath = TempPath("stiff.json"), outDir = TempPath("out");
        ModelFile.Write(modelPath, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.1, Dictionary = new Matrix(2, 2, [2, 0, 0, 1]) });
        try
        {
            var (code, _, stderr) = Run("firmware", "export", "--model", modelPath, "--target", "iot", "--out", outDir);
            Assert.Equal(2, code);
            Assert.Contains("with learning on the board (--learn both) the step is the paper's eps = 0.05", stderr);
            Assert.Contains("allows only eps < 0.005", stderr);
            Assert.Contains("Give --eps below 0.005 and scale --tau-a, --tau-u0 and --steps-per-window", stderr);
            Assert.DoesNotContain("leave dt unset", stderr);
            Assert.False(Directory.Exists(outDir));
            // the advice works: an inference-only board gets the model's own step
            Assert.Equal(0, Run("firmware", "export", "--model", modelPath, "--target", "iot", "--out", outDir, "--learn", "none").Code);
        }
        finally
        {
            File.Delete(modelPath);
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        }
    }

    [Fact]
    public void A_learning_board_whose_paper_step_biases_the_posterior_is_told_the_unbiased_ways()
    {
        // lambda_max(A^T A) = 4 at sigma 0.5: curvature 16, stable at the paper's eps = 0.05 (limit 0.125) but its bias bound
        // 0.25 x 0.05 x (16 + 1) = 0.21 is far above 0.01; the model's own step is smaller by about 20.
        string modelPath = TempPath("biased.json"), outDir = TempPath("out");
        ModelFile.Write(modelPath, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(2, 2, [2, 0, 0, 1]) });
        try
        {
            var (code, _, stderr) = Run("firmware", "export", "--model", modelPath, "--target", "iot", "--out", outDir);
            Assert.Equal(0, code);
            Assert.Contains("is expected to bias P(s != 0)", stderr);
            Match advice = Regex.Match(stderr, @"export with --learn none \(the model's own step\), or give --eps ([0-9.eE+-]+) and scale --tau-a, --tau-u0 and --steps-per-window by ([0-9.eE+-]+)");
            Assert.True(advice.Success, stderr);
            double givenEps = double.Parse(advice.Groups[1].Value, CultureInfo.InvariantCulture);
            // the ratio is printed to 4 significant digits, so it agrees with 0.05 / eps to about 1e-4 relative
            Assert.InRange(double.Parse(advice.Groups[2].Value, CultureInfo.InvariantCulture) * givenEps / 0.05, 0.9995, 1.0005);
            Assert.InRange(givenEps, 0.001, 0.01); // about the model's own step, not the paper's
            // both ways it names are quiet: an inference-only board, and a learning board at the eps it gives
            var none = Run("firmware", "export", "--model", modelPath, "--target", "iot", "--out", outDir, "--learn", "none");
            Assert.Equal(0, none.Code);
            Assert.DoesNotContain("warning", none.Err);
            var given = Run("firmware", "export", "--model", modelPath, "--target", "iot", "--out", outDir, "--eps", advice.Groups[1].Value,
                "--tau-a", "400000", "--tau-u0", "20000000", "--steps-per-window", "2000");
            Assert.Equal(0, given.Code);
            Assert.DoesNotContain("warning", given.Err);
        }
        finally
        {
            File.Delete(modelPath);
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        }
    }

    [Theory]
    [InlineData("--target", "esp8266", "unknown target 'esp8266'")]
    [InlineData("--learn", "sometimes", "expected none, pi, dictionary or both")]
    [InlineData("--format", "A=20.13", "DictionaryBits (WA)")]
    public void Bad_options_exit_2_with_a_message_naming_the_option(string option, string value, string message)
    {
        var args = new List<string> { "firmware", "export", "--model", BarsModelPath, "--target", "iot", "--out", TempPath("never") };
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange([option, value]);
        var (code, _, stderr) = Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        // a wrong option is named before any work on the model (its step warning was printed ahead of the error)
        Assert.DoesNotContain("warning", stderr);
    }

    [Fact]
    public void The_help_of_firmware_export_has_an_example()
    {
        var (code, stdout, _) = Run("firmware", "export", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Example: edgelangevin firmware export --model", stdout);
    }
}
