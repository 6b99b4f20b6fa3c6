using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeLangevin.Reference.Random;

/// <summary>
/// The reference's seedable generator: xoshiro256** (Blackman and Vigna) seeded by
/// SplitMix64 from (seed, stream), so that chain b of a run with seed S has its own
/// stream whatever the number of threads. Gaussians by the Marsaglia polar method
/// (<see cref="NextGaussian"/>: the data, dictionaries and test vectors drawn from a seed) and by
/// the ziggurat (<see cref="NextGaussianZiggurat"/>: the Langevin noise of the float sampler, which
/// draws one per unit per step and spent most of its noise time in the polar method's logarithm).
/// Both are exact samplers of N(0, 1) up to double rounding; they give different numbers.
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

    public ulong NextUInt64() => Next(ref _s0, ref _s1, ref _s2, ref _s3);

    // One xoshiro256** step on the state words given (fields, or locals that a loop keeps in registers).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>
    /// One xoshiro256** step in each of four independent streams side by side (lane j of s0..s3 is stream j's state):
    /// the same as <see cref="Next(ref ulong, ref ulong, ref ulong, ref ulong)"/> per lane, with x * 5 = (x << 2) + x and
    /// x * 9 = (x << 3) + x mod 2^64 (no 64-bit vector multiply in AVX2). Used by the 4-lane ziggurat here and by the
    /// float32 learner's sampler (SingleGaussianSampler).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> Next4(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
    {
        Vector256<ulong> m5 = (s1 << 2) + s1;
        Vector256<ulong> r7 = (m5 << 7) | (m5 >>> 57);
        Vector256<ulong> bits = (r7 << 3) + r7;
        Vector256<ulong> t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 45) | (s3 >>> 19);
        return bits;
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

    // Ziggurat of Marsaglia and Tsang (2000), 128 layers of equal area V under f(x) = exp(-x^2 / 2), x >= 0.
    // Layer i >= 1 is the box [0, X[i]] x [f(X[i]), f(X[i+1])]; layer 0 is the box [0, R] x [0, f(R)] plus
    // the tail beyond R, drawn as the box [0, X[0]] with X[0] = V / f(R). X[128] = 0 (f = 1).
    private const int ZigguratLayers = 128;
    private const double ZigguratR = 3.442619855899; // the paper's R for 128 layers
    private const double ZigguratV = 0.009912563035262167; // R f(R) + integral from R to infinity of f = R f(R) + sqrt(pi / 2) erfc(R / sqrt 2)
    private static readonly double[] ZigguratX = ZigguratTable(out ZigguratF);
    private static readonly double[] ZigguratF;
    // Per layer i >= 1 (UnderDensity): the middle T of its range of t = x^2 / 2, e^-T, and C = e^(half the range) / 2,
    // the range widened by 1 % and 1e-6 (the float32 sampler's x may lie a float rounding outside the layer).
    private static readonly double[] ZigguratTMid = ZigguratSqueeze(out ZigguratEMid, out ZigguratC);
    private static readonly double[] ZigguratEMid, ZigguratC;

    private static double[] ZigguratSqueeze(out double[] eMid, out double[] c)
    {
        var tMid = new double[ZigguratLayers];
        eMid = new double[ZigguratLayers];
        c = new double[ZigguratLayers];
        for (int i = 1; i < ZigguratLayers; i++)
        {
            double t0 = 0.5 * ZigguratX[i + 1] * ZigguratX[i + 1], t1 = 0.5 * ZigguratX[i] * ZigguratX[i];
            tMid[i] = 0.5 * (t0 + t1);
            eMid[i] = Math.Exp(-tMid[i]);
            c[i] = 0.5 * Math.Exp(0.5 * (t1 - t0) * 1.01 + 1e-6);
        }
        return tMid;
    }

    private static double[] ZigguratTable(out double[] f)
    {
        var x = new double[ZigguratLayers + 1];
        f = new double[ZigguratLayers + 1];
        x[0] = ZigguratV / Math.Exp(-0.5 * ZigguratR * ZigguratR);
        x[1] = ZigguratR;
        for (int i = 1; i < ZigguratLayers - 1; i++)
            x[i + 1] = Math.Sqrt(-2 * Math.Log(ZigguratV / x[i] + Math.Exp(-0.5 * x[i] * x[i])));
        x[ZigguratLayers] = 0; // the top layer's area differs from V by about 1e-9 relative (R and V to double precision)
        for (int i = 0; i <= ZigguratLayers; i++) f[i] = Math.Exp(-0.5 * x[i] * x[i]);
        return x;
    }

    /// <summary>
    /// Standard normal N(0, 1) by the ziggurat: one 64-bit draw gives the layer (7 bits), the sign (1 bit)
    /// and a uniform (53 bits); about 99 % of the draws end at the first comparison. Exact: a point uniform
    /// in a layer is kept when under the density (by the box test, the density test or the tail's
    /// exponential rejection), so the result has the density of N(0, 1) up to double rounding.
    /// </summary>
    public double NextGaussianZiggurat()
    {
        ulong bits = NextUInt64();
        int i = (int)(bits & (ZigguratLayers - 1));
        double x = (bits >> 11) * (1.0 / (1UL << 53)) * ZigguratX[i];
        if (x < ZigguratX[i + 1]) return (bits & ZigguratLayers) == 0 ? x : -x; // inside the part of the layer under the density
        return ZigguratRest(bits, x);
    }

    /// <summary>
    /// destination.Length draws of <see cref="NextGaussianZiggurat"/>, the same numbers in the same order:
    /// the state stays in registers for the common case (one call per draw kept it in memory, and each
    /// draw waited for the last one's stores: most of the cost of a draw).
    /// </summary>
    public void FillGaussianZiggurat(Span<double> destination)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        double[] xs = ZigguratX;
        for (int n = 0; n < destination.Length; n++)
        {
            ulong bits = Next(ref s0, ref s1, ref s2, ref s3);
            int i = (int)(bits & (ZigguratLayers - 1));
            double x = (bits >> 11) * (1.0 / (1UL << 53)) * xs[i];
            if (x < xs[i + 1])
            {
                destination[n] = (bits & ZigguratLayers) == 0 ? x : -x;
                continue;
            }
            (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
            destination[n] = ZigguratRest(bits, x);
            (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// a.FillGaussianZiggurat(da), b.FillGaussianZiggurat(db), c..., d... (the same numbers: each stream its own),
    /// the four streams advanced side by side in the four lanes of a vector: one xoshiro256** step, the layer
    /// lookup, the uniform and the box test for four draws at once, in the same IEEE operations as the scalar
    /// code. A lane whose point falls outside its layer's box (about 2.8 % of draws, measured: every layer-127 draw among them) finishes that draw with the
    /// scalar <see cref="ZigguratRest"/> on its own stream, which may draw more from that stream only.
    /// </summary>
    public static void FillGaussianZiggurat4(Rng a, Rng b, Rng c, Rng d, Span<double> da, Span<double> db, Span<double> dc, Span<double> dd)
    {
        int n = da.Length;
        if (db.Length != n || dc.Length != n || dd.Length != n) throw new ArgumentException("the four destinations differ in length");
        if (!Vector256.IsHardwareAccelerated)
        {
            a.FillGaussianZiggurat(da);
            b.FillGaussianZiggurat(db);
            c.FillGaussianZiggurat(dc);
            d.FillGaussianZiggurat(dd);
            return;
        }
        var s0 = Vector256.Create(a._s0, b._s0, c._s0, d._s0);
        var s1 = Vector256.Create(a._s1, b._s1, c._s1, d._s1);
        var s2 = Vector256.Create(a._s2, b._s2, c._s2, d._s2);
        var s3 = Vector256.Create(a._s3, b._s3, c._s3, d._s3);
        double[] xs = ZigguratX;
        var unit = Vector256.Create(1.0 / (1UL << 53));
        var signBit = Vector256.Create(0x8000_0000_0000_0000UL);
        for (int k = 0; k < n; k++)
        {
            Vector256<ulong> bits = Next4(ref s0, ref s1, ref s2, ref s3);
            int i0 = (int)(bits.GetElement(0) & (ZigguratLayers - 1)), i1 = (int)(bits.GetElement(1) & (ZigguratLayers - 1));
            int i2 = (int)(bits.GetElement(2) & (ZigguratLayers - 1)), i3 = (int)(bits.GetElement(3) & (ZigguratLayers - 1));
            Vector256<double> x = Vector256.ConvertToDouble(bits >>> 11) * unit * Vector256.Create(xs[i0], xs[i1], xs[i2], xs[i3]);
            Vector256<double> inside = Vector256.LessThan(x, Vector256.Create(xs[i0 + 1], xs[i1 + 1], xs[i2 + 1], xs[i3 + 1]));
            Vector256<double> y = x ^ ((bits << 56) & signBit).AsDouble(); // -x where bit 7 (the sign bit of the draw) is set
            uint accepted = inside.ExtractMostSignificantBits();
            if (accepted != 0b1111)
            {
                for (int lane = 0; lane < 4; lane++)
                {
                    if ((accepted & (1u << lane)) != 0) continue;
                    Rng rng = lane switch { 0 => a, 1 => b, 2 => c, _ => d };
                    (rng._s0, rng._s1, rng._s2, rng._s3) = (s0.GetElement(lane), s1.GetElement(lane), s2.GetElement(lane), s3.GetElement(lane));
                    double rest = rng.ZigguratRest(bits.GetElement(lane), x.GetElement(lane));
                    // The lane's new values put in by a broadcast and a blend, in registers: WithElement(lane, ...) with a
                    // variable lane went through memory (a vector reloaded over a just-stored element, a failed store
                    // forwarding each time: five stalls per rejected lane, about 5 % of a learning step at K = 128, perf).
                    Vector256<ulong> mask = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(LaneMasks), (nuint)(4 * lane));
                    y = Vector256.ConditionalSelect(mask.AsDouble(), Vector256.Create(rest), y);
                    s0 = Vector256.ConditionalSelect(mask, Vector256.Create(rng._s0), s0);
                    s1 = Vector256.ConditionalSelect(mask, Vector256.Create(rng._s1), s1);
                    s2 = Vector256.ConditionalSelect(mask, Vector256.Create(rng._s2), s2);
                    s3 = Vector256.ConditionalSelect(mask, Vector256.Create(rng._s3), s3);
                }
            }
            da[k] = y.GetElement(0);
            db[k] = y.GetElement(1);
            dc[k] = y.GetElement(2);
            dd[k] = y.GetElement(3);
        }
        for (int lane = 0; lane < 4; lane++)
        {
            Rng rng = lane switch { 0 => a, 1 => b, 2 => c, _ => d };
            (rng._s0, rng._s1, rng._s2, rng._s3) = (s0.GetElement(lane), s1.GetElement(lane), s2.GetElement(lane), s3.GetElement(lane));
        }
    }

    // LaneMasks[4 lane ..]: all bits set in that lane, zero in the other three.
    private static readonly ulong[] LaneMasks = [~0UL, 0, 0, 0, 0, ~0UL, 0, 0, 0, 0, ~0UL, 0, 0, 0, 0, ~0UL];

    // The rest of a draw whose point x (layer and sign from bits) is outside the layer's box under the density:
    // the tail (layer 0) or the density test; a rejected point starts a new draw.
    private double ZigguratRest(ulong bits, double x) => ZigguratRest((int)(bits & (ZigguratLayers - 1)), (bits & ZigguratLayers) != 0, x);

    /// <summary>The ziggurat's layer edges X[0 .. 128] (X[i + 1] &lt; X[i]; X[0]: layer 0's box with its tail folded in), for vector samplers.</summary>
    internal static ReadOnlySpan<double> ZigguratEdges => ZigguratX;

    /// <summary>
    /// The rest of a ziggurat draw made elsewhere (a vector sampler with its own uniforms): the point x >= 0 of
    /// layer <paramref name="layer"/> lies outside the layer's box under the density (x >= X[layer + 1]); this
    /// finishes it exactly as <see cref="NextGaussianZiggurat"/> does (the tail for layer 0, else the density test,
    /// a rejected point starting a new draw), with the further uniforms from this stream.
    /// </summary>
    internal double ZigguratRest(int layer, bool negative, double x)
    {
        if (layer == 0) return (negative ? -1.0 : 1.0) * ZigguratTail();
        double y = ZigguratF[layer] + NextDouble() * (ZigguratF[layer + 1] - ZigguratF[layer]);
        return UnderDensity(layer, y, x) ? Negated(x, negative) : NextGaussianZiggurat();
    }

    // -x if negative, else x: for x >= 0 the value of (negative ? -1.0 : 1.0) * x (-0 for x = 0 too), by setting the sign
    // bit. Why: the JIT made the choice of -1.0 or 1.0 a branch, mispredicted on half the rests (the sign is a random bit).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Negated(double x, bool negative) =>
        BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(x) | (long)(negative ? 1UL << 63 : 0));

    /// <summary>
    /// y &lt; Math.Exp(-x^2 / 2) for a point of layer i's wedge (i >= 1), the same answer, mostly without the exp: with
    /// t = x^2 / 2 = T + d (T the middle of the layer's range of t, e^-T in a table), e^-t lies between e^-T (1 - d) and
    /// e^-T (1 - d + C d^2), C = e^|d|max / 2 (Taylor with remainder); a y below the first bound or above the second,
    /// each moved by 1e-9 of itself (far more than the roundings here and in Math.Exp, about 1e-15), has its answer.
    /// The rest (5 % of the wedge points in layer 1, 0.3 % over all layers: simulated) is computed.
    /// Why: the rests of its draws were about a tenth of the float32 learner's step, exp about 4 % (perf).
    /// </summary>
    internal static bool UnderDensity(int i, double y, double x)
    {
        double d = 0.5 * x * x - ZigguratTMid[i], e = ZigguratEMid[i];
        double below = e * (1 - d); // <= e^-t for every d
        if (y < below * (1 - 1e-9)) return true;
        double above = e * (1 - d + ZigguratC[i] * d * d);
        if (y > above * (1 + 1e-9)) return false;
        return y < Math.Exp(-0.5 * x * x);
    }

    // x > R with density proportional to f (Marsaglia 1964): R + a, a exponential with rate R, kept with probability exp(-a^2 / 2).
    private double ZigguratTail()
    {
        double a, b;
        do
        {
            a = -Math.Log(1 - NextDouble()) / ZigguratR;
            b = -Math.Log(1 - NextDouble());
        } while (2 * b < a * a);
        return ZigguratR + a;
    }

    /// <summary>Exponential with rate <paramref name="lambda"/>.</summary>
    public double NextExponential(double lambda) => -Math.Log(1 - NextDouble()) / lambda;
}
