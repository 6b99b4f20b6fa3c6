using System.CommandLine;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>Options that every verb spells the same way.</summary>
public static class CommonOptions
{
    /// <summary>--seed: every run is reproducible; the seed is recorded in what the verb writes.</summary>
    public static Option<int> Seed() => new("--seed") { Description = "Seed of every random stream (recorded in the output)", DefaultValueFactory = _ => 1 };

    /// <summary>--json FILE: machine-readable result, written atomically.</summary>
    public static Option<FileInfo?> Json() => new("--json") { Description = "Write the machine-readable result to this JSON file" };
}
