using System.CommandLine;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Break-17: every number option of every verb, given a value no verb can use (-1; NaN for the real-valued ones),
/// is refused before any work: exit 2, a message naming that option (as --name, or as its field name when the
/// value is checked as a setting) and no other option first. Found by trying them all: `hdl synth --steps 0`
/// synthesised for a minute and then failed on an internal manifest path; `firmware export --temperature -1` and
/// `--order 3` were blamed on --eps, `--steps-per-window 0` on 'tau_x', `--order 2 --mu -3` said "eps &lt; NaN".
/// A new number option is covered as soon as it exists (a verb without an invocation here fails).
/// </summary>
public class OptionRangeTests
{
    /// <summary>The smallest arguments that run each verb; the option under test is added to them (replacing a given value).</summary>
    private static readonly Dictionary<string, string[]> Invocations = new()
    {
        ["demo"] = ["demo", "--quick", "--out", "{dir}/report", "--config", "{dir}/tiny.json"],
        ["reproduce bars"] = ["reproduce", "bars", "--quick", "--out", "{dir}/bars"],
        ["reproduce images"] = ["reproduce", "images", "--quick", "--overcomplete", "1", "--steps", "200", "--out", "{dir}/img"],
        ["infer"] = ["infer", "--model", "{model}", "--input", "{dir}/x.json", "--samples", "50", "--burn-in", "10", "--json", "{dir}/o.json"],
        ["learn"] = ["learn", "--data", "images", "--quick", "--out", "{dir}/m.json", "--steps", "100"],
        ["vectors"] = ["vectors", "--steps", "4", "--out", "{dir}/v"],
        ["compare"] = ["compare", "--model", "{model}", "--quick", "--json", "{dir}/o.json"],
        ["hdl generate"] = ["hdl", "generate", "--out", "{dir}/hdl"],
        ["hdl verify"] = ["hdl", "verify", "--steps", "4", "--simulators", "icarus", "--work", "{dir}/work"],
        ["hdl synth"] = ["hdl", "synth", "--steps", "4", "--work", "{dir}/work"],
        ["hdl run"] = ["hdl", "run", "--port", "sim", "--config", "{dir}/entropy.json", "--steps", "2", "--work", "{dir}/work"],
        ["hdl entropy"] = ["hdl", "entropy", "--port", "sim", "--config", "{dir}/entropy.json", "--bytes", "64", "--out", "{dir}/raw.txt", "--work", "{dir}/work"],
        ["firmware export"] = ["firmware", "export", "--model", "{model}", "--target", "iot", "--out", "{dir}/fw"],
    };

    /// <summary>Number options where any value is meaningful.</summary>
    private static readonly HashSet<string> AnyValue = ["--seed"];

    private const string TinyModel = """
        {"format": "edgelangevin-model", "variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5,
         "dictionary": {"rows": 2, "cols": 2, "data": [1, 0, 0, 1]}}
        """;

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string verb in HelpTests.VerbPaths())
            foreach (Option option in OptionsOf(verb))
            {
                data.Add(verb, option.Name, "-1");
                if (IsReal(option.ValueType)) data.Add(verb, option.Name, "NaN");
            }
        return data;
    }

    [Fact]
    public void Every_verb_has_an_invocation_here()
    {
        foreach (string verb in HelpTests.VerbPaths())
            Assert.True(Invocations.ContainsKey(verb), $"no invocation for '{verb}' in {nameof(OptionRangeTests)}: add the smallest arguments that run it");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_number_no_verb_can_use_is_refused_before_any_work_naming_its_option(string verb, string optionName, string value)
    {
        using var tmp = new TempDir();
        string model = tmp.File("model.json", TinyModel);
        tmp.File("x.json", """{"inputs": [[1.2, 0.0]]}""");
        tmp.File("tiny.json", DemoCommandTests.TinyConfig);
        tmp.File("entropy.json", """{"hdl": {"lanes": 2, "entropy": {"enabled": true}}, "vectors": {"k": 16, "d": 8}}""");
        var args = new List<string>();
        string[] template = Invocations[verb];
        Option option = OptionsOf(verb).Single(o => o.Name == optionName);
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == optionName || option.Aliases.Contains(template[i])) { i++; continue; } // replaced below
            args.Add(template[i].Replace("{dir}", tmp.Path, StringComparison.Ordinal).Replace("{model}", model, StringComparison.Ordinal));
        }
        args.Add(optionName);
        args.Add(value);

        // Validation takes milliseconds; work that starts is stopped after 30 s (exit 1, so the test fails).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = CliRun.Of(stop.Token, [.. args]);

        string shown = $"{string.Join(' ', args)}\n{run}";
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}, expected 2 (refused before any work): {shown}");
        string error = run.Err.Split('\n').First(l => l.StartsWith("error:", StringComparison.Ordinal));
        string bare = optionName.TrimStart('-');
        string[] names = [optionName, .. option.Aliases];
        string? firstOption = System.Text.RegularExpressions.Regex.Match(error, @"(?<![\w-])--[a-z][a-z0-9-]*").Value is { Length: > 0 } m ? m : null;
        bool namesIt = firstOption is not null
            ? names.Contains(firstOption)
            : error.Contains($"'{bare}'", StringComparison.Ordinal) || error.Contains($"'{bare.Replace('-', '_')}'", StringComparison.Ordinal);
        Assert.True(namesIt, $"the message does not name {optionName} (first option named: {firstOption ?? "none"}): {shown}");
        Assert.DoesNotContain("   at ", run.Err);
        Assert.DoesNotContain("System.", run.Err);
    }

    /// <summary>
    /// A --steps beyond the testbench's memories (hdl.tb_max_steps, 4096 by default) was refused only after the vectors
    /// were written into the work folder, naming that folder's manifest.json (break-21: `hdl verify --steps 20000`).
    /// Refused before any work naming --steps and the capacity, the work folder never created.
    /// </summary>
    [Theory]
    [InlineData("verify", "4097")]
    [InlineData("verify", "20000")]
    [InlineData("synth", "65535")]
    public void Hdl_steps_beyond_the_testbench_capacity_are_refused_before_any_work(string verb, string steps)
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), work = Path.Combine(tmp.Path, "work"); // D = 4: the default 4 lanes divide it
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        CliRun run = CliRun.Of(stop.Token, "hdl", verb, "--model", model, "--steps", steps, "--work", work);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: field '--steps': {steps} steps exceed the testbench's capacity hdl.tb_max_steps = 4096", run.Err);
        Assert.False(Directory.Exists(work), "vectors or sources were written before the refusal");
    }

    private static IEnumerable<Option> OptionsOf(string verb)
    {
        Command command = CliApp.BuildRoot();
        foreach (string part in verb.Split(' ')) command = command.Subcommands.Single(c => c.Name == part);
        return command.Options.Where(o => IsNumber(o.ValueType) && !AnyValue.Contains(o.Name));
    }

    private static bool IsNumber(Type t)
    {
        Type e = t.IsArray ? t.GetElementType()! : Nullable.GetUnderlyingType(t) ?? t;
        return e == typeof(int) || e == typeof(long) || e == typeof(double) || e == typeof(float);
    }

    private static bool IsReal(Type t)
    {
        Type e = t.IsArray ? t.GetElementType()! : Nullable.GetUnderlyingType(t) ?? t;
        return e == typeof(double) || e == typeof(float);
    }
}
