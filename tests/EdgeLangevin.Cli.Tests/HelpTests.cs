using System.CommandLine;

namespace EdgeLangevin.Cli.Tests;

/// <summary>Every verb explains itself: --help exits 0 and shows an example command line.</summary>
public class HelpTests
{
    /// <summary>Every command path of the tree that has an action (a verb a user runs), e.g. "hdl verify".</summary>
    public static TheoryData<string> Verbs() => new(VerbPaths());

    public static List<string> VerbPaths()
    {
        var data = new List<string>();
        void Walk(Command c, string prefix)
        {
            foreach (Command sub in c.Subcommands)
            {
                string path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
                if (sub.Action is not null) data.Add(path);
                Walk(sub, path);
            }
        }
        Walk(CliApp.BuildRoot(), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_verb_has_help_with_an_example(string verb)
    {
        var run = CliRun.Of([.. verb.Split(' '), "--help"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Example", run.Out);
        Assert.Contains($"edgelangevin {verb}", run.Out);
    }

    [Fact]
    public void The_demo_is_among_the_verbs() => Assert.Contains("demo", VerbPaths());

    [Fact]
    public void The_root_help_lists_the_demo()
    {
        var run = CliRun.Of("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("demo", run.Out);
    }
}
