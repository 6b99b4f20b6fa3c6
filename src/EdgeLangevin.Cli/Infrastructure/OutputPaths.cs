using System.CommandLine;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>
/// Checks every path a verb will write before the verb does any work, so that no output problem is
/// found after minutes of computing and nothing the tool did not create is destroyed.
/// The roles come from the option names, the same in every verb (CONVENTIONS.md): an option named
/// <c>--out</c> or <c>--json</c> is an output (a file for a FileInfo option, a folder replaced whole
/// for a DirectoryInfo one; <c>--json -</c> is stdout); every other FileInfo or DirectoryInfo option
/// is an input, except <c>--work</c>, a scratch folder that is written into but never replaced.
/// Refused, exit 2, naming the option and the path:
/// <list type="bullet">
/// <item>an output that exists and is not what it would be replaced by: a symbolic link, a device node,
/// FIFO or socket, a folder where a file goes or a file where a folder goes;</item>
/// <item>an output (or --work folder) whose nearest existing parent is a file, or a folder this user cannot write;</item>
/// <item>an existing output folder holding a folder this user cannot write or read (its old contents could not be removed);</item>
/// <item>a --work folder that exists and is not a folder;</item>
/// <item>two outputs on the same path, or one inside the other (a folder is replaced whole), after
/// resolving relative paths and symbolic links;</item>
/// <item>an output on the path of an input, an output folder that contains an input, or an output that would replace
/// an entry inside an input folder.</item>
/// </list>
/// Inputs are the FileInfo / DirectoryInfo options and the text options of <see cref="InputPathWords"/> (--data: a word
/// or a folder).
/// </summary>
public static class OutputPaths
{
    /// <summary>Option names that are outputs in every verb.</summary>
    public static readonly IReadOnlyList<string> OutputOptionNames = ["--out", "--json"];

    /// <summary>
    /// Option names of folders written into, kept between runs, never replaced whole: the scratch folder
    /// (--work) and the waveform dumps of `hdl verify --waves`.
    /// </summary>
    public static readonly IReadOnlyList<string> WorkOptionNames = ["--work", "--waves"];

    /// <summary>
    /// Text options whose value names an input folder unless it is one of the option's words, with how the verb resolves
    /// it (null: not a path). `learn --data photos --out photos/a.png` replaced the image a.png with the model, exit 0,
    /// and `reproduce images --out X` would replace a folder X holding its --data: a text option was not seen as an input.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Func<string, string?>> InputPathWords = new Dictionary<string, Func<string, string?>>
    {
        // "bars" is the bars data whatever folders exist; otherwise the folder, or "images" for the shipped photos
        ["--data"] = value => value == "bars" ? null : ResolvedOrNull(() => ImageFolder.Resolve(value)),
    };

    /// <summary>The resolved path, or null when it does not resolve (a missing input is the verb's error, with its own words).</summary>
    private static string? ResolvedOrNull(Func<string> resolve)
    {
        try { return resolve(); }
        catch (InvalidInputException) { return null; }
    }

    public sealed record PathOption(string Option, string Given, string Canonical, bool IsOutput, bool IsFolder, bool IsWork = false);

    /// <summary>The file and folder options of the parsed command with their values (defaults included).</summary>
    public static IReadOnlyList<PathOption> Collect(ParseResult parse)
    {
        var result = new List<PathOption>();
        foreach (Option option in parse.CommandResult.Command.Options)
        {
            bool isFile = option.ValueType == typeof(FileInfo);
            bool isFolder = option.ValueType == typeof(DirectoryInfo);
            if (!isFile && !isFolder) continue;
            FileSystemInfo? value = isFile ? parse.GetValue<FileInfo?>(option.Name) : parse.GetValue<DirectoryInfo?>(option.Name);
            if (value is null) continue;
            string given = value.ToString();
            bool isOutput = OutputOptionNames.Contains(option.Name);
            if (isOutput && option.Name == "--json" && given == "-") continue; // stdout
            result.Add(new PathOption(option.Name, given, Canonical(value.FullName), isOutput, isFolder, WorkOptionNames.Contains(option.Name)));
        }
        foreach (Option option in parse.CommandResult.Command.Options)
        {
            if (option.ValueType != typeof(string) || !InputPathWords.TryGetValue(option.Name, out var resolve)) continue;
            if (parse.GetValue<string>(option.Name) is not string text || resolve(text) is not string path) continue;
            result.Add(new PathOption(option.Name, text, Canonical(path), IsOutput: false, IsFolder: Directory.Exists(path)));
        }
        return result;
    }

    /// <summary>Throws <see cref="InvalidInputException"/> for the first problem among the command's paths.</summary>
    public static void CheckBeforeWork(ParseResult parse)
    {
        IReadOnlyList<PathOption> paths = Collect(parse);
        var outputs = paths.Where(p => p.IsOutput).ToArray();
        foreach (PathOption o in outputs) CheckOutput(o);
        foreach (PathOption w in paths.Where(p => p.IsWork)) CheckWork(w);
        for (int i = 0; i < outputs.Length; i++)
            for (int j = i + 1; j < outputs.Length; j++)
            {
                PathOption a = outputs[i], b = outputs[j];
                if (Same(a.Canonical, b.Canonical))
                    throw new InvalidInputException($"{a.Option} and {b.Option} name the same path ({b.Given}): one output would overwrite the other");
                if (a.IsFolder && Inside(b.Canonical, a.Canonical) || b.IsFolder && Inside(a.Canonical, b.Canonical))
                {
                    var (folder, inner) = a.IsFolder && Inside(b.Canonical, a.Canonical) ? (a, b) : (b, a);
                    throw new InvalidInputException($"{inner.Option} {inner.Given} is inside the {folder.Option} folder {folder.Given}, which is replaced whole: give a path outside it");
                }
            }
        foreach (PathOption o in outputs)
            foreach (PathOption input in paths.Where(p => !p.IsOutput && !p.IsWork))
            {
                if (Same(o.Canonical, input.Canonical))
                    throw new InvalidInputException($"{o.Option} {o.Given} is the input given by {input.Option}: writing it would replace the input; choose another output path");
                if (o.IsFolder && Inside(input.Canonical, o.Canonical))
                    throw new InvalidInputException($"{input.Option} {input.Given} is inside the {o.Option} folder {o.Given}, which is replaced whole: move the input or choose another output folder");
                // a new file beside the inputs is fine; replacing one of them (an image of a --data folder) is not
                if (input.IsFolder && Inside(o.Canonical, input.Canonical) && FileKinds.Of(o.Canonical) != FileKind.Missing)
                    throw new InvalidInputException($"{o.Option} {o.Given} is inside the {input.Option} folder {input.Given} and would replace what is there: the verb reads that folder; choose another output path");
            }
    }

    private static void CheckOutput(PathOption o)
    {
        // "-" is stdout for --json only; elsewhere it made a file named "-" in the current folder
        if (o.Given == "-")
            throw new InvalidInputException($"{o.Option} -: only --json writes to stdout (\"-\"); give {o.Option} a {(o.IsFolder ? "folder" : "file")} path (./- for one named \"-\")");
        if (o.Option == "--json" && o.Given is "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1")
            throw new InvalidInputException($"{o.Given}: --json writes files atomically and never replaces a device or link; give --json - to write the JSON to stdout");
        if (!o.IsFolder && Path.EndsInDirectorySeparator(o.Given))
            throw new InvalidInputException($"{o.Given}: {o.Option} expects a file name, this names a folder");
        if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(o.Canonical)) > MaxNameBytes)
            throw new InvalidInputException($"{o.Given}: {o.Option} cannot be written: the name is longer than the {MaxNameBytes} bytes a file system allows");
        // The path as given: its last component is examined, not followed (a link there is refused).
        AtomicFile.CheckReplaceable(Path.GetFullPath(o.Given).TrimEnd(Path.DirectorySeparatorChar), o.IsFolder, o.Option);
        CheckWritable(o, Path.GetDirectoryName(o.Canonical));
        if (o.IsFolder) AtomicFile.CheckRemovable(o.Canonical, o.Given, o.Option);
    }

    /// <summary>NAME_MAX of Linux, macOS and Windows file systems.</summary>
    private const int MaxNameBytes = 255;

    private static void CheckWork(PathOption w)
    {
        FileKind kind = FileKinds.Of(w.Canonical);
        if (kind is not (FileKind.Missing or FileKind.Directory))
            throw new InvalidInputException($"{w.Given}: {w.Option} must be a folder (or a new path), this is {FileKinds.Describe(kind)}");
        CheckWritable(w, w.Canonical); // written into: the folder itself, or where it will be created
    }

    private static void CheckWritable(PathOption o, string? parent)
    {
        // The nearest existing ancestor must be a folder we can write (missing folders below it are created).
        while (parent is not null && FileKinds.Of(parent) == FileKind.Missing) parent = Path.GetDirectoryName(parent);
        if (parent is null) return;
        FileKind kind = FileKinds.Of(parent);
        if (kind != FileKind.Directory)
            throw new InvalidInputException($"{o.Given}: {o.Option} cannot be written: {parent} is {FileKinds.Describe(kind)}, not a folder");
        if (FileKinds.WhyNotWritable(parent) is string why)
            throw new InvalidInputException($"{o.Given}: {o.Option} cannot be written: the folder {parent} is not writable ({why})");
    }

    /// <summary>
    /// The absolute path with every symbolic link on the way resolved (the final component too), so
    /// that "m.json", "./m.json" and a link to it compare equal. Missing components are kept as given.
    /// </summary>
    public static string Canonical(string path, int depth = 0)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (full.Length == 0) return Path.DirectorySeparatorChar.ToString();
        if (depth > 40) return full; // a loop of links: the caller's own checks will fail on it
        string root = Path.GetPathRoot(full)!;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is string target)
                next = Canonical(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
            current = next;
        }
        return current;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, PathComparison);

    private static bool Inside(string path, string folder) =>
        path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, PathComparison);

    private static StringComparison PathComparison => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
