using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The first-order Langevin step of <see cref="ChainBatch"/> (T &gt; 0) in float32 (<see cref="InferencePrecision.Single"/>):
/// many chains side by side, each with its own datum and random stream, for the float engine's inference.
/// <para>
/// Why: the double step is bound by its multiply-adds (A s and A^T r, 2 D per active unit and chain): a float32 vector
/// holds twice the lanes, and the dictionary takes half the cache. Two ways to the same products, chosen by the model
/// (never by the chains' grouping, so the bits do not depend on the thread count):
/// </para>
/// <list type="bullet">
/// <item>Event-driven (u0 &gt; 0, pi &lt; 1): per chain, only the active units enter A s and A^T r, as in
/// <see cref="ChainBatch"/> and the float32 learner (<see cref="SingleLearningBatch"/>).</item>
/// <item>Dense (u0 = 0, pi = 1: every unit is gated open, so every unit enters both products): the products of
/// <see cref="DenseBlock"/> chains at a time in register blocks, as a matrix product does, so that each dictionary
/// vector loaded feeds every chain of the block: R = X - S A^T from the dictionary's columns, G = R A from its rows
/// (a second copy, row by row: G's lanes are then units, and no lane sum is needed).</item>
/// </list>
/// <para>
/// Every sum has a fixed order written out here (8-float lanes; fused multiply-adds, computed in software where the CPU
/// has none): a chain's arithmetic is the same whether it is stepped in a block of <see cref="DenseBlock"/> or alone, so
/// the results are the same bits for any split of the chains among threads (and on every machine). The noise is
/// <see cref="SingleGaussianSampler"/>'s, per chain from substreams seeded by the chain's own stream (another sequence
/// than the double sampler's). Layout: column k at k * Dp, a chain's datum and residual at b * Dp (Dp: D rounded up to
/// whole 8-float vectors, the padding 0); row d of the dense copy at d * Kp (Kp: K rounded up likewise); u, s and g at b * K.
/// </para>
/// </summary>
public sealed class SingleChainBatch
{
    private const int Lanes = 8; // Vector256<float>.Count, fixed so that the sums' order does not depend on the machine

    /// <summary>Chains per register block of the dense products.</summary>
    public const int DenseBlock = 4;

    private readonly int _d, _dp, _k, _kp, _blocks;
    private readonly bool _signed, _dense;
    private readonly float _eps, _noise, _lambda, _invS2, _u0;
    private readonly Rng[] _rngs;
    private readonly float[] _x, _r, _u, _s, _g, _columns, _rows;
    private readonly int[] _list, _activeCount;
    private readonly float[][] _gaussians; // per block of chains: one chain's K draws (rounded up to whole vectors)
    private readonly ulong[] _noiseState; // per chain, its Gaussian sampler's four substreams
    private readonly Action<int> _stepBlock;

    /// <summary>Whether these settings have a float32 step: first-order Langevin at T &gt; 0.</summary>
    public static bool Supports(InferenceSettings settings) =>
        settings.Method == InferenceMethod.Langevin && settings.Order == 1 && settings.Temperature > 0;

    public SingleChainBatch(SparseCodingModel model, InferenceSettings settings, int chains, long seed)
    {
        model.Validate();
        settings.Validate();
        if (!Supports(settings)) throw new ArgumentException("the float32 sampler runs first-order Langevin at a temperature > 0 only");
        if (chains < 1) throw new ArgumentOutOfRangeException(nameof(chains), "at least one chain");
        MemoryBudget.CheckChains($"{chains} chains (K = {model.K}, D = {model.D})", chains, model.D, model.K, posterior: false, "give fewer chains (batch) or fewer units (K)");
        _d = model.D;
        _dp = (model.D + Lanes - 1) / Lanes * Lanes;
        _k = model.K;
        _kp = (model.K + Lanes - 1) / Lanes * Lanes;
        Chains = chains;
        _signed = model.Variant == Variant.Signed;
        if (!_signed && model.Variant != Variant.NonNegative) throw new ArgumentException($"unknown variant {model.Variant}");
        _eps = (float)settings.Eps;
        _noise = (float)Math.Sqrt(2 * settings.Temperature * settings.Eps);
        _lambda = (float)Math.Abs(model.Lambda);
        _invS2 = (float)(1 / (model.Sigma * model.Sigma));
        _u0 = (float)model.U0;
        _dense = _u0 == 0;
        _columns = new float[_k * _dp];
        _rows = _dense ? new float[_d * _kp] : [];
        for (int d = 0; d < _d; d++)
            for (int k = 0; k < _k; k++)
            {
                float a = (float)model.Dictionary[d, k];
                _columns[k * _dp + d] = a;
                if (_dense) _rows[d * _kp + k] = a;
            }
        _x = new float[chains * _dp];
        _r = new float[chains * _dp];
        _u = new float[chains * _k];
        _s = new float[chains * _k];
        _g = new float[chains * _k];
        _list = new int[chains * _k];
        _activeCount = new int[chains];
        _rngs = new Rng[chains];
        _noiseState = new ulong[chains * SingleGaussianSampler.StateLength];
        for (int b = 0; b < chains; b++)
        {
            _rngs[b] = new Rng(seed, b); // the streams of ChainBatch
            SingleGaussianSampler.Seed(_rngs[b], _noiseState.AsSpan(b * SingleGaussianSampler.StateLength, SingleGaussianSampler.StateLength));
        }
        // One block of chains per thread (WorkerPool.Threads, --threads), as ChainBatch; the delegate is made once: a step allocates nothing.
        _blocks = Math.Min(chains, WorkerPool.Threads);
        _stepBlock = StepBlock;
        _gaussians = new float[_blocks][];
        for (int i = 0; i < _blocks; i++) _gaussians[i] = new float[_kp];
    }

    public int Chains { get; }
    public int K => _k;
    public int D => _d;

    /// <summary>Whether the products run dense in register blocks of chains (u0 = 0: every unit gated open) rather than event-driven.</summary>
    public bool Dense => _dense;

    /// <summary>Codes s = h(u) at the state the last step started from, chains x K.</summary>
    public float[] S => _s;

    /// <summary>u, chains x K.</summary>
    public float[] U => _u;

    /// <summary>Tests: the residuals x - A s at the state the last step started from (chains x Dp, Dp = D rounded up to 8).</summary>
    internal float[] Residuals => _r;

    /// <summary>Tests: the data drives a_k . r of the last step (0 for units without drive), chains x K.</summary>
    internal float[] Drives => _g;

    /// <summary>Tests: D rounded up to whole 8-float vectors, the stride of <see cref="Residuals"/>.</summary>
    internal int PaddedD => _dp;

    /// <summary>Sets chain b's datum (rounded to float).</summary>
    public void SetInput(int b, ReadOnlySpan<double> x)
    {
        if (x.Length != _d) throw new ArgumentException($"a datum has D = {_d} numbers, got {x.Length}");
        for (int i = 0; i < _d; i++) _x[b * _dp + i] = (float)x[i];
    }

    /// <summary>Number of units active (s != 0) in chain b at the state the last step started from.</summary>
    public int ActiveCount(int b) => _activeCount[b];

    /// <summary>Advances every chain by one step (in parallel over blocks of chains; the results do not depend on the thread count).</summary>
    public void Step()
    {
        if (_blocks == 1) StepRange(0, Chains, _gaussians[0]);
        else WorkerPool.Run(_blocks, _stepBlock);
    }

    private void StepBlock(int blk) => StepRange((int)((long)Chains * blk / _blocks), (int)((long)Chains * (blk + 1) / _blocks), _gaussians[blk]);

    private void StepRange(int lo, int hi, float[] gaussians)
    {
        if (_dense)
        {
            DenseStep(lo, hi, gaussians);
            return;
        }
        for (int b = lo; b < hi; b++)
        {
            int n = Threshold(b);
            Residual(b, n);
            Drive(b, n);
            Move(b, gaussians);
        }
    }

    /// <summary>s = h(u) of chain b, g = 0, the list of its active units and their count (<see cref="SingleStepKernels.Threshold"/>); returns the list's length.</summary>
    private int Threshold(int b)
    {
        int n = SingleStepKernels.Threshold(_u, _s, _g, _list, _u0, _signed, b * _k, _k, out int nonzero);
        _activeCount[b] = nonzero;
        return n;
    }

    // ---- event-driven: one chain, its active units only ----

    /// <summary>r_b = x_b - sum over the n listed units with s != 0, in list order, of s_k a_k (<see cref="SingleStepKernels.Residual"/>).</summary>
    private void Residual(int b, int n) => SingleStepKernels.Residual(_x, _columns, _s, _list, _r, b * _k, b * _dp, _dp, n);

    /// <summary>g_k = a_k . r_b for the n listed units, four units at a time (8 lane sums in order, then <see cref="Reduce"/>, for each).</summary>
    private void Drive(int b, int n)
    {
        int ko = b * _k, xo = b * _dp, dp = _dp;
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(_list);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            int k0 = Unsafe.Add(ref listRef, ko + i), k1 = Unsafe.Add(ref listRef, ko + i + 1);
            int k2 = Unsafe.Add(ref listRef, ko + i + 2), k3 = Unsafe.Add(ref listRef, ko + i + 3);
            nuint a0 = (nuint)(k0 * dp), a1 = (nuint)(k1 * dp), a2 = (nuint)(k2 * dp), a3 = (nuint)(k3 * dp);
            Vector256<float> x = Vector256.LoadUnsafe(ref rRef, (nuint)xo);
            Vector256<float> s0 = Vector256.LoadUnsafe(ref aRef, a0) * x, s1 = Vector256.LoadUnsafe(ref aRef, a1) * x;
            Vector256<float> s2 = Vector256.LoadUnsafe(ref aRef, a2) * x, s3 = Vector256.LoadUnsafe(ref aRef, a3) * x;
            for (nuint e = Lanes; e < (nuint)dp; e += Lanes)
            {
                x = Vector256.LoadUnsafe(ref rRef, (nuint)xo + e);
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, a0 + e), x, s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, a1 + e), x, s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, a2 + e), x, s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, a3 + e), x, s3);
            }
            Unsafe.Add(ref gRef, ko + k0) = Reduce(s0);
            Unsafe.Add(ref gRef, ko + k1) = Reduce(s1);
            Unsafe.Add(ref gRef, ko + k2) = Reduce(s2);
            Unsafe.Add(ref gRef, ko + k3) = Reduce(s3);
        }
        for (; i < n; i++)
        {
            int k = Unsafe.Add(ref listRef, ko + i);
            nuint a = (nuint)(k * dp);
            Vector256<float> sum = Vector256.LoadUnsafe(ref aRef, a) * Vector256.LoadUnsafe(ref rRef, (nuint)xo);
            for (nuint e = Lanes; e < (nuint)dp; e += Lanes)
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, a + e), Vector256.LoadUnsafe(ref rRef, (nuint)xo + e), sum);
            Unsafe.Add(ref gRef, ko + k) = Reduce(sum);
        }
    }

    /// <summary>The eight lanes' sum in a fixed order: (lanes 0-3 + lanes 4-7), then (0 + 2) + (1 + 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector256<float> v)
    {
        Vector128<float> h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }

    // ---- dense: every unit, chains in register blocks ----

    /// <summary>
    /// The dense step of chains [lo, hi): every chain's codes; then r = x - A s strip by strip of 32 floats of r (each
    /// strip's columns, K x 128 bytes, stay in cache while every chain of the range uses them), then g = A^T r chunk by
    /// chunk of 32 units (each chunk's rows likewise), each in register blocks of <see cref="DenseBlock"/> chains; then
    /// every chain's move. A chain's every sum has the same operations in the same order whatever block it is in (or alone),
    /// so the split of the chains among threads does not change a bit. Why strips: with the whole dictionary per block
    /// (K = 512, D = 256: 512 kB in each layout) every block of four chains read 1 MB from beyond L2.
    /// </summary>
    private void DenseStep(int lo, int hi, float[] gaussians)
    {
        for (int b = lo; b < hi; b++) DenseThreshold(b);
        int e = 0;
        for (; e + 4 * Lanes <= _dp; e += 4 * Lanes)
        {
            int b = lo;
            for (; b + DenseBlock <= hi; b += DenseBlock) ResidualStrip4(b, e);
            for (; b < hi; b++) ResidualStrip1(b, e);
        }
        for (int b = lo; b < hi; b++) ResidualRest(b, e);
        int j = 0;
        for (; j + 4 * Lanes <= _k; j += 4 * Lanes)
        {
            int b = lo;
            for (; b + DenseBlock <= hi; b += DenseBlock) DriveChunk4(b, j);
            for (; b < hi; b++) DriveChunk1(b, j);
        }
        for (int b = lo; b < hi; b++) DriveRest(b, j);
        for (int b = lo; b < hi; b++) Move(b, gaussians);
    }

    /// <summary>s = h(u) of chain b at u0 = 0 (every unit gated open: no list) and its count of s != 0.</summary>
    private void DenseThreshold(int b)
    {
        int ko = b * _k, k = 0, kk = _k, nonzero = 0;
        ref float uRef = ref MemoryMarshal.GetArrayDataReference(_u);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        var zero = Vector256<float>.Zero;
        for (; k + Lanes <= kk; k += Lanes)
        {
            // s = |u| - 0 (negated for u < 0, signed): the operations of Threshold at u0 = 0
            Vector256<float> u = Vector256.LoadUnsafe(ref uRef, (nuint)(ko + k)), s = Vector256.Abs(u) - zero;
            if (_signed) s = Vector256.ConditionalSelect(Vector256.LessThan(u, zero), -s, s);
            s.StoreUnsafe(ref sRef, (nuint)(ko + k));
            nonzero += BitOperations.PopCount((~Vector256.Equals(s, zero)).ExtractMostSignificantBits());
        }
        for (; k < kk; k++)
        {
            float u = _u[ko + k], s = Math.Abs(u) - 0f;
            _s[ko + k] = _signed && u < 0 ? -s : s;
            nonzero += s != 0 ? 1 : 0;
        }
        _activeCount[b] = nonzero;
    }

    /// <summary>
    /// Floats [e, e + 32) of r_b = x_b - sum over every unit k, in increasing k, of s_bk a_k (one fused multiply-add per
    /// element and unit) for the four chains b0 .. b0 + 3: 16 vectors of r in registers, each loaded column vector feeding four chains.
    /// </summary>
    private void ResidualStrip4(int b0, int e)
    {
        int k = _k, dp = _dp;
        ref float xRef = ref MemoryMarshal.GetArrayDataReference(_x);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        nuint x0 = (nuint)(b0 * dp + e), x1 = x0 + (nuint)dp, x2 = x1 + (nuint)dp, x3 = x2 + (nuint)dp;
        int s0 = b0 * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
        Vector256<float> r00 = Vector256.LoadUnsafe(ref xRef, x0), r01 = Vector256.LoadUnsafe(ref xRef, x0 + 8);
        Vector256<float> r02 = Vector256.LoadUnsafe(ref xRef, x0 + 16), r03 = Vector256.LoadUnsafe(ref xRef, x0 + 24);
        Vector256<float> r10 = Vector256.LoadUnsafe(ref xRef, x1), r11 = Vector256.LoadUnsafe(ref xRef, x1 + 8);
        Vector256<float> r12 = Vector256.LoadUnsafe(ref xRef, x1 + 16), r13 = Vector256.LoadUnsafe(ref xRef, x1 + 24);
        Vector256<float> r20 = Vector256.LoadUnsafe(ref xRef, x2), r21 = Vector256.LoadUnsafe(ref xRef, x2 + 8);
        Vector256<float> r22 = Vector256.LoadUnsafe(ref xRef, x2 + 16), r23 = Vector256.LoadUnsafe(ref xRef, x2 + 24);
        Vector256<float> r30 = Vector256.LoadUnsafe(ref xRef, x3), r31 = Vector256.LoadUnsafe(ref xRef, x3 + 8);
        Vector256<float> r32 = Vector256.LoadUnsafe(ref xRef, x3 + 16), r33 = Vector256.LoadUnsafe(ref xRef, x3 + 24);
        for (int j = 0; j < k; j++)
        {
            nuint a = (nuint)(j * dp + e);
            Vector256<float> a0 = Vector256.LoadUnsafe(ref aRef, a), a1 = Vector256.LoadUnsafe(ref aRef, a + 8);
            Vector256<float> a2 = Vector256.LoadUnsafe(ref aRef, a + 16), a3 = Vector256.LoadUnsafe(ref aRef, a + 24);
            var c = Vector256.Create(-Unsafe.Add(ref sRef, s0 + j));
            r00 = Vector256.FusedMultiplyAdd(c, a0, r00);
            r01 = Vector256.FusedMultiplyAdd(c, a1, r01);
            r02 = Vector256.FusedMultiplyAdd(c, a2, r02);
            r03 = Vector256.FusedMultiplyAdd(c, a3, r03);
            c = Vector256.Create(-Unsafe.Add(ref sRef, s1 + j));
            r10 = Vector256.FusedMultiplyAdd(c, a0, r10);
            r11 = Vector256.FusedMultiplyAdd(c, a1, r11);
            r12 = Vector256.FusedMultiplyAdd(c, a2, r12);
            r13 = Vector256.FusedMultiplyAdd(c, a3, r13);
            c = Vector256.Create(-Unsafe.Add(ref sRef, s2 + j));
            r20 = Vector256.FusedMultiplyAdd(c, a0, r20);
            r21 = Vector256.FusedMultiplyAdd(c, a1, r21);
            r22 = Vector256.FusedMultiplyAdd(c, a2, r22);
            r23 = Vector256.FusedMultiplyAdd(c, a3, r23);
            c = Vector256.Create(-Unsafe.Add(ref sRef, s3 + j));
            r30 = Vector256.FusedMultiplyAdd(c, a0, r30);
            r31 = Vector256.FusedMultiplyAdd(c, a1, r31);
            r32 = Vector256.FusedMultiplyAdd(c, a2, r32);
            r33 = Vector256.FusedMultiplyAdd(c, a3, r33);
        }
        r00.StoreUnsafe(ref rRef, x0); r01.StoreUnsafe(ref rRef, x0 + 8); r02.StoreUnsafe(ref rRef, x0 + 16); r03.StoreUnsafe(ref rRef, x0 + 24);
        r10.StoreUnsafe(ref rRef, x1); r11.StoreUnsafe(ref rRef, x1 + 8); r12.StoreUnsafe(ref rRef, x1 + 16); r13.StoreUnsafe(ref rRef, x1 + 24);
        r20.StoreUnsafe(ref rRef, x2); r21.StoreUnsafe(ref rRef, x2 + 8); r22.StoreUnsafe(ref rRef, x2 + 16); r23.StoreUnsafe(ref rRef, x2 + 24);
        r30.StoreUnsafe(ref rRef, x3); r31.StoreUnsafe(ref rRef, x3 + 8); r32.StoreUnsafe(ref rRef, x3 + 16); r33.StoreUnsafe(ref rRef, x3 + 24);
    }

    /// <summary><see cref="ResidualStrip4"/> for one chain (the same operations for each of its floats).</summary>
    private void ResidualStrip1(int b, int e)
    {
        int k = _k, dp = _dp, so = b * k;
        ref float xRef = ref MemoryMarshal.GetArrayDataReference(_x);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        nuint o = (nuint)(b * dp + e);
        Vector256<float> r0 = Vector256.LoadUnsafe(ref xRef, o), r1 = Vector256.LoadUnsafe(ref xRef, o + 8);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref xRef, o + 16), r3 = Vector256.LoadUnsafe(ref xRef, o + 24);
        for (int j = 0; j < k; j++)
        {
            nuint a = (nuint)(j * dp + e);
            var c = Vector256.Create(-Unsafe.Add(ref sRef, so + j));
            r0 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a), r0);
            r1 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 8), r1);
            r2 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 16), r2);
            r3 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 24), r3);
        }
        r0.StoreUnsafe(ref rRef, o); r1.StoreUnsafe(ref rRef, o + 8); r2.StoreUnsafe(ref rRef, o + 16); r3.StoreUnsafe(ref rRef, o + 24);
    }

    /// <summary>Floats [e, Dp) of chain b's residual (past the last whole strip of 32), one vector at a time, the same operations.</summary>
    private void ResidualRest(int b, int e)
    {
        int k = _k, dp = _dp, so = b * k;
        ref float xRef = ref MemoryMarshal.GetArrayDataReference(_x);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        for (int f = e; f < dp; f += Lanes)
        {
            nuint o = (nuint)(b * dp + f);
            Vector256<float> r = Vector256.LoadUnsafe(ref xRef, o);
            for (int j = 0; j < k; j++)
                r = Vector256.FusedMultiplyAdd(Vector256.Create(-Unsafe.Add(ref sRef, so + j)), Vector256.LoadUnsafe(ref aRef, (nuint)(j * dp + f)), r);
            r.StoreUnsafe(ref rRef, o);
        }
    }

    /// <summary>
    /// g_bk for the 32 units [j, j + 32) of the four chains b0 .. b0 + 3: sum over d, in increasing d, of r_bd A[d, k] (the
    /// first a product, then one fused multiply-add per d), from the dictionary's rows: 16 vectors of g in registers, each
    /// loaded row vector feeding four chains.
    /// </summary>
    private void DriveChunk4(int b0, int j)
    {
        int kk = _k, kp = _kp, dp = _dp, dd = _d;
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float wRef = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        nuint x0 = (nuint)(b0 * dp), x1 = x0 + (nuint)dp, x2 = x1 + (nuint)dp, x3 = x2 + (nuint)dp;
        nuint w = (nuint)j;
        Vector256<float> a0 = Vector256.LoadUnsafe(ref wRef, w), a1 = Vector256.LoadUnsafe(ref wRef, w + 8);
        Vector256<float> a2 = Vector256.LoadUnsafe(ref wRef, w + 16), a3 = Vector256.LoadUnsafe(ref wRef, w + 24);
        var c = Vector256.Create(Unsafe.Add(ref rRef, x0));
        Vector256<float> q00 = c * a0, q01 = c * a1, q02 = c * a2, q03 = c * a3;
        c = Vector256.Create(Unsafe.Add(ref rRef, x1));
        Vector256<float> q10 = c * a0, q11 = c * a1, q12 = c * a2, q13 = c * a3;
        c = Vector256.Create(Unsafe.Add(ref rRef, x2));
        Vector256<float> q20 = c * a0, q21 = c * a1, q22 = c * a2, q23 = c * a3;
        c = Vector256.Create(Unsafe.Add(ref rRef, x3));
        Vector256<float> q30 = c * a0, q31 = c * a1, q32 = c * a2, q33 = c * a3;
        for (int d = 1; d < dd; d++)
        {
            w = (nuint)(d * kp + j);
            a0 = Vector256.LoadUnsafe(ref wRef, w);
            a1 = Vector256.LoadUnsafe(ref wRef, w + 8);
            a2 = Vector256.LoadUnsafe(ref wRef, w + 16);
            a3 = Vector256.LoadUnsafe(ref wRef, w + 24);
            c = Vector256.Create(Unsafe.Add(ref rRef, x0 + (nuint)d));
            q00 = Vector256.FusedMultiplyAdd(c, a0, q00);
            q01 = Vector256.FusedMultiplyAdd(c, a1, q01);
            q02 = Vector256.FusedMultiplyAdd(c, a2, q02);
            q03 = Vector256.FusedMultiplyAdd(c, a3, q03);
            c = Vector256.Create(Unsafe.Add(ref rRef, x1 + (nuint)d));
            q10 = Vector256.FusedMultiplyAdd(c, a0, q10);
            q11 = Vector256.FusedMultiplyAdd(c, a1, q11);
            q12 = Vector256.FusedMultiplyAdd(c, a2, q12);
            q13 = Vector256.FusedMultiplyAdd(c, a3, q13);
            c = Vector256.Create(Unsafe.Add(ref rRef, x2 + (nuint)d));
            q20 = Vector256.FusedMultiplyAdd(c, a0, q20);
            q21 = Vector256.FusedMultiplyAdd(c, a1, q21);
            q22 = Vector256.FusedMultiplyAdd(c, a2, q22);
            q23 = Vector256.FusedMultiplyAdd(c, a3, q23);
            c = Vector256.Create(Unsafe.Add(ref rRef, x3 + (nuint)d));
            q30 = Vector256.FusedMultiplyAdd(c, a0, q30);
            q31 = Vector256.FusedMultiplyAdd(c, a1, q31);
            q32 = Vector256.FusedMultiplyAdd(c, a2, q32);
            q33 = Vector256.FusedMultiplyAdd(c, a3, q33);
        }
        nuint g0 = (nuint)(b0 * kk + j), g1 = g0 + (nuint)kk, g2 = g1 + (nuint)kk, g3 = g2 + (nuint)kk;
        q00.StoreUnsafe(ref gRef, g0); q01.StoreUnsafe(ref gRef, g0 + 8); q02.StoreUnsafe(ref gRef, g0 + 16); q03.StoreUnsafe(ref gRef, g0 + 24);
        q10.StoreUnsafe(ref gRef, g1); q11.StoreUnsafe(ref gRef, g1 + 8); q12.StoreUnsafe(ref gRef, g1 + 16); q13.StoreUnsafe(ref gRef, g1 + 24);
        q20.StoreUnsafe(ref gRef, g2); q21.StoreUnsafe(ref gRef, g2 + 8); q22.StoreUnsafe(ref gRef, g2 + 16); q23.StoreUnsafe(ref gRef, g2 + 24);
        q30.StoreUnsafe(ref gRef, g3); q31.StoreUnsafe(ref gRef, g3 + 8); q32.StoreUnsafe(ref gRef, g3 + 16); q33.StoreUnsafe(ref gRef, g3 + 24);
    }

    /// <summary><see cref="DriveChunk4"/> for one chain (the same operations for each of its units).</summary>
    private void DriveChunk1(int b, int j)
    {
        int kp = _kp, dd = _d;
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float wRef = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        nuint xo = (nuint)(b * _dp), w = (nuint)j;
        var c = Vector256.Create(Unsafe.Add(ref rRef, xo));
        Vector256<float> q0 = c * Vector256.LoadUnsafe(ref wRef, w), q1 = c * Vector256.LoadUnsafe(ref wRef, w + 8);
        Vector256<float> q2 = c * Vector256.LoadUnsafe(ref wRef, w + 16), q3 = c * Vector256.LoadUnsafe(ref wRef, w + 24);
        for (int d = 1; d < dd; d++)
        {
            w = (nuint)(d * kp + j);
            c = Vector256.Create(Unsafe.Add(ref rRef, xo + (nuint)d));
            q0 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref wRef, w), q0);
            q1 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref wRef, w + 8), q1);
            q2 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref wRef, w + 16), q2);
            q3 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref wRef, w + 24), q3);
        }
        nuint g = (nuint)(b * _k + j);
        q0.StoreUnsafe(ref gRef, g); q1.StoreUnsafe(ref gRef, g + 8); q2.StoreUnsafe(ref gRef, g + 16); q3.StoreUnsafe(ref gRef, g + 24);
    }

    /// <summary>Units [j, K) of chain b (past the last whole chunk of 32): 8 at a time, then one at a time, the same operations.</summary>
    private void DriveRest(int b, int j)
    {
        int kk = _k, kp = _kp, dd = _d, xo = b * _dp, go = b * kk;
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float wRef = ref MemoryMarshal.GetArrayDataReference(_rows);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        for (; j + Lanes <= kk; j += Lanes)
        {
            Vector256<float> q = Vector256.Create(Unsafe.Add(ref rRef, xo)) * Vector256.LoadUnsafe(ref wRef, (nuint)j);
            for (int d = 1; d < dd; d++)
                q = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref rRef, xo + d)), Vector256.LoadUnsafe(ref wRef, (nuint)(d * kp + j)), q);
            q.StoreUnsafe(ref gRef, (nuint)(go + j));
        }
        for (; j < kk; j++)
        {
            float q = Unsafe.Add(ref rRef, xo) * Unsafe.Add(ref wRef, j);
            for (int d = 1; d < dd; d++) q = MathF.FusedMultiplyAdd(Unsafe.Add(ref rRef, xo + d), Unsafe.Add(ref wRef, d * kp + j), q);
            Unsafe.Add(ref gRef, go + j) = q;
        }
    }

    // ---- the move ----

    /// <summary>Draws chain b's noise, then u += eps (g / sigma^2 (negated for u &lt; 0, non-negative) - lambda sign(u)) + sqrt(2 T eps) xi.</summary>
    private void Move(int b, float[] gaussians)
    {
        SingleGaussianSampler.Fill(_noiseState.AsSpan(b * SingleGaussianSampler.StateLength, SingleGaussianSampler.StateLength), _rngs[b], gaussians);
        int ko = b * _k, k = 0, kk = _k;
        ref float uRef = ref MemoryMarshal.GetArrayDataReference(_u);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        ref float nRef = ref MemoryMarshal.GetArrayDataReference(gaussians);
        var epsV = Vector256.Create(_eps);
        var noiseV = Vector256.Create(_noise);
        var invS2 = Vector256.Create(_invS2);
        var lambdaV = Vector256.Create(_lambda);
        var signBit = Vector256.Create(-0.0f);
        var zero = Vector256<float>.Zero;
        var negateV = _signed ? zero : Vector256<float>.AllBitsSet;
        for (; k + Lanes <= kk; k += Lanes)
        {
            Vector256<float> u = Vector256.LoadUnsafe(ref uRef, (nuint)(ko + k));
            if (!Vector256.EqualsAll(u, u)) throw NaNState();
            Vector256<float> drive = Vector256.LoadUnsafe(ref gRef, (nuint)(ko + k)) * invS2;
            drive ^= Vector256.LessThan(u, zero) & negateV & signBit; // -drive for u < 0 (non-negative): the sign bit flipped
            Vector256<float> signLambda = (lambdaV | (u & signBit)) & ~Vector256.Equals(u, zero); // CopySign(lambda, u) where u != 0, else +0
            (u + epsV * (drive - signLambda) + noiseV * Vector256.LoadUnsafe(ref nRef, (nuint)k)).StoreUnsafe(ref uRef, (nuint)(ko + k));
        }
        for (; k < kk; k++)
        {
            float u = _u[ko + k];
            if (float.IsNaN(u)) throw NaNState();
            float drive = _g[ko + k] * _invS2;
            if (!_signed && u < 0) drive = -drive;
            float signLambda = u != 0 ? MathF.CopySign(_lambda, u) : 0;
            _u[ko + k] = u + _eps * (drive - signLambda) + _noise * gaussians[k];
        }
    }

    private static ArithmeticException NaNState() => new("u became NaN (the step blew up)");
}

/// <summary>The number format the float engine's chains step in (<see cref="FloatEngine"/>).</summary>
public enum InferencePrecision
{
    /// <summary>double (<see cref="ChainBatch"/>): every method and order; the default.</summary>
    Double,
    /// <summary>float32 (<see cref="SingleChainBatch"/>): first-order Langevin at T &gt; 0 only.</summary>
    Single,
}
