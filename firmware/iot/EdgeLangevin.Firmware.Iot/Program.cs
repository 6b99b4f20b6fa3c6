// Entry point of the Linux single-board-computer firmware; see firmware/iot/README.md.
using System.Device.Spi;
using System.Globalization;
using EdgeLangevin.Firmware;
using EdgeLangevin.Firmware.Iot;

var values = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 0; i < args.Length; i++)
{
    if (args[i] is "-h" or "--help")
    {
        Console.WriteLine("""
            edgelangevin-iot: Langevin sparse coding on an MCP3008 signal, noise from /dev/hwrng and an ADC noise channel.
            Options (defaults in brackets):
              --bus N [0] --cs N [0]            SPI bus and chip select of the MCP3008 (/dev/spidevN.M)
              --signal-channel C [0]            ADC channel of the signal (D conversions per window)
              --noise-channel C [1]             ADC channel of the noise source
              --noise-entropy E [16]            claimed min-entropy per noise conversion, eighths of a bit
              --steps-per-window N [100] --report-every N [10] --reseed-every N [64] --chains N [1]
              --zero-count N [512] --counts-per-unit-log2 N [6]
              --windows N [0 = until Ctrl-C] --seed N [1] --hwrng PATH [/dev/hwrng | none]
              --noise prng|physical [prng]      Langevin noise from the seeded generator, or the calibrated noise channel itself
              --replay DIR                      no hardware: play DIR/bars8x8-signal-ch0.txt and DIR/noise-ch1.txt
                                                (one count per line) through a recorded MCP3008 instead of SPI
            Example: sudo ./EdgeLangevin.Firmware.Iot --bus 0 --cs 0 --windows 1000
            """);
        return 0;
    }
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: expected --option value pairs, got '{args[i]}' (try --help)");
        return 2;
    }
    values[args[i][2..]] = args[++i];
}

int Int(string name, int fallback)
{
    if (!values.Remove(name, out string? text)) return fallback;
    if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)) return v;
    throw new FormatException($"--{name}: expected an integer, got '{text}'");
}

IotFirmwareOptions options;
int bus, cs;
long windows;
string hwrngPath;
string? replay;
try
{
    bus = Int("bus", 0);
    cs = Int("cs", 0);
    windows = Int("windows", 0);
    hwrngPath = values.Remove("hwrng", out string? p) ? p : HwRngSource.DefaultPath;
    replay = values.Remove("replay", out string? r) ? r : null;
    options = new IotFirmwareOptions
    {
        SignalChannel = Int("signal-channel", 0),
        NoiseChannel = Int("noise-channel", 1),
        NoiseEntropyEighths = Int("noise-entropy", 16),
        StepsPerWindow = Int("steps-per-window", 100),
        ReportEvery = Int("report-every", 10),
        ReseedEvery = Int("reseed-every", 64),
        Chains = Int("chains", 1),
        ZeroCount = Int("zero-count", 512),
        CountsPerUnitLog2 = Int("counts-per-unit-log2", 6),
        Seed = Int("seed", 1),
        PhysicalNoise = values.Remove("noise", out string? noiseMode) && noiseMode == "physical"
            ? true
            : noiseMode is null or "prng" ? false : throw new FormatException($"--noise: expected prng or physical, got '{noiseMode}'"),
    };
    if (values.Count > 0) throw new FormatException($"unknown option --{values.Keys.First()} (try --help)");
    if (windows < 0) throw new FormatException($"--windows: expected 0 (until Ctrl-C) or more, got {windows}");
    options.Validate();
    if (replay is not null && !Directory.Exists(replay))
        throw new FormatException($"--replay {replay}: {(File.Exists(replay) ? "is a file" : "not found")}, expected a folder with bars8x8-signal-ch0.txt and noise-ch1.txt");
}
catch (FormatException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

HwRngSource? hwrng = null;
if (hwrngPath != "none")
{
    try { hwrng = HwRngSource.Open(hwrngPath); }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.WriteLine($"entropy: cannot open {hwrngPath} ({e.Message}); continuing without it");
    }
}

// A missing device file is not a transient bus error: refused here, instead of skipping every window until Ctrl-C.
string spiPath = $"/dev/spidev{bus}.{cs}";
if (replay is null && !File.Exists(spiPath))
{
    Console.Error.WriteLine($"error: {spiPath} not found: SPI is not enabled (raspi-config, or dtparam=spi=on), or --bus {bus} --cs {cs} name another device; --replay DIR runs without hardware");
    return 2;
}

SpiDevice spi;
try
{
    spi = replay is null
        ? SpiDevice.Create(new SpiConnectionSettings(bus, cs) { ClockFrequency = 1_000_000, Mode = SpiMode.Mode0 })
        : new RecordedSpiDevice(RecordingFile.Read(Path.Combine(replay, "bars8x8-signal-ch0.txt")),
            RecordingFile.ReadNoise(Path.Combine(replay, "noise-ch1.txt"), EdgeLangevin.Core.HardwareNoise.NoiseHealthMonitor.CorrelationWindow),
            options.SignalChannel, options.NoiseChannel, Path.Combine(replay, "bars8x8-signal-ch0.txt"), Path.Combine(replay, "noise-ch1.txt")) { Warnings = Console.Error };
}
catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}
using var spiDevice = spi;
IotFirmware firmware;
try { firmware = new IotFirmware(ExportedModel.Create(), spi, hwrng, Console.Out, options); }
catch (ArgumentException e)
{
    // Options.Validate checks each option alone; a combination the parts refuse (physical noise with a window too long
    // for its buffer) is still the user's input: exit 2 with the part's reason, no stack trace.
    Console.Error.WriteLine("error: these options do not work together: " + e.Message);
    return 2;
}
if (!firmware.Boot()) return 1;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
firmware.Run(windows, cancel.Token);
hwrng?.Dispose();
return 0;
