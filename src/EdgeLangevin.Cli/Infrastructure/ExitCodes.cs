namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>The exit codes every verb uses.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The job ran and failed (a verification mismatch, a design that does not fit, a tool error).</summary>
    public const int JobFailed = 1;
    /// <summary>Bad usage or bad input (unknown option, malformed file, wrong dimensions).</summary>
    public const int BadUsage = 2;
}

/// <summary>Thrown by a verb whose job failed for a reason other than bad input (exit code 1).</summary>
public sealed class JobFailedException(string message) : Exception(message);
