using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>Small valid inputs for the verbs: a model with D = 4, K = 3 and an input file with two vectors.</summary>
internal static class Fixtures
{
    public static string Model(TempDir tmp, string name = "model.json")
    {
        string path = System.IO.Path.Combine(tmp.Path, name);
        var dictionary = new Matrix(4, 3, [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2]);
        ModelFile.Write(path, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1.0, Pi = 0.3, Sigma = 0.5, Dictionary = dictionary });
        return path;
    }

    /// <summary>The repository's root (the folder with EdgeLangevin.sln), for the shipped examples and images.</summary>
    public static string RepoRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(dir, "EdgeLangevin.sln"))) dir = System.IO.Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return dir;
    }

    public static string Input(TempDir tmp, string name = "x.json") =>
        tmp.File(name, "{\"inputs\": [[0.5, -0.25, 1.0, 0.0], [1.5, 0.5, -1.0, 0.25]]}");

    /// <summary>Every entry under <paramref name="folder"/> (links as links) with its content or kind, to show nothing changed.</summary>
    public static string Snapshot(string folder)
    {
        var lines = new List<string>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(entry);
            string rel = System.IO.Path.GetRelativePath(folder, entry);
            string what = info.LinkTarget is { } target ? $"link -> {target}"
                : Directory.Exists(entry) ? "folder"
                : FileKinds.Of(entry) == FileKind.RegularFile ? "file " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry)))
                : FileKinds.Of(entry).ToString();
            lines.Add($"{rel}: {what}");
        }
        return string.Join("\n", lines);
    }

    /// <summary>Runs a program (mkfifo, chmod) that a test needs; fails the test if it fails.</summary>
    public static void Shell(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)}: {err}");
    }
}
