using System.Diagnostics;
using System.Text;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>Output of one external tool run.</summary>
public sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
    public string Tail(int lines = 20)
    {
        string[] all = (Stdout + "\n" + Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>A required tool is not installed (codegen/install-hdl-tools.sh installs them).</summary>
public sealed class ToolMissingException(string tool)
    : Exception($"{tool} is not installed; run codegen/install-hdl-tools.sh (Debian packages verilator, iverilog, yosys, nextpnr-ice40, fpga-icestorm)")
{
    public string Tool { get; } = tool;
}

/// <summary>Runs the open HDL tools as child processes, capturing their output.</summary>
public static class ToolRunner
{
    private static readonly AsyncLocal<CancellationToken> interruption = new();

    /// <summary>
    /// The run's interruption (the CLI sets its SIGINT / SIGTERM cancellation here for the verb and everything it
    /// starts): every tool is killed by it, also where a caller passed no token of its own, so that Ctrl-C never
    /// waits for a simulation or a placement to finish (a 65535-step board simulation takes hours).
    /// </summary>
    public static CancellationToken Interruption { get => interruption.Value; set => interruption.Value = value; }

    public static bool Exists(string tool) => Find(tool) is not null;

    public static string? Find(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static ToolResult Run(string tool, IEnumerable<string> args, string workingDirectory, CancellationToken cancel = default)
    {
        string exe = tool.Contains('/') ? tool : Find(tool) ?? throw new ToolMissingException(tool);
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, Interruption);
        using (stop.Token.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            p.WaitForExit();
        stop.Token.ThrowIfCancellationRequested();
        string command = Path.GetFileName(exe) + " " + string.Join(" ", psi.ArgumentList);
        return new ToolResult(command, p.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
