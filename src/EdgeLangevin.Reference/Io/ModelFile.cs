using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Io;

/// <summary>
/// The model file: JSON that other tools can read.
/// <code>
/// {"variant": "signed" | "nonnegative", "lambda": 1.0, "pi": 0.3, "sigma": 0.5,
///  "dictionary": {"rows": D, "cols": K, "data": [D*K numbers, row-major]},
///  "preprocessing": {"patch_size": 8, "mean_removal": true, "whitening": "zca",
///                    "whitening_parameters": {...}, "whitening_matrix": {rows, cols, data},
///                    "scale": 1.0, "pixel_divisor": 255}}
/// </code>
/// Unknown extra fields are allowed and ignored; a missing or malformed required field
/// is an <see cref="InvalidInputException"/> naming the file and the field.
/// </summary>
public static class ModelFile
{
    public const string FormatName = "edgelangevin-model";

    public static SparseCodingModel Read(string path)
    {
        return Parse(JsonFieldReader.ReadFileText(path, "model file"), path);
    }

    public static SparseCodingModel Parse(string json, string? fileName = null)
    {
        JsonObject obj = JsonFieldReader.ParseObject(json, fileName ?? "model", "a JSON object (a model file)");

        var r = new JsonFieldReader(fileName);
        // A file that says it is something else (a vectors manifest, a --json result) is not read as a model because
        // it happens to carry model-like fields; a hand-written model may leave "format" out.
        if (obj["format"] is JsonNode formatNode && (formatNode.GetValueKind() != JsonValueKind.String || formatNode.GetValue<string>() != FormatName))
            throw InvalidInputException.Field(fileName, "format", $"expected \"{FormatName}\" (or no format field), got {formatNode.ToJsonString()}: this is not a model file");
        string variantText = r.RequiredString(obj, "variant");
        if (!VariantNames.TryParse(variantText, out Variant variant))
            throw InvalidInputException.Field(fileName, "variant", $"expected \"signed\" or \"nonnegative\", got \"{variantText}\"");
        double lambda = r.RequiredNumber(obj, "lambda");
        double pi = r.RequiredNumber(obj, "pi");
        double sigma = r.RequiredNumber(obj, "sigma");
        if (!(lambda > 0)) throw InvalidInputException.Field(fileName, "lambda", $"must be > 0, got {lambda.ToString(CultureInfo.InvariantCulture)}");
        if (!(pi > 0 && pi <= 1)) throw InvalidInputException.Field(fileName, "pi", $"must be in (0, 1], got {pi.ToString(CultureInfo.InvariantCulture)}");
        if (!(sigma > 0)) throw InvalidInputException.Field(fileName, "sigma", $"must be > 0, got {sigma.ToString(CultureInfo.InvariantCulture)}");
        Matrix dictionary = r.RequiredMatrix(obj, "dictionary");
        // Finite entries can still overflow A^T A (every engine's curvature and step size start there): an entry of 1e300
        // then surfaced as a step-size error about 'dt' on the command line. Refuse it here, naming the column.
        double trace = 0; // the columns' squared norms summed: an upper bound of lambda_max(A^T A)
        for (int k = 0; k < dictionary.Cols; k++)
        {
            double sum = 0;
            for (int d = 0; d < dictionary.Rows; d++) sum += dictionary[d, k] * dictionary[d, k];
            trace += sum;
            if (!double.IsFinite(sum) || !double.IsFinite(trace))
                throw InvalidInputException.Field(fileName, "dictionary.data", $"column {k}'s squared norm overflows a double (entries too large to form A^T A); a dictionary's columns are about unit norm");
        }
        // The step size of every engine comes from the stiffness lambda_max(A^T A) / sigma^2 + lambda^2: finite values can
        // still overflow it (lambda 1e308 gave a default step of 0 and "field 'dt': ... got 0" without the file's name).
        if (!double.IsFinite(lambda * lambda))
            throw InvalidInputException.Field(fileName, "lambda", $"lambda = {lambda.ToString("G4", CultureInfo.InvariantCulture)} is too large: lambda^2 overflows a double, and every step size starts from lambda_max(A^T A) / sigma^2 + lambda^2");
        if (!double.IsFinite(trace / (sigma * sigma)))
            throw InvalidInputException.Field(fileName, "sigma", $"sigma = {sigma.ToString("G4", CultureInfo.InvariantCulture)} is too small for this dictionary: lambda_max(A^T A) / sigma^2 overflows a double, and every step size starts from it");

        Preprocessing? pre = null;
        if (obj["preprocessing"] is JsonNode preNode && preNode is not null)
        {
            if (preNode is not JsonObject p) throw InvalidInputException.Field(fileName, "preprocessing", "expected an object");
            int patch = r.RequiredInt(p, "patch_size", "preprocessing.");
            if (patch < 1) throw InvalidInputException.Field(fileName, "preprocessing.patch_size", $"must be >= 1, got {patch}");
            if (patch * patch != dictionary.Rows)
                throw InvalidInputException.Field(fileName, "preprocessing.patch_size", $"patch {patch}x{patch} has {patch * patch} pixels but the dictionary has {dictionary.Rows} rows");
            var parameters = new Dictionary<string, double>();
            if (p["whitening_parameters"] is JsonObject wp)
                foreach (var kv in wp) parameters[kv.Key] = r.RequiredNumber(wp, kv.Key, "preprocessing.whitening_parameters.");
            Matrix? wm = p["whitening_matrix"] is null ? null : r.RequiredMatrix(p, "whitening_matrix", "preprocessing.");
            if (wm is not null && (wm.Rows != dictionary.Rows || wm.Cols != dictionary.Rows))
                throw InvalidInputException.Field(fileName, "preprocessing.whitening_matrix", $"expected {dictionary.Rows}x{dictionary.Rows}, got {wm.Rows}x{wm.Cols}");
            string whitening = r.RequiredString(p, "whitening", "preprocessing.");
            if (!EdgeLangevin.Reference.Data.Images.PatchPreprocessor.Methods.Contains(whitening))
                throw InvalidInputException.Field(fileName, "preprocessing.whitening", $"expected {EdgeLangevin.Reference.Data.Images.PatchPreprocessor.MethodList}, got \"{whitening}\"");
            double scale = r.RequiredNumber(p, "scale", "preprocessing.");
            if (!(scale > 0)) throw InvalidInputException.Field(fileName, "preprocessing.scale", $"must be > 0, got {scale.ToString(CultureInfo.InvariantCulture)}");
            double divisor = p["pixel_divisor"] is null ? 255.0 : r.RequiredNumber(p, "pixel_divisor", "preprocessing.");
            if (!(divisor > 0)) throw InvalidInputException.Field(fileName, "preprocessing.pixel_divisor", $"must be > 0, got {divisor.ToString(CultureInfo.InvariantCulture)}");
            pre = new Preprocessing
            {
                PatchSize = patch,
                MeanRemoval = r.RequiredBool(p, "mean_removal", "preprocessing."),
                Whitening = whitening,
                WhiteningParameters = parameters,
                WhiteningMatrix = wm,
                Scale = scale,
                PixelDivisor = divisor,
            };
        }

        return new SparseCodingModel { Variant = variant, Lambda = lambda, Pi = pi, Sigma = sigma, Dictionary = dictionary, Preprocessing = pre };
    }

    /// <summary>The model as a JSON object; <paramref name="extra"/> fields (seed, version, provenance) are added at the top level.</summary>
    public static JsonObject ToJson(SparseCodingModel model, IEnumerable<KeyValuePair<string, JsonNode?>>? extra = null)
    {
        var obj = new JsonObject
        {
            ["format"] = FormatName,
            ["variant"] = model.Variant.ToJson(),
            ["lambda"] = model.Lambda,
            ["pi"] = model.Pi,
            ["sigma"] = model.Sigma,
            ["dictionary"] = MatrixToJson(model.Dictionary),
        };
        if (model.Preprocessing is { } p)
        {
            var wp = new JsonObject();
            foreach (var kv in p.WhiteningParameters) wp[kv.Key] = kv.Value;
            var po = new JsonObject
            {
                ["patch_size"] = p.PatchSize,
                ["mean_removal"] = p.MeanRemoval,
                ["whitening"] = p.Whitening,
                ["whitening_parameters"] = wp,
                ["scale"] = p.Scale,
                ["pixel_divisor"] = p.PixelDivisor,
            };
            if (p.WhiteningMatrix is not null) po["whitening_matrix"] = MatrixToJson(p.WhiteningMatrix);
            obj["preprocessing"] = po;
        }
        if (extra is not null)
            foreach (var kv in extra) obj[kv.Key] = kv.Value;
        return obj;
    }

    /// <summary>Writes the model atomically (temporary name, then rename).</summary>
    public static void Write(string path, SparseCodingModel model, IEnumerable<KeyValuePair<string, JsonNode?>>? extra = null) =>
        AtomicFile.WriteAllText(path, ToJson(model, extra).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    public static JsonObject MatrixToJson(Matrix m)
    {
        var data = new JsonArray();
        foreach (double v in m.Data) data.Add(v);
        return new JsonObject { ["rows"] = m.Rows, ["cols"] = m.Cols, ["data"] = data };
    }
}

/// <summary>Reads typed fields from JSON objects, with errors that name the file and the field.</summary>
public sealed class JsonFieldReader
{
    private readonly string? _file;

    public JsonFieldReader(string? file) => _file = file;

    // A field given twice is an error, not "the last one wins": one of the two values is a mistake.
    private static readonly JsonDocumentOptions ReadOptions = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = false };

    /// <summary>
    /// The text of a JSON file the tools read (<paramref name="kind"/>: "config file", "model file", "input file",
    /// "vectors manifest"): a folder, a missing file, a FIFO or device, a file too large is named as such ("PATH: config
    /// file not found"; <see cref="ReadableFile"/>), the one wording for every reader. Its text then goes to
    /// <see cref="ParseObject"/>, so a repeated field or a syntax error also reads the same everywhere.
    /// </summary>
    public static string ReadFileText(string path, string kind) => ReadableFile.ReadJsonText(path, kind);

    /// <summary>A file that must hold one JSON object: <see cref="ReadFileText"/>, then <see cref="ParseObject"/>.</summary>
    public static JsonObject ReadObjectFile(string path, string kind) =>
        ParseObject(ReadFileText(path, kind), path, $"a {kind}: a JSON object {{...}}");

    /// <summary>
    /// Parses a file that must hold one JSON object; every problem (syntax, with line and column; a
    /// repeated field; another top-level value) is an <see cref="InvalidInputException"/> naming <paramref name="file"/>.
    /// </summary>
    public static JsonObject ParseObject(string json, string file, string expected)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: ReadOptions);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new InvalidInputException($"{file}: not valid JSON{where}: {PlainJsonMessage(e.Message)}", e);
        }
        if (root is not JsonObject obj)
            throw new InvalidInputException($"{file}: expected {expected} at the top level, got {root?.GetValueKind() switch
            {
                null or JsonValueKind.Null => "null",
                JsonValueKind.Array => "an array",
                JsonValueKind.String => "a string",
                JsonValueKind.Number => $"the number {root.ToJsonString()}",
                _ => root.ToJsonString(),
            }}");
        return obj;
    }

    /// <summary>System.Text.Json's message in the user's words: no reader options, no byte positions, "field 'x' appears twice".</summary>
    public static string PlainJsonMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        string text = (cut > 0 ? message[..cut] : message).Trim().TrimEnd('|').Trim();
        int duplicate = text.IndexOf("Duplicate property '", StringComparison.Ordinal);
        if (duplicate >= 0)
        {
            int start = duplicate + "Duplicate property '".Length;
            int end = text.IndexOf('\'', start);
            if (end > start) return $"field '{text[start..end]}' appears twice";
        }
        return text.Replace(" Change the reader options.", "", StringComparison.Ordinal)
                   .Replace(" which is not supported in this mode.", ".", StringComparison.Ordinal);
    }

    private InvalidInputException Error(string field, string problem) => InvalidInputException.Field(_file, field, problem);

    private JsonNode Required(JsonObject obj, string name, string prefix)
    {
        if (!obj.TryGetPropertyValue(name, out JsonNode? node) || node is null)
            throw Error(prefix + name, "is required but missing");
        return node;
    }

    public string RequiredString(JsonObject obj, string name, string prefix = "")
    {
        JsonNode node = Required(obj, name, prefix);
        if (node is JsonValue v && v.TryGetValue(out string? s)) return s;
        throw Error(prefix + name, $"expected a string, got {node.ToJsonString()}");
    }

    public bool RequiredBool(JsonObject obj, string name, string prefix = "")
    {
        JsonNode node = Required(obj, name, prefix);
        if (node is JsonValue v && v.TryGetValue(out bool b)) return b;
        throw Error(prefix + name, $"expected true or false, got {node.ToJsonString()}");
    }

    public double RequiredNumber(JsonObject obj, string name, string prefix = "")
    {
        JsonNode node = Required(obj, name, prefix);
        return Number(node, prefix + name);
    }

    public int RequiredInt(JsonObject obj, string name, string prefix = "")
    {
        double d = RequiredNumber(obj, name, prefix);
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw Error(prefix + name, $"expected an integer, got {d.ToString(CultureInfo.InvariantCulture)}");
        return (int)d;
    }

    public double Number(JsonNode node, string field)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d))
        {
            if (!double.IsFinite(d)) throw Error(field, "must be a finite number");
            return d;
        }
        // JSON has no NaN; a string "NaN" or null is the usual way such values sneak in.
        throw Error(field, $"expected a finite number, got {node.ToJsonString()}");
    }

    /// <summary>Reads {"rows": R, "cols": C, "data": [R*C numbers]}.</summary>
    public Matrix RequiredMatrix(JsonObject obj, string name, string prefix = "")
    {
        JsonNode node = Required(obj, name, prefix);
        string field = prefix + name;
        if (node is not JsonObject m) throw Error(field, "expected an object {\"rows\", \"cols\", \"data\"}");
        int rows = RequiredInt(m, "rows", field + ".");
        int cols = RequiredInt(m, "cols", field + ".");
        if (rows <= 0 || cols <= 0) throw Error(field, $"rows and cols must be positive, got {rows}x{cols}");
        if (Required(m, "data", field + ".") is not JsonArray data) throw Error(field + ".data", "expected an array of numbers");
        if (data.Count != (long)rows * cols) throw Error(field + ".data", $"expected rows*cols = {rows}*{cols} = {(long)rows * cols} numbers, got {data.Count}");
        var values = new double[data.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = data[i] is null ? throw Error($"{field}.data[{i}]", "expected a finite number, got null") : Number(data[i]!, $"{field}.data[{i}]");
        return new Matrix(rows, cols, values);
    }
}
