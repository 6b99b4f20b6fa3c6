using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using EdgeLangevin.Cli.Commands;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Simulator;
using EdgeLangevin.Reference.Parallelism;

namespace EdgeLangevin.Cli;

/// <summary>
/// The command tree and the one place where outcomes become exit codes:
/// 0 success, 1 the job failed, 2 bad usage or bad input (see <see cref="ExitCodes"/>).
/// </summary>
public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("EdgeLangevin: Langevin-dynamics sparse coding for the edge (float reference, fixed-point core, Verilog, firmware).");
        root.Add(CommonOptions.Quiet());
        root.Add(CommonOptions.Threads());
        // One file per area; each adds its verbs.
        DemoCommand.Add(root);
        ReferenceCommands.Add(root);
        SimulatorCommands.Add(root);
        HdlCommands.Add(root);
        FirmwareCommands.Add(root);
        ImageCommands.Add(root);
        return root;
    }

    /// <summary>Test hook: milliseconds to wait before each output is put in place (tests signal the process "while writing").</summary>
    public const string CommitDelayVariable = "EDGELANGEVIN_TEST_COMMIT_DELAY_MS";

    /// <summary>A signal this soon after the first is a duplicate delivery of the same request, not a second Ctrl-C.</summary>
    internal static readonly TimeSpan DuplicateSignalWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The process entry point: SIGINT (Ctrl-C) and SIGTERM (timeouts, CI cancel, kill) cancel the verb,
    /// which then stops, removes its temporary files and folders and exits 1 with "interrupted: ...";
    /// a second signal more than <see cref="DuplicateSignalWindow"/> later ends the process at once (the default action).
    /// </summary>
    public static int RunProcess(string[] args)
    {
        using var stop = new CancellationTokenSource();
        long firstSignal = 0; // Stopwatch timestamp of the first signal; 0: none yet
        Action<PosixSignalContext> onSignal = context =>
        {
            long now = Stopwatch.GetTimestamp();
            long first = Interlocked.CompareExchange(ref firstSignal, now, 0);
            // `timeout` and `kill -- -PGID` signal the process itself and then its whole group, so one request
            // often arrives twice within microseconds: a repeat within DuplicateSignalWindow is the same request.
            // A later one (the user pressing Ctrl-C again): default action, the process ends.
            if (first != 0 && Stopwatch.GetElapsedTime(first, now) > DuplicateSignalWindow) return;
            context.Cancel = true;
            stop.Cancel();
        };
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        TimeSpan commitDelay = int.TryParse(Environment.GetEnvironmentVariable(CommitDelayVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int ms)
            ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        if (commitDelay > TimeSpan.Zero)
        {
            Console.Error.WriteLine("test hook: signal handlers installed");
            Console.Error.Flush();
        }
        return Run(BuildRoot(), args, null, null, stop.Token, commitDelay);
    }

    /// <summary>
    /// Parses and runs one command line. Tests call this in-process with their own writers and,
    /// to simulate Ctrl-C, a <paramref name="cancellation"/> token.
    /// </summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellation = default) =>
        Run(BuildRoot(), args, stdout, stderr, cancellation);

    /// <summary>Runs <paramref name="args"/> against a given command tree (tests add commands that fail on purpose).</summary>
    internal static int Run(RootCommand root, string[] args, TextWriter? stdout, TextWriter? stderr, CancellationToken cancellation, TimeSpan commitDelay = default)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"error: {InProjectWords(error.Message)}");
            stderr.WriteLine("Run 'edgelangevin --help' (or '<verb> --help') for usage.");
            return ExitCodes.BadUsage;
        }
        WorkerPool.Threads = CommonOptions.ThreadsOf(parse); // every run sets it: the tests run many commands in one process
        using IDisposable scope = CliContext.Enter(new CliContext(stdout, stderr, CommonOptions.IsQuiet(parse), cancellation, args));
        using SaturationLog saturations = SaturationLog.Begin();
        using AtomicFile.Session writes = AtomicFile.BeginSession(cancellation, commitDelay, commitDelay > TimeSpan.Zero ? stderr : null);
        CancellationToken outerInterruption = ToolRunner.Interruption;
        ToolRunner.Interruption = cancellation; // every simulator, yosys or nextpnr the verb starts is killed by the signal
        try
        {
            // Every output path is checked before any work (a verb's own checks come after this one).
            if (parse.Action is not null && ReferenceEquals(parse.Action, parse.CommandResult.Command.Action))
                OutputPaths.CheckBeforeWork(parse);
            int code = parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = stdout, Error = stderr });
            if (saturations.Total > 0)
                stderr.WriteLine($"warning: the fixed-point core clipped {saturations.Total} values ({saturations.Describe()}); " +
                    "results are biased where it clipped: a format with more integer bits (--format) avoids it (counts by site: fixed_point_saturations in the JSON)");
            if (cancellation.IsCancellationRequested && code == ExitCodes.Success)
            {
                // The signal came after the last output was in place: the results are complete, but say so.
                stderr.WriteLine("interrupted after the results were written: they are complete");
                return ExitCodes.JobFailed;
            }
            return code;
        }
        catch (Exception e) when (Unwrap(e) is InvalidInputException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {Unwrap(e).Message}{AlreadyWritten(writes.Written)}");
            return ExitCodes.BadUsage;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            stderr.WriteLine(InterruptedMessage(writes.Written));
            return ExitCodes.JobFailed;
        }
        catch (Exception e) when (Unwrap(e) is OutOfMemoryException or InsufficientExecutionStackException)
        {
            // The up-front estimates (MemoryBudget) refuse the sizes we can predict; this is what remains.
            stderr.WriteLine("failed: out of memory: the sizes given need more memory than this machine has; try smaller ones");
            return ExitCodes.JobFailed;
        }
        catch (Exception e) when (Unwrap(e) is JobFailedException or IOException)
        {
            // Ctrl-C reaches the whole process group: a simulator or synthesis tool may die of it (and its
            // truncated output fail the verb) before the signal reaches this process's handler. That is an
            // interruption, not a failure of the tool or the board.
            if (InterruptedMeanwhile(cancellation))
            {
                stderr.WriteLine(InterruptedMessage(writes.Written));
                return ExitCodes.JobFailed;
            }
            stderr.WriteLine($"failed: {Unwrap(e).Message}{AlreadyWritten(writes.Written)}");
            return ExitCodes.JobFailed;
        }
        catch (Exception e)
        {
            // A defect, not a user error: say so, keep the stack trace for the bug report, and exit 1.
            stderr.WriteLine($"internal error (please report it with the command line): {Unwrap(e)}{AlreadyWritten(writes.Written)}");
            return ExitCodes.JobFailed;
        }
        finally
        {
            ToolRunner.Interruption = outerInterruption;
        }
    }

    /// <summary>
    /// A verb that fails after some of its outputs were put in place (a full disk at the second of two files) must say which
    /// are new: each file is whole, but the set is not the previous one any more.
    /// </summary>
    private static string AlreadyWritten(IReadOnlyList<string> written) => written.Count == 0
        ? ""
        : $"{Environment.NewLine}note: {string.Join(", ", written)} had already been written; the other outputs were left as they were";

    private static string InterruptedMessage(IReadOnlyList<string> written) => written.Count == 0
        ? "interrupted: previous results were left as they were"
        : $"interrupted: {string.Join(", ", written)} had already been written; the other outputs were left as they were";

    /// <summary>Time the runtime may take to hand a signal that killed a child tool to this process's handler.</summary>
    private static readonly TimeSpan SignalDispatchGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>True when the run was interrupted, or is within <see cref="SignalDispatchGrace"/> (only failures wait for it).</summary>
    private static bool InterruptedMeanwhile(CancellationToken cancellation) =>
        cancellation.IsCancellationRequested || (cancellation.CanBeCanceled && cancellation.WaitHandle.WaitOne(SignalDispatchGrace));

    /// <summary>
    /// System.CommandLine names the expected type as .NET spells it ("System.Nullable`1[System.Int32]");
    /// the user gets "an integer".
    /// </summary>
    internal static string InProjectWords(string message) =>
        Regex.Replace(message, @"(?: as)? expected type '([^']+)'", m => ": expected " + FriendlyType(m.Groups[1].Value));

    private static string FriendlyType(string dotnetName)
    {
        string name = Regex.Match(dotnetName, @"^System\.Nullable`1\[(.+)\]$") is { Success: true } n ? n.Groups[1].Value : dotnetName;
        if (name.EndsWith("[]", StringComparison.Ordinal)) return "a list of " + FriendlyType(name[..^2]).Replace("an ", "", StringComparison.Ordinal).Replace("a ", "", StringComparison.Ordinal) + "s";
        return name switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "an integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.IO.FileInfo" => "a file path",
            "System.IO.DirectoryInfo" => "a folder path",
            "System.String" => "text",
            _ => "a value of the kind the option's help describes",
        };
    }

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) :
        e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? Unwrap(inner) : e;
}
