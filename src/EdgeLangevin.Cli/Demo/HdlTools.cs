namespace EdgeLangevin.Cli.Demo;

/// <summary>Which of the open HDL tools are on PATH, and what to tell the user when some are not.</summary>
public static class HdlTools
{
    public const string InstallHint = "bash codegen/install-hdl-tools.sh (Debian packages verilator, iverilog, yosys, nextpnr-ice40, fpga-icestorm)";

    public static readonly string[] Simulators = ["verilator", "iverilog"];
    public static readonly string[] Synthesis = ["yosys", "nextpnr-ice40"];

    /// <summary>The full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }

    public static string[] Missing(IEnumerable<string> tools) => tools.Where(t => Find(t) is null).ToArray();
}
