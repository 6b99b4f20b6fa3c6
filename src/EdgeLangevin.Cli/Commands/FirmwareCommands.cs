using System.CommandLine;

namespace EdgeLangevin.Cli.Commands;

public static class FirmwareCommands
{
    public static void Add(RootCommand root)
    {
    }
}
