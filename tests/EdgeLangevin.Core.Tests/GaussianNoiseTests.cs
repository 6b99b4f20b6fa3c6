using EdgeLangevin.Core;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The generator against an independent unsigned re-implementation (bit level) and
/// against the exact discrete distribution of eta (statistics). Statistical tolerances are
/// a stated number of Monte Carlo standard errors computed from that exact distribution.
/// </summary>
public class GaussianNoiseTests
{
    private const int Samples = 1 << 22;

    // Independent reference written with uint, the textbook form of Marsaglia's xorshift32.
    private static uint RefXorshift(uint x)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    }

    private static int RefEta(ref uint x)
    {
        x = RefXorshift(x);
        int sum = 0;
        for (int j = 0; j < 30; j += 10) sum += 2 * (int)((x >> j) & 1023u) - 1023;
        return sum + (((x >> 30) & 1u) == 1u ? 1 : -1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(unchecked((int)0x80000000))]
    [InlineData(0x12345678)]
    public void XorshiftMatchesTheUnsignedTextbookFormForAMillionSteps(int seed)
    {
        int x = seed;
        uint r = unchecked((uint)seed);
        for (int i = 0; i < 1_000_000; i++)
        {
            x = GaussianNoise.Xorshift(x);
            r = RefXorshift(r);
            Assert.Equal(r, unchecked((uint)x));
        }
    }

    [Fact]
    public void EtaMatchesTheUnsignedReferenceOnEveryChain()
    {
        var noise = new GaussianNoise(5, 42);
        for (int b = 0; b < 5; b++)
        {
            uint r = unchecked((uint)GaussianNoise.SeedFor(42, b));
            for (int i = 0; i < 20_000; i++) Assert.Equal(RefEta(ref r), noise.Next(b));
        }
    }

    /// <summary>
    /// The first words of four (seed, chain) pairs as bench/noise-contract/eta_words.py computes them from
    /// FIXED_POINT.md's text (Python integers, no code shared with the core), and the state after them.
    /// </summary>
    [Theory]
    [InlineData(1, 0, new[] { -2476, -890, -104, -1098, 524, 2266, 4, -718 }, 0x19f91cb2)]
    [InlineData(42, 3, new[] { 1994, -270, -1038, -506, 798, 180, -80, 624 }, 0x63b9ea81)]
    [InlineData(-7, 1, new[] { -168, -1486, 1652, 222, 2134, 1938, 1580, 264 }, unchecked((int)0xdaf4cba1))]
    [InlineData(0x12345678, 0, new[] { -406, -636, -2294, -2242, 1564, 576, 154, -722 }, unchecked((int)0xc5186e29))]
    public void EtaMatchesTheIndependentScriptsWords(int seed, int chain, int[] expected, int stateAfter)
    {
        var noise = new GaussianNoise(chain + 1, seed);
        Assert.Equal(expected, expected.Select(_ => noise.Next(chain)).ToArray());
        Assert.Equal(stateAfter, noise.StateOf(chain));
    }

    [Fact]
    public void ChainSeedsFollowTheGoldenRatioStrideAndAreNeverZero()
    {
        Assert.Equal(7, GaussianNoise.SeedFor(7, 0));
        Assert.Equal(unchecked((int)(7u ^ 0x9E3779B9u)), GaussianNoise.SeedFor(7, 1));
        Assert.Equal(unchecked((int)(7u ^ (3u * 0x9E3779B9u))), GaussianNoise.SeedFor(7, 3));
        Assert.Equal(1, GaussianNoise.SeedFor(0, 0));
        var noise = new GaussianNoise(1, 0);
        Assert.Equal(1, noise.StateOf(0));
    }

    /// <summary>P(eta = v) for v = -3070..3070 (index v + 3070), by convolving the three uniforms and the +-1 term.</summary>
    internal static double[] ExactDistribution()
    {
        // S = sum of three indices i in 0..1023 (term value 2i - 1023); eta = 2 S - 3069 +- 1.
        double[] p = [1.0];
        for (int t = 0; t < 3; t++)
        {
            var next = new double[p.Length + 1023];
            for (int s = 0; s < p.Length; s++)
            {
                double q = p[s] / 1024.0;
                if (q == 0) continue;
                for (int i = 0; i < 1024; i++) next[s + i] += q;
            }
            p = next;
        }
        var eta = new double[2 * GaussianNoise.MaxMagnitude + 1];
        for (int s = 0; s < p.Length; s++)
        {
            int v = 2 * s - 3069;
            eta[v + 1 + GaussianNoise.MaxMagnitude] += p[s] / 2;
            eta[v - 1 + GaussianNoise.MaxMagnitude] += p[s] / 2;
        }
        return eta;
    }

    private static double Moment(double[] dist, int power)
    {
        double m = 0;
        for (int i = 0; i < dist.Length; i++) m += dist[i] * Math.Pow(i - GaussianNoise.MaxMagnitude, power);
        return m;
    }

    private static int[] Draw(int seed, int count)
    {
        var noise = new GaussianNoise(1, seed);
        var v = new int[count];
        for (int i = 0; i < count; i++) v[i] = noise.Next(0);
        return v;
    }

    [Fact]
    public void TheExactDistributionHasVarianceExactlyOneInQ5_10()
    {
        double[] dist = ExactDistribution();
        Assert.Equal(1.0, dist.Sum(), 12);
        Assert.Equal(0.0, Moment(dist, 1), 6);
        // 3 (1024^2 - 1) / 3 + 1 = 2^20, exactly: the design point of the generator.
        Assert.Equal(1048576.0, Moment(dist, 2), 3);
        // Fourth cumulant of the sum: 3 uniforms on 1024 points spaced 2 contribute
        // -2^4 (1024^4 - 1) / 120 each, the +-1 term 1 - 3 = -2; divided by sigma^4. Kurtosis
        // 13/5 - (8/5) 2^-40 (bench/noise-contract/eta_words.py computes it in exact rationals).
        double excess = (3 * (-16.0 * (Math.Pow(1024, 4) - 1) / 120.0) - 2) / Math.Pow(2, 40);
        Assert.Equal(-0.4, excess, 9); // the continuous limit: -1.2 / 3
        Assert.Equal(3 + excess, Moment(dist, 4) / Math.Pow(2, 40), 9);
        Assert.Equal(2.599999999998545, Moment(dist, 4) / Math.Pow(2, 40), 9);
    }

    [Fact]
    public void SampleMeanVarianceAndKurtosisMatchTheExactDistributionWithinMonteCarloError()
    {
        double[] dist = ExactDistribution();
        double var = Moment(dist, 2), m4 = Moment(dist, 4), m8 = Moment(dist, 8);
        int[] v = Draw(2024, Samples);
        double sum = 0, sum2 = 0, sum4 = 0;
        foreach (int e in v) { double d = e; sum += d; sum2 += d * d; sum4 += d * d * d * d; }
        double n = v.Length;
        double mean = sum / n, m2hat = sum2 / n, m4hat = sum4 / n;
        // Standard errors of sample moments about the known zero mean: sqrt(Var(X^p) / n).
        double seMean = Math.Sqrt(var / n);
        double seM2 = Math.Sqrt((m4 - var * var) / n);
        double seM4 = Math.Sqrt((m8 - m4 * m4) / n);
        Assert.InRange(mean, -4 * seMean, 4 * seMean);
        Assert.InRange(m2hat, var - 4 * seM2, var + 4 * seM2);
        Assert.InRange(m4hat, m4 - 4 * seM4, m4 + 4 * seM4);
        // Kurtosis 2.6 is distinguishable from a Gaussian's 3 at this sample size:
        // the generator's tails are the three-term sum's, not a Gaussian's.
        double kurt = m4hat / (m2hat * m2hat);
        Assert.InRange(kurt, 2.58, 2.62);
    }

    [Fact]
    public void LagOneToEightCorrelationsAreZeroWithinMonteCarloError()
    {
        int[] v = Draw(77, Samples);
        double n = v.Length;
        double var = 0;
        foreach (int e in v) var += (double)e * e;
        var /= n;
        // Under independence the lag-k sample correlation has standard error 1/sqrt(n);
        // 4.5 standard errors keeps the 8-way family's false-alarm rate below 1e-4.
        double tol = 4.5 / Math.Sqrt(n);
        for (int lag = 1; lag <= 8; lag++)
        {
            double c = 0;
            for (int i = lag; i < v.Length; i++) c += (double)v[i] * v[i - lag];
            double rho = c / ((n - lag) * var);
            Assert.InRange(rho, -tol, tol);
        }
    }

    [Fact]
    public void NeighbouringChainsAreUncorrelated()
    {
        var noise = new GaussianNoise(2, 5);
        const int n = 1 << 20;
        double c = 0, v0 = 0, v1 = 0;
        for (int i = 0; i < n; i++)
        {
            double a = noise.Next(0), b = noise.Next(1);
            c += a * b; v0 += a * a; v1 += b * b;
        }
        double rho = c / Math.Sqrt(v0 * v1);
        double tol = 4 / Math.Sqrt(n); // 4 standard errors of a correlation under independence
        Assert.InRange(rho, -tol, tol);
    }

    [Fact]
    public void TailFrequenciesMatchTheExactDiscreteDistribution()
    {
        double[] dist = ExactDistribution();
        int[] v = Draw(99, Samples);
        foreach (double sigmas in new[] { 1.0, 2.0, 2.5, 2.9, 3.0 })
        {
            int threshold = (int)(sigmas * 1024);
            double p = 0;
            for (int i = 0; i < dist.Length; i++)
                if (Math.Abs(i - GaussianNoise.MaxMagnitude) > threshold) p += dist[i];
            long count = v.LongCount(e => Math.Abs(e) > threshold);
            double expected = p * v.Length;
            double se = Math.Sqrt(v.Length * p * (1 - p)); // binomial standard error of the count
            Assert.InRange(count, expected - 4.5 * se, expected + 4.5 * se);
        }
        Assert.All(v, e => Assert.InRange(e, -GaussianNoise.MaxMagnitude, GaussianNoise.MaxMagnitude));
    }

    [Fact]
    public void EveryWordIsEven()
    {
        // eta = 2 S - 3069 +- 1 with S an integer: the least significant bit is always 0.
        // The HDL testbench can rely on it; a change to the algorithm would show up here.
        Assert.All(Draw(3, 100_000), e => Assert.Equal(0, e & 1));
    }
}
