using System.Text.Json.Nodes;
using EdgeLangevin.Cli;

namespace EdgeLangevin.Core.Tests;

/// <summary>The simulator's verbs end to end through the command line: exit codes, messages, outputs.</summary>
public class SimulatorVerbTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "el-core-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void VectorsWritesTheFolderAndRecordsTheSeed()
    {
        string dir = TempDir();
        string json = dir + ".json";
        try
        {
            var (code, _, err) = Run("vectors", "--steps", "8", "--order", "2", "--out", dir, "--seed", "42", "--json", json, "-q");
            Assert.True(code == 0, err);
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
            Assert.Equal(42, (int)manifest["run_seed"]!);
            Assert.Equal(2, (int)manifest["order"]!);
            Assert.Equal(8 * 4, File.ReadAllLines(Path.Combine(dir, "m.hex")).Length);
            Assert.Equal(42, (int)JsonNode.Parse(File.ReadAllText(json))!["seed"]!);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            if (File.Exists(json)) File.Delete(json);
        }
    }

    [Theory]
    [InlineData("A=16.16", "DictionaryFracBits (FA) = 16")]
    [InlineData("S=40.16", "StateBits (WS) = 40")]
    [InlineData("A=16", "expected WORD=BITS.FRAC")]
    public void AnImpossibleFormatIsExitCode2WithTheFieldNamed(string format, string expected)
    {
        string dir = TempDir();
        var (code, _, err) = Run("vectors", "--format", format, "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(dir), "nothing is written on bad input");
    }

    [Fact]
    public void ADictionaryThatSaturatesTheFormatIsExitCode2NamingTheEntry()
    {
        string dir = TempDir();
        string model = dir + ".model.json";
        try
        {
            File.WriteAllText(model, """{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 2, "data": [0.5, 1.5, 0.2, -0.1]}}""");
            // Q0.15 holds [-1, 1): the entry 1.5 would saturate.
            var (code, _, err) = Run("vectors", "--model", model, "--format", "A=16.15", "--out", dir);
            Assert.Equal(2, code);
            Assert.Contains("dictionary.data[1] (d = 0, k = 1)", err);
            Assert.Contains("Q0.15", err);
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            if (File.Exists(model)) File.Delete(model);
        }
    }

    [Fact]
    public void InferWithTheFixedEngineRecordsTheNumberFormat()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            string model = Path.Combine(dir, "m.json"), input = Path.Combine(dir, "x.json"), output = Path.Combine(dir, "post.json");
            File.WriteAllText(model, """{"variant": "nonnegative", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 1, "cols": 1, "data": [1.0]}}""");
            File.WriteAllText(input, """{"inputs": [[1.2]]}""");
            var (code, _, err) = Run("infer", "--model", model, "--input", input, "--engine", "fixed", "--format", "S=24.12,M=12.8", "--samples", "500", "--json", output, "-q");
            Assert.True(code == 0, err);
            var post = JsonNode.Parse(File.ReadAllText(output))!;
            Assert.Equal("fixed", (string)post["engine"]!);
            Assert.Equal("A=16.13,S=24.12,M=12.8,C=16.14", (string)post["number_format"]!);
            Assert.InRange((double)post["results"]![0]!["p_active"]![0]!, 0.5, 0.95); // exact 0.760; 4 chains x 500 samples
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    // Q4.11 holds |v| < 16, so 1.2 keeps the default. 17.5 needs 5 integer bits, plus the guard bit and the
    // sign: 16 - 1 - 6 = 9 fractional bits. 40 would need 6 + 1: M = 16.8.
    [InlineData("1.2", "A=16.13,S=32.16,M=16.11,C=16.14")]
    [InlineData("17.5", "A=16.13,S=32.16,M=16.9,C=16.14")]
    [InlineData("-40", "A=16.13,S=32.16,M=16.8,C=16.14")]
    public void InferWithTheFixedEngineAndNoFormatWidensTheMacOperandsToTheInputs(string x, string expected)
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            string model = Path.Combine(dir, "m.json"), input = Path.Combine(dir, "x.json"), output = Path.Combine(dir, "post.json");
            File.WriteAllText(model, """{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 2, "cols": 1, "data": [0.6, 0.8]}}""");
            File.WriteAllText(input, $$"""{"inputs": [[0.5, 0.25], [{{x}}, 0.0]]}""");
            var (code, _, err) = Run("infer", "--model", model, "--input", input, "--engine", "fixed", "--samples", "50", "--burn-in", "10", "--json", output, "-q");
            Assert.True(code == 0, err);
            Assert.Equal(expected, (string)JsonNode.Parse(File.ReadAllText(output))!["number_format"]!);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AMisspeltConfigFieldIsExitCode2WithTheNearestName()
    {
        string cfg = TempDir() + ".json";
        try
        {
            File.WriteAllText(cfg, """{"inference": {"order": 2}, "vectors": {"k": 3, "step": 16}}""");
            var (code, _, err) = Run("vectors", "--config", cfg, "--out", TempDir());
            Assert.Equal(2, code);
            Assert.Contains("vectors.step", err);
            Assert.Contains("did you mean 'steps'", err);
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    [Fact]
    public void CompareRejectsBothModelAndBars()
    {
        var (code, _, err) = Run("compare", "--model", "m.json", "--bars", "--json", "out.json");
        Assert.Equal(2, code);
        Assert.Contains("either --model or --bars", err);
    }

    private const string LearningConfig = """
        {"inference": {"dt": 1, "tau_u": 5, "temperature": 1},
         "vectors": {"problem": "bars", "variant": "non_negative", "steps": 30, "data_count": 16, "checkpoint_every": 10},
         "learning": {"batch": 4, "tau_x": 20, "tau_a": 400, "switching": "asynchronous", "learn_pi": true, "tau_u0": 1e6}}
        """;

    private static (int Code, string Err, string Dir) RunLearningVectors(string config, params string[] extra)
    {
        string dir = TempDir();
        string cfg = dir + ".config.json";
        File.WriteAllText(cfg, config);
        try
        {
            var (code, _, err) = Run(["vectors", "--config", cfg, "--out", dir, "-q", .. extra]);
            return (code, err, dir);
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    [Fact]
    public void VectorsWithALearningSectionWriteALearningRun()
    {
        var (code, err, dir) = RunLearningVectors(LearningConfig);
        try
        {
            Assert.True(code == 0, err);
            var manifest = EdgeLangevin.Simulator.TestVectors.CheckFiles(dir);
            Assert.Equal(2, (int)manifest["version"]!);
            Assert.Equal(4, (int)manifest["learning"]!["chains"]!);
            Assert.Equal(16 * 64, File.ReadAllLines(Path.Combine(dir, "data.hex")).Length);
            Assert.Equal(30 * 4 * 16, File.ReadAllLines(Path.Combine(dir, "u.hex")).Length);
            Assert.Equal(3, manifest["learning"]!["checkpoints"]!.AsArray().Count);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("\"normalise\": false", "\"normalise\": true", "normalise")]
    [InlineData("\"temperature\": 1", "\"temperature\": 1, \"order\": 2", "order")]
    [InlineData("\"tau_a\": 400", "\"tau_a\": 1e15", "tau_a <= ")]            // the dictionary rate rounds to zero
    [InlineData("\"tau_u0\": 1e6", "\"tau_u0\": 1e16", "tau_u0 <= ")]          // the threshold rate rounds to zero
    [InlineData("\"tau_x\": 20", "\"tau_x\": 1e10", "tau_x <= ")]              // async switching probability rounds to zero
    [InlineData("\"batch\": 4", "\"batch\": 0", "batch")]
    [InlineData("\"batch\": 4", "\"batch\": 70000", "batch")]
    [InlineData("\"data_count\": 16", "\"data_count\": 0", "data_count")]
    [InlineData("\"data_count\": 16", "\"data_count\": 16, \"format\": \"M=4.3\"", "does not fit the MAC operand format Q0.3")] // the data memory holds x at WM bits
    [InlineData("\"data_count\": 16", "\"data_count\": 16, \"data\": \"faces\"", "data")]
    public void ABadLearningConfigurationIsExitCode2WithTheSettingNamedAndNothingWritten(string from, string to, string expected)
    {
        string config = LearningConfig.Replace("\"tau_u0\": 1e6}", "\"tau_u0\": 1e6, \"normalise\": false}");
        Assert.Contains(from, config);
        var (code, err, dir) = RunLearningVectors(config.Replace(from, to));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(dir), "nothing is written on bad input");
    }
}
