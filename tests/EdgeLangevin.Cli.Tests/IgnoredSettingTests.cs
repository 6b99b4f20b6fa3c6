using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Break-17, issue 14's class 6 again on the features since: a setting that would do nothing in the case given
/// is an error naming it, never dropped with exit 0. Found: `reproduce images --sweep-pi` without
/// --fixed-pi-sweep and `--fixed-point` with it, `hdl verify --steps` with --vectors, a simulator named twice in
/// --simulators (it ran twice), and the learning-only "vectors" fields (data, data_count, dictionary_init,
/// checkpoint_every, trace_steps) in a config without a "learning" section (`vectors`, every hdl verb).
/// </summary>
public class IgnoredSettingTests
{
    public static TheoryData<string, string> OptionCases() => new()
    {
        { "reproduce images --quick --sweep-pi 0.1 --out {dir}/o", "--sweep-pi: has no effect without --fixed-pi-sweep" },
        { "reproduce images --fixed-pi-sweep --fixed-point --out {dir}/o", "--fixed-point: has no effect with --fixed-pi-sweep" },
        { "hdl verify --vectors {dir}/vectors --steps 10 --simulators icarus --work {dir}/work", "--steps: has no effect with --vectors" },
        { "hdl verify --steps 4 --simulators icarus,iverilog --work {dir}/work", "field '--simulators': 'icarus,iverilog' names a simulator twice" },
    };

    [Theory]
    [MemberData(nameof(OptionCases))]
    public void An_option_that_would_do_nothing_is_refused_naming_it(string commandLine, string expected)
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(Path.Combine(tmp.Path, "vectors"));
        string[] args = commandLine.Replace("{dir}", tmp.Path, StringComparison.Ordinal).Split(' ');
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // work that starts by mistake is stopped (exit 1)
        var run = CliRun.Of(stop.Token, args);
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {commandLine}\n{run}");
        Assert.Contains(expected, run.Err);
    }

    public static TheoryData<string, string> LearningOnlyCases()
    {
        var values = new Dictionary<string, string>
        {
            ["data"] = "\"model\"", ["data_count"] = "4", ["dictionary_init"] = "\"random\"", ["checkpoint_every"] = "5", ["trace_steps"] = "2",
        };
        Assert.Equal(VectorSettings.LearningOnlyFields.Order(), values.Keys.Order()); // a new learning-only field needs a value here
        var data = new TheoryData<string, string>();
        foreach (string verb in new[] { "vectors", "hdl generate" })
            foreach (string field in VectorSettings.LearningOnlyFields)
                data.Add(verb, $"\"{field}\": {values[field]}");
        return data;
    }

    [Theory]
    [MemberData(nameof(LearningOnlyCases))]
    public void A_learning_only_vectors_field_without_a_learning_section_is_refused(string verb, string field)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", "{\"vectors\": {\"problem\": \"random\", \"k\": 4, \"d\": 8, " + field + "}}");
        string[] args = [.. verb.Split(' '), "--config", config, "--out", Path.Combine(tmp.Path, "out"), .. verb == "vectors" ? new[] { "--steps", "4" } : []];
        var run = CliRun.Of(args);
        string name = field.Split('"')[1];
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {verb} with {field} and no learning section\n{run}");
        Assert.Contains($"field 'vectors.{name}': is for learning vectors and has no effect without a \"learning\" section", run.Err);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "out")));

        // with a learning section the same field acts: no error about it
        string withLearning = tmp.File("l.json", "{\"vectors\": {\"problem\": \"random\", \"k\": 4, \"d\": 8, " + field + "}, \"learning\": {\"batch\": 2}"
            + (verb == "vectors" ? "}" : ", \"hdl\": {\"lanes\": 1}}")); // the UP5K's multipliers take 1 or 2 learning lanes
        var ok = CliRun.Of([.. verb.Split(' '), "--config", withLearning, "--out", Path.Combine(tmp.Path, "out2"), .. verb == "vectors" ? new[] { "--steps", "4" } : []]);
        Assert.True(ok.ExitCode == 0, $"{verb} with {field} and a learning section\n{ok}");
    }

    /// <summary>
    /// `vectors --order 2` with a config that has a learning section: the learner has only the first-order step; the
    /// error names the option that asked for order 2, not the config file (which holds no order); --order 1 runs.
    /// </summary>
    [Fact]
    public void A_second_order_request_for_learning_vectors_names_the_option()
    {
        using var tmp = new TempDir();
        string config = tmp.File("l.json", "{\"vectors\": {\"problem\": \"random\", \"k\": 4, \"d\": 8}, \"learning\": {\"batch\": 2}}");
        var run = CliRun.Of("vectors", "--config", config, "--order", "2", "--steps", "4", "--out", Path.Combine(tmp.Path, "out"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("field '--order': the config's \"learning\" section makes learning vectors", run.Err);
        Assert.DoesNotContain(config, run.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "out")));
        var ok = CliRun.Of("vectors", "--config", config, "--order", "1", "--steps", "4", "--out", Path.Combine(tmp.Path, "out1"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
    }
}
