using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

public class CliProgressTests
{
    [Fact]
    public void A_job_run_with_progress_returns_its_result_and_prints_one_plain_line_per_finished_stage()
    {
        var err = new StringWriter();
        var context = new CliContext(new StringWriter(), err);

        int result = CliProgress.Run(context, "learn", (progress, _) =>
        {
            for (int i = 1; i <= 10; i++) progress.Report(new RunProgress("float", i, 10));
            for (int i = 1; i <= 4; i++) progress.Report(new RunProgress("fixed", i, 4));
            return 42;
        });

        Assert.Equal(42, result);
        string[] lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("learn: float: done, 10 in ", lines[0]);
        Assert.StartsWith("learn: fixed: done, 4 in ", lines[1]);
    }

    /// <summary>Signals when a line containing <see cref="Expected"/> is written (the drawing runs on another thread).</summary>
    private sealed class SignalWriter(string expected) : StringWriter
    {
        private readonly object _gate = new();
        public string Expected { get; } = expected;
        public ManualResetEventSlim Seen { get; } = new();

        public override void WriteLine(string? value)
        {
            lock (_gate) base.WriteLine(value);
            if (value?.Contains(Expected, StringComparison.Ordinal) == true) Seen.Set();
        }

        public override string ToString() { lock (_gate) return base.ToString(); }
    }

    [Fact]
    public void A_running_stage_gets_periodic_plain_lines_with_count_percentage_and_rate()
    {
        var err = new SignalWriter("learn: float: 3/10 (30%), ");
        var context = new CliContext(new StringWriter(), err) { PlainLineInterval = TimeSpan.Zero };

        CliProgress.Run(context, "learn", (progress, _) =>
        {
            progress.Report(new RunProgress("float", 3, 10));
            // Hold the job until the drawing thread has printed the running line (a guard, not a time limit on the code under test).
            Assert.True(err.Seen.Wait(TimeSpan.FromSeconds(60)), "no periodic line was printed");
            progress.Report(new RunProgress("float", 10, 10));
            return 0;
        });

        string text = err.ToString();
        Assert.Contains("learn: float: 3/10 (30%), ", text);
        Assert.Contains("/s", text);
        Assert.Contains("learn: float: done, 10 in ", text);
    }

    [Fact]
    public void Quiet_prints_no_periodic_lines_only_the_finished_stage()
    {
        var err = new StringWriter();
        var context = new CliContext(new StringWriter(), err, quiet: true) { PlainLineInterval = TimeSpan.Zero };
        CliProgress.Run(context, "learn", (progress, _) =>
        {
            progress.Report(new RunProgress("float", 3, 10));
            Thread.Sleep(500); // several drawing polls (every 200 ms) while the stage runs
            progress.Report(new RunProgress("float", 10, 10));
            return 0;
        });
        Assert.DoesNotContain("3/10", err.ToString());
        Assert.Contains("learn: float: done, 10 in ", err.ToString());
    }

    [Fact]
    public void A_test_writer_never_gets_terminal_progress_bars()
    {
        var context = new CliContext(new StringWriter(), new StringWriter());
        Assert.False(context.Interactive);
    }

    [Fact]
    public void An_exception_in_the_job_reaches_the_caller_unchanged()
    {
        var context = new CliContext(new StringWriter(), new StringWriter());
        var e = Assert.Throws<InvalidInputException>(() =>
            CliProgress.Run<int>(context, "job", (_, _) => throw new InvalidInputException("x.json: field 'steps': expected a positive integer")));
        Assert.Contains("field 'steps'", e.Message);
    }

    [Fact]
    public void Cancelling_a_job_mid_write_raises_cancellation_and_leaves_the_previous_file_intact()
    {
        string dir = Directory.CreateTempSubdirectory("el-cancel-").FullName;
        string path = Path.Combine(dir, "result.json");
        File.WriteAllText(path, "{\"previous\": true}");
        using var cts = new CancellationTokenSource();
        var context = new CliContext(new StringWriter(), new StringWriter(), cancellation: cts.Token);

        Assert.ThrowsAny<OperationCanceledException>(() => CliProgress.Run(context, "write", (progress, ct) =>
        {
            AtomicFile.Write(path, stream =>
            {
                stream.Write("{\"new\": "u8);
                cts.Cancel(); // what Ctrl-C does, half-way through the file
                ct.ThrowIfCancellationRequested();
                stream.Write("true}"u8);
            });
            return 0;
        }));

        Assert.Equal("{\"previous\": true}", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir)); // no temporary file left beside it
    }

    [Fact]
    public void A_nested_run_reports_into_the_outer_display_with_its_title_as_prefix()
    {
        var err = new StringWriter();
        var context = new CliContext(new StringWriter(), err);

        CliProgress.Run(context, "demo", (progress, ct) =>
        {
            progress.Report(new RunProgress("prepare", 1, 1));
            return CliProgress.Run(context, "learn", (inner, _) => { inner.Report(new RunProgress("float", 3, 3)); return 0; });
        });

        string text = err.ToString();
        Assert.Contains("demo: prepare: done", text);
        Assert.Contains("demo: learn: float: done, 3 in", text);
    }

    [Theory]
    [InlineData(0.5, "0.5/s")]
    [InlineData(1500, "1.5k/s")]
    [InlineData(25000, "25k/s")]
    [InlineData(3.2e6, "3.2M/s")]
    public void Rates_are_printed_with_a_metric_suffix(double perSecond, string expected) =>
        Assert.Equal(expected, CliProgress.FormatRate(perSecond));

    [Fact]
    public void Hdl_verify_prints_a_finished_stage_line_per_simulator_while_stderr_is_redirected()
    {
        using var tmp = new TempDir();
        // Quiet keeps only the per-stage lines, which do not depend on how long the simulator takes.
        var run = CliRun.Of("hdl", "verify", "--steps", "4", "--simulators", "icarus", "--work", Path.Combine(tmp.Path, "work"), "--seed", "5", "--quiet");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("hdl verify: icarus: build and simulate 4 steps", run.Err);
        Assert.DoesNotContain("hdl verify:", run.Out); // progress stays off stdout
    }
}
