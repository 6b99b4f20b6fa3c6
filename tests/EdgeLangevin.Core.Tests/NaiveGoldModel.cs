namespace EdgeLangevin.Core.Tests;

/// <summary>
/// A deliberately naive transcription of FIXED_POINT.md's step (dense loops, row-major
/// dictionary, no active list, its own noise generator) that the optimised solver must
/// match bit for bit. Written from the contract, not from LangevinSolver.
/// </summary>
internal sealed class NaiveGoldModel
{
    public readonly int D, K, WA, FA, WS, FS, WM, FM, WC, FC;
    public readonly bool NonNegative;
    public readonly int Order;
    public readonly long Leak, Gain, NoiseQ, Half, Fric;
    public long U0; // learning moves it
    /// <summary>The MAC operands of the last step (for a learner): s_m, r_m and g_m (0 for an inactive unit).</summary>
    public long[] LastSm = [], LastRm = [], LastGm = [];
    public readonly short[] A; // row-major
    public readonly long[] X;
    public long[] U, M;
    public uint NoiseState;
    public long Saturations;

    public NaiveGoldModel(FixedFormat f, StepParameters p, short[] a, int d, int k, int[] x, uint seed)
    {
        D = d; K = k; A = a;
        WA = f.DictionaryBits; FA = f.DictionaryFracBits; WS = f.StateBits; FS = f.StateFracBits;
        WM = f.MacBits; FM = f.MacFracBits; WC = f.CoefficientBits; FC = f.CoefficientFracBits;
        NonNegative = p.Variant == FixedVariant.NonNegative; Order = p.Order;
        U0 = p.U0; Leak = p.Leak; Gain = p.Gain; NoiseQ = p.NoiseScale; Half = p.Half; Fric = p.Friction;
        X = x.Select(v => (long)v).ToArray();
        U = new long[k]; M = new long[k];
        NoiseState = seed == 0 ? 1u : seed;
    }

    private static long Rshr(long v, int n) => n == 0 ? v : (v + (1L << (n - 1))) >> n;

    private long Sat(long v, int w)
    {
        long hi = (1L << (w - 1)) - 1, lo = -(1L << (w - 1));
        if (v > hi) { Saturations++; return hi; }
        if (v < lo) { Saturations++; return lo; }
        return v;
    }

    private uint Raw()
    {
        uint x = NoiseState;
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        NoiseState = x;
        return x;
    }

    public int Eta()
    {
        uint w = Raw();
        int sum = 0;
        foreach (int j in new[] { 0, 10, 20 }) sum += 2 * (int)((w >> j) & 0x3FF) - 1023;
        return ((w >> 30) & 1) == 1 ? sum + 1 : sum - 1;
    }

    public long Code(int k)
    {
        long a = Math.Abs(U[k]);
        if (a <= U0) return 0;
        return NonNegative ? a - U0 : Math.Sign(U[k]) * (a - U0);
    }

    public void Step()
    {
        if (Order == 2)
            for (int k = 0; k < K; k++) U[k] = Sat(U[k] + Rshr(Half * Sat(Rshr(M[k], FS - FM), WM), FC + FM - FS), WS);
        var sm = new long[K];
        for (int k = 0; k < K; k++) sm[k] = Math.Abs(U[k]) > U0 ? Sat(Rshr(Code(k), FS - FM), WM) : 0;
        var rm = new long[D];
        for (int d = 0; d < D; d++)
        {
            long acc = 0;
            for (int k = 0; k < K; k++) if (Math.Abs(U[k]) > U0) acc += A[d * K + k] * sm[k];
            long r = Sat(X[d] - Rshr(acc, FA + FM - FS), WS);
            rm[d] = Sat(Rshr(r, FS - FM), WM);
        }
        var drv = new long[K];
        var gms = new long[K];
        LastSm = sm; LastRm = rm; LastGm = gms;
        for (int k = 0; k < K; k++)
        {
            if (Math.Abs(U[k]) <= U0) continue;
            long acc = 0;
            for (int d = 0; d < D; d++) acc += A[d * K + k] * rm[d];
            long gm = Sat(Rshr(acc, FA), WM);
            gms[k] = gm;
            drv[k] = Rshr(Gain * gm, FC + FM - FS);
            if (NonNegative && U[k] < 0) drv[k] = -drv[k];
        }
        for (int k = 0; k < K; k++)
        {
            long eta = Eta();
            long noise = Rshr(NoiseQ * eta, FC + 10 - FS);
            if (Order == 1)
            {
                U[k] = Sat(U[k] + drv[k] - Math.Sign(U[k]) * Leak + noise, WS);
            }
            else
            {
                long fr = Rshr(Fric * Sat(Rshr(M[k], FS - FM), WM), FC + FM - FS);
                M[k] = Sat(M[k] - fr + drv[k] - Math.Sign(U[k]) * Leak + noise, WS);
                U[k] = Sat(U[k] + Rshr(Half * Sat(Rshr(M[k], FS - FM), WM), FC + FM - FS), WS);
            }
        }
    }
}
