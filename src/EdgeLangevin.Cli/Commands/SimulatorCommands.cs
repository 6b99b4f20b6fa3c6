using System.CommandLine;

namespace EdgeLangevin.Cli.Commands;

public static class SimulatorCommands
{
    public static void Add(RootCommand root)
    {
    }
}
