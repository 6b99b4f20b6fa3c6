using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// --json output parseable for every verb: each verb is run in-process with the smallest
/// arguments that exercise it, its JSON is parsed, and the seed is found in it. A verb added to
/// the tree without an entry here fails <see cref="Every_verb_is_covered_by_the_json_test"/>.
/// </summary>
public class JsonOutputTests
{
    private const string TinyModel = """
        {"variant": "signed", "lambda": 1.0, "pi": 0.3, "sigma": 0.5,
         "dictionary": {"rows": 2, "cols": 2, "data": [1.0, 0.0, 0.0, 1.0]}}
        """;

    /// <summary>Arguments per verb; {dir} is a fresh temporary folder, {json} the output file, {model} a tiny model file.</summary>
    private static readonly Dictionary<string, string[]> Invocations = new()
    {
        ["demo"] = ["demo", "--quick", "--out", "{dir}/report", "--config", "{dir}/tiny.json", "--seed", "5", "--json", "{json}"],
        ["infer"] = ["infer", "--model", "{model}", "--input", "{dir}/x.json", "--samples", "50", "--burn-in", "10", "--seed", "5", "--json", "{json}"],
        ["learn"] = ["learn", "--data", "bars", "--out", "{dir}/m.json", "--steps", "100", "--seed", "5", "--json", "{json}"],
        ["compare"] = ["compare", "--model", "{model}", "--quick", "--seed", "5", "--json", "{json}"],
        ["vectors"] = ["vectors", "--steps", "4", "--out", "{dir}/v", "--seed", "5", "--json", "{json}"],
        ["hdl generate"] = ["hdl", "generate", "--out", "{dir}/hdl", "--seed", "5", "--json", "{json}"],
        ["hdl verify"] = ["hdl", "verify", "--steps", "4", "--simulators", "icarus", "--work", "{dir}/work", "--seed", "5", "--json", "{json}"],
        ["hdl run"] = ["hdl", "run", "--port", "sim", "--steps", "2", "--work", "{dir}/work", "--seed", "5", "--json", "{json}"],
        ["firmware export"] = ["firmware", "export", "--model", "{model}", "--target", "iot", "--out", "{dir}/fw", "--seed", "5", "--json", "{json}"],
        ["reproduce images"] = ["reproduce", "images", "--quick", "--overcomplete", "1", "--steps", "200", "--out", "{dir}/img", "--seed", "5", "--json", "{json}"],
    };

    /// <summary>Verbs too slow for the default test run, with the reason; covered by the Slow test below.</summary>
    private static readonly Dictionary<string, (string Reason, string[] Args)> SlowInvocations = new()
    {
        ["reproduce bars"] = ("runs three methods and a pi sweep: about a minute even with --quick", ["reproduce", "bars", "--quick", "--seed", "5", "--json", "{json}"]),
        ["hdl synth"] = ("yosys and nextpnr take minutes", ["hdl", "synth", "--steps", "4", "--work", "{dir}/work", "--seed", "5", "--json", "{json}"]),
    };

    public static TheoryData<string> FastVerbs() => new(Invocations.Keys);

    public static TheoryData<string> SlowVerbs() => new(SlowInvocations.Keys);

    [Fact]
    public void Every_verb_is_covered_by_the_json_test()
    {
        foreach (string verb in HelpTests.VerbPaths())
        {
            Assert.True(Invocations.ContainsKey(verb) || SlowInvocations.ContainsKey(verb), $"no --json invocation for '{verb}': add one to {nameof(JsonOutputTests)}");
        }
    }

    [Theory]
    [MemberData(nameof(FastVerbs))]
    public void A_verb_writes_parseable_json_that_records_its_seed(string verb) => RunAndCheck(Invocations[verb]);

    [SlowTheory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(SlowVerbs))]
    public void A_slow_verb_writes_parseable_json_that_records_its_seed(string verb) => RunAndCheck(SlowInvocations[verb].Args);

    private static void RunAndCheck(string[] template)
    {
        using var tmp = new TempDir();
        string json = Path.Combine(tmp.Path, "out.json");
        string model = tmp.File("model.json", TinyModel);
        tmp.File("x.json", """{"inputs": [[1.2, 0.0], [0.0, 0.5]]}""");
        tmp.File("tiny.json", DemoCommandTests.TinyConfig);
        string[] args = template.Select(a => a.Replace("{dir}", tmp.Path).Replace("{json}", json).Replace("{model}", model)).ToArray();

        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}\n{run}");
        Assert.True(File.Exists(json), $"{string.Join(' ', args)} wrote no JSON\n{run}");
        JsonNode? parsed = JsonNode.Parse(File.ReadAllText(json));
        Assert.IsType<JsonObject>(parsed);
        Assert.True(FindSeed(parsed!) == 5, $"the seed 5 is not recorded in the JSON of '{string.Join(' ', args)}':\n{parsed!.ToJsonString()[..Math.Min(400, parsed.ToJsonString().Length)]}");
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path, ".*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>The "seed" field at the top level, or inside a provenance/settings object one level down.</summary>
    private static int? FindSeed(JsonNode node)
    {
        if (node["seed"] is JsonValue v && v.TryGetValue(out int s)) return s;
        if (node is JsonObject o)
            foreach (var (_, child) in o)
                if (child is JsonObject c && c["seed"] is JsonValue cv && cv.TryGetValue(out int cs)) return cs;
        return null;
    }
}
