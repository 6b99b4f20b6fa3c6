using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.Tests.HardwareNoise;

public class HealthTestTests
{
    /// <summary>Feeds <paramref name="samples"/> samples (or until a failure) and returns the monitor.</summary>
    private static NoiseHealthMonitor Run(RawNoiseSource source, int samples)
    {
        var checkedSource = new CheckedNoiseSource(source);
        for (int i = 0; i < samples && checkedSource.Health.IsHealthy; i++) checkedSource.Read();
        return checkedSource.Health;
    }

    [Fact]
    public void A_stuck_source_is_reported_by_the_repetition_count_test_at_exactly_the_cutoff()
    {
        // H = 3 bits: C = 1 + ceil(20 / 3) = 8 (SP 800-90B 4.4.1).
        var health = Run(new StuckSource(1234, bits: 12, entropyEighths: 24), 10_000);
        Assert.Equal(NoiseHealthStatus.RepetitionCount, health.Status);
        Assert.Equal(8, health.RepetitionCutoff);
        Assert.Equal(8, health.FaultMeasure);
        Assert.Equal(1234, health.FaultValue);
        Assert.Equal(8, health.SamplesTested);
    }

    [Fact]
    public void A_good_source_passes_every_test_for_a_million_samples()
    {
        // Independent Gaussian ADC noise, sd 6 counts: p_max = 1/(sqrt(2 pi) 6) = 0.066, H = 3.9 bits, claimed 3.
        var health = Run(new SimulatedAdcNoise(seed: 11, bits: 12, entropyEighths: 24, mean: 2048, sd: 6, rho: 0), 1_000_000);
        Assert.Equal(NoiseHealthStatus.Ok, health.Status);
        Assert.Equal(1_000_000, health.SamplesTested);
        // The correlation test saw an independent source: within 5 standard errors (1/sqrt(512)) of zero.
        Assert.InRange(health.LastLag1CorrelationQ15, -5 * 32768 / 22, 5 * 32768 / 22);
    }

    [Fact]
    public void A_biased_source_is_reported_by_the_adaptive_proportion_test()
    {
        // Claimed H = 2 bits: APT cutoff 177 of 512 (p = 1/4, mean 128). The source gives one value
        // with probability 0.45 (count ~ 230 +- 11 in a window whose reference it is). A biased i.i.d.
        // source also makes runs, so the RCT (cutoff 11) may legitimately get there first: per sample
        // rate about 0.45 * 0.55 * 0.45^10 = 8.4e-5 over about 1000 samples to the APT's detection,
        // i.e. RCT first in about 8 % of runs. Over 20 seeds the APT is expected first in 18.4; at
        // least 15 (binomial P(fewer) < 0.01) is required, and every run must be reported.
        int aptFirst = 0;
        for (int seed = 1; seed <= 20; seed++)
        {
            var health = Run(new BiasedSource(seed, bits: 8, entropyEighths: 16, favourite: 77, pFavourite: 0.45), 100_000);
            Assert.NotEqual(NoiseHealthStatus.Ok, health.Status);
            Assert.True(health.Status is NoiseHealthStatus.AdaptiveProportion or NoiseHealthStatus.RepetitionCount, $"seed {seed}: {health.Status}");
            if (health.Status == NoiseHealthStatus.AdaptiveProportion)
            {
                aptFirst++;
                Assert.Equal(77, health.FaultValue);
                Assert.Equal(177, health.FaultMeasure);
            }
        }
        Assert.True(aptFirst >= 15, $"APT reported first in only {aptFirst} of 20 runs");
    }

    [Fact]
    public void A_bias_without_runs_is_caught_by_the_adaptive_proportion_test_alone()
    {
        // 5, x, 5, y, ...: value 5 in half the samples but never twice in a row, so the RCT cannot see it.
        var random = new Random(3);
        int[] samples = new int[4096];
        for (int i = 0; i < samples.Length; i++) samples[i] = i % 2 == 0 ? 5 : 6 + random.Next(250);
        var health = Run(new ReplaySource(8, 16, samples), samples.Length);
        Assert.Equal(NoiseHealthStatus.AdaptiveProportion, health.Status);
        // Reference 5 at sample 1, then every other sample: the 177th copy is sample 2 * 177 - 1.
        Assert.Equal(2 * 177 - 1, health.SamplesTested);
    }

    [Fact]
    public void A_correlated_source_is_reported_by_the_lag1_correlation_test()
    {
        // AR(1) with rho = 0.9 and sd 40 counts: values rarely repeat (no RCT) and no value is frequent (no APT).
        var health = Run(new SimulatedAdcNoise(seed: 5, bits: 12, entropyEighths: 24, mean: 2048, sd: 40, rho: 0.9), 100_000);
        Assert.Equal(NoiseHealthStatus.Lag1Correlation, health.Status);
        Assert.Equal(NoiseHealthMonitor.CorrelationWindow, health.SamplesTested);
        // The window estimate of rho = 0.9 has standard error about sqrt((1 - rho^2) / 512) = 0.019.
        Assert.InRange(health.FaultMeasure / 32768.0, 0.9 - 5 * 0.019 - 2.0 / 512, 0.9 + 5 * 0.019);
    }

    [Fact]
    public void A_read_error_and_an_out_of_range_sample_are_source_errors_and_latch_until_reset()
    {
        var throwing = new CheckedNoiseSource(new ReplaySource(8, 16, [1, 2, 3], throwAtEnd: true));
        for (int i = 0; i < 3; i++) throwing.Read();
        Assert.True(throwing.Health.IsHealthy);
        Assert.Equal(0, throwing.Read());
        Assert.Equal(NoiseHealthStatus.SourceError, throwing.Health.Status);

        var outOfRange = new CheckedNoiseSource(new ReplaySource(8, 16, [1, 256, 3]));
        outOfRange.Read();
        outOfRange.Read();
        Assert.Equal(NoiseHealthStatus.SourceError, outOfRange.Health.Status);
        Assert.Equal(256, outOfRange.Health.FaultValue);
        outOfRange.Read();
        Assert.Equal(NoiseHealthStatus.SourceError, outOfRange.Health.Status);
        outOfRange.Health.Reset();
        Assert.True(outOfRange.Health.IsHealthy);
        Assert.Equal(1, outOfRange.Health.Failures);
    }

    [Fact]
    public void The_startup_test_throws_a_health_exception_naming_the_failed_test()
    {
        var source = new CheckedNoiseSource(new StuckSource(0, 1, 8));
        var e = Assert.Throws<NoiseHealthException>(source.RunStartupTests);
        Assert.Equal(NoiseHealthStatus.RepetitionCount, e.Status);
        Assert.Contains("repetition count", e.Message);
    }

    [Theory]
    [InlineData(4, 410)]
    [InlineData(8, 311)]
    [InlineData(16, 177)]
    [InlineData(32, 62)]
    [InlineData(64, 13)]
    public void The_adaptive_proportion_cutoffs_match_sp800_90b_table_2(int eighths, int cutoff)
    {
        Assert.Equal(cutoff, HealthTestCutoffs.AdaptiveProportion(eighths, bitsPerSample: 8));
    }

    [Fact]
    public void Every_tabulated_adaptive_proportion_cutoff_equals_the_binomial_critical_value_recomputed_here()
    {
        for (int e = 1; e <= HealthTestCutoffs.MaxEntropyEighths; e++)
            Assert.Equal(CritBinomCutoff(512, Math.Pow(2, -e / 8.0)), HealthTestCutoffs.AdaptiveProportion(e, 8));
        for (int e = 1; e <= 8; e++)
            Assert.Equal(CritBinomCutoff(1024, Math.Pow(2, -e / 8.0)), HealthTestCutoffs.AdaptiveProportion(e, 1));
    }

    [Fact]
    public void The_repetition_count_cutoff_is_one_plus_the_ceiling_of_twenty_over_h()
    {
        for (int e = 1; e <= HealthTestCutoffs.MaxEntropyEighths; e++)
        {
            // 20 / H with H = e / 8, as an exact rational: ceil(160 / e).
            int expected = 1 + (int)Math.Ceiling(160m / e);
            Assert.Equal(expected, HealthTestCutoffs.RepetitionCount(e));
        }
        Assert.Equal(21, HealthTestCutoffs.RepetitionCount(8)); // H = 1: SP 800-90B's own example
    }

    /// <summary>
    /// 1 + CRITBINOM(W, p, 1 - 2^-20): the smallest c with P(X &gt;= c) &lt;= 2^-20, X ~ Binomial(W, p),
    /// from the probability mass function built up by the ratio recurrence (a different route from
    /// the log-gamma sums that produced the table).
    /// </summary>
    private static int CritBinomCutoff(int w, double p)
    {
        double alpha = Math.Pow(2, -20);
        var pmf = new double[w + 1];
        // Start at the mode to avoid underflow, then recur both ways and normalise.
        int mode = (int)Math.Floor((w + 1) * p);
        if (mode > w) mode = w;
        pmf[mode] = 1;
        for (int k = mode; k < w; k++) pmf[k + 1] = pmf[k] * (w - k) / (k + 1) * p / (1 - p);
        for (int k = mode; k > 0; k--) pmf[k - 1] = pmf[k] * k / (w - k + 1) * (1 - p) / p;
        double total = pmf.Sum();
        double tail = 0;
        for (int c = w; c >= 0; c--)
        {
            // tail = P(X >= c + 1) before adding pmf[c]
            if (tail + pmf[c] / total > alpha) return c + 1;
            tail += pmf[c] / total;
        }
        return 0;
    }
}
