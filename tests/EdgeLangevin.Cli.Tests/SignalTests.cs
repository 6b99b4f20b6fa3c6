using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Issue 14, class 4: every verb stopped by SIGINT (Ctrl-C) or SIGTERM (timeouts, CI cancel, kill) exits 1,
/// says "interrupted: previous results were left as they were", and leaves its folder exactly as it was:
/// the previous outputs untouched, no temporary file or folder. The CLI runs as a child process (the real
/// entry point, real signals), in two moments: "before output" (the job is running or about to) and
/// "while writing" (an output is complete at its temporary name and about to be put in place; the test
/// hook EDGELANGEVIN_TEST_COMMIT_DELAY_MS holds it there and announces it). Sizes are small: each run takes
/// a second or two.
/// </summary>
public class SignalTests
{
    private const int Sigint = 2, Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string verb in new[] { "infer", "infer-fixed", "learn", "vectors", "firmware", "demo", "reproduce-bars", "compare" })
            foreach (int signal in new[] { Sigint, Sigterm })
                foreach (bool writing in new[] { false, true })
                    if (!writing || verb is not ("reproduce-bars" or "compare")) // those two take a minute to reach their outputs
                        data.Add(verb, signal, writing);
        return data;
    }

    /// <summary>The verb's arguments in <paramref name="dir"/>, with previous outputs already there. Long jobs before output, short ones for writing.</summary>
    private static string[] Arguments(string verb, TempDir tmp, bool writing)
    {
        string dir = tmp.Path;
        string P(string name) => Path.Combine(dir, name);
        string model = Fixtures.Model(tmp), input = Fixtures.Input(tmp);
        File.WriteAllText(P("previous.json"), "{\"previous\": true}");
        Directory.CreateDirectory(P("previous-folder"));
        File.WriteAllText(Path.Combine(P("previous-folder"), "README.md"), "previous report");
        string samples = writing ? "20" : "200000000";
        return verb switch
        {
            "infer" => ["infer", "--model", model, "--input", input, "--json", P("previous.json"), "--samples", samples, "--burn-in", "5", "--chains", "1"],
            "infer-fixed" => ["infer", "--engine", "fixed", "--model", model, "--input", input, "--json", P("previous.json"), "--samples", samples, "--burn-in", "5", "--chains", "1"],
            "learn" => ["learn", "--data", "bars", "--out", P("previous.json"), "--json", P("learn.json"), "--steps", writing ? "20" : "100000000"],
            "vectors" => ["vectors", "--model", model, "--steps", writing ? "4" : "20000", "--out", P("previous-folder")],
            "firmware" => ["firmware", "export", "--model", model, "--target", "iot", "--out", P("previous-folder")],
            "demo" => ["demo", "--quick", "--out", P("previous-folder"), "--config", tmp.File("tiny.json", DemoCommandTests.TinyConfig)],
            "reproduce-bars" => ["reproduce", "bars", "--quick", "--out", P("previous-folder")],
            "compare" => ["compare", "--quick", "--json", P("previous.json")],
            _ => throw new ArgumentException(verb),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_signal_stops_the_verb_with_exit_1_and_leaves_the_folder_as_it_was(string verb, int signal, bool writing)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // POSIX signals
        using var tmp = new TempDir();
        string[] args = Arguments(verb, tmp, writing);
        string before = Fixtures.Snapshot(tmp.Path);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = tmp.Path };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgelangevin.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["EDGELANGEVIN_TEST_COMMIT_DELAY_MS"] = "60000";
        start.Environment["CI"] = "true"; // plain progress lines
        using var process = Process.Start(start)!;
        var lines = new BlockingCollection<string>();
        var err = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { err.Enqueue(line); lines.Add(line); } };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            // Wait for the moment: handlers installed (before output), or an output waiting to be put in place (while writing).
            string awaited = writing ? "committing " : "test hook: signal handlers installed";
            var deadline = Stopwatch.StartNew();
            bool seen = false;
            while (!seen && deadline.Elapsed < TimeSpan.FromMinutes(3) && !process.HasExited)
                if (lines.TryTake(out string? line, 200) && line.Contains(awaited, StringComparison.Ordinal)) seen = true;
            Assert.True(seen, $"{verb}: never printed '{awaited}'\n{string.Join("\n", err)}");
            if (writing) Assert.NotEmpty(Directory.GetFileSystemEntries(tmp.Path, ".*.tmp")); // really mid-write: the temporary is there

            Assert.Equal(0, kill(process.Id, signal));
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{verb}: still running 2 minutes after the signal");
            process.WaitForExit(); // drain the output
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        string stderr = string.Join("\n", err);
        Assert.True(process.ExitCode == 1, $"{verb}, signal {signal}, writing {writing}: exit {process.ExitCode}\n{stderr}");
        Assert.Contains("interrupted: previous results were left as they were", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(before, Fixtures.Snapshot(tmp.Path));
    }
}
