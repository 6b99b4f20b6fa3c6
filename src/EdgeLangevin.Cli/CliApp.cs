using System.CommandLine;
using EdgeLangevin.Cli.Commands;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Io;
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

    /// <summary>
    /// Parses and runs one command line. Tests call this in-process with their own writers and,
    /// to simulate Ctrl-C, a <paramref name="cancellation"/> token.
    /// </summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellation = default) =>
        Run(BuildRoot(), args, stdout, stderr, cancellation);

    /// <summary>Runs <paramref name="args"/> against a given command tree (tests add commands that fail on purpose).</summary>
    internal static int Run(RootCommand root, string[] args, TextWriter? stdout, TextWriter? stderr, CancellationToken cancellation)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"error: {error.Message}");
            stderr.WriteLine("Run 'edgelangevin --help' (or '<verb> --help') for usage.");
            return ExitCodes.BadUsage;
        }
        WorkerPool.Threads = CommonOptions.ThreadsOf(parse); // every run sets it: the tests run many commands in one process
        using IDisposable scope = CliContext.Enter(new CliContext(stdout, stderr, CommonOptions.IsQuiet(parse), cancellation, args));
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = stdout, Error = stderr });
        }
        catch (Exception e) when (Unwrap(e) is InvalidInputException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {Unwrap(e).Message}");
            return ExitCodes.BadUsage;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            stderr.WriteLine("interrupted: previous results were left as they were");
            return ExitCodes.JobFailed;
        }
        catch (Exception e) when (Unwrap(e) is JobFailedException)
        {
            stderr.WriteLine($"failed: {Unwrap(e).Message}");
            return ExitCodes.JobFailed;
        }
        catch (Exception e) when (Unwrap(e) is IOException)
        {
            stderr.WriteLine($"failed: {Unwrap(e).Message}");
            return ExitCodes.JobFailed;
        }
        catch (Exception e)
        {
            // A defect, not a user error: say so, keep the stack trace for the bug report, and exit 1.
            stderr.WriteLine($"internal error (please report it with the command line): {Unwrap(e)}");
            return ExitCodes.JobFailed;
        }
    }

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) :
        e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? Unwrap(inner) : e;
}
