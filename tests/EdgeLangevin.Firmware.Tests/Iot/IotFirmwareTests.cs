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
        Assert.Contains("self-test: PASS (16 steps, K = 16, D = 64, seed 1, bit for bit)", text);
        Assert.Contains("entropy: hardware RNG passed its start-up tests", text);
        Assert.Contains("noise channel 1: mean 511.", text);
        string[] status = text.Split('\n').Where(l => l.StartsWith("window ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(10, status.Length);
        Assert.StartsWith("window 100: active ", status[^1]);
        Assert.All(status, l => Assert.Contains(" pi 0.300 ", l)); // exp(-lambda u0) of the exported threshold
        Assert.All(status, l => Assert.EndsWith(" spi_errors 0 skipped 0", l));
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
}
