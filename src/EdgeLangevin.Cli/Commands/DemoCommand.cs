using System.CommandLine;

namespace EdgeLangevin.Cli.Commands;

public static class DemoCommand
{
    public static void Add(RootCommand root)
    {
    }
}
