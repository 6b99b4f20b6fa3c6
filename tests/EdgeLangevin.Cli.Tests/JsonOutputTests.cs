using EdgeLangevin.Cli.Infrastructure;
using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// --json output parseable for every verb: each verb is run in-process with the smallest
/// arguments that exercise it, its JSON is parsed, and its command, the product version and the seed are found at its top. A verb added to
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
        ["hdl entropy"] = ("simulates the board top with the entropy source under Icarus: minutes", ["hdl", "entropy", "--port", "sim", "--config", "{dir}/entropy.json", "--bytes", "64", "--out", "{dir}/raw.txt", "--seed", "5", "--json", "{json}"]),
    };

    /// <summary>
    /// Verbs whose --json does not yet go through JsonOutput and whose command file this project's CLI
    /// engineer may not edit (Commands/ReferenceCommands.cs): they must still record their seed, and the
    /// test fails as soon as one of them carries the full provenance, so the entry is removed then.
    /// </summary>
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
    public void A_verb_writes_parseable_json_that_records_its_command_the_product_version_and_its_seed(string verb) => RunAndCheck(verb, Invocations[verb]);

    [SlowTheory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(SlowVerbs))]
    public void A_slow_verb_writes_parseable_json_that_records_its_command_the_product_version_and_its_seed(string verb) => RunAndCheck(verb, SlowInvocations[verb].Args);

    private static void RunAndCheck(string verb, string[] template)
    {
        using var tmp = new TempDir();
        string json = Path.Combine(tmp.Path, "out.json");
        string model = tmp.File("model.json", TinyModel);
        tmp.File("x.json", """{"inputs": [[1.2, 0.0], [0.0, 0.5]]}""");
        tmp.File("tiny.json", DemoCommandTests.TinyConfig);
        tmp.File("entropy.json", """{"hdl": {"lanes": 2, "entropy": {"enabled": true}}, "vectors": {"k": 16, "d": 8}}""");
        string[] args = template.Select(a => a.Replace("{dir}", tmp.Path).Replace("{json}", json).Replace("{model}", model)).ToArray();

        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}\n{run}");
        Assert.True(File.Exists(json), $"{string.Join(' ', args)} wrote no JSON\n{run}");
        JsonNode? parsed = JsonNode.Parse(File.ReadAllText(json));
        Assert.IsType<JsonObject>(parsed);
        string shown = parsed!.ToJsonString()[..Math.Min(400, parsed.ToJsonString().Length)];
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path, ".*.tmp", SearchOption.AllDirectories));
        Assert.True(TopLevel<int>(parsed, "seed") == 5, $"the seed 5 is not recorded at the top of the JSON of '{string.Join(' ', args)}':\n{shown}");
        // The provenance JsonOutput puts at the top of every result: a verb that writes its JSON by
        // hand lacks the command or the product version (or records another one) and fails here.
        bool hasCommand = TopLevel<string>(parsed, "command") == verb;
        bool hasVersion = TopLevel<string>(parsed, "version") == JsonOutput.Version;
        Assert.True(hasCommand, $"'command' of '{string.Join(' ', args)}' is not \"{verb}\":\n{shown}");
        Assert.True(hasVersion, $"'version' of '{string.Join(' ', args)}' is not the product version {JsonOutput.Version}:\n{shown}");
    }

    /// <summary>A top-level field of the given type, or default when missing or of another type.</summary>
    private static T? TopLevel<T>(JsonNode node, string name) =>
        node[name] is JsonValue v && v.TryGetValue(out T? value) ? value : default;
}
