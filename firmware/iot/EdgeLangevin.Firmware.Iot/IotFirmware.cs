using System.Device.Spi;
using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.Iot;

/// <summary>Settings of the Linux board firmware (command-line options of Program.cs).</summary>
public sealed record IotFirmwareOptions
{
    /// <summary>MCP3008 channel of the signal: D consecutive conversions form one window.</summary>
    public int SignalChannel { get; init; } = 0;
    /// <summary>MCP3008 channel wired to the noise source.</summary>
    public int NoiseChannel { get; init; } = 1;
    /// <summary>Claimed min-entropy of one noise-channel conversion, eighths of a bit (16 = 2 bits).</summary>
    public int NoiseEntropyEighths { get; init; } = 16;
    public int Chains { get; init; } = 1;
    public int StepsPerWindow { get; init; } = 100;
    /// <summary>A status line every this many windows.</summary>
    public int ReportEvery { get; init; } = 10;
    /// <summary>Reseed the chains' generators from the noise channel every this many windows (0: never, a reproducible run).</summary>
    public int ReseedEvery { get; init; } = 64;
    /// <summary>While the noise source is failed, restart its tests every this many skipped windows.</summary>
    public int RetestEvery { get; init; } = 8;
    /// <summary>Counts that mean 0 in model units.</summary>
    public int ZeroCount { get; init; } = 512;
    /// <summary>2^this counts are 1.0 in model units.</summary>
    public int CountsPerUnitLog2 { get; init; } = 6;
    /// <summary>Noise-channel samples of the boot calibration.</summary>
    public int CalibrationSamples { get; init; } = 4096;
    /// <summary>
    /// The Langevin noise itself from the calibrated noise channel (the paper's idea; first and second
    /// order) instead of the seeded generator. Costs one noise conversion per unit and step, drawn for the
    /// whole window before its first step (2 bytes per word); a failed calibration is retried with backoff.
    /// </summary>
    public bool PhysicalNoise { get; init; }
    /// <summary>Generator seed when there is no hardware RNG (and the run must be reproducible).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Most chains one process steps (a window's solver holds chains x K words; more is not an SBC's job).</summary>
    public const int MaxChains = 65536;

    /// <summary>
    /// Every option's limit in one place, checked before any device is opened: a bad value is a
    /// <see cref="FormatException"/> naming the command-line option (exit 2), not an ArgumentException
    /// from a constructor deep in the firmware (a stack trace, exit 134). The limits are those of the parts
    /// that use them (MCP3008 channels and counts, InferenceLoop, WindowController, NoiseHealthMonitor).
    /// </summary>
    public void Validate()
    {
        static void Range(string option, int value, int min, int max, string why = "")
        {
            if (value < min || value > max)
                throw new FormatException($"--{option}: expected {min} to {max}{why}, got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        Range("signal-channel", SignalChannel, 0, Mcp3008.Channels - 1, " (an MCP3008 channel)");
        Range("noise-channel", NoiseChannel, 0, Mcp3008.Channels - 1, " (an MCP3008 channel)");
        if (SignalChannel == NoiseChannel)
            throw new FormatException($"--noise-channel: is the signal channel ({SignalChannel}); the noise must come from another channel, else the signal is taken for noise");
        Range("noise-entropy", NoiseEntropyEighths, 1, 8 * 10, " eighths of a bit (a conversion has 10 bits)");
        Range("chains", Chains, 1, MaxChains);
        Range("steps-per-window", StepsPerWindow, 1, int.MaxValue);
        Range("report-every", ReportEvery, 1, int.MaxValue, " windows");
        Range("reseed-every", ReseedEvery, 0, int.MaxValue, " windows (0: never)");
        Range("zero-count", ZeroCount, 0, Mcp3008.MaxValue, " counts");
        Range("counts-per-unit-log2", CountsPerUnitLog2, 0, 24);
    }
}

/// <summary>
/// The Linux single-board-computer firmware: boot self-test on the golden vector, hardware
/// entropy for the seed (/dev/hwrng) and for reseeding (the ADC noise channel, health-tested),
/// calibration of the noise channel as physical Langevin noise, then inference on windows of
/// D conversions of the signal channel with a status line at a steady rate.
/// </summary>
/// <remarks>
/// Failure handling: every input of a window (D signal conversions, the noise samples and their
/// health, with physical noise every noise word of the window) is read before the solver is touched, so an SPI error or a failed health test skips
/// the window and the state stays as it was after the last good window. Messages name the cause;
/// a failed noise source is re-tested every <see cref="IotFirmwareOptions.RetestEvery"/> windows
/// and the loop resumes when it passes. The loop allocates nothing per window (measured in the tests).
/// </remarks>
public sealed class IotFirmware
{
    private readonly FirmwareModel _model;
    private readonly IotFirmwareOptions _options;
    private readonly TextWriter _out;
    private readonly Mcp3008 _adc;
    private readonly RawNoiseSource? _hwrng;
    private readonly CheckedNoiseSource _noise;
    private readonly EntropySeeder _seeder;
    private readonly PhysicalGaussianNoise _physical;
    private readonly InferenceLoop _loop;
    private readonly WindowController _windows;
    private readonly int[] _counts;
    private readonly LineBuilder _line = new(512);

    public IotFirmware(FirmwareModel model, SpiDevice spi, RawNoiseSource? hwrng, TextWriter output, IotFirmwareOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spi);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options;
        _out = output;
        _adc = new Mcp3008(spi);
        _hwrng = hwrng;
        _noise = new CheckedNoiseSource(new AdcNoiseSource(_adc, options.NoiseChannel, options.NoiseEntropyEighths));
        _seeder = new EntropySeeder(_noise);
        _physical = new PhysicalGaussianNoise(_noise, 1);
        _loop = new InferenceLoop(model, options.Chains, options.StepsPerWindow, options.ZeroCount, options.CountsPerUnitLog2, options.Seed,
            options.PhysicalNoise ? _physical : null);
        _windows = new WindowController(_loop, _seeder, options.ReportEvery, options.ReseedEvery, options.RetestEvery);
        _counts = new int[model.D];
    }

    public InferenceLoop Loop => _loop;
    public CheckedNoiseSource Noise => _noise;
    public PhysicalGaussianNoise PhysicalNoise => _physical;
    public long SpiErrors => _windows.ReadErrors;
    public long SkippedWindows => _windows.SkippedWindows;
    /// <summary>The shared window policy (noise health, calibration retries, reports).</summary>
    public WindowController Windows => _windows;
    public long Reseeds => _windows.Reseeds;
    public SelfTestResult? SelfTest { get; private set; }

    /// <summary>
    /// Banner, self-test, seeding and noise calibration. Returns false (after printing why) when
    /// the self-test fails: the board then does not compute what the simulator does and must not run.
    /// A failed noise source at boot is reported and the loop starts with its windows skipped.
    /// </summary>
    public bool Boot()
    {
        _out.WriteLine($"EdgeLangevin IoT firmware: model {_model.Name} (D = {_model.D}, K = {_model.K}, target {_model.Target}), {_options.Chains} chain(s), {_options.StepsPerWindow} steps per window, "
            + (_options.PhysicalNoise ? "physical Langevin noise from the noise channel" : "Langevin noise from the seeded generator"));
        SelfTest = GoldenSelfTest.Run(_model);
        _out.WriteLine("self-test: " + SelfTest.Message);
        if (!SelfTest.Passed) return false;

        int seed = _options.Seed;
        if (_hwrng is not null)
        {
            try
            {
                var rng = new CheckedNoiseSource(_hwrng);
                rng.RunStartupTests();
                seed = new EntropySeeder(rng).NextSeed();
                _loop.Solver.Noise.Reseed(seed);
                _out.WriteLine($"entropy: hardware RNG passed its start-up tests; generator seeded from it (seed {seed})");
            }
            catch (NoiseHealthException e)
            {
                _out.WriteLine($"entropy: hardware RNG unusable ({e.Message}); using the fixed seed {seed}");
            }
        }
        else
        {
            _out.WriteLine(_options.PhysicalNoise
                ? "entropy: no hardware RNG; the generator is unused (physical Langevin noise), the learner's rounding stream uses the fixed seed " + seed
                : _options.ReseedEvery > 0
                ? $"entropy: no hardware RNG; fixed seed {seed}, reseeded from the noise channel every {_options.ReseedEvery} windows"
                : $"entropy: no hardware RNG; fixed seed {seed}, never reseeded (a reproducible run)");
        }

        // Start-up tests and, with physical noise, the calibration (retried with backoff by the window policy on failure).
        _windows.CalibrationSamples = _options.CalibrationSamples;
        bool noiseOk = _windows.StartNoise();
        _out.WriteLine(_windows.Line.ToString());
        if (noiseOk && !_options.PhysicalNoise)
        {
            // The generator does not need it, but the numbers say whether the channel could serve as physical noise.
            try
            {
                _physical.Calibrate(_options.CalibrationSamples);
                _line.Clear().Append("noise channel ").Append((long)_options.NoiseChannel).Append(": ");
                WindowController.AppendCalibration(_line, _physical);
                _out.WriteLine(_line.ToString());
            }
            catch (NoiseHealthException e)
            {
                _out.WriteLine($"noise channel {_options.NoiseChannel}: {e.Message}; windows are skipped until it passes again");
                _windows.NoiseFailedAtBoot();
            }
        }
        return true;
    }

    /// <summary>Runs <paramref name="windows"/> windows (0: until cancelled).</summary>
    public void Run(long windows, CancellationToken cancel)
    {
        for (long w = 0; (windows == 0 || w < windows) && !cancel.IsCancellationRequested; w++) Window();
    }

    /// <summary>One window: read the D conversions, then the shared policy (noise health, reseeding, steps, status line).</summary>
    public bool Window()
    {
        for (int d = 0; d < _counts.Length; d++)
        {
            try
            {
                _counts[d] = _adc.Read(_options.SignalChannel);
            }
            catch (SpiReadException e)
            {
                long errors = _windows.ReadFailed();
                _out.WriteLine($"SPI read error: {e.Message}; window skipped, state kept ({errors} error(s) so far)");
                return false;
            }
        }
        WindowOutcome outcome = _windows.Run(_counts);
        if (outcome is WindowOutcome.RanWithLine or WindowOutcome.SkippedWithLine) WriteLine(_windows.Line);
        return outcome is WindowOutcome.Ran or WindowOutcome.RanWithLine;
    }

    private void WriteLine(LineBuilder line)
    {
        line.Append('\n');
        _out.Write(line.Buffer, 0, line.Length);
        _out.Flush();
    }
}
