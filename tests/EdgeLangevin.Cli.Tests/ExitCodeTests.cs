using System.CommandLine;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Tests;

/// <summary>The one place where outcomes become exit codes: 0 success, 1 the job failed, 2 bad usage or input.</summary>
public class ExitCodeTests
{
    private static (int Code, string Err) RunWith(Func<int> action, params string[] extraArgs)
    {
        RootCommand root = CliApp.BuildRoot();
        var probe = new Command("probe", "A command that does what the test says. Example: edgelangevin probe");
        probe.SetAction(_ => action());
        root.Subcommands.Add(probe);
        var err = new StringWriter();
        int code = CliApp.Run(root, ["probe", .. extraArgs], new StringWriter(), err, CancellationToken.None);
        return (code, err.ToString());
    }

    [Fact]
    public void A_verb_that_succeeds_exits_0() => Assert.Equal(0, RunWith(() => ExitCodes.Success).Code);

    [Fact]
    public void A_job_failure_exits_1_with_its_message()
    {
        var (code, err) = RunWith(() => throw new JobFailedException("verilator: 3 mismatching words"));
        Assert.Equal(1, code);
        Assert.Contains("failed: verilator: 3 mismatching words", err);
    }

    [Fact]
    public void Bad_input_exits_2_with_its_message()
    {
        var (code, err) = RunWith(() => throw InvalidInputException.Field("m.json", "sigma", "must be > 0, got -1"));
        Assert.Equal(2, code);
        Assert.Contains("error: m.json: field 'sigma': must be > 0, got -1", err);
    }

    [Fact]
    public void Cancellation_exits_1_and_says_the_previous_results_are_intact()
    {
        var (code, err) = RunWith(() => throw new OperationCanceledException());
        Assert.Equal(1, code);
        Assert.Contains("interrupted: previous results were left as they were", err);
    }

    [Fact]
    public void A_defect_exits_1_and_asks_for_a_report_instead_of_crashing()
    {
        var (code, err) = RunWith(() => throw new NullReferenceException("oops"));
        Assert.Equal(1, code);
        Assert.Contains("internal error", err);
    }

    [Fact]
    public void An_unknown_option_exits_2_and_points_at_help()
    {
        var (code, err) = RunWith(() => 0, "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("--help", err);
    }

    [Fact]
    public void An_unknown_verb_exits_2()
    {
        var run = CliRun.Of("no-such-verb");
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public void Quiet_is_accepted_by_every_verb_and_reaches_the_context()
    {
        bool? quiet = null;
        var (code, _) = RunWith(() => { quiet = CliContext.Current.Quiet; return 0; }, "--quiet");
        Assert.Equal(0, code);
        Assert.True(quiet);
    }
}
