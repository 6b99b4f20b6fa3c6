using System.CommandLine;
using System.Diagnostics;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Outputs that cannot be written as planned: several runs writing one --out folder at once, an old --out folder whose
/// contents this user cannot remove, and a write that fails (a full disk) after another output was already put in place.
/// </summary>
public class OutputFailureTests
{
    [Fact]
    public async Task Runs_writing_one_folder_at_once_all_succeed_and_leave_one_whole_folder_and_nothing_else()
    {
        // On the old code, 300 rounds of 4 writers: 38 failures ("Could not find a part of the path", "Directory not
        // empty", "already exists", and "this is a file" for a folder that was being renamed) and 10 moved-aside
        // folders (.out.*.tmp.old) left beside the output for good.
        using var tmp = new TempDir();
        string output = Path.Combine(tmp.Path, "out");
        var failures = new List<string>();
        for (int round = 0; round < 150; round++)
        {
            Task[] writers = Enumerable.Range(0, 4).Select(writer => Task.Run(() =>
            {
                try
                {
                    AtomicFile.WriteDirectory(output, folder =>
                    {
                        for (int file = 0; file < 3; file++) File.WriteAllText(Path.Combine(folder, $"part{file}.txt"), $"writer {writer}");
                    });
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add($"round {round}, writer {writer}: {e.GetType().Name}: {e.Message}");
                }
            })).ToArray();
            await Task.WhenAll(writers);
            // One run's folder, whole: every part from the same writer.
            Assert.Single(Directory.GetFiles(output).Select(File.ReadAllText).Distinct());
            Assert.Equal(3, Directory.GetFiles(output).Length);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.Equal([output], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public async Task Runs_writing_one_json_file_at_once_all_succeed_and_leave_one_whole_file_and_nothing_else()
    {
        // Two `infer --json f.json` at once: each run's file is whole (rename(2) replaces the name atomically), the last
        // to commit wins, and no hidden temporary is left. 4 writers x 150 rounds, each file larger than a pipe's buffer.
        using var tmp = new TempDir();
        string output = Path.Combine(tmp.Path, "f.json");
        var failures = new List<string>();
        for (int round = 0; round < 150; round++)
        {
            Task[] writers = Enumerable.Range(0, 4).Select(writer => Task.Run(() =>
            {
                try { AtomicFile.WriteAllText(output, new string((char)('a' + writer), 100_000)); }
                catch (Exception e) { lock (failures) failures.Add($"round {round}, writer {writer}: {e.GetType().Name}: {e.Message}"); }
            })).ToArray();
            await Task.WhenAll(writers);
            string text = File.ReadAllText(output);
            Assert.Equal(100_000, text.Length);
            Assert.Equal(new string(text[0], text.Length), text);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.Equal([output], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void A_new_output_folder_is_put_in_place_without_renaming_a_folder_that_is_not_there()
    {
        // Fresh-clone CI of session 17: the first write of an HDL cache folder failed with "IOException: Unknown error
        // 203" from renaming the (missing) destination aside; the thread's errno had been overwritten inside the
        // runtime. Here the rename of a missing folder fails that way every time, as a rename of a missing folder may.
        using var tmp = new TempDir();
        string output = Path.Combine(tmp.Path, "out");
        var missingSources = new List<string>();
        AtomicFile.FolderMoveForTests.Value = (from, to) =>
        {
            if (!Directory.Exists(from))
            {
                missingSources.Add(from);
                throw new IOException("Unknown error 203", 203);
            }
            Directory.Move(from, to);
        };
        try
        {
            AtomicFile.WriteDirectory(output, folder => File.WriteAllText(Path.Combine(folder, "a.txt"), "first"));
            AtomicFile.WriteDirectory(output, folder => File.WriteAllText(Path.Combine(folder, "a.txt"), "second"));
        }
        finally
        {
            AtomicFile.FolderMoveForTests.Value = null;
        }
        Assert.Empty(missingSources);
        Assert.Equal("second", File.ReadAllText(Path.Combine(output, "a.txt")));
        Assert.Equal([output], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void An_old_output_folder_that_cannot_be_moved_aside_is_reported_and_left_as_it_was()
    {
        // The state decides whether a failed rename mattered: here the old folder is still there, so the failure is
        // reported (after the retries), the old folder keeps its contents and no temporary folder is left.
        using var tmp = new TempDir();
        string output = Path.Combine(tmp.Path, "out");
        AtomicFile.WriteDirectory(output, folder => File.WriteAllText(Path.Combine(folder, "a.txt"), "old"));
        AtomicFile.FolderMoveForTests.Value = (from, to) =>
        {
            if (from == output) throw new IOException("Input/output error", 5);
            Directory.Move(from, to);
        };
        try
        {
            var e = Assert.Throws<IOException>(() => AtomicFile.WriteDirectory(output, folder => File.WriteAllText(Path.Combine(folder, "a.txt"), "new")));
            Assert.Equal("Input/output error", e.Message);
        }
        finally
        {
            AtomicFile.FolderMoveForTests.Value = null;
        }
        Assert.Equal("old", File.ReadAllText(Path.Combine(output, "a.txt")));
        Assert.Equal([output], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void An_old_output_folder_this_user_cannot_empty_is_refused_before_any_work_and_left_as_it_was()
    {
        // On the old code the run did all its work, put the new folder in place, failed to delete the old one ("error:
        // Access to the path '.../.report.*.tmp.old/kept/notes.txt' is denied", exit 2 although the results were written)
        // and left the old folder beside it under a hidden name.
        if (!OperatingSystem.IsLinux() || !CanRunUnprivileged()) return;
        using var tmp = new TempDir();
        File.SetUnixFileMode(tmp.Path, (UnixFileMode)0x1FF); // rwx for all: the unprivileged user below creates its temporaries here
        string report = Path.Combine(tmp.Path, "report");
        string kept = Path.Combine(report, "kept");
        Directory.CreateDirectory(kept);
        File.WriteAllText(Path.Combine(kept, "notes.txt"), "the user's notes");
        File.SetUnixFileMode(report, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(kept, (UnixFileMode)0x16D); // r-x for all: nobody may remove notes.txt
        string before = Fixtures.Snapshot(tmp.Path);

        var (code, err) = RunUnprivileged(tmp.Path, "vectors", "--steps", "2", "--out", report);

        Assert.True(code == 2, $"exit {code}\n{err}");
        Assert.Contains("--out", err);
        Assert.Contains($"{kept}, which cannot be emptied", err);
        Assert.DoesNotContain("wrote", err);
        Assert.DoesNotContain(".tmp", err);
        Assert.Equal(before, Fixtures.Snapshot(tmp.Path));
    }

    /// <summary>
    /// False when root cannot hand the CLI to nobody: no setpriv, or a build folder nobody may read (a clone under /root).
    /// </summary>
    private static bool CanRunUnprivileged()
    {
        if (Environment.UserName != "root") return true;
        if (!File.Exists("/usr/bin/setpriv")) return false;
        var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", Path.Combine(AppContext.BaseDirectory, "edgelangevin.dll") })
            start.ArgumentList.Add(a);
        using var check = Process.Start(start)!;
        check.WaitForExit();
        return check.ExitCode == 0;
    }

    /// <summary>
    /// The CLI in a child process as an unprivileged user: as root (CI) through setpriv as nobody, since root may write
    /// anywhere; otherwise as the test's own user.
    /// </summary>
    private static (int Code, string Err) RunUnprivileged(string workingDirectory, params string[] args)
    {
        bool root = Environment.UserName == "root";
        var start = new ProcessStartInfo(root ? "setpriv" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = workingDirectory };
        if (root)
            foreach (string a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet" }) start.ArgumentList.Add(a);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgelangevin.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["HOME"] = workingDirectory;
        start.Environment["DOTNET_CLI_HOME"] = workingDirectory;
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string err = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(entireProcessTree: true); throw new TimeoutException(string.Join(' ', args)); }
        return (process.ExitCode, err + stdout.Result);
    }

    [Fact]
    public void A_write_that_fails_names_the_output_not_its_temporary_and_leaves_the_previous_file()
    {
        // A full disk as the system reports it: the message names the hidden temporary file being written.
        using var tmp = new TempDir();
        string path = tmp.File("result.json", "previous");
        var e = Assert.ThrowsAny<IOException>(() => AtomicFile.Write(path, s =>
            throw new IOException($"No space left on device : '{((FileStream)s).Name}'")));
        Assert.StartsWith($"{path}: could not be written (No space left on device)", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void A_file_that_fails_inside_an_output_folder_is_named_at_the_folder_it_was_meant_for()
    {
        using var tmp = new TempDir();
        string report = Path.Combine(tmp.Path, "report");
        var e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteDirectory(report, folder =>
            AtomicFile.Write(Path.Combine(folder, "model.json"), s => throw new IOException($"No space left on device : '{((FileStream)s).Name}'"))));
        Assert.Equal($"{Path.Combine(report, "model.json")}: could not be written (No space left on device); the previous folder was left as it was", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void A_verb_that_fails_after_an_output_was_put_in_place_says_which_one_is_new()
    {
        // The model was replaced, then the --json failed on a full disk: the old message ("failed: No space left on device :
        // '.../.r.json.*.tmp'") named neither output, and the user could not tell that the model was now the new one.
        using var tmp = new TempDir();
        string model = tmp.File("m.json", "previous model");
        string result = Path.Combine(tmp.Path, "r.json");
        RootCommand root = CliApp.BuildRoot();
        var probe = new Command("probe", "Writes two outputs; the second fails. Example: edgelangevin probe");
        probe.SetAction(_ =>
        {
            AtomicFile.WriteAllText(model, "new model");
            AtomicFile.Write(result, s => throw new IOException($"No space left on device : '{((FileStream)s).Name}'"));
            return 0;
        });
        root.Subcommands.Add(probe);
        var err = new StringWriter();
        int code = CliApp.Run(root, ["probe"], new StringWriter(), err, CancellationToken.None);
        Assert.Equal(1, code);
        Assert.Contains($"failed: {result}: could not be written (No space left on device); the previous file was left as it was", err.ToString());
        Assert.Contains($"note: {model} had already been written", err.ToString());
        Assert.DoesNotContain(".tmp", err.ToString());
    }

    /// <summary>
    /// Folders that refuse a new file although nothing said so before the work: /proc takes no new entries (root: "Could
    /// not find file", others: "Access ... denied"), as a folder made read-only or removed while a verb runs. Before
    /// break-21 the error named the hidden temporary ('/proc/.r.json.4242.9f...tmp'), a path the user never gave.
    /// </summary>
    [Theory]
    [InlineData("r.json", false)]
    [InlineData("report", true)]
    public void An_output_whose_folder_refuses_new_files_is_named_not_its_temporary(string name, bool folder)
    {
        string path = Path.Combine("/proc", $"edgelangevin-{Guid.NewGuid():N}-{name}");
        Exception e = Assert.ThrowsAny<Exception>(() =>
        {
            if (folder) AtomicFile.WriteDirectory(path, f => File.WriteAllText(Path.Combine(f, "a.txt"), "x"));
            else AtomicFile.WriteAllText(path, "x");
        });
        Assert.True(e is UnauthorizedAccessException or DirectoryNotFoundException, e.ToString()); // the output path's problem: exit 2
        Assert.StartsWith($"{path}: cannot be written: the folder /proc did not let a new file be created there", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
    }

    [Fact]
    public void A_verb_whose_json_folder_refuses_new_files_exits_2_naming_the_json_not_its_temporary()
    {
        using var tmp = new TempDir();
        string json = $"/proc/edgelangevin-{Guid.NewGuid():N}.json";
        CliRun run = CliRun.Of("infer", "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--json", json, "--samples", "4", "--burn-in", "1", "--chains", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(json, run.Err);
        Assert.DoesNotContain(".tmp", run.Err);
    }
}
