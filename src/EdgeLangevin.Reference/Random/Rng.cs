namespace EdgeLangevin.Reference.Random;

/// <summary>
/// The reference's seedable generator: xoshiro256** (Blackman and Vigna) seeded by
/// SplitMix64 from (seed, stream), so that chain b of a run with seed S has its own
/// stream whatever the number of threads. Gaussians by the Marsaglia polar method.
/// The reference is not bit-compatible with the fixed-point core's generator (FIXED_POINT.md);
/// the two are compared statistically.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    public Rng(long seed, long stream = 0)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream + 0x632BE59BD9B4E019UL) * 0xD1B54A32D192ED03UL;
        _s0 = SplitMix(ref z);
        _s1 = SplitMix(ref z);
        _s2 = SplitMix(ref z);
        _s3 = SplitMix(ref z);
    }

    private static ulong SplitMix(ref ulong z)
    {
        ulong x = z += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer on [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        return (int)((NextUInt64() >> 33) * (ulong)n >> 31);
    }

    /// <summary>Standard normal N(0, 1).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        double a, b, q;
        do
        {
            a = 2 * NextDouble() - 1;
            b = 2 * NextDouble() - 1;
            q = a * a + b * b;
        } while (q >= 1 || q == 0);
        double f = Math.Sqrt(-2 * Math.Log(q) / q);
        _spare = b * f;
        _hasSpare = true;
        return a * f;
    }

    /// <summary>Exponential with rate <paramref name="lambda"/>.</summary>
    public double NextExponential(double lambda) => -Math.Log(1 - NextDouble()) / lambda;
}
