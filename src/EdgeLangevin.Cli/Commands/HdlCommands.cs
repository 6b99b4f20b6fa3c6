using System.CommandLine;

namespace EdgeLangevin.Cli.Commands;

public static class HdlCommands
{
    public static void Add(RootCommand root)
    {
    }
}
