using System.Diagnostics;
using EdgeLangevin.Firmware.Iot;

namespace EdgeLangevin.Firmware.Tests.Iot;

/// <summary>
/// The Linux firmware's command line: every option out of its range is exit 2 naming the option (was an
/// ArgumentException from a constructor deep in the firmware: "Unhandled exception", a stack trace, exit 134,
/// or, for a noise channel equal to the signal channel, a run that took the signal for noise).
/// Runs the built program as a child process on a replay folder, as a user would.
/// </summary>
public class OptionLimitTests
{
    private static (int Code, string Err) Run(params string[] args) => RunWithin(TimeSpan.FromMinutes(2), args);

    private static (int Code, string Err) RunWithin(TimeSpan deadline, params string[] args)
    {
        string dll = typeof(IotFirmwareOptions).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync(); // not read to the end first: a program that never ends must meet the deadline
        if (!p.WaitForExit(deadline)) { p.Kill(); throw new TimeoutException($"still running after {deadline.TotalSeconds} s: {string.Join(' ', args)}"); }
        _ = stdout.Result;
        return (p.ExitCode, err.Result);
    }

    private static string ReplayFolder()
    {
        string dir = Directory.CreateTempSubdirectory("el-iot-").FullName;
        File.WriteAllLines(Path.Combine(dir, "bars8x8-signal-ch0.txt"), Enumerable.Range(0, 640).Select(i => (i * 37 % 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        File.WriteAllLines(Path.Combine(dir, "noise-ch1.txt"), Recording.GenerateNoise(4096).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return dir;
    }

    [Theory]
    [InlineData("--chains", "0")]
    [InlineData("--chains", "2000000000")]
    [InlineData("--steps-per-window", "0")]
    [InlineData("--signal-channel", "9")]
    [InlineData("--noise-channel", "-1")]
    [InlineData("--noise-channel", "0")] // the signal's channel
    [InlineData("--counts-per-unit-log2", "99")]
    [InlineData("--noise-entropy", "-5")]
    [InlineData("--noise-entropy", "81")]
    [InlineData("--report-every", "0")]
    [InlineData("--reseed-every", "-1")]
    [InlineData("--zero-count", "5000")]
    [InlineData("--windows", "-1")]
    public void An_option_out_of_range_is_exit_2_naming_it(string option, string value)
    {
        string dir = ReplayFolder();
        try
        {
            var (code, err) = Run("--replay", dir, "--hwrng", "none", "--windows", "1", option, value);
            Assert.True(code == 2, $"{option} {value}: exit {code}\n{err}");
            Assert.Contains(option, err);
            Assert.DoesNotContain("Unhandled exception", err);
            Assert.DoesNotContain("   at ", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_replay_path_that_is_a_file_is_named_as_such()
    {
        string dir = ReplayFolder();
        try
        {
            string file = Path.Combine(dir, "noise-ch1.txt");
            var (code, err) = Run("--replay", file, "--hwrng", "none", "--windows", "1");
            Assert.True(code == 2, err);
            Assert.Contains("--replay", err);
            Assert.Contains("is a file", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_defaults_pass_the_limits_and_a_replay_runs()
    {
        new IotFirmwareOptions().Validate();
        string dir = ReplayFolder();
        try
        {
            var (code, err) = Run("--replay", dir, "--hwrng", "none", "--windows", "2");
            Assert.True(code == 0, err);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// A recording that is not a regular file: the old reader opened it as it was, so a FIFO waited for a writer for ever
    /// (killed at the deadline), /dev/zero was read as one endless line until memory ran out, and a folder was "Access to
    /// the path ... is denied".
    /// </summary>
    [Theory]
    [InlineData("fifo", "is a device node, FIFO or socket")]
    [InlineData("dev-zero", "is a device node, FIFO or socket")]
    [InlineData("folder", "is a folder, expected a recording")]
    [InlineData("missing", "recording not found")]
    public void A_recording_that_is_not_a_regular_file_is_exit_2_naming_it(string kind, string message)
    {
        if (!OperatingSystem.IsLinux()) return; // FIFOs and /dev/zero
        string dir = ReplayFolder();
        string noise = Path.Combine(dir, "noise-ch1.txt");
        try
        {
            File.Delete(noise);
            switch (kind)
            {
                case "fifo":
                    using (var mkfifo = Process.Start("mkfifo", [noise]))
                    {
                        mkfifo.WaitForExit();
                        Assert.Equal(0, mkfifo.ExitCode);
                    }
                    break;
                case "dev-zero": File.CreateSymbolicLink(noise, "/dev/zero"); break;
                case "folder": Directory.CreateDirectory(noise); break;
            }
            var (code, err) = RunWithin(TimeSpan.FromSeconds(30), "--replay", dir, "--hwrng", "none", "--windows", "1");
            Assert.True(code == 2, $"exit {code}\n{err}");
            Assert.Contains($"{noise}: {message}", err);
            Assert.DoesNotContain("   at ", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// No /dev/spidevB.C (SPI not enabled, or a --bus / --cs for another board): the old firmware ran on, skipping every
    /// window with "SPI read error ... Can not open SPI device file" until Ctrl-C, and exited 0.
    /// </summary>
    [Fact]
    public void A_missing_spi_device_is_exit_2_naming_it_before_any_window()
    {
        if (!OperatingSystem.IsLinux() || File.Exists("/dev/spidev9.9")) return;
        var (code, err) = RunWithin(TimeSpan.FromSeconds(60), "--bus", "9", "--cs", "9", "--hwrng", "none", "--windows", "2");
        Assert.True(code == 2, $"exit {code}\n{err}");
        Assert.Contains("/dev/spidev9.9 not found", err);
        Assert.Contains("--bus 9 --cs 9", err);
    }
}
