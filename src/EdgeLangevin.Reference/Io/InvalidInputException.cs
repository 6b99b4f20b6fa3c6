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

    /// <summary>An error about one field of one file: "FILE: field 'F': problem".</summary>
    public static InvalidInputException Field(string? file, string field, string problem) =>
        new(file is null ? $"field '{field}': {problem}" : $"{file}: field '{field}': {problem}");
}
