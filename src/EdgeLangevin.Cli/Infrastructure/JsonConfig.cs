using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>
/// Reads --config files onto settings types, with errors a user can act on. Every error is an
/// <see cref="InvalidInputException"/> (exit code 2) that names the file, the field (dotted path,
/// e.g. <c>inference.tau_u</c>) and what was expected:
/// <list type="bullet">
/// <item>not JSON: the line and column of the first syntax error;</item>
/// <item>an unknown field: the nearest valid name ("did you mean 'tau_u'?") and the valid names;</item>
/// <item>a wrong type: "expected an integer, got 2.5", "expected one of \"signed\", \"nonnegative\"";</item>
/// <item>a missing required field (C# <c>required</c> members or [JsonRequired]);</item>
/// <item>out of range: the settings type's own Validate, called with the file name.</item>
/// </list>
/// The field names, types and enum spellings come from the System.Text.Json contract of the
/// settings type (by default <see cref="SettingsJson.Options"/>: snake_case, enums as snake_case strings),
/// so the loader and the settings' own JSON form cannot disagree. Missing fields keep the defaults
/// the caller passes (a verb may have its own defaults, e.g. tau_x = 400 for images).
/// </summary>
/// <example>
/// A file with one section per settings type:
/// <code>
/// var config = ConfigFile.Load(path, "inference", "learning");
/// InferenceSettings inference = config.Section("inference", InferenceSettings.Default, (s, f) => s.Validate(f));
/// LearningSettings learning = config.Section("learning", LearningSettings.Default, (s, f) => s.Validate(inference, f));
/// </code>
/// or a whole file that is one settings object: <c>JsonConfig.Load(path, InferenceSettings.Default, (s, f) => s.Validate(f))</c>.
/// </example>
public static class JsonConfig
{
    /// <summary>Reads a file that must hold one JSON object.</summary>
    public static JsonObject ReadObject(string path) => ParseObject(JsonFieldReader.ReadFileText(path, "config file"), path);

    /// <summary>Parses text that must be one JSON object; <paramref name="file"/> names it in errors (the readers' shared rules: no repeated fields, line and column of a syntax error).</summary>
    public static JsonObject ParseObject(string json, string file) => JsonFieldReader.ParseObject(json, file, "a JSON object {...}");

    /// <summary>Reads a whole file as one settings object over <paramref name="defaults"/>, then validates it.</summary>
    public static T Load<T>(string path, T defaults, Action<T, string?>? validate = null, JsonSerializerOptions? options = null) =>
        Bind(ReadObject(path), path, "", defaults, validate, options);

    /// <summary>
    /// Binds <paramref name="node"/> onto a copy of <paramref name="defaults"/>: checks every field against the
    /// type's JSON contract, overlays the given fields, deserializes, and calls <paramref name="validate"/>
    /// with a file label for its messages.
    /// </summary>
    public static T Bind<T>(JsonNode? node, string file, string fieldPrefix, T defaults, Action<T, string?>? validate = null, JsonSerializerOptions? options = null)
    {
        options ??= SettingsJson.Options;
        JsonShape.Check(node, typeof(T), file, fieldPrefix, options); // also makes the options read-only with their resolver
        JsonNode merged = Overlay(JsonSerializer.SerializeToNode(defaults, options), node);
        T? value;
        try
        {
            value = merged.Deserialize<T>(options);
        }
        catch (JsonException e)
        {
            // JsonShape.Check names what it can precisely; this is the backstop.
            string field = JsonShape.Join(fieldPrefix, (e.Path ?? "").TrimStart('$').TrimStart('.'));
            throw InvalidInputException.Field(file, field.Length > 0 ? field : "(top level)", JsonFieldReader.PlainJsonMessage(e.Message));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidInputException($"{file}: {e.Message}", e);
        }
        if (value is null) throw new InvalidInputException($"{file}: expected a JSON object, got null");
        // The validator names its own fields; the section goes into the field's dotted path ("FILE: field
        // 'inference.dt'"), the one style of the JSON shape check and of the hdl configs' readers.
        try
        {
            validate?.Invoke(value, file);
        }
        catch (InvalidInputException e) when (e.FieldName is not null && fieldPrefix.Length > 0)
        {
            throw e.InSection(fieldPrefix);
        }
        return value;
    }

    private static JsonNode Overlay(JsonNode? defaults, JsonNode? given)
    {
        if (defaults is JsonObject d && given is JsonObject g)
        {
            var result = (JsonObject)d.DeepClone();
            foreach (var (name, value) in g)
                result[name] = result[name] is JsonObject && value is JsonObject ? Overlay(result[name], value) : value?.DeepClone();
            return result;
        }
        return given?.DeepClone() ?? defaults?.DeepClone() ?? new JsonObject();
    }

}

/// <summary>
/// A --config file made of named sections, one per settings type: <c>{"inference": {...}, "learning": {...}}</c>.
/// An unknown section is an error with the nearest valid name; a missing section keeps the verb's defaults.
/// </summary>
public sealed class ConfigFile
{
    private readonly JsonObject _root;

    private ConfigFile(string path, JsonObject root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    /// <summary>The raw JSON, as given (recorded in the verb's --json output as its configuration).</summary>
    public JsonObject Json => (JsonObject)_root.DeepClone();

    /// <summary>Reads <paramref name="path"/> and checks that its top-level fields are among <paramref name="sections"/>.</summary>
    public static ConfigFile Load(string path, params string[] sections)
    {
        JsonObject root = JsonConfig.ReadObject(path);
        foreach (var (name, value) in root)
        {
            if (Array.IndexOf(sections, name) < 0)
                throw InvalidInputException.Field(path, name, JsonShape.UnknownFieldMessage(name, sections).Replace("field", "section", StringComparison.Ordinal));
            if (value is not JsonObject)
                throw InvalidInputException.Field(path, name, $"expected an object {{...}} of settings, got {(value is null ? "null" : value.ToJsonString())}");
        }
        return new ConfigFile(path, root);
    }

    /// <summary>No file: every section keeps the verb's defaults.</summary>
    public static ConfigFile Empty { get; } = new("(defaults)", new JsonObject());

    /// <summary>Loads the file named by --config, or <see cref="Empty"/> when the option was not given.</summary>
    public static ConfigFile LoadOrEmpty(FileInfo? file, params string[] sections) =>
        file is null ? Empty : Load(file.ToString(), sections); // ToString is the path as the user typed it

    public bool Has(string section) => _root.ContainsKey(section);

    /// <summary>The section bound over <paramref name="defaults"/> and validated; the defaults (validated too) when absent.</summary>
    public T Section<T>(string section, T defaults, Action<T, string?>? validate = null, JsonSerializerOptions? options = null) =>
        _root[section] is JsonObject node
            ? JsonConfig.Bind(node, Path, section, defaults, validate, options)
            : Validated(defaults, validate);

    private T Validated<T>(T value, Action<T, string?>? validate)
    {
        validate?.Invoke(value, null);
        return value;
    }
}
