using EdgeLangevin.Codegen.Firmware;
using EdgeLangevin.Core;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Firmware.Tests.Iot;

namespace EdgeLangevin.Firmware.Tests.HardwareNoise;

/// <summary>
/// A 16-bit raw source whose calibration is exact, so that the physical pipeline maps sample x to the noise
/// word x - 32768 with no rounding: the calibration block repeats 0, 0, 0, 0, 0, +2048, 0, -2048 around 32768,
/// whose mean is exactly 32768, variance exactly 2^20 counts^2 (2 * 2048^2 / 8) and lag-1 products all 0
/// (no two nonzero values are adjacent), hence rho = 0 and the scale 2^7 / sd_q12 = 2^7 / 2^22 per Q.15 count,
/// i.e. eta = rshr((x - 32768) 2^15 2^20, 35) = x - 32768. After calibration it plays 32768 + words[i];
/// reading past the end throws (a source error). Claimed min-entropy 1/8 bit, so the calibration block's
/// 75 % zeros pass the APT (cutoff near 500 of 512) and its runs of five the RCT (cutoff 161).
/// </summary>
internal sealed class ExactWordSource(int calibrationSamples, int[] words, int failAfterWords = int.MaxValue) : RawNoiseSource
{
    private static readonly int[] Pattern = [0, 0, 0, 0, 0, 2048, 0, -2048];
    private long _read;

    public override int BitsPerSample => 16;
    public override int MinEntropyEighths => 1;

    public override int ReadRaw()
    {
        long i = _read++;
        if (i < calibrationSamples) return 32768 + Pattern[i % 8];
        long w = i - calibrationSamples;
        if (w >= words.Length || w >= failAfterWords) throw new IOException("simulated noise source failure");
        return 32768 + words[w];
    }
}

public class PhysicalLangevinNoiseTests
{
    private const int Calibration = 4096;
    private const int Chains = 2;
    private const int Steps = 20;
    private const int Windows = 6;
    private const int Seed = 5;

    private static FirmwareModel Model(int order)
    {
        var bars = new EdgeLangevin.Reference.Data.BarsData(8, 0.3, 1.0, 0.5);
        return IotFirmwareTests.BoardModel(bars.TrueModel(), new FirmwareExportOptions
        {
            Target = FirmwareTarget.Iot, Order = order, Mu = order == 2 ? 0.5 : 0, LearnDictionary = true, LearnPi = true, TauA = 200, TauU0 = 1e3,
        });
    }

    /// <summary>The words the seeded generator gives a loop of <see cref="Chains"/> chains: per step, chain by chain, K words from each chain's own stream.</summary>
    private static int[] GeneratorWords(int k, int windows)
    {
        var gen = new GaussianNoise(Chains, Seed);
        var words = new int[windows * Steps * Chains * k];
        int i = 0;
        for (int t = 0; t < windows * Steps; t++)
            for (int b = 0; b < Chains; b++)
                for (int j = 0; j < k; j++) words[i++] = gen.Next(b);
        return words;
    }

    private static PhysicalGaussianNoise CalibratedExactSource(int[] words, int failAfterWords = int.MaxValue)
    {
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new ExactWordSource(Calibration, words, failAfterWords)), 1);
        noise.Calibrate(Calibration);
        return noise;
    }

    private static InferenceLoop Loop(FirmwareModel model, PhysicalGaussianNoise? physical) =>
        new(model, Chains, Steps, 512, 6, Seed, physical);

    [Fact]
    public void The_exact_source_calibrates_to_an_identity_map_from_samples_to_noise_words()
    {
        int[] words = GeneratorWords(16, 1);
        var noise = CalibratedExactSource(words);
        Assert.True(noise.IsHealthy);
        Assert.Equal(32768L << 16, noise.MeanQ16);
        Assert.Equal(1L << 36, noise.VarianceQ16);
        Assert.Equal(0, noise.Lag1CorrelationQ15);
        var got = new int[words.Length];
        noise.Fill(got, 0, got.Length);
        Assert.Equal(words, got);
        Assert.True(words.Distinct().Count() > 100, "the words vary, so the identity is not trivially met");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void With_the_physical_source_fed_the_generators_words_the_loop_reproduces_the_seeded_run_bit_for_bit(int order)
    {
        // Two chains, learning of A and u0 on, six windows of 20 steps: every eta of the physical run comes
        // through PhysicalGaussianNoise, PrefetchedNoiseWords and LangevinSolver.ExternalNoise.
        FirmwareModel model = Model(order);
        Assert.Equal(order, model.Parameters.Order);
        InferenceLoop seeded = Loop(model, null);
        InferenceLoop physical = Loop(Model(order), CalibratedExactSource(GeneratorWords(model.K, Windows)));
        Assert.True(physical.UsesPhysicalNoise);
        int[] signal = Recording.Signal();
        long activeSeen = 0;
        for (int w = 0; w < Windows; w++)
        {
            seeded.LoadWindow(signal, w * model.D);
            physical.LoadWindow(signal, w * model.D);
            Assert.True(seeded.RunWindow());
            Assert.True(physical.RunWindow());
            Assert.Equal(seeded.Solver.Workspace.U, physical.Solver.Workspace.U);
            Assert.Equal(seeded.Solver.Workspace.M, physical.Solver.Workspace.M);
            Assert.Equal(seeded.Solver.DictionaryColumns, physical.Solver.DictionaryColumns);
            Assert.Equal(seeded.Solver.ThresholdQ, physical.Solver.ThresholdQ);
            Assert.Equal(seeded.Solver.Workspace.Saturations, physical.Solver.Workspace.Saturations);
            activeSeen += seeded.ActiveUnits(0) + seeded.ActiveUnits(1);
        }
        Assert.True(activeSeen > 0, "the run did something: some units were active");
        if (order == 2) Assert.Contains(seeded.Solver.Workspace.M, m => m != 0);
        // The physical run never touched its own generators: the hook replaced them.
        Assert.Equal(GaussianNoise.SeedFor(Seed, 1), physical.Solver.Noise.StateOf(1));
        Assert.Equal(0, physical.PhysicalNoise.Clips);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_noise_fault_in_the_middle_of_a_windows_words_leaves_every_piece_of_state_unchanged(int order)
    {
        FirmwareModel model = Model(order);
        int perWindow = Steps * Chains * model.K;
        // Two good windows, then the source throws (a source error) halfway through the third window's words.
        InferenceLoop loop = Loop(model, CalibratedExactSource(GeneratorWords(model.K, Windows), failAfterWords: 2 * perWindow + perWindow / 2));
        int[] signal = Recording.Signal();
        for (int w = 0; w < 2; w++)
        {
            loop.LoadWindow(signal, w * model.D);
            Assert.True(loop.RunWindow());
        }
        LangevinSolver s = loop.Solver;
        int[] u = (int[])s.Workspace.U.Clone(), m = (int[])s.Workspace.M.Clone();
        short[] a = (short[])s.DictionaryColumns.Clone();
        long[] sat = (long[])s.Workspace.Saturations.Clone();
        int u0 = s.ThresholdQ, gen0 = s.Noise.StateOf(0);
        long steps = s.StepCount, learnerSteps = loop.Learner!.StepCount, windows = loop.Windows, active = loop.ActiveSum;

        loop.LoadWindow(signal, 2 * model.D);
        Assert.False(loop.RunWindow());
        Assert.True(loop.LastWindowNoiseFailed);
        Assert.Equal(NoiseHealthStatus.SourceError, loop.PhysicalNoise.Status);
        Assert.Equal(u, s.Workspace.U);
        Assert.Equal(m, s.Workspace.M);
        Assert.Equal(a, s.DictionaryColumns);
        Assert.Equal(sat, s.Workspace.Saturations);
        Assert.Equal(u0, s.ThresholdQ);
        Assert.Equal(gen0, s.Noise.StateOf(0));
        Assert.Equal(steps, s.StepCount);
        Assert.Equal(learnerSteps, loop.Learner.StepCount);
        Assert.Equal(windows, loop.Windows);
        Assert.Equal(active, loop.ActiveSum);
        // And it stays put while the source is failed (no words are handed out).
        Assert.False(loop.RunWindow());
        Assert.Equal(u, s.Workspace.U);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_physical_noise_window_allocates_nothing(int order)
    {
        FirmwareModel model = Model(order);
        // The fewest bytes of three batches of 35 windows (AllocationProbe: the counter over-reports now and then).
        const int warmUp = 5, batch = 35, batches = 3;
        InferenceLoop loop = Loop(model, CalibratedExactSource(GeneratorWords(model.K, warmUp + batches * batch)));
        int[] signal = Recording.Signal();
        int recorded = signal.Length / model.D;
        int w = 0;
        for (; w < warmUp; w++) { loop.LoadWindow(signal, w % recorded * model.D); Assert.True(loop.RunWindow()); } // JIT warm-up
        long fewest = AllocationProbe.FewestBytes(batches, () =>
        {
            for (int end = w + batch; w < end; w++) { loop.LoadWindow(signal, w % recorded * model.D); loop.RunWindow(); }
        });
        Assert.Equal(0, fewest);
        Assert.Equal(warmUp + batches * batch, loop.Windows);
        Assert.False(loop.LastWindowNoiseFailed); // every batch ran on the exact source's words, none on a failed read
    }

    [Fact]
    public void The_prefetch_buffer_refuses_an_uncalibrated_source_and_a_step_that_takes_more_words_than_were_drawn()
    {
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new ExactWordSource(Calibration, GeneratorWords(16, 1))), 1);
        var buffer = new PrefetchedNoiseWords(noise, 32);
        Assert.False(buffer.Prefetch(32)); // not calibrated
        Assert.Equal(0, buffer.Remaining);
        Assert.Throws<InvalidOperationException>(() => buffer.NextEta());
        noise.Calibrate(Calibration);
        Assert.True(buffer.Prefetch(3));
        Assert.Equal(3, buffer.Remaining);
        buffer.NextEta(); buffer.NextEta(); buffer.NextEta();
        Assert.Throws<InvalidOperationException>(() => buffer.NextEta());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Prefetch(33));
    }

    /// <summary>The low <c>bits</c> bits of a wide Gaussian source, as the nanoFramework and Meadow apps read their noise pin.</summary>
    private sealed class LsbOf(RawNoiseSource wide, int bits, int entropyEighths) : RawNoiseSource
    {
        public override int BitsPerSample => bits;
        public override int MinEntropyEighths => entropyEighths;
        public override int ReadRaw() => wide.ReadRaw() & ((1 << bits) - 1);
    }

    [Fact]
    public void The_boards_physical_option_four_near_uniform_4_bit_lsbs_per_word_gives_zero_mean_unit_variance_words()
    {
        // The boards' setting: 4 low bits of a source with sd 40 counts (near-uniform, variance 21.25), claimed
        // H = 1 bit, 4 samples per word. Standard errors: the sample variance of n words has se sqrt((kurt - 1) / n)
        // with the Irwin-Hall(4) kurtosis 2.7; calibration on N = 4096 uniform samples (kurtosis 1.8) scales every
        // word by a relative error of sqrt((1.8 - 1) / N) / 2 in sd, i.e. sqrt(0.8 / N) in variance. The mean: 1 / sqrt(n)
        // from the words, plus the calibrated mean's error sd / sqrt(N) carried sqrt(m) times over sd_word = sqrt(m) sd.
        const int n = 1 << 16, N = 4096;
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new LsbOf(new SimulatedAdcNoise(seed: 9, bits: 12, entropyEighths: 8, mean: 2048.3, sd: 40, rho: 0), 4, 8)), 4);
        noise.Calibrate(N);
        Assert.InRange(noise.VarianceQ16 / 65536.0, 21.25 * (1 - 5 * Math.Sqrt(0.8 / N)), 21.25 * (1 + 5 * Math.Sqrt(0.8 / N)));
        var eta = new int[n];
        noise.Fill(eta, 0, n);
        Assert.True(noise.IsHealthy);
        Assert.Equal(0, noise.Clips);
        double mean = eta.Average() / 1024.0;
        double variance = eta.Select(e => (e / 1024.0 - mean) * (e / 1024.0 - mean)).Sum() / (n - 1);
        double seMean = Math.Sqrt(1.0 / n + 4.0 / N);
        double seVar = Math.Sqrt(1.7 / n + 0.8 / N);
        Assert.InRange(mean, -4 * seMean, 4 * seMean);
        Assert.InRange(variance, 1 - 4 * seVar, 1 + 4 * seVar);
        Assert.True(eta.Distinct().Count() >= 50, "a sum of four 4-bit samples has 61 levels; the words use most of them");
    }

    [Fact]
    public void Calibration_retries_back_off_1_2_4_windows_then_stay_at_the_maximum_and_never_touch_the_state()
    {
        // A dead noise pin (one value forever): every attempt fails its start-up test (RCT).
        FirmwareModel model = Model(1);
        var noise = new CheckedNoiseSource(new StuckSource(100, 12, 8));
        var loop = Loop(model, new PhysicalGaussianNoise(noise, 1));
        var windows = new WindowController(loop, new EntropySeeder(noise), 5, 0, 8) { MaxCalibrationBackoff = 4 };
        Assert.False(windows.StartNoise());
        Assert.StartsWith("noise calibration attempt 1 failed: repetition count test failed", windows.Line.ToString());
        Assert.EndsWith("; windows skipped, state kept; next attempt in 1 window(s)", windows.Line.ToString());
        int[] signal = Recording.Signal();
        var counts = new int[model.D];
        Array.Copy(signal, counts, model.D);
        var attemptsAt = new List<int>();
        var waits = new List<string>();
        for (int w = 1; w <= 20; w++)
        {
            WindowOutcome outcome = windows.Run(counts);
            Assert.True(outcome is WindowOutcome.Skipped or WindowOutcome.SkippedWithLine);
            if (outcome == WindowOutcome.SkippedWithLine)
            {
                attemptsAt.Add(w);
                waits.Add(windows.Line.ToString().Split("next attempt in ")[1]);
            }
        }
        // After the boot failure: backoff 1, 2, 4, then capped at 4.
        Assert.Equal([1, 3, 7, 11, 15, 19], attemptsAt);
        Assert.Equal(["2 window(s)", "4 window(s)", "4 window(s)", "4 window(s)", "4 window(s)", "4 window(s)"], waits);
        Assert.Equal(7, windows.CalibrationAttempts);
        Assert.Equal(7, windows.CalibrationFailures);
        Assert.True(windows.CalibrationPending);
        Assert.Equal(20, windows.SkippedWindows);
        Assert.Equal(0, loop.Windows);
        Assert.Equal(0, loop.Solver.StepCount);
        Assert.All(loop.Solver.Workspace.U, u => Assert.Equal(0, u));
    }
}
