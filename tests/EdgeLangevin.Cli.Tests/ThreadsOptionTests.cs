using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>--threads N (every verb, inherited from the root): the same results for any N; a bad N is a usage error.</summary>
public class ThreadsOptionTests
{
    private const string Model = """
        {"variant": "nonnegative", "lambda": 1.0, "pi": 0.3, "sigma": 0.5,
         "dictionary": {"rows": 3, "cols": 4, "data": [1.0, 0.0, 0.5, -0.2, 0.0, 1.0, 0.5, 0.3, 0.2, -0.4, 0.1, 0.9]}}
        """;

    [Theory]
    [InlineData("fixed")]
    [InlineData("float")]
    [InlineData("float", "single")] // 15 chains on 3 threads: the float32 sampler's split of chains among threads
    public void InferGivesTheSameResultsOnOneAndOnThreeThreads(string engine, string precision = "")
    {
        using var tmp = new TempDir();
        string model = tmp.File("model.json", Model);
        string input = tmp.File("x.json", """{"inputs": [[1.2, 0.0, 0.3], [0.0, 0.5, -0.7], [0.4, 0.4, 0.4]]}""");
        JsonNode Results(int threads)
        {
            string json = Path.Combine(tmp.Path, $"out{threads}.json");
            string[] args = ["infer", "--model", model, "--input", input, "--engine", engine, "--chains", "5", "--samples", "300",
                "--burn-in", "50", "--seed", "3", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json];
            var run = CliRun.Of(precision == "" ? args : [.. args, "--precision", precision]);
            Assert.True(run.ExitCode == 0, run.ToString());
            var output = JsonNode.Parse(File.ReadAllText(json))!;
            if (precision != "") Assert.Equal(precision, (string?)output["precision"]);
            return output["results"]!;
        }
        string one = Results(1).ToJsonString(), three = Results(3).ToJsonString();
        Assert.Equal(one, three);
        Assert.Contains("p_active", one);
    }

    /// <summary>
    /// Samples and burn-in left unset: the run-length policy decides while the chains run (RunLengthPolicy), from chain
    /// states and sums only, so the run length, and with it every number, is the same on 1 and 3 threads; a model with
    /// pi = 0.05 makes the burn-in and the checkpoints matter (it runs past the first 100 tau_u).
    /// </summary>
    [Theory]
    [InlineData("fixed")]
    [InlineData("float")]
    public void InferAtDefaultLengthsGivesTheSameRunOnOneAndOnThreeThreads(string engine)
    {
        using var tmp = new TempDir();
        string model = tmp.File("model.json", Model.Replace("\"pi\": 0.3", "\"pi\": 0.05", StringComparison.Ordinal));
        string input = tmp.File("x.json", """{"inputs": [[1.2, 0.0, 0.3], [0.0, 0.5, -0.7]]}""");
        JsonNode Output(int threads)
        {
            string json = Path.Combine(tmp.Path, $"out{threads}.json");
            var run = CliRun.Of("infer", "--model", model, "--input", input, "--engine", engine, "--seed", "3",
                "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json);
            Assert.True(run.ExitCode == 0, run.ToString());
            var o = JsonNode.Parse(File.ReadAllText(json))!;
            return new JsonObject { ["results"] = o["results"]!.DeepClone(), ["run"] = o["run"]!.DeepClone() };
        }
        JsonNode one = Output(1);
        Assert.Equal(one.ToJsonString(), Output(3).ToJsonString());
        Assert.True((double)one["run"]!["samples_tau_u"]! > 100.5, one["run"]!.ToJsonString());
    }

    [Theory]
    [InlineData("--exact")] // MALA
    [InlineData("--engine", "fixed")]
    public void Float32_inference_where_it_has_no_step_is_bad_input_naming_the_option(params string[] extra)
    {
        using var tmp = new TempDir();
        string model = tmp.File("model.json", Model);
        string input = tmp.File("x.json", """{"inputs": [[1.2, 0.0, 0.3]]}""");
        string json = Path.Combine(tmp.Path, "out.json");
        var run = CliRun.Of(["infer", "--model", model, "--input", input, "--precision", "single", .. extra, "--json", json]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--precision", run.Err);
        Assert.False(File.Exists(json));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("100000")]
    public void AThreadCountOutOfRangeIsAUsageErrorNamingTheOption(string threads)
    {
        var run = CliRun.Of("learn", "--data", "bars", "--out", "unused.json", "--threads", threads);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--threads", run.Err);
        Assert.False(File.Exists("unused.json"));
    }
}
