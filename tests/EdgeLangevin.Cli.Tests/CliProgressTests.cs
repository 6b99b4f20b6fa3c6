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
}
