using System.CommandLine;

namespace EdgeLangevin.Cli.Commands;

public static class ReferenceCommands
{
    public static void Add(RootCommand root)
    {
    }
}
