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
    public static JsonObject ReadObject(string path)
    {
        if (Directory.Exists(path)) throw new InvalidInputException($"{path}: is a folder, expected a JSON config file");
        if (!File.Exists(path)) throw new InvalidInputException($"{path}: config file not found");
        return ParseObject(File.ReadAllText(path), path);
    }

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
        options.MakeReadOnly(populateMissingResolver: true);
        CheckShape(node, typeof(T), file, fieldPrefix, options);
        JsonNode merged = Overlay(JsonSerializer.SerializeToNode(defaults, options), node);
        T? value;
        try
        {
            value = merged.Deserialize<T>(options);
        }
        catch (JsonException e)
        {
            // CheckShape catches what it can name precisely; this is the backstop.
            string field = Join(fieldPrefix, (e.Path ?? "").TrimStart('$').TrimStart('.'));
            throw Error(file, field.Length > 0 ? field : "(top level)", JsonFieldReader.PlainJsonMessage(e.Message));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidInputException($"{file}: {e.Message}", e);
        }
        if (value is null) throw new InvalidInputException($"{file}: expected a JSON object, got null");
        validate?.Invoke(value, fieldPrefix.Length == 0 ? file : $"{file}, section \"{fieldPrefix}\"");
        return value;
    }

    /// <summary>
    /// Walks <paramref name="node"/> against the JSON contract of <paramref name="type"/> and throws on the first
    /// unknown field, wrong type or missing required field. Numbers are checked for range and integrality
    /// against the target's integer type.
    /// </summary>
    public static void CheckShape(JsonNode? node, Type type, string file, string field, JsonSerializerOptions options)
    {
        Type? underlying = Nullable.GetUnderlyingType(type);
        if (node is null)
        {
            if (underlying is not null || !type.IsValueType) return;
            throw Error(file, field, $"expected {Expected(type, options)}, got null");
        }
        type = underlying ?? type;

        if (type.IsEnum) { CheckEnum(node, type, file, field, options); return; }
        if (type == typeof(bool))
        {
            if (node.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) throw Error(file, field, $"expected true or false, got {Describe(node)}");
            return;
        }
        if (type == typeof(string))
        {
            if (node.GetValueKind() != JsonValueKind.String) throw Error(file, field, $"expected a string, got {Describe(node)}");
            return;
        }
        if (IsNumber(type)) { CheckNumber(node, type, file, field); return; }

        JsonTypeInfo info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (node is not JsonObject obj) throw Error(file, field, $"expected an object {{...}}, got {Describe(node)}");
                var byName = new Dictionary<string, JsonPropertyInfo>(StringComparer.Ordinal);
                foreach (JsonPropertyInfo p in info.Properties) if (p.Set is not null || p.AssociatedParameter is not null) byName[p.Name] = p;
                foreach (var (name, value) in obj)
                {
                    if (!byName.TryGetValue(name, out JsonPropertyInfo? property))
                        throw Error(file, Join(field, name), UnknownFieldMessage(name, byName.Keys));
                    CheckShape(value, property.PropertyType, file, Join(field, name), options);
                }
                foreach (JsonPropertyInfo p in byName.Values)
                    if ((p.IsRequired || p.AssociatedParameter is { HasDefaultValue: false }) && !obj.ContainsKey(p.Name))
                        throw Error(file, Join(field, p.Name), "is required but missing");
                return;
            case JsonTypeInfoKind.Enumerable:
                if (node is not JsonArray array) throw Error(file, field, $"expected an array [...], got {Describe(node)}");
                Type element = info.ElementType ?? typeof(object);
                for (int i = 0; i < array.Count; i++) CheckShape(array[i], element, file, $"{field}[{i}]", options);
                return;
            case JsonTypeInfoKind.Dictionary:
                if (node is not JsonObject dict) throw Error(file, field, $"expected an object {{...}}, got {Describe(node)}");
                foreach (var (key, value) in dict) CheckShape(value, info.ElementType ?? typeof(object), file, Join(field, key), options);
                return;
            default:
                return; // a type with its own converter: its deserializer has the last word
        }
    }

    /// <summary>The candidate closest to <paramref name="name"/> by edit distance, if it is close enough to be a likely typo.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = EditDistance(Normalise(name), Normalise(c));
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        // Allow about one edit per three characters (and at least two): "tau_uu", "tauu", "burnin" match; "foo" does not match "mu".
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    internal static string UnknownFieldMessage(string name, IEnumerable<string> valid)
    {
        var names = valid.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        string? near = Nearest(name, names);
        string hint = near is null ? "" : $"; did you mean '{near}'?";
        return $"unknown field{hint} (valid fields: {string.Join(", ", names)})";
    }

    private static void CheckEnum(JsonNode node, Type type, string file, string field, JsonSerializerOptions options)
    {
        string[] names = EnumNames(type, options);
        if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>() is not string text)
            throw Error(file, field, $"expected one of {Quoted(names)}, got {Describe(node)}");
        if (Array.IndexOf(names, text) >= 0) return;
        string? near = Nearest(text, names);
        throw Error(file, field, $"expected one of {Quoted(names)}, got \"{text}\"{(near is null ? "" : $"; did you mean \"{near}\"?")}");
    }

    private static void CheckNumber(JsonNode node, Type type, string file, string field)
    {
        if (node.GetValueKind() != JsonValueKind.Number)
            throw Error(file, field, $"expected {Expected(type, null)}, got {Describe(node)}");
        if (!IsInteger(type)) return;
        double d = node.GetValue<double>();
        if (d != Math.Floor(d))
            throw Error(file, field, $"expected an integer, got {Describe(node)}");
        (double min, double max) = IntegerRange(type);
        if (d < min || d > max)
            throw Error(file, field, $"expected an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {Describe(node)}");
    }

    private static string[] EnumNames(Type type, JsonSerializerOptions options)
    {
        // Ask the contract itself how each value is spelt, so a converter's naming policy is honoured.
        var names = new List<string>();
        foreach (object value in Enum.GetValues(type))
        {
            string json = JsonSerializer.Serialize(value, type, options);
            names.Add(json.Length >= 2 && json[0] == '"' ? json[1..^1] : json);
        }
        return names.ToArray();
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

    private static bool IsNumber(Type t) => IsInteger(t) || t == typeof(double) || t == typeof(float) || t == typeof(decimal);

    private static bool IsInteger(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte)
        || t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort);

    private static (double Min, double Max) IntegerRange(Type t) =>
        t == typeof(int) ? (int.MinValue, int.MaxValue)
        : t == typeof(long) ? (long.MinValue, long.MaxValue)
        : t == typeof(short) ? (short.MinValue, short.MaxValue)
        : t == typeof(byte) ? (byte.MinValue, byte.MaxValue)
        : t == typeof(sbyte) ? (sbyte.MinValue, sbyte.MaxValue)
        : t == typeof(uint) ? (uint.MinValue, uint.MaxValue)
        : t == typeof(ushort) ? (ushort.MinValue, ushort.MaxValue)
        : (ulong.MinValue, ulong.MaxValue);

    private static string Expected(Type type, JsonSerializerOptions? options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsInteger(type)) return "an integer";
        if (IsNumber(type)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type.IsEnum && options is not null) return $"one of {Quoted(EnumNames(type, options))}";
        return "a value";
    }

    private static string Describe(JsonNode? node)
    {
        if (node is null) return "null";
        string text = node.ToJsonString();
        if (text.Length > 40) text = text[..37] + "...";
        return node.GetValueKind() switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => $"the string {text}",
            _ => text,
        };
    }

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : name.Length == 0 ? prefix : $"{prefix}.{name}";

    private static InvalidInputException Error(string file, string field, string problem) => InvalidInputException.Field(file, field, problem);

    private static string Normalise(string s) => s.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
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
                throw InvalidInputException.Field(path, name, JsonConfig.UnknownFieldMessage(name, sections).Replace("field", "section", StringComparison.Ordinal));
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
