using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.Tests.HardwareNoise;

public class PhysicalNoiseTests
{
    private const double Unit = 1024.0; // one in Q5.10

    [Theory]
    [InlineData(0.0, 6.0, 1)]
    [InlineData(0.3, 6.0, 1)]
    [InlineData(0.3, 2.5, 4)]
    public void Calibrated_physical_noise_has_mean_zero_unit_variance_and_no_lag1_correlation_within_monte_carlo_error(double rho, double sd, int samplesPerWord)
    {
        const int calibration = 16384;
        const int n = 1 << 17;
        var source = new CheckedNoiseSource(new SimulatedAdcNoise(seed: 21, bits: 12, entropyEighths: 8, mean: 2048.3, sd: sd, rho: rho));
        var noise = new PhysicalGaussianNoise(source, samplesPerWord);
        noise.Calibrate(calibration);

        var eta = new int[n];
        noise.Fill(eta, 0, n);
        Assert.True(noise.IsHealthy);
        Assert.Equal(0, noise.Clips);

        double mean = eta.Average() / Unit;
        double variance = eta.Select(e => (e / Unit - mean) * (e / Unit - mean)).Sum() / (n - 1);
        double lag1 = 0;
        for (int i = 1; i < n; i++) lag1 += (eta[i] / Unit - mean) * (eta[i - 1] / Unit - mean);
        lag1 /= (n - 1) * variance;

        // Standard errors: the words' own sampling error plus the calibration's, which shifts every
        // word alike. Calibration of an AR(1) process on N samples: the mean is off by
        // delta = sd sqrt((1 + rho) / (1 - rho) / N) counts; each innovation then carries delta (1 - rho)
        // and a word (m innovations over sqrt(m) sd_e) carries sqrt(m) delta (1 - rho) / sd_e. The
        // variance is off by a relative sqrt(2 (1 + rho^2) / ((1 - rho^2) N)), rho by sqrt((1 - rho^2) / N),
        // which moves 1 - rho^2 by 2 rho se_rho.
        double sdE = sd * Math.Sqrt(1 - rho * rho);
        double seMeanCal = sd * Math.Sqrt((1 + rho) / (1 - rho) / calibration) * (1 - rho) / sdE * Math.Sqrt(samplesPerWord);
        double seMean = Math.Sqrt(1.0 / n + seMeanCal * seMeanCal);
        double seRho = Math.Sqrt((1 - rho * rho) / calibration);
        double seVarCal = Math.Sqrt(2 * (1 + rho * rho) / ((1 - rho * rho) * calibration)) + 2 * rho * seRho / (1 - rho * rho);
        double seVar = Math.Sqrt(2.0 / n + seVarCal * seVarCal);
        double seLag = Math.Sqrt(1.0 / n + seRho * seRho);

        Assert.InRange(mean, -4 * seMean, 4 * seMean);
        Assert.InRange(variance, 1 - 4 * seVar, 1 + 4 * seVar);
        Assert.InRange(lag1, -4 * seLag, 4 * seLag);
        Assert.InRange(noise.Lag1CorrelationQ15 / 32768.0, rho - 5 * seRho - 3.0 / calibration, rho + 5 * seRho);
        Assert.InRange(noise.MeanQ16 / 65536.0, 2048.3 - 5 * sd * Math.Sqrt((1 + rho) / (1 - rho) / calibration), 2048.3 + 5 * sd * Math.Sqrt((1 + rho) / (1 - rho) / calibration));
    }

    /// <summary>
    /// The uniform calibration (the FPGA's conditioned bits, 9 per sample, 12 samples per word) gives
    /// exactly the core generator's twelve-field sum 2 (sum - 3066) (FIXED_POINT.md, without the +-2),
    /// and for every width the exact uniform variance (4^b - 1) / 12 and mean (2^b - 1) / 2.
    /// </summary>
    [Fact]
    public void Uniform_calibration_of_9_bit_samples_gives_twice_the_centred_twelve_sample_sum()
    {
        var r = new Random(5);
        int[] samples = Enumerable.Range(0, 12 * 2000).Select(_ => r.Next(512)).ToArray();
        Array.Fill(samples, 0, 0, 12);      // the extreme words -6132 and +6132
        Array.Fill(samples, 511, 12, 12);
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new ReplaySource(9, 72, samples)), 12);
        noise.CalibrateUniform();
        Assert.Equal(0, noise.Lag1CorrelationQ15);
        for (int w = 0; w < 2000; w++)
        {
            int sum = 0;
            for (int j = 0; j < 12; j++) sum += samples[12 * w + j];
            Assert.Equal(2 * (sum - 3066), noise.NextEta());
        }
        Assert.Equal(0, noise.Clips);
        for (int bits = 1; bits <= 16; bits++)
        {
            var n = new PhysicalGaussianNoise(new CheckedNoiseSource(new ReplaySource(bits, 8, [0])), 1);
            n.CalibrateUniform();
            Assert.Equal(((1L << bits) - 1) * 32768, n.MeanQ16);
            Assert.Equal((((1L << (2 * bits)) - 1) << 16) / 12.0, n.VarianceQ16);
        }
    }

    [Fact]
    public void Without_decorrelation_the_correlated_source_would_fail_the_lag1_check_above()
    {
        // The check above can fail: the raw AR(1) samples, merely centred and scaled, keep rho = 0.3.
        var source = new SimulatedAdcNoise(seed: 21, bits: 12, entropyEighths: 8, mean: 2048.3, sd: 6, rho: 0.3);
        var x = new double[1 << 16];
        for (int i = 0; i < x.Length; i++) x[i] = source.ReadRaw();
        double m = x.Average();
        double v = x.Select(t => (t - m) * (t - m)).Average();
        double c = 0;
        for (int i = 1; i < x.Length; i++) c += (x[i] - m) * (x[i - 1] - m);
        Assert.InRange(c / (x.Length - 1) / v, 0.25, 0.35);
    }

    [Fact]
    public void Calibration_rejects_a_source_with_too_little_noise()
    {
        // 2048 or, with probability 0.1, 2049: variance 0.09 count^2, below the 1/4 limit; healthy by
        // RCT (cutoff 161 at H = 1/8) and APT (461 expected of 512, cutoff 497).
        var random = new Random(2);
        int[] samples = new int[20000];
        for (int i = 0; i < samples.Length; i++) samples[i] = random.NextDouble() < 0.1 ? 2049 : 2048;
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new ReplaySource(12, 1, samples)), 1);
        var e = Assert.Throws<NoiseHealthException>(() => noise.Calibrate(4096));
        Assert.Equal(NoiseHealthStatus.TooLittleNoise, e.Status);
        Assert.False(noise.IsCalibrated);
        Assert.Equal(NoiseHealthStatus.NotCalibrated, noise.Status);
        Assert.Equal(0, noise.NextEta());
    }

    [Fact]
    public void Calibration_rejects_a_stuck_source_through_its_health_test()
    {
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new StuckSource(100, 12, 24)), 1);
        var e = Assert.Throws<NoiseHealthException>(() => noise.Calibrate(4096));
        Assert.Equal(NoiseHealthStatus.RepetitionCount, e.Status);
    }

    [Fact]
    public void A_source_that_fails_after_calibration_clears_the_healthy_flag_the_loop_checks()
    {
        var samples = new int[8192];
        var sim = new SimulatedAdcNoise(seed: 4, bits: 12, entropyEighths: 24, mean: 1000, sd: 8, rho: 0);
        for (int i = 0; i < 6000; i++) samples[i] = sim.ReadRaw();
        for (int i = 6000; i < samples.Length; i++) samples[i] = 999; // the pin gets stuck
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new ReplaySource(12, 24, samples)), 1);
        noise.Calibrate(4096);
        var words = new int[1000];
        noise.Fill(words, 0, 1000);
        Assert.True(noise.IsHealthy);
        noise.Fill(words, 0, 1000);
        Assert.False(noise.IsHealthy);
        Assert.Equal(NoiseHealthStatus.RepetitionCount, noise.Status);
    }

    [Fact]
    public void Generating_noise_words_allocates_nothing()
    {
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new StuckSourceThenCounter()), 2);
        noise.Calibrate(4096);
        var words = new int[4096];
        noise.Fill(words, 0, words.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        noise.Fill(words, 0, words.Length);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A cheap healthy source with no allocation per read: a 12-bit LCG.</summary>
    private sealed class StuckSourceThenCounter : RawNoiseSource
    {
        private int _state = 12345;
        public override int BitsPerSample => 12;
        public override int MinEntropyEighths => 24;
        public override int ReadRaw()
        {
            _state = unchecked(_state * 1103515245 + 12345);
            return (_state >> 16) & 0xFFF;
        }
    }
}

public class EntropySeederTests
{
    [Fact]
    public void The_finaliser_is_murmur3_fmix32_computed_with_unsigned_arithmetic_here()
    {
        var random = new Random(9);
        for (int i = 0; i < 10000; i++)
        {
            int h = random.Next(int.MinValue, int.MaxValue);
            uint u = unchecked((uint)h);
            u ^= u >> 16;
            u *= 0x85EBCA6B;
            u ^= u >> 13;
            u *= 0xC2B2AE35;
            u ^= u >> 16;
            Assert.Equal(unchecked((int)u), EntropySeeder.Finalise(h));
        }
    }

    [Fact]
    public void Seeds_absorb_64_bits_of_min_entropy_are_nonzero_and_do_not_repeat()
    {
        var source = new CheckedNoiseSource(new SimulatedAdcNoise(seed: 8, bits: 12, entropyEighths: 24, mean: 2048, sd: 6, rho: 0));
        var seeder = new EntropySeeder(source);
        Assert.Equal(22, seeder.SamplesPerSeed); // ceil(512 / 24)
        var seen = new HashSet<int>();
        for (int i = 0; i < 1000; i++)
        {
            int seed = seeder.NextSeed();
            Assert.NotEqual(0, seed);
            Assert.True(seen.Add(seed), "a seed repeated");
        }
        Assert.Equal(22_000, source.Health.SamplesTested);
    }

    [Fact]
    public void Seeding_from_a_stuck_source_throws_instead_of_returning_a_predictable_seed()
    {
        var seeder = new EntropySeeder(new CheckedNoiseSource(new StuckSource(42, 8, 64)));
        var e = Assert.Throws<NoiseHealthException>(() => seeder.NextSeed());
        Assert.Equal(NoiseHealthStatus.RepetitionCount, e.Status);
    }

    [Fact]
    public void The_same_raw_samples_give_the_same_seeds()
    {
        int[] samples = Enumerable.Range(0, 64).Select(i => (i * 37) & 0xFF).ToArray();
        var a = new EntropySeeder(new CheckedNoiseSource(new ReplaySource(8, 64, samples)));
        var b = new EntropySeeder(new CheckedNoiseSource(new ReplaySource(8, 64, samples)));
        Assert.Equal(a.NextSeed(), b.NextSeed());
    }
}

public class NoiseArithmeticTests
{
    [Fact]
    public void Integer_square_root_is_the_floor_of_the_real_one()
    {
        var random = new Random(1);
        foreach (long v in new long[] { 0, 1, 2, 3, 4, 15, 16, 17, long.MaxValue, (1L << 62) - 1, 1L << 62 })
            Check(v);
        for (int i = 0; i < 10000; i++) Check(random.NextInt64(0, long.MaxValue) >> random.Next(63));

        static void Check(long v)
        {
            long r = NoiseArithmetic.ISqrt(v);
            Assert.True((Int128)r * r <= v && (Int128)(r + 1) * (r + 1) > v, $"isqrt({v}) = {r}");
        }
    }

    [Fact]
    public void The_integer_lag1_correlation_matches_the_double_formula_at_the_overflow_budget_limits()
    {
        var random = new Random(6);
        foreach (int n in new[] { 512, 16384 })
        {
            // Full-scale 16-bit swings, the worst case of the overflow budget, with a correlated walk.
            var y = new int[n];
            int prev = 0;
            for (int i = 1; i < n; i++) y[i] = prev = Math.Clamp(prev + random.Next(-9000, 9001), -65535, 65535);
            long s1 = 0, s2 = 0, c = 0;
            for (int i = 0; i < n; i++)
            {
                s1 += y[i];
                s2 += (long)y[i] * y[i];
                if (i > 0) c += (long)y[i] * y[i - 1];
            }
            double m = y.Average();
            double v = y.Select(t => (t - m) * (t - m)).Sum() / n;
            double cov = 0;
            for (int i = 1; i < n; i++) cov += (y[i] - m) * (y[i - 1] - m);
            cov /= n - 1;
            double expected = cov / v;
            Assert.InRange(NoiseArithmetic.Lag1CorrelationQ15(s1, s2, c, n) / 32768.0, expected - 2e-4, expected + 2e-4);
        }
    }
}
