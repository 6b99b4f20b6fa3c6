using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeLangevin.Reference.Io;

/// <summary>
/// The input file of `infer`: <c>{"inputs": [[x_0, ..., x_{D-1}], ...]}</c>. Unknown extra
/// fields are allowed. Errors are <see cref="InvalidInputException"/>s naming the file and
/// the element (inputs[i][d]).
/// </summary>
public static class InputFile
{
    public static double[][] Read(string path, int? expectedDimension = null)
    {
        return Parse(JsonFieldReader.ReadFileText(path, "input file"), path, expectedDimension);
    }

    public static double[][] Parse(string json, string? fileName = null, int? expectedDimension = null)
    {
        string file = fileName ?? "input";
        JsonObject obj = JsonFieldReader.ParseObject(json, file, "a JSON object {\"inputs\": [[...], ...]}");
        if (!obj.TryGetPropertyValue("inputs", out JsonNode? node) || node is null) throw InvalidInputException.Field(file, "inputs", "is required but missing");
        if (node is not JsonArray rows) throw InvalidInputException.Field(file, "inputs", "expected an array of arrays of numbers");
        if (rows.Count == 0) throw InvalidInputException.Field(file, "inputs", "expected at least one input vector, got an empty array");
        var reader = new JsonFieldReader(file);
        var result = new double[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is not JsonArray row) throw InvalidInputException.Field(file, $"inputs[{i}]", $"expected an array of numbers, got {rows[i]?.ToJsonString() ?? "null"}");
            int expected = expectedDimension ?? result[0]?.Length ?? row.Count;
            if (row.Count != expected)
                throw InvalidInputException.Field(file, $"inputs[{i}]", $"expected {expected} numbers{(expectedDimension is null ? " (as many as inputs[0])" : " (the model's dictionary has that many rows)")}, got {row.Count}");
            var x = new double[row.Count];
            for (int d = 0; d < row.Count; d++)
                x[d] = row[d] is null ? throw InvalidInputException.Field(file, $"inputs[{i}][{d}]", "expected a finite number, got null") : reader.Number(row[d]!, $"inputs[{i}][{d}]");
            result[i] = x;
        }
        return result;
    }
}
