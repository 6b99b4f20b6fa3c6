using System.CommandLine;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>Options that every verb spells the same way.</summary>
public static class CommonOptions
{
    public const string QuietName = "--quiet";

    /// <summary>--seed: every run is reproducible; the seed is recorded in what the verb writes.</summary>
    public static Option<int> Seed() => new("--seed") { Description = "Seed of every random stream (recorded in the output)", DefaultValueFactory = _ => 1, HelpName = "N" };

    /// <summary>--json FILE: machine-readable result, written atomically ("-" writes it to stdout).</summary>
    public static Option<FileInfo?> Json() => new("--json") { Description = "Write the machine-readable result to this JSON file (\"-\" for stdout)", HelpName = "FILE" };

    /// <summary>--config FILE: settings in JSON (snake_case fields); read with <see cref="JsonConfig"/>.</summary>
    public static Option<FileInfo?> Config() => new("--config") { Description = "Settings in a JSON file (snake_case field names); unknown or malformed fields are errors", HelpName = "FILE" };

    /// <summary>--quiet, added once on the root and inherited by every verb.</summary>
    public static Option<bool> Quiet() => new(QuietName, "-q") { Description = "No progress bars or periodic progress lines (one line per finished stage)", Recursive = true };

    /// <summary>
    /// Every option given either acts or is an error: an option that means nothing in this case
    /// (<paramref name="when"/>, e.g. "with --data bars") is refused, exit 2, naming each one given.
    /// Options left at their defaults are not "given".
    /// </summary>
    public static void RefuseGiven(ParseResult parse, string when, params Option[] options)
    {
        string[] given = options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
        if (given.Length > 0)
            throw new EdgeLangevin.Reference.Io.InvalidInputException($"{string.Join(", ", given)}: {(given.Length == 1 ? "has" : "have")} no effect {when}; leave {(given.Length == 1 ? "it" : "them")} out");
    }

    public const string ThreadsName = "--threads";

    /// <summary>
    /// --threads N, added once on the root and inherited by every verb: the threads that step chains
    /// (float and fixed inference, learning; <see cref="EdgeLangevin.Reference.Parallelism.WorkerPool"/>).
    /// Default: every core. Results are the same bits for any N.
    /// </summary>
    public static Option<int?> Threads()
    {
        var option = new Option<int?>(ThreadsName)
        {
            Description = "Threads that step the chains (default: every core); the results do not depend on it",
            HelpName = "N",
            Recursive = true,
        };
        option.Validators.Add(r =>
        {
            // Validators run even when the token did not convert ("abc", "99999999999"); asking for the value
            // then throws from inside the parser (a stack trace, exit 134). The converter's own error reports those.
            if (r.Tokens.Count != 1 || !int.TryParse(r.Tokens[0].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _)) return;
            int? n = r.GetValueOrDefault<int?>();
            int max = EdgeLangevin.Reference.Parallelism.WorkerPool.MaxThreads;
            if (n is < 1 || n > max) r.AddError($"--threads must be 1 to {max}, got {n}");
        });
        return option;
    }

    /// <summary>The thread count --threads asks for, or every core when it is not given.</summary>
    public static int ThreadsOf(ParseResult parse) =>
        parse.GetResult(ThreadsName) is System.CommandLine.Parsing.OptionResult { Implicit: false } r && r.GetValueOrDefault<int?>() is int n
            ? n
            : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Whether --quiet was given anywhere on the command line.</summary>
    public static bool IsQuiet(ParseResult parse) =>
        parse.GetResult(QuietName) is System.CommandLine.Parsing.OptionResult r && r.GetValueOrDefault<bool>();
}
