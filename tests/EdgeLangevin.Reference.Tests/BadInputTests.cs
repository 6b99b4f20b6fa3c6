using EdgeLangevin.Cli;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Tests;

/// <summary>The `infer` and `learn` verbs on bad input: exit code 2, a message naming the problem, no output file.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "el-ref-bad-" + Guid.NewGuid().ToString("N"));

    public BadInputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string text)
    {
        string p = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    private const string GoodModel = """{"variant": "nonnegative", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 1, "data": [1, 0]}}""";

    private (int Code, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, e.ToString());
    }

    private (int Code, string Err, bool OutputExists) Infer(string model, string input)
    {
        string outPath = Path.Combine(_dir, "out.json");
        var (code, err) = Run("infer", "--model", File("m.json", model), "--input", File("x.json", input), "--samples", "10", "--burn-in", "5", "--json", outPath, "--quiet");
        return (code, err, System.IO.File.Exists(outPath) || Directory.GetFiles(_dir, "*.tmp").Length > 0);
    }

    [Theory]
    [InlineData("{\"variant\": \"nonnegative\", ", "not valid JSON")]
    [InlineData("""{"variant": "both", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 1, "data": [1, 0]}}""", "variant")]
    [InlineData("""{"variant": "signed", "lambda": 1, "pi": 0.3, "dictionary": {"rows": 2, "cols": 1, "data": [1, 0]}}""", "sigma")]
    [InlineData("""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 1, "data": [1, "NaN"]}}""", "dictionary.data[1]")]
    [InlineData("""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 2, "data": [1, 0]}}""", "dictionary.data")]
    [InlineData("""{"variant": "signed", "lambda": 1, "pi": 1.5, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 1, "data": [1, 0]}}""", "pi")]
    public void A_malformed_model_file_is_exit_code_2_naming_the_field_and_writes_nothing(string model, string expected)
    {
        var (code, err, wrote) = Infer(model, """{"inputs": [[1, 2]]}""");
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Contains("m.json", err);
        Assert.False(wrote);
    }

    [Theory]
    [InlineData("[[1, 2]]", "expected a JSON object")]
    [InlineData("""{"vectors": [[1, 2]]}""", "'inputs'")]
    [InlineData("""{"inputs": [[1, 2, 3]]}""", "inputs[0]")]
    [InlineData("""{"inputs": [[1, 2], [1]]}""", "inputs[1]")]
    [InlineData("""{"inputs": [[1, "NaN"]]}""", "inputs[0][1]")]
    [InlineData("""{"inputs": [[1, null]]}""", "inputs[0][1]")]
    [InlineData("""{"inputs": []}""", "at least one")]
    [InlineData("""{"inputs": [[1, 2]""", "not valid JSON")]
    public void A_malformed_input_file_is_exit_code_2_naming_the_element_and_writes_nothing(string input, string expected)
    {
        var (code, err, wrote) = Infer(GoodModel, input);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Contains("x.json", err);
        Assert.False(wrote);
    }

    [Fact]
    public void A_good_model_and_input_give_exit_code_0_and_a_summary_per_input()
    {
        var (code, err, wrote) = Infer(GoodModel, """{"inputs": [[1.2, 0], [0, 0]]}""");
        Assert.True(code == 0, err);
        Assert.True(wrote);
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(_dir, "out.json")))!;
        Assert.Equal(2, json["results"]!.AsArray().Count);
        Assert.Single(json["results"]![0]!["p_active"]!.AsArray());
        Assert.Equal(1, (int)json["seed"]!);
    }

    [Fact]
    public void The_fixed_engine_goes_through_the_same_dispatch_and_output()
    {
        string outPath = Path.Combine(_dir, "out.json");
        var (code, err) = Run("infer", "--model", File("m.json", GoodModel), "--input", File("x.json", """{"inputs": [[1, 2]]}"""), "--engine", "fixed",
            "--samples", "10", "--burn-in", "5", "--json", outPath, "--quiet");
        Assert.True(code == 0, err);
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.IO.File.ReadAllText(outPath))!;
        Assert.Equal("fixed", (string)json["engine"]!);
        Assert.Single(json["results"]![0]!["p_active"]!.AsArray());
    }

    [Fact]
    public void A_missing_model_file_is_exit_code_2()
    {
        string outPath = Path.Combine(_dir, "out.json");
        var (code, err) = Run("infer", "--model", Path.Combine(_dir, "nope.json"), "--input", File("x.json", """{"inputs": [[1, 2]]}"""), "--json", outPath, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("not found", err);
        Assert.False(System.IO.File.Exists(outPath));
    }

    [Fact]
    public void A_bad_config_value_for_learn_is_exit_code_2_and_no_model_is_written()
    {
        string outPath = Path.Combine(_dir, "model.json");
        string cfg = File("c.json", """{"learning": {"tau_a": -1}}""");
        var (code, err) = Run("learn", "--data", "bars", "--out", outPath, "--steps", "10", "--config", cfg, "--quiet");
        Assert.Equal(2, code);
        Assert.Contains("tau_a", err);
        Assert.False(System.IO.File.Exists(outPath));
    }

    [Fact]
    public void Learn_on_bars_writes_a_model_file_that_reads_back()
    {
        string outPath = Path.Combine(_dir, "model.json");
        var (code, err) = Run("learn", "--data", "bars", "--out", outPath, "--steps", "200", "--seed", "4", "--quiet");
        Assert.True(code == 0, err);
        var model = ModelFile.Read(outPath);
        Assert.Equal(64, model.D);
        Assert.Equal(16, model.K);
        Assert.Contains("\"seed\": 4", System.IO.File.ReadAllText(outPath));
    }

    [Fact]
    public void Learn_from_an_unknown_data_source_is_exit_code_2()
    {
        string outPath = Path.Combine(_dir, "model.json");
        var (code, err) = Run("learn", "--data", Path.Combine(_dir, "no-such-folder"), "--out", outPath, "--steps", "10", "--quiet");
        Assert.Equal(2, code);
        Assert.False(System.IO.File.Exists(outPath));
        Assert.Contains("no-such-folder", err);
    }
}
