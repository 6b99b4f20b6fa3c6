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
    public void InferGivesTheSameResultsOnOneAndOnThreeThreads(string engine)
    {
        using var tmp = new TempDir();
        string model = tmp.File("model.json", Model);
        string input = tmp.File("x.json", """{"inputs": [[1.2, 0.0, 0.3], [0.0, 0.5, -0.7], [0.4, 0.4, 0.4]]}""");
        JsonNode Results(int threads)
        {
            string json = Path.Combine(tmp.Path, $"out{threads}.json");
            var run = CliRun.Of("infer", "--model", model, "--input", input, "--engine", engine, "--chains", "5", "--samples", "300",
                "--burn-in", "50", "--seed", "3", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json);
            Assert.True(run.ExitCode == 0, run.ToString());
            return JsonNode.Parse(File.ReadAllText(json))!["results"]!;
        }
        string one = Results(1).ToJsonString(), three = Results(3).ToJsonString();
        Assert.Equal(one, three);
        Assert.Contains("p_active", one);
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
