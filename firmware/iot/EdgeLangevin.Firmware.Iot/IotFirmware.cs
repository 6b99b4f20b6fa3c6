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
    /// <summary>Generator seed when there is no hardware RNG (and the run must be reproducible).</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// The Linux single-board-computer firmware: boot self-test on the golden vector, hardware
/// entropy for the seed (/dev/hwrng) and for reseeding (the ADC noise channel, health-tested),
/// calibration of the noise channel as physical Langevin noise, then inference on windows of
/// D conversions of the signal channel with a status line at a steady rate.
/// </summary>
/// <remarks>
/// Failure handling: every input of a window (D signal conversions, the noise samples and their
/// health) is read before the solver is touched, so an SPI error or a failed health test skips
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
    private readonly int[] _counts;
    private readonly LineBuilder _line = new(512);
    private bool _noiseFailed;
    private int _skippedSinceFault;

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
        _loop = new InferenceLoop(model, options.Chains, options.StepsPerWindow, options.ZeroCount, options.CountsPerUnitLog2, options.Seed);
        _counts = new int[model.D];
    }

    public InferenceLoop Loop => _loop;
    public CheckedNoiseSource Noise => _noise;
    public PhysicalGaussianNoise PhysicalNoise => _physical;
    public long SpiErrors { get; private set; }
    public long SkippedWindows { get; private set; }
    public long Reseeds { get; private set; }
    public SelfTestResult? SelfTest { get; private set; }

    /// <summary>
    /// Banner, self-test, seeding and noise calibration. Returns false (after printing why) when
    /// the self-test fails: the board then does not compute what the simulator does and must not run.
    /// A failed noise source at boot is reported and the loop starts with its windows skipped.
    /// </summary>
    public bool Boot()
    {
        _out.WriteLine($"EdgeLangevin IoT firmware: model {_model.Name} (D = {_model.D}, K = {_model.K}, target {_model.Target}), {_options.Chains} chain(s), {_options.StepsPerWindow} steps per window");
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
            _out.WriteLine(_options.ReseedEvery > 0
                ? $"entropy: no hardware RNG; fixed seed {seed}, reseeded from the noise channel every {_options.ReseedEvery} windows"
                : $"entropy: no hardware RNG; fixed seed {seed}, never reseeded (a reproducible run)");
        }

        try
        {
            _noise.RunStartupTests();
            _physical.Calibrate(_options.CalibrationSamples);
            _line.Clear().Append("noise channel ").Append((long)_options.NoiseChannel).Append(": mean ").AppendFixed(_physical.MeanQ16, 16, 2)
                .Append(" counts, variance ").AppendFixed(_physical.VarianceQ16, 16, 2).Append(" counts^2, lag-1 correlation ").AppendFixed(_physical.Lag1CorrelationQ15, 15, 3)
                .Append("; health: RCT cutoff ").Append((long)_noise.Health.RepetitionCutoff).Append(", APT cutoff ").Append((long)_noise.Health.ProportionCutoff)
                .Append('/').Append((long)_noise.Health.ProportionWindow);
            _out.WriteLine(_line.ToString());
        }
        catch (NoiseHealthException e)
        {
            _out.WriteLine($"noise channel {_options.NoiseChannel}: {e.Message}; windows are skipped until it passes again");
            _noiseFailed = true;
        }
        catch (SpiReadException e)
        {
            _out.WriteLine($"noise channel: {e.Message}; windows are skipped until it reads again");
            _noiseFailed = true;
        }
        return true;
    }

    /// <summary>Runs <paramref name="windows"/> windows (0: until cancelled).</summary>
    public void Run(long windows, CancellationToken cancel)
    {
        for (long w = 0; (windows == 0 || w < windows) && !cancel.IsCancellationRequested; w++) Window();
    }

    /// <summary>One window: read, check, step, maybe report. Returns true when the window ran.</summary>
    public bool Window()
    {
        // 1. The signal: D conversions. Nothing is touched until all of them are in.
        for (int d = 0; d < _counts.Length; d++)
        {
            try
            {
                _counts[d] = _adc.Read(_options.SignalChannel);
            }
            catch (SpiReadException e)
            {
                SpiErrors++;
                SkippedWindows++;
                _out.WriteLine($"SPI read error: {e.Message}; window skipped, state kept ({SpiErrors} error(s) so far)");
                return false;
            }
        }

        // 2. The noise: health-tested samples for the next seed. A failure skips the window.
        if (_noiseFailed && ++_skippedSinceFault % _options.RetestEvery == 0) _noise.Health.Reset();
        if (!_seeder.TryNextSeed(out int seed))
        {
            SkippedWindows++;
            if (!_noiseFailed)
            {
                _noiseFailed = true;
                _skippedSinceFault = 0;
                var h = _noise.Health;
                _line.Clear().Append("noise fault: ").Append(NoiseHealth.Describe(h.Status)).Append(" (value ").Append((long)h.FaultValue)
                    .Append(", measure ").Append((long)h.FaultMeasure).Append("); windows skipped, state kept until the source passes again");
                WriteLine();
            }
            return false;
        }
        if (_noiseFailed)
        {
            _noiseFailed = false;
            _line.Clear().Append("noise recovered after ").Append((long)_skippedSinceFault).Append(" skipped window(s)");
            WriteLine();
        }
        if (_options.ReseedEvery > 0 && _loop.Windows % _options.ReseedEvery == _options.ReseedEvery - 1)
        {
            _loop.Solver.Noise.Reseed(seed);
            Reseeds++;
        }

        // 3. Inference on the window.
        _loop.LoadWindow(_counts, 0);
        _loop.RunWindow();

        // 4. The status line at a steady rate.
        if (_loop.Windows % _options.ReportEvery == 0)
        {
            _line.Clear();
            _loop.AppendStatus(_line);
            _line.Append(" noise ").Append(NoiseHealth.Describe(_noise.Health.Status)).Append(" lag1 ").AppendFixed(_noise.Health.LastLag1CorrelationQ15, 15, 3)
                .Append(" reseeds ").Append(Reseeds).Append(" spi_errors ").Append(SpiErrors).Append(" skipped ").Append(SkippedWindows);
            WriteLine();
        }
        return true;
    }

    private void WriteLine()
    {
        _line.Append('\n');
        _out.Write(_line.Buffer, 0, _line.Length);
        _out.Flush();
    }
}
