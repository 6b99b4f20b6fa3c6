namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Session 16's break round, one failure class: an input path that is not a regular file of a readable size. Every
/// whole-file reader (model, inputs, config, vectors manifest and files, PGM and PNG images) went straight to
/// File.ReadAll*: a FIFO blocked the verb forever (Ctrl-C did not end it), /dev/zero and a 2 GB file read until "out of
/// memory" (exit 1), a 3 GB image failed "The file is too long" (exit 1), a loop of symbolic links "Too many levels of
/// symbolic links" (exit 1). Now each is exit 2 before anything is read, naming the file and what it is
/// (ReadableFile), and nothing is written.
/// </summary>
public class InputFileKindTests
{
    // ReadableFile's limits: 512 MiB of JSON (under .NET's ~1 G characters in one string), 1 GiB of image (over the
    // PGM reader's largest raster, 2^28 16-bit pixels, under .NET's 2 GiB array)
    private const long JsonLimitBytes = 512L << 20, ImageLimitBytes = 1L << 30;

    /// <summary>Runs the verb with a deadline: a reader blocked on a FIFO is released (a writer opens and closes it) and the test fails.</summary>
    private static CliRun RunWithin(TimeSpan limit, string? fifo, params string[] args)
    {
        var task = Task.Run(() => CliRun.Of(args));
        if (task.Wait(limit)) return task.Result;
        if (fifo is not null) using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // end of file for the blocked reader
        task.Wait();
        Assert.Fail($"still reading {fifo ?? "the input"} after {limit.TotalSeconds} s: {task.Result}");
        return task.Result;
    }

    private static void Refused(CliRun run, string path, string what)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(path, run.Err);
        Assert.Contains(what, run.Err);
        Assert.DoesNotContain("   at ", run.Err);
    }

    /// <summary>Makes <paramref name="path"/> the kind of non-file named by <paramref name="kind"/>.</summary>
    private static string Make(string path, string kind, long oversize)
    {
        switch (kind)
        {
            case "fifo": Fixtures.Shell("mkfifo", path); return "device node, FIFO or socket";
            case "dev-zero": File.CreateSymbolicLink(path, "/dev/zero"); return "device node, FIFO or socket";
            case "link-loop": File.CreateSymbolicLink(path, path); return "a loop of symbolic links";
            case "dangling-link": File.CreateSymbolicLink(path, path + ".gone"); return "a symbolic link to the missing";
            default: // a sparse file just over the limit: costs no disk
                using (var f = new FileStream(path, FileMode.CreateNew)) f.SetLength(oversize + 1);
                return "is larger than the";
        }
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string where in new[] { "infer --model", "infer --input", "infer --config" })
            foreach (string kind in new[] { "fifo", "dev-zero", "link-loop", "dangling-link", "oversize" })
                data.Add(where, kind);
        data.Add("hdl --config", "fifo");
        data.Add("hdl --config", "oversize");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_json_input_that_is_not_a_regular_file_of_a_readable_size_is_refused_naming_it(string where, string kind)
    {
        if (!OperatingSystem.IsLinux()) return; // statx tells a FIFO or device from a file
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "given.json");
        string what = Make(path, kind, JsonLimitBytes);
        string model = where == "infer --model" ? path : Fixtures.Model(tmp);
        string input = where == "infer --input" ? path : Fixtures.Input(tmp);
        string json = Path.Combine(tmp.Path, "p.json");
        string output = Path.Combine(tmp.Path, "out");
        string[] args = where switch
        {
            "hdl --config" => ["hdl", "generate", "--config", path, "--out", output],
            "infer --config" => ["infer", "--model", model, "--input", input, "--config", path, "--json", json, "--samples", "10", "--burn-in", "10"],
            _ => ["infer", "--model", model, "--input", input, "--json", json, "--samples", "10", "--burn-in", "10"],
        };
        Refused(RunWithin(TimeSpan.FromSeconds(20), kind == "fifo" ? path : null, args), path, what);
        Assert.False(File.Exists(json));
        Assert.False(Directory.Exists(output));
    }

    /// <summary>A 16 x 16 8-bit PGM of varied pixels: one image a folder can learn from.</summary>
    private static void WritePgm(string path)
    {
        var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes("P5\n16 16\n255\n"));
        for (int i = 0; i < 256; i++) bytes.Add((byte)(i * 37 % 251));
        File.WriteAllBytes(path, bytes.ToArray());
    }

    [Theory]
    [InlineData("fifo", "b.png")]
    [InlineData("dev-zero", "b.pgm")]
    [InlineData("link-loop", "b.png")]
    [InlineData("oversize", "b.pgm")]
    public void An_image_in_a_data_folder_that_is_not_a_regular_file_of_a_readable_size_is_refused_naming_it(string kind, string name)
    {
        if (!OperatingSystem.IsLinux()) return;
        using var tmp = new TempDir();
        string folder = Path.Combine(tmp.Path, "photos");
        Directory.CreateDirectory(folder);
        WritePgm(Path.Combine(folder, "a.pgm"));
        string path = Path.Combine(folder, name);
        string what = Make(path, kind, ImageLimitBytes);
        string model = Path.Combine(tmp.Path, "m.json");
        Refused(RunWithin(TimeSpan.FromSeconds(20), kind == "fifo" ? path : null, "learn", "--data", folder, "--quick", "--out", model), path, what);
        Assert.False(File.Exists(model));
    }
}
