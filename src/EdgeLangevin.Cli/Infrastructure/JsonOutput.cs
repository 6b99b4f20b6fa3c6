using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>
/// The --json output of every verb: the verb's result object with its provenance at the top, written
/// atomically (or to stdout for <c>--json -</c>). Provenance fields, added unless the result already has them:
/// <code>
/// {"format": "edgelangevin-result", "command": "reproduce bars", "arguments": [...], "version": "0.1.0",
///  "seed": 1, "configuration": {...},
///  "fixed_point_saturations": {"total": N, "by_site": {"u": .., "s_m": .., "dictionary": ..}, "runs": R}  (verbs that ran the fixed-point core)
///  ...the result's own fields...}
/// </code>
/// </summary>
public static class JsonOutput
{
    public const string FormatName = "edgelangevin-result";

    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        // Keep "±", "≥" and quotes readable in messages; the file is UTF-8 and never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The product version (from the assembly), as recorded in every output.</summary>
    public static string Version { get; } =
        typeof(JsonOutput).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(JsonOutput).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The result with provenance first; fields the result already has are kept as they are.</summary>
    public static JsonObject WithProvenance(string command, int seed, JsonObject result, JsonNode? configuration = null)
    {
        var output = new JsonObject
        {
            ["format"] = FormatName,
            ["command"] = command,
            ["arguments"] = new JsonArray(CliContext.Current.Arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["version"] = Version,
            ["seed"] = seed,
            ["configuration"] = configuration?.DeepClone(),
        };
        // Every fixed-point run of the verb, so that no clipping goes unreported (null: none ran).
        if (EdgeLangevin.Simulator.SaturationLog.Active is { Runs: > 0 } saturations) output["fixed_point_saturations"] = saturations.ToJson();
        foreach (var (name, value) in result)
            output[name] = value?.DeepClone();
        return output;
    }

    public static string ToText(JsonNode node) => node.ToJsonString(WriteOptions) + "\n";

    /// <summary>
    /// Writes the result for --json: nothing when <paramref name="target"/> is null, stdout for "-",
    /// else the file, atomically. Returns the path written (null for none or stdout).
    /// </summary>
    public static string? Write(FileInfo? target, string command, int seed, JsonObject result, JsonNode? configuration = null)
    {
        if (target is null) return null;
        string text = ToText(WithProvenance(command, seed, result, configuration));
        string given = target.ToString();
        if (ToStdout(target))
        {
            CliContext.Current.Out.Write(text);
            CliContext.Current.Out.Flush();
            return null;
        }
        if (Directory.Exists(target.FullName)) throw new InvalidInputException($"{given}: --json expects a file name, this is a folder");
        AtomicFile.WriteAllText(target.FullName, text);
        return target.FullName;
    }

    /// <summary>True when --json asks for stdout ("-").</summary>
    public static bool ToStdout(FileInfo? target) => target?.ToString() == "-";

    /// <summary>Where a verb prints its human-readable lines: stderr when stdout carries the JSON, else stdout.</summary>
    public static TextWriter HumanWriter(FileInfo? target) => ToStdout(target) ? CliContext.Current.Error : CliContext.Current.Out;

    /// <summary>A number for JSON: NaN and infinities (not representable in JSON) become null.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
