namespace EdgeLangevin.Reference.Io;

/// <summary>
/// Bad input from the user: a malformed file, a missing or wrong field, mismatched
/// dimensions, NaN, an impossible number format. The message names the file (when
/// there is one), the field and what was expected. The command line maps it to exit
/// code 2; every library in the solution throws it for input problems.
/// </summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message) : base(message) { }

    public InvalidInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The file named by <see cref="Field"/> (null for other messages or no file).</summary>
    public string? FileName { get; private init; }

    /// <summary>The field named by <see cref="Field"/>, as the validator spelt it (null for other messages).</summary>
    public string? FieldName { get; private init; }

    /// <summary>What is wrong with <see cref="FieldName"/>.</summary>
    public string? Problem { get; private init; }

    /// <summary>An error about one field of one file: "FILE: field 'F': problem".</summary>
    public static InvalidInputException Field(string? file, string field, string problem) =>
        new(file is null ? $"field '{field}': {problem}" : $"{file}: field '{field}': {problem}") { FileName = file, FieldName = field, Problem = problem };

    /// <summary>
    /// The same error with its field as a dotted path inside <paramref name="section"/> ("learning" + "tau_a" =
    /// "learning.tau_a"), as the JSON shape check names fields: a settings type's validator knows its own field names,
    /// only the reader knows which section of which file they came from. Unchanged when the field already starts with
    /// the section or the error is not about a field.
    /// </summary>
    public InvalidInputException InSection(string section)
    {
        if (FieldName is null || section.Length == 0 || FieldName == section || FieldName.StartsWith(section + ".", StringComparison.Ordinal)) return this;
        var moved = Field(FileName, section + "." + FieldName, Problem!);
        return new InvalidInputException(moved.Message, this) { FileName = FileName, FieldName = moved.FieldName, Problem = Problem };
    }
}
