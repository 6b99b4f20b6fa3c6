using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Settings;

/// <summary>
/// The one JSON form of the settings records: snake_case field names, enums as
/// snake_case strings, unknown fields rejected (a misspelt field must not silently
/// fall back to its default). A `--config` file is this form.
/// </summary>
public static class SettingsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public static JsonObject ToJson<T>(T settings) => (JsonObject)JsonSerializer.SerializeToNode(settings, Options)!;

    /// <summary>
    /// Reads a settings record from JSON; errors are <see cref="InvalidInputException"/>s
    /// naming the file and the field (dotted from <paramref name="section"/>, e.g. "learning.switching")
    /// with what was expected (<see cref="JsonShape"/>). Missing fields keep their defaults. Validates.
    /// </summary>
    public static T Parse<T>(JsonNode? node, string? fileName, Action<T, string?> validate, string section = "")
    {
        string file = fileName ?? "settings";
        if (node is not JsonObject) throw new InvalidInputException($"{file}: {(section.Length > 0 ? $"section '{section}': " : "")}expected a JSON object {{...}}");
        JsonShape.Check(node, typeof(T), file, section, Options);
        T? value;
        try
        {
            value = node.Deserialize<T>(Options);
        }
        catch (JsonException e)
        {
            // JsonShape names what it can precisely; this is the backstop.
            string field = JsonShape.Join(section, string.IsNullOrEmpty(e.Path) ? "" : e.Path.TrimStart('$', '.'));
            throw new InvalidInputException($"{file}: {(field.Length > 0 ? $"field '{field}': " : "")}{JsonFieldReader.PlainJsonMessage(e.Message)}", e);
        }
        if (value is null) throw new InvalidInputException($"{file}: expected a JSON object, got null");
        try { validate(value, fileName); }
        catch (InvalidInputException e) { throw e.InSection(section); } // 'learning.steps', as JsonShape names fields, not a bare 'steps'
        return value;
    }

    internal static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
