using System.CommandLine;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>
/// Where one invocation of the command line writes, and how: the writers passed to
/// <see cref="CliApp.Run"/> (the console, or a test's StringWriters), whether the user asked
/// for --quiet, whether animated progress bars are allowed, and the cancellation that Ctrl-C
/// (or a test) triggers. <see cref="CliApp.Run"/> sets <see cref="Current"/> for the duration
/// of a verb, so helpers such as <see cref="CliProgress"/> need no extra arguments.
/// </summary>
public sealed class CliContext
{
    private static readonly AsyncLocal<CliContext?> CurrentSlot = new();

    public CliContext(TextWriter output, TextWriter error, bool quiet = false, CancellationToken cancellation = default, IReadOnlyList<string>? arguments = null)
    {
        Arguments = arguments ?? [];
        Out = output;
        Error = error;
        Quiet = quiet;
        Cancellation = cancellation;
    }

    /// <summary>Time between plain progress lines (tests shorten it).</summary>
    public TimeSpan PlainLineInterval { get; init; } = TimeSpan.FromSeconds(CliProgress.PlainLineIntervalSeconds);

    /// <summary>The command line as given (recorded in --json outputs).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Results and the paths of what was written go here (stdout).</summary>
    public TextWriter Out { get; }

    /// <summary>Progress, warnings and errors go here (stderr), so stdout stays clean for pipes.</summary>
    public TextWriter Error { get; }

    /// <summary>--quiet: no progress bars and no periodic lines, only one line per finished stage.</summary>
    public bool Quiet { get; }

    /// <summary>Cancelled by the caller (tests); Ctrl-C is added on top of it by <see cref="CliProgress"/>.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>
    /// Animated bars only when a person is watching: stderr is the real console and a terminal,
    /// CI is not set, TERM is not "dumb" and --quiet was not given. Everything else gets plain lines,
    /// which survive log files and CI output.
    /// </summary>
    public bool Interactive =>
        !Quiet
        && ReferenceEquals(Error, Console.Error)
        && !Console.IsErrorRedirected
        && !IsCi()
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary>The context of the verb now running, or the plain console when none was set.</summary>
    public static CliContext Current => CurrentSlot.Value ?? new CliContext(Console.Out, Console.Error);

    internal static IDisposable Enter(CliContext context)
    {
        CliContext? previous = CurrentSlot.Value;
        CurrentSlot.Value = context;
        return new Restore(previous);
    }

    /// <summary>The context for a parse result's writers (falls back to <see cref="Current"/>'s flags).</summary>
    public static CliContext From(ParseResult parse)
    {
        CliContext current = Current;
        TextWriter output = parse.InvocationConfiguration.Output ?? current.Out;
        TextWriter error = parse.InvocationConfiguration.Error ?? current.Error;
        bool quiet = current.Quiet || CommonOptions.IsQuiet(parse);
        return new CliContext(output, error, quiet, current.Cancellation, current.Arguments);
    }

    private static bool IsCi()
    {
        string? ci = Environment.GetEnvironmentVariable("CI");
        return !string.IsNullOrEmpty(ci) && !string.Equals(ci, "false", StringComparison.OrdinalIgnoreCase) && ci != "0";
    }

    private sealed class Restore(CliContext? previous) : IDisposable
    {
        public void Dispose() => CurrentSlot.Value = previous;
    }
}
