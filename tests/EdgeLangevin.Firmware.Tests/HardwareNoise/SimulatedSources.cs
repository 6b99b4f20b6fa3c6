using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.Tests.HardwareNoise;

/// <summary>
/// Simulated raw noise sources for the health tests: a quantised Gaussian AR(1) process read by an
/// ADC of <c>bits</c> bits (rho = 0 is an independent source), plus the failure modes
/// the health tests exist for. Test code may use floating point; the core may not.
/// </summary>
internal sealed class SimulatedAdcNoise : RawNoiseSource
{
    private readonly Random _random;
    private readonly int _bits;
    private readonly int _entropyEighths;
    private readonly double _mean;
    private readonly double _sd;
    private readonly double _rho;
    private double _state;

    /// <param name="sd">Marginal standard deviation in counts.</param>
    /// <param name="rho">Lag-1 correlation of the underlying AR(1) process.</param>
    public SimulatedAdcNoise(int seed, int bits, int entropyEighths, double mean, double sd, double rho)
    {
        _random = new Random(seed);
        _bits = bits;
        _entropyEighths = entropyEighths;
        _mean = mean;
        _sd = sd;
        _rho = rho;
        _state = Gaussian() * sd;
    }

    public override int BitsPerSample => _bits;

    public override int MinEntropyEighths => _entropyEighths;

    public override int ReadRaw()
    {
        _state = _rho * _state + Math.Sqrt(1 - _rho * _rho) * _sd * Gaussian();
        int v = (int)Math.Round(_mean + _state);
        return Math.Clamp(v, 0, (1 << _bits) - 1);
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>A stuck pin or a dead RNG: one value forever.</summary>
internal sealed class StuckSource(int value, int bits, int entropyEighths) : RawNoiseSource
{
    public override int BitsPerSample => bits;
    public override int MinEntropyEighths => entropyEighths;
    public override int ReadRaw() => value;
}

/// <summary>
/// An independent but biased source: <paramref name="favourite"/> with probability
/// <paramref name="pFavourite"/>, otherwise uniform over all 2^bits values.
/// </summary>
internal sealed class BiasedSource(int seed, int bits, int entropyEighths, int favourite, double pFavourite) : RawNoiseSource
{
    private readonly Random _random = new(seed);
    public override int BitsPerSample => bits;
    public override int MinEntropyEighths => entropyEighths;
    public override int ReadRaw() => _random.NextDouble() < pFavourite ? favourite : _random.Next(1 << bits);
}

/// <summary>Replays a fixed list of samples, then throws (a read error) when <paramref name="throwAtEnd"/>.</summary>
internal sealed class ReplaySource(int bits, int entropyEighths, int[] samples, bool throwAtEnd = false) : RawNoiseSource
{
    private int _next;
    public override int BitsPerSample => bits;
    public override int MinEntropyEighths => entropyEighths;
    public override int ReadRaw()
    {
        if (_next == samples.Length)
        {
            if (throwAtEnd) throw new IOException("simulated read error");
            _next = 0;
        }
        return samples[_next++];
    }
}
