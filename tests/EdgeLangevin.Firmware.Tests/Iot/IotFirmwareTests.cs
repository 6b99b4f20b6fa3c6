using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Firmware.Iot;

namespace EdgeLangevin.Firmware.Tests.Iot;

public class IotFirmwareTests
{
    private static readonly IotFirmwareOptions Options = new() { StepsPerWindow = 100, ReportEvery = 10, ReseedEvery = 64 };

    /// <summary>Bytes of a fake /dev/hwrng: System.Random with a fixed seed.</summary>
    private static MemoryStream FakeHwRng(int seed, int bytes = 1 << 16)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return new MemoryStream(data);
    }

    private static (IotFirmware firmware, RecordedSpiDevice spi, StringWriter output) Create(int[]? noise = null, FirmwareModel? model = null, IotFirmwareOptions? options = null)
    {
        var spi = new RecordedSpiDevice(Recording.Signal(), noise ?? Recording.Noise());
        var output = new StringWriter();
        var firmware = new IotFirmware(model ?? ExportedModel.Create(), spi, new HwRngSource(FakeHwRng(7)), output, options ?? Options);
        return (firmware, spi, output);
    }

    [Fact]
    public void The_firmware_boots_passes_its_self_test_and_reports_every_tenth_window_on_recorded_adc_data()
    {
        var (firmware, spi, output) = Create();
        Assert.True(firmware.Boot());
        firmware.Run(Recording.Windows, CancellationToken.None);
        string text = output.ToString();
        Assert.Contains("self-test: PASS (16 steps with learning, K = 16, D = 64, seed 1, bit for bit)", text);
        Assert.Contains("entropy: hardware RNG passed its start-up tests", text);
        Assert.Contains("noise channel 1: mean 511.", text);
        string[] status = text.Split('\n').Where(l => l.StartsWith("window ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(10, status.Length);
        Assert.StartsWith("window 100: active ", status[^1]);
        // pi = exp(-lambda u0) is learned online (tau_u0 = 1e6 steps); on data from the model itself it stays at 0.3.
        Assert.All(status, l => Assert.InRange(double.Parse(l.Split(" pi ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), 0.29, 0.31));
        Assert.All(status, l => Assert.EndsWith(" read_errors 0 skipped 0", l));
        Assert.Contains(" noise ok ", status[^1]);
        Assert.Equal(0, firmware.SpiErrors);
        Assert.Equal(0, firmware.SkippedWindows);
        Assert.Equal(1, firmware.Reseeds);
        Assert.Equal(0, spi.Position(0)); // all 100 recorded windows consumed exactly once: the replay wrapped to the start
        // Calibration saw the recorded noise: mean 511.6, variance 16, rho 0.2 (+- 5 standard errors of 4096 samples).
        Assert.InRange(firmware.PhysicalNoise.MeanQ16 / 65536.0, 511.6 - 5 * 4 * 1.22 / 64, 511.6 + 5 * 4 * 1.22 / 64);
        Assert.InRange(firmware.PhysicalNoise.VarianceQ16 / 65536.0, 16 * (1 - 5 * 0.024), 16.083 * (1 + 5 * 0.024));
        Assert.InRange(firmware.PhysicalNoise.Lag1CorrelationQ15 / 32768.0, 0.2 - 5 * 0.015, 0.2 + 5 * 0.015);
    }

    [Fact]
    public void The_inferred_activity_on_bars_data_is_near_the_models_pi()
    {
        // The data come from the model itself (true bars dictionary, pi 0.3), so the posterior's
        // expected number of active units, averaged over data, is the prior's pi K = 4.8. The mean
        // over 100 windows of 100 steps has a spread of about sqrt(16 * 0.3 * 0.7) / sqrt(100) = 0.18
        // from the data alone; the fixed-point sampler's own bias is small (core tests: p_active within
        // 0.01 per unit, i.e. 0.16 units). 5 standard errors plus that bias: 4.8 +- 1.1.
        var (firmware, _, _) = Create(options: Options with { ReseedEvery = 0 });
        Assert.True(firmware.Boot());
        firmware.Run(Recording.Windows, CancellationToken.None);
        double meanActive = (double)firmware.Loop.ActiveSum / firmware.Loop.Windows;
        Assert.InRange(meanActive, 4.8 - 1.1, 4.8 + 1.1);
    }

    [Fact]
    public void The_loop_allocates_nothing_per_window_status_lines_and_reseeding_included()
    {
        var spi = new RecordedSpiDevice(Recording.Signal(), Recording.Noise());
        var output = new FixedBufferWriter();
        var firmware = new IotFirmware(ExportedModel.Create(), spi, new HwRngSource(FakeHwRng(7)), output, Options with { ReseedEvery = 8, ReportEvery = 5 });
        Assert.True(firmware.Boot());
        firmware.Run(20, CancellationToken.None); // warm-up: JIT, first report, first reseed
        long written = output.Written;
        long before = GC.GetAllocatedBytesForCurrentThread();
        firmware.Run(200, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(output.Written > written + 40 * 60, "the measured windows printed their status lines");
        Assert.Equal(25 + 2, firmware.Reseeds);
    }

    [Fact]
    public void An_spi_error_is_reported_the_window_is_skipped_and_the_state_is_kept()
    {
        var (firmware, spi, output) = Create();
        Assert.True(firmware.Boot());
        firmware.Run(5, CancellationToken.None);
        int[] before = (int[])firmware.Loop.Solver.Workspace.U.Clone();
        long windows = firmware.Loop.Windows;
        spi.FailAtTransfer = spi.Transfers + 10; // the 10th conversion of the next window
        Assert.False(firmware.Window());
        Assert.Equal(before, firmware.Loop.Solver.Workspace.U);
        Assert.Equal(windows, firmware.Loop.Windows);
        Assert.Contains("SPI read error: MCP3008 channel 0: SPI transfer failed: simulated SPI bus error; window skipped, state kept (1 error(s) so far)", output.ToString());
        Assert.True(firmware.Window());
        Assert.Equal(1, firmware.SpiErrors);
    }

    [Fact]
    public void A_floating_miso_line_is_reported_as_a_missing_adc()
    {
        var (firmware, spi, output) = Create();
        Assert.True(firmware.Boot());
        spi.FloatingMiso = true;
        Assert.False(firmware.Window());
        Assert.Contains("null bit high (MISO floating or no MCP3008 on this chip select?)", output.ToString());
    }

    [Fact]
    public void A_noise_source_that_gets_stuck_is_reported_its_windows_skip_with_the_state_kept_and_it_recovers()
    {
        // RCT cutoff at H = 2 bits: 1 + ceil(20 / 2) = 11. Boot consumes 1024 (start-up) + 4096 (calibration) noise conversions; each window 32
        // (64 bits of min-entropy at 2 bits per conversion). The pin sticks at 700 for 400 conversions
        // from the 11th window on, then the recorded noise resumes.
        int[] good = Recording.Noise();
        int start = 1024 + 4096 + 10 * 32;
        int[] noise = good.Take(start).Concat(Enumerable.Repeat(700, 400)).Concat(good.Skip(start)).ToArray();
        var (firmware, _, output) = Create(noise, options: Options with { RetestEvery = 4 });
        Assert.True(firmware.Boot());
        firmware.Run(10, CancellationToken.None);
        int[] before = (int[])firmware.Loop.Solver.Workspace.U.Clone();
        Assert.False(firmware.Window());
        Assert.Equal(NoiseHealthStatus.RepetitionCount, firmware.Noise.Health.Status);
        Assert.Contains("noise fault: repetition count test failed: the source repeats one value (stuck pin or dead RNG?) (value 700, measure 11); windows skipped, state kept until the source passes again", output.ToString());
        Assert.Equal(before, firmware.Loop.Solver.Workspace.U);
        Assert.Equal(10, firmware.Loop.Windows);
        // 400 stuck conversions are 12.5 windows of noise; the tests restart every 4th skipped window.
        firmware.Run(30, CancellationToken.None);
        // Windows 11 to 23 read stuck conversions (the 13th only 16 of 32, still more than the cutoff):
        // the fault, then the re-tests at the 4th, 8th and 12th skipped window fail again; the 16th passes.
        Assert.Contains("noise recovered after 16 skipped window(s)", output.ToString());
        Assert.True(firmware.Noise.Health.IsHealthy);
        Assert.Equal(4, firmware.Noise.Health.Failures);
        Assert.Equal(16, firmware.SkippedWindows);
        Assert.True(firmware.Loop.Windows > 10);
    }

    [Fact]
    public void A_board_whose_core_disagrees_with_the_golden_vector_fails_its_self_test_and_does_not_run()
    {
        FirmwareModel model = ExportedModel.Create();
        model.GoldenStepHashes[9] ^= 1;   // a core that goes wrong at step 10 ...
        model.GoldenFinalState[3] += 1;   // ... and ends with a different u[3]
        var (firmware, _, output) = Create(model: model);
        Assert.False(firmware.Boot());
        Assert.Contains($"self-test: FAIL: after step 16 u[3] = {model.GoldenFinalState[3] - 1}, expected {model.GoldenFinalState[3]}; the state first differs after step 10", output.ToString());
        Assert.DoesNotContain("window ", output.ToString());
    }

    [Theory]
    [InlineData(0, "repetition count test failed")]       // a dead RNG returning zeros
    [InlineData(100, "noise source read failed")]         // /dev/hwrng that stops returning bytes
    public void A_hardware_rng_that_fails_its_startup_tests_is_reported_and_the_fixed_seed_is_used(int goodBytes, string reason)
    {
        var bytes = new byte[goodBytes == 0 ? 4096 : goodBytes];
        if (goodBytes > 0) new Random(3).NextBytes(bytes);
        var output = new StringWriter();
        var firmware = new IotFirmware(ExportedModel.Create(), new RecordedSpiDevice(Recording.Signal(), Recording.Noise()),
            new HwRngSource(new MemoryStream(bytes)), output, Options);
        Assert.True(firmware.Boot());
        Assert.Contains($"entropy: hardware RNG unusable ({reason}", output.ToString());
        Assert.Contains("using the fixed seed 1", output.ToString());
        Assert.True(firmware.Window());
    }

    [Fact]
    public void With_physical_langevin_noise_the_activity_on_bars_is_near_pi_k_and_no_window_allocates()
    {
        // The paper's idea: the noise channel itself is the Langevin noise (calibrated, decorrelated,
        // scaled to unit variance). Same expectation and tolerance as with the generator's noise
        // (4.8 +- 1.1, see The_inferred_activity_on_bars_data_is_near_the_models_pi). 1600 noise
        // conversions per window: a fresh simulated noise stream, longer than the shipped recording.
        var spi = new RecordedSpiDevice(Recording.Signal(), Recording.GenerateNoise(1_000_000));
        var output = new FixedBufferWriter();
        var firmware = new IotFirmware(ExportedModel.Create(), spi, null, output, Options with { PhysicalNoise = true, ReseedEvery = 0 });
        Assert.True(firmware.Boot());
        Assert.True(firmware.Loop.UsesPhysicalNoise);
        firmware.Run(10, CancellationToken.None);
        // three batches of the recording's length (1600 x 310 conversions of the 1e6 generated); the fewest bytes
        // (AllocationProbe: the counter over-reported 5248 B once beside a loaded machine)
        Assert.Equal(0, AllocationProbe.FewestBytes(3, () => firmware.Run(Recording.Windows, CancellationToken.None)));
        Assert.Equal(0, firmware.SkippedWindows);
        Assert.Equal(0, firmware.PhysicalNoise.Clips);
        double meanActive = (double)firmware.Loop.ActiveSum / firmware.Loop.Windows;
        Assert.InRange(meanActive, 4.8 - 1.1, 4.8 + 1.1);
    }

    [Fact]
    public void A_physical_noise_source_that_sticks_while_a_window_draws_its_words_skips_the_window_with_every_state_unchanged()
    {
        // Physical mode reads no seed draw per window: boot takes 1024 (start-up) + 4096 (calibration)
        // conversions, each window 100 steps * 16 units = 1600. The pin sticks 700 conversions into the 4th window.
        int[] good = Recording.GenerateNoise(200_000);
        int stickAt = 1024 + 4096 + 3 * 1600 + 700;
        int[] noise = good.Take(stickAt).Concat(Enumerable.Repeat(640, 5000)).Concat(good.Skip(stickAt)).ToArray();
        var output = new StringWriter();
        var firmware = new IotFirmware(ExportedModel.Create(), new RecordedSpiDevice(Recording.Signal(), noise), null, output,
            Options with { PhysicalNoise = true, ReseedEvery = 0 });
        Assert.True(firmware.Boot());
        firmware.Run(3, CancellationToken.None);
        var solver = firmware.Loop.Solver;
        int[] u = (int[])solver.Workspace.U.Clone();
        int[] m = (int[])solver.Workspace.M.Clone();
        short[] a = (short[])solver.DictionaryColumns.Clone();
        long[] sat = (long[])solver.Workspace.Saturations.Clone();
        int u0 = solver.ThresholdQ;
        long steps = solver.StepCount;
        long learnerSteps = firmware.Loop.Learner!.StepCount;
        Assert.False(firmware.Window());
        Assert.True(firmware.Loop.LastWindowNoiseFailed);
        Assert.Equal(u, solver.Workspace.U);
        Assert.Equal(m, solver.Workspace.M);
        Assert.Equal(a, solver.DictionaryColumns);
        Assert.Equal(sat, solver.Workspace.Saturations);
        Assert.Equal(u0, solver.ThresholdQ);
        Assert.Equal(steps, solver.StepCount);
        Assert.Equal(learnerSteps, firmware.Loop.Learner.StepCount);
        Assert.Equal(3, firmware.Loop.Windows);
        // The jump from ~512 to a stuck 640 is caught by the lag-1 test when its 512-sample window closes
        // before the run reaches the RCT cutoff (11), otherwise by the RCT: either names the fault.
        Assert.True(firmware.Noise.Health.Status is NoiseHealthStatus.RepetitionCount or NoiseHealthStatus.Lag1Correlation, firmware.Noise.Health.Status.ToString());
        Assert.Contains("noise fault: " + NoiseHealth.Describe(firmware.Noise.Health.Status), output.ToString());
        Assert.Contains("window skipped, state kept; recalibrating in 1 window(s)", output.ToString());
    }

    [Fact]
    public void A_physical_noise_calibration_that_fails_at_boot_is_retried_with_backoff_and_the_loop_resumes()
    {
        // The noise pin is stuck for the first 5 * 1024 conversions, then the simulated noise starts. Each attempt
        // restarts the health tests and reads the 1024 start-up samples (the RCT fails on the 11th stuck one:
        // 1 + ceil(20 / 2) at H = 2 bits), so attempts 1 to 5 fail and attempt 6 sees only good noise. Attempt 1
        // is at boot, then at windows 1, 3, 7, 15, 31 (backoff 1, 2, 4, 8, 16 windows): windows 1 to 30 are
        // skipped, 31 to 40 run.
        int[] noise = Enumerable.Repeat(700, 5 * 1024).Concat(Recording.GenerateNoise(400_000)).ToArray();
        var output = new StringWriter();
        var firmware = new IotFirmware(ExportedModel.Create(), new RecordedSpiDevice(Recording.Signal(), noise), null, output,
            Options with { PhysicalNoise = true, ReseedEvery = 0, ReportEvery = 5 });
        Assert.True(firmware.Boot());
        string text = output.ToString();
        Assert.Contains("noise calibration attempt 1 failed: repetition count test failed", text);
        Assert.Contains("; windows skipped, state kept; next attempt in 1 window(s)", text);
        firmware.Run(40, CancellationToken.None);
        text = output.ToString();
        Assert.Contains("noise calibration attempt 2 failed: repetition count test failed: the source repeats one value (stuck pin or dead RNG?); window skipped, state kept; next attempt in 2 window(s)", text);
        Assert.Contains("noise calibration attempt 3 failed: ", text);
        Assert.Contains("next attempt in 4 window(s)", text);
        Assert.Contains("next attempt in 16 window(s)", text);
        // Attempt 7 comes 32 windows after attempt 6 (at window 31): at window 63. Not within 40 windows.
        Assert.Contains("noise calibrated (attempt 6): mean 511.", text);
        Assert.Contains("; resuming after 30 skipped window(s)", text);
        Assert.Equal(6, firmware.Windows.CalibrationAttempts);
        Assert.Equal(5, firmware.Windows.CalibrationFailures);
        Assert.Equal(30, firmware.SkippedWindows);
        Assert.Equal(10, firmware.Loop.Windows);
        Assert.Contains(" calibrations 6 (5 failed) read_errors 0 skipped 30", text);
    }

    /// <summary>A board model built directly from a double model (no golden vector: for runs that skip the boot).</summary>
    internal static FirmwareModel BoardModel(EdgeLangevin.Reference.Model.SparseCodingModel model, EdgeLangevin.Codegen.Firmware.FirmwareExportOptions options)
    {
        var fixedParams = EdgeLangevin.Simulator.FixedParameters.Create(model, options.Format, options.Eps, options.Temperature, options.Order, options.Mu);
        return new FirmwareModel
        {
            Name = "test", Target = "iot", Format = options.Format, Parameters = fixedParams.Step, DictionaryRowMajor = fixedParams.DictionaryRowMajor,
            D = model.D, K = model.K, LambdaQ16 = (int)Math.Round(model.Lambda * 65536),
            Learning = EdgeLangevin.Codegen.Firmware.FirmwareExporter.Learning(model, options),
        };
    }

    [Fact]
    public void Online_learning_moves_a_wrong_pi_toward_the_datas_pi_on_the_recorded_bars()
    {
        var bars = new EdgeLangevin.Reference.Data.BarsData(8, 0.3, 1.0, 0.5);
        var wrong = bars.TrueModel(piModel: 0.1);
        var options = new EdgeLangevin.Codegen.Firmware.FirmwareExportOptions { Target = EdgeLangevin.Codegen.Firmware.FirmwareTarget.Iot, LearnDictionary = false, LearnPi = true, TauU0 = 1e4 };
        var spi = new RecordedSpiDevice(Recording.Signal(), Recording.Noise());
        var firmware = new IotFirmware(BoardModel(wrong, options), spi, null, TextWriter.Null, Options with { ReseedEvery = 0 });
        double Pi() => firmware.Loop.PiQ16() / 65536.0;
        Assert.InRange(Pi(), 0.0999, 0.1001);
        var trace = new List<double>();
        for (int w = 0; w < 300; w++)
        {
            Assert.True(firmware.Window());
            if (w % 50 == 49) trace.Add(Pi());
        }
        // Threshold learning's fixed point is the data's pi (0.3): the paper's "activity equals the data's pi
        // exactly when pi_model = pi_data". Measured here: 0.123, 0.158, 0.160, 0.205, 0.224, 0.264 every 50
        // windows (3e4 steps = 3 tau_u0). Required: most of the way from 0.1 to 0.3, not past it.
        Assert.True(trace[^1] > 0.2 && trace[^1] < 0.35, "pi every 50 windows: " + string.Join(", ", trace));
        Assert.True(trace[^1] > trace[0]);
    }
}
