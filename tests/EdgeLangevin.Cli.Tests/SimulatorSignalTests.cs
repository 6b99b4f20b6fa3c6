using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Break-17: SIGINT / SIGTERM while a verb waits for a simulator (`hdl run --port sim`, `hdl entropy --port sim`).
/// Three deliveries: to the process alone (`kill PID`); to its process group, as Ctrl-C in a terminal does (the
/// simulator gets it too and may die first); and to the process and then its group, as `timeout` does (the
/// process often gets the same signal twice within microseconds). Each must stop the verb promptly with exit 1
/// and "interrupted: ...", leave its folder as it was and leave no run folder in --work. Without the fixes: the
/// simulation ran on to its end (a 65535-step learning run: hours), the simulator's death was reported as
/// "failed: the simulated board answered 0 of N bytes", and a duplicate signal killed the process (exit 130).
/// </summary>
public class SimulatorSignalTests : IDisposable
{
    private const int Sigint = 2, Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    // one simulator build for every case (the work folder is keyed by the generated sources)
    private readonly TempDir work = new();

    public void Dispose() => work.Dispose();

    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string verb in new[] { "hdl-run-learning", "hdl-entropy" })
            foreach (int signal in new[] { Sigint, Sigterm })
                foreach (string delivery in new[] { "process", "group", "process-then-group" })
                    data.Add(verb, signal, delivery);
        return data;
    }

    /// <summary>K = 12, D = 8, 3 chains: small enough to build in seconds; 65535 steps would take hours to simulate.</summary>
    private const string LearningConfig = """
        {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
         "vectors": {"problem": "random", "variant": "signed", "k": 12, "d": 8, "pi": 0.3, "sigma": 0.5, "data_count": 5, "checkpoint_every": 5},
         "learning": {"batch": 3, "tau_x": 7, "tau_a": 2000, "switching": "synchronous", "learn_pi": true, "tau_u0": 1e5},
         "hdl": {"lanes": 1}}
        """;

    private const string EntropyConfig = """
        {"hdl": {"lanes": 2, "entropy": {"enabled": true, "noise_mode": "seeded"}},
         "vectors": {"problem": "random", "variant": "signed", "k": 16, "d": 8, "lambda": 1, "pi": 0.3, "sigma": 0.5}}
        """;

    private string[] Arguments(string verb, TempDir tmp)
    {
        string P(string name) => Path.Combine(tmp.Path, name);
        File.WriteAllText(P("previous.json"), "{\"previous\": true}");
        File.WriteAllText(P("previous-raw.txt"), "# previous\n0\n");
        return verb switch
        {
            "hdl-run-learning" => ["hdl", "run", "--port", "sim", "--config", tmp.File("learning.json", LearningConfig), "--steps", "65535",
                "--work", work.Path, "--json", P("previous.json")],
            "hdl-entropy" => ["hdl", "entropy", "--port", "sim", "--config", tmp.File("entropy.json", EntropyConfig), "--bytes", "512",
                "--out", P("previous-raw.txt"), "--work", work.Path, "--json", P("previous.json")],
            _ => throw new ArgumentException(verb),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_signal_while_the_simulator_runs_stops_the_verb_as_an_interruption(string verb, int signal, string delivery)
    {
        if (!OperatingSystem.IsLinux()) return; // /proc, setsid, POSIX signals
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        string[] args = Arguments(verb, tmp);
        string before = Fixtures.Snapshot(tmp.Path);

        // setsid: the CLI leads its own process group, so the group can be signalled without the test host
        var start = new ProcessStartInfo("setsid") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, WorkingDirectory = tmp.Path };
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgelangevin.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        var err = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) err.Enqueue(line); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var sinceSignal = new Stopwatch();
        try
        {
            // the moment: the board simulation (vvp) is running, a child of the CLI
            var deadline = Stopwatch.StartNew();
            while (!ChildNamed(process.Id, "vvp") && !process.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
            if (process.HasExited) Assert.Fail($"{verb}: ended before its simulation was seen (exit {process.ExitCode})\n{string.Join("\n", err)}");
            Assert.True(ChildNamed(process.Id, "vvp"), $"{verb}: no simulator child within 3 minutes\n{string.Join("\n", err)}");
            Thread.Sleep(300); // well inside the simulation

            sinceSignal.Start();
            if (delivery is "process" or "process-then-group") Assert.Equal(0, kill(process.Id, signal));
            if (delivery is "group" or "process-then-group") Assert.Equal(0, kill(-process.Id, signal));
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{verb}: still running a minute after the signal ({delivery})");
            process.WaitForExit(); // drain the output
        }
        finally
        {
            if (!process.HasExited) kill(-process.Id, 9);
        }
        string stderr = string.Join("\n", err);
        Assert.True(process.ExitCode == 1, $"{verb}, signal {signal}, {delivery}: exit {process.ExitCode} {sinceSignal.Elapsed.TotalSeconds:0.0} s after the signal\n{stderr}");
        Assert.True(stderr.Contains("interrupted: previous results were left as they were", StringComparison.Ordinal) && !stderr.Contains("failed:", StringComparison.Ordinal)
            && !stderr.Contains("   at ", StringComparison.Ordinal), $"{verb}, signal {signal}, {delivery}:\n{stderr}");
        Assert.Equal(before, Fixtures.Snapshot(tmp.Path));
        string[] leftRuns = Directory.GetDirectories(work.Path, "run-*", SearchOption.AllDirectories);
        Assert.True(leftRuns.Length == 0, $"{verb}: simulation run folders left in --work: {string.Join(", ", leftRuns)}");
    }

    /// <summary>Whether a process named <paramref name="name"/> (its comm) has <paramref name="parent"/> as its parent.</summary>
    private static bool ChildNamed(int parent, string name)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                if (open < 0 || close < open) continue;
                string comm = stat[(open + 1)..close];
                string[] rest = stat[(close + 2)..].Split(' ');
                if (comm == name && int.Parse(rest[1], CultureInfo.InvariantCulture) == parent) return true;
            }
            catch (IOException) { } // the process ended meanwhile
            catch (UnauthorizedAccessException) { }
        }
        return false;
    }
}
