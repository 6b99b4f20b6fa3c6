using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Settings;

/// <summary>
/// Checks a JSON value against the System.Text.Json contract of a settings type before it is
/// deserialised, so that every config reader (the CLI's --config sections, the hdl verbs' config)
/// gives the same errors a user can act on: the file, the dotted field path, and what was expected
/// -- an unknown field with the nearest valid name and the valid names, "expected an integer, got
/// 2.5", an enum's spellings, a missing required field. Deserialisation's own messages
/// ("could not be converted to ...Settings.DataSwitching") name .NET types, not the user's options.
/// </summary>
public static class JsonShape
{
    /// <summary>
    /// Walks <paramref name="node"/> against the JSON contract of <paramref name="type"/> and throws on the first
    /// unknown field, wrong type or missing required field. Numbers are checked for range and integrality
    /// against the target's integer type.
    /// </summary>
    public static void Check(JsonNode? node, Type type, string file, string field, JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true); // the contract (field names, types) is read from the options' resolver
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
                    Check(value, property.PropertyType, file, Join(field, name), options);
                }
                foreach (JsonPropertyInfo p in byName.Values)
                    if ((p.IsRequired || p.AssociatedParameter is { HasDefaultValue: false }) && !obj.ContainsKey(p.Name))
                        throw Error(file, Join(field, p.Name), "is required but missing");
                return;
            case JsonTypeInfoKind.Enumerable:
                if (node is not JsonArray array) throw Error(file, field, $"expected an array [...], got {Describe(node)}");
                Type element = info.ElementType ?? typeof(object);
                for (int i = 0; i < array.Count; i++) Check(array[i], element, file, $"{field}[{i}]", options);
                return;
            case JsonTypeInfoKind.Dictionary:
                if (node is not JsonObject dict) throw Error(file, field, $"expected an object {{...}}, got {Describe(node)}");
                foreach (var (key, value) in dict) Check(value, info.ElementType ?? typeof(object), file, Join(field, key), options);
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

    public static string UnknownFieldMessage(string name, IEnumerable<string> valid)
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
        // System.Text.Json's string-enum converter also reads the C# member name in any case ("nonnegative",
        // the model files' spelling, for Variant.NonNegative); a spelling it reads is not an error.
        foreach (string member in Enum.GetNames(type))
            if (string.Equals(member, text, StringComparison.OrdinalIgnoreCase)) return;
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
        // The deserializer reads an integer field only from digits: 1e3 or 2.0 (whole numbers by value) would pass this
        // check and then fail there with "could not be converted to System.Int64". Say what to write instead.
        string text = node.ToJsonString();
        if (text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0)
            throw Error(file, field, $"expected an integer written with digits only, got {text}; write {d.ToString("0", CultureInfo.InvariantCulture)}");
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

    /// <summary>The dotted path of <paramref name="name"/> inside <paramref name="prefix"/> ("learning" + "batch" = "learning.batch").</summary>
    public static string Join(string prefix, string name) => prefix.Length == 0 ? name : name.Length == 0 ? prefix : $"{prefix}.{name}";

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
