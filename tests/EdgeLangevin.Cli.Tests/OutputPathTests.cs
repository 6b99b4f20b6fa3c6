using System.CommandLine;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Issue 14, classes 1-3: outputs are regular files, real folders or new paths; no two outputs and no
/// output and input share a path; every output location is checked before any work. Each refusal is
/// exit 2 with a message naming the option, and the folder is left exactly as it was.
/// </summary>
public class OutputPathTests
{
    private static readonly string[] Tiny = ["--samples", "20", "--burn-in", "5", "--chains", "1"];

    private static CliRun Refused(TempDir tmp, string expectedInMessage, params string[] args)
    {
        string before = Fixtures.Snapshot(tmp.Path);
        CliRun run = CliRun.Of(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(expectedInMessage, run.Err);
        Assert.DoesNotContain("   at ", run.Err); // no stack trace
        Assert.Equal(before, Fixtures.Snapshot(tmp.Path));
        return run;
    }

    private static string[] Infer(string model, string input, string json) => ["infer", "--model", model, "--input", input, "--json", json, .. Tiny];

    [Fact]
    public void A_device_node_as_output_is_refused_and_stays_a_device()
    {
        using var tmp = new TempDir();
        if (!OperatingSystem.IsLinux()) return; // statx is what tells a device from a file
        CliRun run = CliRun.Of(Infer(Fixtures.Model(tmp), Fixtures.Input(tmp), "/dev/null"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("/dev/null: --json must be a regular file", run.Err);
        Assert.Equal(FileKind.Special, FileKinds.Of("/dev/null"));
        CliRun stdout = CliRun.Of(Infer(Fixtures.Model(tmp), Fixtures.Input(tmp), "/dev/stdout"));
        Assert.True(stdout.ExitCode == 2, stdout.ToString());
        Assert.Contains("give --json - to write the JSON to stdout", stdout.Err);
    }

    [Fact]
    public void A_fifo_as_output_is_refused_without_opening_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        string fifo = Path.Combine(tmp.Path, "pipe");
        Fixtures.Shell("mkfifo", fifo);
        Refused(tmp, "device node, FIFO or socket", Infer(model, input, fifo));
    }

    [Fact]
    public void A_symbolic_link_as_output_file_is_refused_and_its_target_untouched()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        string target = tmp.File("precious.txt", "keep me");
        string link = Path.Combine(tmp.Path, "result.json");
        File.CreateSymbolicLink(link, target);
        Refused(tmp, "symbolic link", Infer(model, input, link));
        // A dangling link too: the rename would replace the link.
        string dangling = Path.Combine(tmp.Path, "dangling.json");
        File.CreateSymbolicLink(dangling, Path.Combine(tmp.Path, "nowhere.json"));
        Refused(tmp, "symbolic link", Infer(model, input, dangling));
    }

    [Fact]
    public void A_symbolic_link_as_output_folder_is_refused()
    {
        using var tmp = new TempDir();
        string real = Path.Combine(tmp.Path, "real");
        Directory.CreateDirectory(real);
        File.WriteAllText(Path.Combine(real, "keep.txt"), "keep");
        string link = Path.Combine(tmp.Path, "out");
        Directory.CreateSymbolicLink(link, real);
        Refused(tmp, "--out must be a folder (or a new path), this is a symbolic link", "firmware", "export", "--model", Fixtures.Model(tmp), "--target", "iot", "--out", link);
    }

    [Fact]
    public void A_folder_where_a_file_goes_and_a_file_where_a_folder_goes_are_refused()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "somefolder"));
        Refused(tmp, "this is a folder", Infer(model, input, Path.Combine(tmp.Path, "somefolder")));
        Refused(tmp, "--out must be a folder (or a new path), this is a file", "vectors", "--out", tmp.File("notes.txt", "notes"), "--steps", "2");
        Refused(tmp, "--out must be a regular file (or a new path), this is a folder", "learn", "--data", "bars", "--out", Path.Combine(tmp.Path, "somefolder"), "--steps", "10");
    }

    [Theory]
    [InlineData("file")]
    [InlineData("folder")]
    public void An_output_under_a_file_is_refused_before_any_work(string kind)
    {
        using var tmp = new TempDir();
        string blocker = tmp.File("blocker", "a file, not a folder");
        string[] args = kind == "file"
            ? ["learn", "--data", "bars", "--out", Path.Combine(blocker, "sub", "m.json"), "--steps", "100000000"]
            : ["reproduce", "bars", "--out", Path.Combine(blocker, "report")]; // the full reproduction takes minutes: refused first
        Refused(tmp, $"{blocker} is a file, not a folder", args);
    }

    [Fact]
    public void An_unwritable_output_folder_is_refused_before_any_work()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName == "root") return; // root writes anywhere: nothing to refuse
        using var tmp = new TempDir();
        string locked = Path.Combine(tmp.Path, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try { Refused(tmp, "is not writable", "reproduce", "bars", "--out", Path.Combine(locked, "report")); }
        finally { File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
    }

    [Fact]
    public void Two_outputs_on_the_same_path_are_refused_however_the_path_is_spelt()
    {
        using var tmp = new TempDir();
        string m = Path.Combine(tmp.Path, "m.json");
        Refused(tmp, "--out and --json name the same path", "learn", "--data", "bars", "--out", m, "--json", m, "--steps", "10");
        string sub = Path.Combine(tmp.Path, "sub");
        Directory.CreateDirectory(sub);
        Refused(tmp, "--out and --json name the same path", "learn", "--data", "bars", "--out", m, "--json", Path.Combine(sub, "..", "m.json"), "--steps", "10");
        string alias = Path.Combine(tmp.Path, "alias");
        Directory.CreateSymbolicLink(alias, tmp.Path);
        Refused(tmp, "--out and --json name the same path", "learn", "--data", "bars", "--out", m, "--json", Path.Combine(alias, "m.json"), "--steps", "10");
    }

    [Fact]
    public void An_output_on_an_input_is_refused_and_the_input_kept()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        Refused(tmp, "--json", Infer(model, input, model));
        Refused(tmp, "is the input given by --input", Infer(model, input, input));
        string alias = Path.Combine(tmp.Path, "alias");
        Directory.CreateSymbolicLink(alias, tmp.Path);
        Refused(tmp, "is the input given by --model", Infer(model, input, Path.Combine(alias, "model.json")));
    }

    [Fact]
    public void An_output_folder_that_would_swallow_an_input_or_another_output_is_refused()
    {
        using var tmp = new TempDir();
        string folder = Path.Combine(tmp.Path, "vec");
        Directory.CreateDirectory(folder);
        string model = Fixtures.Model(tmp, Path.Combine("vec", "model.json"));
        Refused(tmp, "is inside the --out folder", "vectors", "--model", model, "--out", folder, "--steps", "2");
        Refused(tmp, "--json " + Path.Combine(folder, "r.json") + " is inside the --out folder", "vectors", "--out", folder, "--json", Path.Combine(folder, "r.json"), "--steps", "2");
    }

    /// <summary>
    /// Break-17: "-" is stdout for --json only. `learn --out -` wrote the model to a file named "-" in the current
    /// folder (and said "model written to -"); a folder output named "-" likewise.
    /// </summary>
    [Theory]
    [InlineData("learn --data bars --steps 5 --out -", "--out -: only --json writes to stdout")]
    [InlineData("vectors --steps 2 --out -", "--out -: only --json writes to stdout")]
    [InlineData("hdl entropy --port sim --bytes 8 --out -", "--out -: only --json writes to stdout")]
    [InlineData("reproduce bars --quick --out -", "--out -: only --json writes to stdout")]
    public void A_dash_is_stdout_for_json_only_and_never_becomes_a_file_named_dash(string commandLine, string expected)
    {
        using var tmp = new TempDir();
        string dash = Path.Combine(Environment.CurrentDirectory, "-");
        bool existed = File.Exists(dash) || Directory.Exists(dash);
        Refused(tmp, expected, commandLine.Split(' '));
        if (!existed) Assert.False(File.Exists(dash) || Directory.Exists(dash), "a file or folder named '-' was written in the current folder");
    }

    [Fact]
    public void A_file_output_spelt_as_a_folder_or_with_a_name_too_long_is_refused_before_any_work()
    {
        using var tmp = new TempDir();
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        Refused(tmp, "--json expects a file name, this names a folder", Infer(model, input, Path.Combine(tmp.Path, "newdir") + "/"));
        Refused(tmp, "longer than the 255 bytes", Infer(model, input, Path.Combine(tmp.Path, new string('n', 256) + ".json")));
    }

    [Fact]
    public void A_long_but_valid_output_name_is_written()
    {
        using var tmp = new TempDir();
        string target = Path.Combine(tmp.Path, new string('n', 240) + ".json"); // the temporary name must not exceed 255 bytes either
        CliRun run = CliRun.Of(Infer(Fixtures.Model(tmp), Fixtures.Input(tmp), target));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void A_new_nested_output_path_is_created_and_written()
    {
        using var tmp = new TempDir();
        string target = Path.Combine(tmp.Path, "a", "b", "posterior.json");
        CliRun run = CliRun.Of(Infer(Fixtures.Model(tmp), Fixtures.Input(tmp), target));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(target));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Replacing_an_existing_regular_output_still_works()
    {
        using var tmp = new TempDir();
        string target = tmp.File("posterior.json", "old");
        CliRun run = CliRun.Of(Infer(Fixtures.Model(tmp), Fixtures.Input(tmp), target));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("{", File.ReadAllText(target));
    }

    /// <summary>
    /// The roles come from option names (CONVENTIONS.md). A verb that named an output otherwise would
    /// escape every check above; this fails when a file or folder option is neither a known output nor a known input.
    /// </summary>
    [Fact]
    public void Every_file_or_folder_option_of_every_verb_has_a_known_role()
    {
        string[] inputs = ["--model", "--input", "--config", "--vectors"];
        var unknown = new List<string>();
        void Visit(Command c, string path)
        {
            foreach (Option o in c.Options)
                if ((o.ValueType == typeof(FileInfo) || o.ValueType == typeof(DirectoryInfo)) && !OutputPaths.OutputOptionNames.Contains(o.Name) && !OutputPaths.WorkOptionNames.Contains(o.Name) && !inputs.Contains(o.Name))
                    unknown.Add($"{path} {o.Name}");
            foreach (Command s in c.Subcommands) Visit(s, $"{path} {s.Name}".Trim());
        }
        Visit(CliApp.BuildRoot(), "");
        Assert.Empty(unknown);
    }

    [Fact]
    public void A_work_folder_that_is_a_file_is_refused_before_any_tool_runs()
    {
        using var tmp = new TempDir();
        string file = tmp.File("work", "not a folder");
        Refused(tmp, "--work must be a folder (or a new path), this is a file", "hdl", "synth", "--model", Fixtures.Model(tmp), "--work", file);
    }

    [Fact]
    public void Atomic_writes_refuse_a_link_or_device_even_without_the_command_line()
    {
        using var tmp = new TempDir();
        string target = tmp.File("t.txt", "t");
        string link = Path.Combine(tmp.Path, "l.txt");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText(link, "x"));
        Assert.Equal("t", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        if (OperatingSystem.IsLinux()) Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText("/dev/null", "x"));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    /// <summary>A folder of two 16x16 PGM photos with variation, the --data of learn and reproduce images.</summary>
    private static string ImageData(TempDir tmp, string name)
    {
        string folder = Path.Combine(tmp.Path, name);
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 2; i++)
        {
            byte[] pixels = Enumerable.Range(0, 256).Select(p => (byte)((p * 37 + i * 11) % 251)).ToArray();
            File.WriteAllBytes(Path.Combine(folder, $"{i}.pgm"), [.. "P5\n16 16\n255\n"u8.ToArray(), .. pixels]);
        }
        return folder;
    }

    /// <summary>
    /// --data is text ('bars', 'images' or a folder), so the input checks did not see it: `learn --data photos --out
    /// photos/0.pgm` replaced the photo with the model, exit 0 (break-21). Every way an output lands on the data folder
    /// is refused before any work and leaves the folder as it was.
    /// </summary>
    [Theory]
    [InlineData("learn", "--out", "photos/0.pgm", "would replace what is there")]
    [InlineData("learn", "--json", "photos/1.pgm", "would replace what is there")]
    [InlineData("learn", "--out", "photos", "this is a folder")]
    [InlineData("reproduce images", "--out", "photos", "is the input given by --data")]
    [InlineData("reproduce images", "--out", ".", "is inside the --out folder")]
    [InlineData("reproduce images", "--json", "photos/0.pgm", "would replace what is there")]
    public void An_output_on_the_data_folder_or_an_image_in_it_is_refused_before_any_work(string verb, string option, string output, string expected)
    {
        using var tmp = new TempDir();
        string data = ImageData(tmp, "photos");
        string target = Path.Combine(tmp.Path, output);
        string[] args = verb == "learn"
            ? ["learn", "--data", data, "--k", "4", "--steps", "20", .. option == "--out" ? new[] { "--out", target } : ["--out", Path.Combine(tmp.Path, "m", "model.json"), "--json", target]]
            : ["reproduce", "images", "--quick", "--data", data, .. option == "--out" ? new[] { "--out", target } : ["--out", Path.Combine(tmp.Path, "r"), "--json", target]];
        Refused(tmp, expected, args);
    }
}
