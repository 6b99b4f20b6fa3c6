using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Many chains of the dynamics of shared/MODEL.md run side by side, each with its own
/// datum and its own random stream: the double-precision reference sampler.
/// <para>
/// State is in flat arrays, chain b's unit k at b*K + k, chain b's pixel d at b*D + d.
/// The dictionary is kept column by column (<see cref="Columns"/>: a_k at k*D) because
/// every product runs along a column. The gate is exploited as in the fixed-point core:
/// only active units enter A s and only they get A^T r, so a step costs about
/// 2 D (active units) multiply-adds per chain, not 2 D K.
/// </para>
/// <para>
/// One <see cref="Step"/>: codes s = h(u) and the residual r = x - A s of the current
/// state are computed (and left in <see cref="S"/>, <see cref="R"/>, <see cref="G"/> for
/// the learner and the statistics), then u (and m) move by one step.
/// </para>
/// <para>
/// Langevin, T &gt; 0: the Euler-Maruyama update of MODEL.md exactly.
/// Langevin, T = 0 (deterministic descent, DSC): the same drift applied as a proximal step,
/// because the subgradient sign(u) chatters around zero forever and never yields an exact
/// zero: the leak shrinks |u| by eps lambda but never carries u across zero, a unit with
/// u0 = 0 (pi = 1) is gated open at u = 0 (in the + direction for the non-negative variant),
/// and in the non-negative variant the data drive does not carry u across zero either
/// (s = |u| would bounce). This is proximal gradient descent (ISTA) on the same energy.
/// Second order at T = 0 is plain heavy-ball descent.
/// LCA: u += eps (A^T r - u + s), s = soft threshold of u at theta = lambda sigma^2
/// (non-negative: max(u - theta, 0)), every unit driven; no noise. theta makes LCA's fixed
/// points those of the L1 MAP problem with this lambda and sigma.
/// </para>
/// </summary>
public sealed class ChainBatch
{
    private readonly Rng[] _rngs;
    private readonly int[] _activeList;
    private readonly int[] _activeCount;
    private readonly int[] _listed; // length of each chain's list of the last Residual
    private readonly double _eps, _noise, _half, _friction, _theta;
    private readonly int _blocks;
    private readonly Action<int> _stepBlock;
    private readonly double[][] _gaussians; // per block of chains: four chains' K noise draws each (first order)
    // MALA only: the state, force and codes the step started from, and per-chain acceptance counts.
    private readonly double[] _uOld, _fOld, _sOld;
    private readonly long[] _accepted, _proposals;

    public ChainBatch(SparseCodingModel model, InferenceSettings settings, int chains, long seed)
    {
        model.Validate();
        settings.Validate();
        if (chains < 1) throw new ArgumentOutOfRangeException(nameof(chains), "at least one chain");
        MemoryBudget.CheckChains($"{chains} chains (K = {model.K}, D = {model.D})", chains, model.D, model.K, posterior: false, "give fewer chains (batch) or fewer units (K)");
        Settings = settings;
        Variant = model.Variant;
        Lambda = model.Lambda;
        Sigma = model.Sigma;
        U0 = model.U0;
        D = model.D;
        K = model.K;
        Chains = chains;
        Columns = new double[K * D];
        SetDictionary(model.Dictionary);
        X = new double[chains * D];
        R = new double[chains * D];
        U = new double[chains * K];
        M = new double[chains * K];
        S = new double[chains * K];
        G = new double[chains * K];
        _activeList = new int[chains * K];
        _activeCount = new int[chains];
        _listed = new int[chains];
        _rngs = new Rng[chains];
        for (int b = 0; b < chains; b++) _rngs[b] = new Rng(seed, b);
        _eps = settings.Eps;
        _noise = Math.Sqrt(2 * settings.Temperature * _eps);
        _half = _eps / (2 * settings.Mu);
        _friction = _eps / settings.Mu;
        _theta = Lambda * Sigma * Sigma;
        // One block of chains per thread (WorkerPool.Threads, --threads); each chain has its own
        // random stream, so the split does not change a bit. The delegate is made once: a step allocates nothing.
        _blocks = Math.Min(chains, WorkerPool.Threads);
        _stepBlock = StepBlock;
        _gaussians = new double[_blocks][];
        for (int i = 0; i < _blocks; i++) _gaussians[i] = new double[4 * K]; // four chains' draws (StepRange)
        bool mala = settings.Method == InferenceMethod.Mala;
        _uOld = mala ? new double[chains * K] : [];
        _fOld = mala ? new double[chains * K] : [];
        _sOld = mala ? new double[chains * K] : [];
        _accepted = new long[chains];
        _proposals = new long[chains];
    }

    public InferenceSettings Settings { get; }
    public Variant Variant { get; }
    public double Lambda { get; }
    public double Sigma { get; }
    /// <summary>The threshold u0; the learner moves it when pi is learned.</summary>
    public double U0 { get; set; }
    public int D { get; }
    public int K { get; }
    public int Chains { get; }
    /// <summary>Dictionary column by column: A[d, k] = Columns[k * D + d].</summary>
    public double[] Columns { get; }
    /// <summary>Each chain's datum, chains x D.</summary>
    public double[] X { get; }
    /// <summary>Residual x - A s at the state the last step started from, chains x D.</summary>
    public double[] R { get; }
    /// <summary>u, chains x K.</summary>
    public double[] U { get; }
    /// <summary>Momentum (second order only), chains x K.</summary>
    public double[] M { get; }
    /// <summary>Codes s = h(u) at the state the last step started from, chains x K.</summary>
    public double[] S { get; }
    /// <summary>a_k . r for the units that got data drive in the last step (active units; every unit for LCA), else 0.</summary>
    public double[] G { get; }

    /// <summary>The random stream of chain b (also used by the learner for that chain's data switching).</summary>
    public Rng ChainRng(int b) => _rngs[b];

    public void SetDictionary(Matrix a)
    {
        if (a.Rows != D || a.Cols != K) throw new ArgumentException($"dictionary must be {D}x{K}, got {a.Rows}x{a.Cols}");
        for (int d = 0; d < D; d++)
            for (int k = 0; k < K; k++)
                Columns[k * D + d] = a.Data[d * K + k];
    }

    public Matrix GetDictionary()
    {
        var a = new Matrix(D, K);
        for (int d = 0; d < D; d++)
            for (int k = 0; k < K; k++)
                a.Data[d * K + k] = Columns[k * D + d];
        return a;
    }

    /// <summary>Sets chain b's datum.</summary>
    public void SetInput(int b, ReadOnlySpan<double> x) => x.CopyTo(X.AsSpan(b * D, D));

    /// <summary>Number of units active (s != 0) in chain b at the state the last step started from.</summary>
    public int ActiveCount(int b) => _activeCount[b];

    /// <summary>
    /// The units chain b listed at the state the last step started from, increasing: every unit with
    /// S != 0 among them (with u0 = 0 also units with S = 0; every unit for LCA). For MALA the list is the
    /// proposal's while S is the start's: Langevin and LCA only.
    /// </summary>
    internal ReadOnlySpan<int> ListedUnits(int b) => _activeList.AsSpan(b * K, _listed[b]);

    /// <summary>Advances every chain by one step (in parallel over blocks of chains; results do not depend on the thread count).</summary>
    public void Step()
    {
        if (_blocks == 1)
        {
            StepRange(0, Chains, _gaussians[0]);
            return;
        }
        WorkerPool.Run(_blocks, _stepBlock);
    }

    private void StepBlock(int blk) => StepRange((int)((long)Chains * blk / _blocks), (int)((long)Chains * (blk + 1) / _blocks), _gaussians[blk]);

    private void StepRange(int lo, int hi, double[] gaussians)
    {
        if (Settings.Method == InferenceMethod.Langevin && Settings.Order == 1)
        {
            // Each chain's K draws come from its own stream whatever the grouping: four chains' streams are
            // advanced side by side (Rng.FillGaussianZiggurat4, the same numbers), then each chain steps.
            int b = lo, k = K;
            if (_noise > 0)
                for (; b + 4 <= hi; b += 4)
                {
                    Rng.FillGaussianZiggurat4(_rngs[b], _rngs[b + 1], _rngs[b + 2], _rngs[b + 3],
                        gaussians.AsSpan(0, k), gaussians.AsSpan(k, k), gaussians.AsSpan(2 * k, k), gaussians.AsSpan(3 * k, k));
                    if (U0 == 0)
                    {
                        // Every unit of every chain is listed (gated open at u0 = 0): the four chains' data drives
                        // together (DriveOpen4), each chain's the same operations as Evaluate's, so the same bits.
                        for (int c = 0; c < 4; c++) EvaluateCodes(b + c);
                        DriveOpen4(b);
                        for (int c = 0; c < 4; c++) MoveFirstOrder(b + c, gaussians, c * k);
                    }
                    else
                        for (int c = 0; c < 4; c++) StepFirstOrder(b + c, gaussians, c * k);
                }
            for (; b < hi; b++)
            {
                if (_noise > 0) _rngs[b].FillGaussianZiggurat(gaussians.AsSpan(0, k));
                StepFirstOrder(b, gaussians, 0);
            }
            return;
        }
        for (int b = lo; b < hi; b++)
        {
            if (Settings.Method == InferenceMethod.Lca) StepLca(b);
            else if (Settings.Method == InferenceMethod.Mala) StepMala(b);
            else StepSecondOrder(b);
        }
    }


    /// <summary>Codes, active list, residual and data drive of chain b at its current u (Langevin).</summary>
    private void Evaluate(int b)
    {
        int n = EvaluateCodes(b);
        int ko = b * K, xo = b * D;
        int[] list = _activeList;
        double[] gg = G;
        // Four units at a time (Dot4: the same bits as Dot, four sums in flight instead of one chain of dependent additions).
        ReadOnlySpan<double> r = R.AsSpan(xo, D);
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            int k0 = list[ko + i], k1 = list[ko + i + 1], k2 = list[ko + i + 2], k3 = list[ko + i + 3];
            Dot4(Column(k0), Column(k1), Column(k2), Column(k3), r, out gg[ko + k0], out gg[ko + k1], out gg[ko + k2], out gg[ko + k3]);
        }
        for (; i < n; i++)
        {
            int unit = list[ko + i];
            gg[ko + unit] = Dot(unit, xo);
        }
    }

    /// <summary>
    /// The data drives of the four chains b0 .. b0 + 3 when every unit is listed (u0 = 0: each chain's list is 0 .. K - 1):
    /// g = a_k . r, for each chain and unit exactly the operations of <see cref="Dot4"/> (whole groups of four units) and
    /// <see cref="Dot"/> (the rest) that <see cref="Evaluate"/> does, so the same bits; but the four chains' sums side by
    /// side, 16 in flight and each loaded column vector used four times (Dot4 alone waited on its four additions).
    /// </summary>
    private void DriveOpen4(int b0)
    {
        int k = K, d = D, i = 0;
        double[] gg = G;
        ReadOnlySpan<double> r0 = R.AsSpan(b0 * d, d), r1 = R.AsSpan((b0 + 1) * d, d), r2 = R.AsSpan((b0 + 2) * d, d), r3 = R.AsSpan((b0 + 3) * d, d);
        for (; i + 4 <= k; i += 4)
        {
            Dot4x4(Column(i), Column(i + 1), Column(i + 2), Column(i + 3), r0, r1, r2, r3, gg.AsSpan(b0 * k + i, 4), gg.AsSpan((b0 + 1) * k + i, 4),
                gg.AsSpan((b0 + 2) * k + i, 4), gg.AsSpan((b0 + 3) * k + i, 4));
        }
        for (; i < k; i++)
            for (int c = 0; c < 4; c++) gg[(b0 + c) * k + i] = Dot(i, (b0 + c) * d);
    }

    /// <summary>
    /// <see cref="Dot4"/>(a0, a1, a2, a3, r_c) for the four vectors r0 .. r3 into g0 .. g3 (four sums each), each sum with
    /// exactly Dot4's operations in the same order (so the same bits).
    /// </summary>
    private static void Dot4x4(ReadOnlySpan<double> a0, ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3,
        ReadOnlySpan<double> r0, ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, ReadOnlySpan<double> r3,
        Span<double> g0, Span<double> g1, Span<double> g2, Span<double> g3)
    {
        int n = r0.Length, i = 0;
        Span<double> acc = stackalloc double[16]; // chain c, unit j at 4 c + j
        acc.Clear();
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var v0 = MemoryMarshal.Cast<double, Vector<double>>(a0);
            var v1 = MemoryMarshal.Cast<double, Vector<double>>(a1);
            var v2 = MemoryMarshal.Cast<double, Vector<double>>(a2);
            var v3 = MemoryMarshal.Cast<double, Vector<double>>(a3);
            var x0 = MemoryMarshal.Cast<double, Vector<double>>(r0);
            var x1 = MemoryMarshal.Cast<double, Vector<double>>(r1);
            var x2 = MemoryMarshal.Cast<double, Vector<double>>(r2);
            var x3 = MemoryMarshal.Cast<double, Vector<double>>(r3);
            Vector<double> s00 = Vector<double>.Zero, s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            Vector<double> s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
            for (int v = 0; v < x0.Length; v++)
            {
                Vector<double> c0 = v0[v], c1 = v1[v], c2 = v2[v], c3 = v3[v], x = x0[v];
                s00 += c0 * x; s01 += c1 * x; s02 += c2 * x; s03 += c3 * x;
                x = x1[v];
                s10 += c0 * x; s11 += c1 * x; s12 += c2 * x; s13 += c3 * x;
                x = x2[v];
                s20 += c0 * x; s21 += c1 * x; s22 += c2 * x; s23 += c3 * x;
                x = x3[v];
                s30 += c0 * x; s31 += c1 * x; s32 += c2 * x; s33 += c3 * x;
            }
            acc[0] = Vector.Sum(s00); acc[1] = Vector.Sum(s01); acc[2] = Vector.Sum(s02); acc[3] = Vector.Sum(s03);
            acc[4] = Vector.Sum(s10); acc[5] = Vector.Sum(s11); acc[6] = Vector.Sum(s12); acc[7] = Vector.Sum(s13);
            acc[8] = Vector.Sum(s20); acc[9] = Vector.Sum(s21); acc[10] = Vector.Sum(s22); acc[11] = Vector.Sum(s23);
            acc[12] = Vector.Sum(s30); acc[13] = Vector.Sum(s31); acc[14] = Vector.Sum(s32); acc[15] = Vector.Sum(s33);
            i = x0.Length * Vector<double>.Count;
        }
        for (; i < n; i++)
        {
            double c0 = a0[i], c1 = a1[i], c2 = a2[i], c3 = a3[i];
            double x = r0[i];
            acc[0] += c0 * x; acc[1] += c1 * x; acc[2] += c2 * x; acc[3] += c3 * x;
            x = r1[i];
            acc[4] += c0 * x; acc[5] += c1 * x; acc[6] += c2 * x; acc[7] += c3 * x;
            x = r2[i];
            acc[8] += c0 * x; acc[9] += c1 * x; acc[10] += c2 * x; acc[11] += c3 * x;
            x = r3[i];
            acc[12] += c0 * x; acc[13] += c1 * x; acc[14] += c2 * x; acc[15] += c3 * x;
        }
        acc[..4].CopyTo(g0);
        acc[4..8].CopyTo(g1);
        acc[8..12].CopyTo(g2);
        acc[12..].CopyTo(g3);
    }

    /// <summary>Codes, active list and residual of chain b at its current u (Langevin), G zeroed; returns the list's length.</summary>
    private int EvaluateCodes(int b)
    {
        int ko = b * K;
        double u0 = U0;
        bool open0 = u0 == 0;
        bool signed = Variant == Variant.Signed;
        int n = 0, k = 0;
        double[] uu = U, ss = S, gg = G;
        int[] list = _activeList;
        // Four units per pass in vector lanes, then one at a time: the gate as a mask, not a branch
        // (which units are active is as good as random; the branch mispredicted on a good share of
        // them). The same values as the scalar loop: s = |u| - u0 (negated for u < 0, signed) where
        // active, +0 elsewhere; the active units listed in increasing k.
        if (Vector256.IsHardwareAccelerated)
        {
            var u0v = Vector256.Create(u0);
            var zero = Vector256<double>.Zero;
            ref double uRef = ref MemoryMarshal.GetArrayDataReference(uu);
            ref double sRef = ref MemoryMarshal.GetArrayDataReference(ss);
            ref double gRef = ref MemoryMarshal.GetArrayDataReference(gg);
            ref int listRef = ref MemoryMarshal.GetArrayDataReference(list);
            ref int compress = ref MemoryMarshal.GetArrayDataReference(SingleStepKernels.SetLanes);
            for (; k + 4 <= K; k += 4)
            {
                Vector256<double> u = Vector256.LoadUnsafe(ref uRef, (nuint)(ko + k)), au = Vector256.Abs(u);
                Vector256<double> on = open0 ? Vector256<double>.AllBitsSet : Vector256.GreaterThan(au, u0v);
                Vector256<double> s = au - u0v;
                if (signed) s = Vector256.ConditionalSelect(Vector256.LessThan(u, zero), -s, s);
                (s & on).StoreUnsafe(ref sRef, (nuint)(ko + k));
                zero.StoreUnsafe(ref gRef, (nuint)(ko + k));
                // The active lanes' units appended without a branch per unit: four entries always written (those
                // past the new end are overwritten later or never read, and stay inside the chain's K slots,
                // since n <= k), the count moved by the number of active lanes.
                uint bits = on.ExtractMostSignificantBits();
                (Vector128.LoadUnsafe(ref compress, 4 * bits) + Vector128.Create(k)).StoreUnsafe(ref listRef, (nuint)(ko + n));
                n += BitOperations.PopCount(bits);
            }
        }
        for (; k < K; k++)
        {
            double u = uu[ko + k], au = Math.Abs(u);
            gg[ko + k] = 0;
            bool on = au > u0 || open0;
            double s = au - u0;
            ss[ko + k] = on ? (signed && u < 0 ? -s : s) : 0;
            list[ko + n] = k; // slot n past the list is overwritten later or never read
            n += on ? 1 : 0;
        }
        Residual(b, n);
        return n;
    }

    private ReadOnlySpan<double> Column(int k) => Columns.AsSpan(k * D, D);

    /// <summary>r = x - sum over the first n listed units of s_k a_k; counts the non-zero codes.</summary>
    private void Residual(int b, int n)
    {
        int ko = b * K, xo = b * D, d = D;
        int[] list = _activeList;
        double[] s = S, cols = Columns, x = X, r = R;
        int nonzero = 0;
        for (int i = 0; i < n; i++) nonzero += s[ko + list[ko + i]] != 0 ? 1 : 0;
        _activeCount[b] = nonzero;
        _listed[b] = n;
        // Element by element the operations of Axpy(-s_k, a_k, r) over the listed units with s_k != 0, in list
        // order (so the same bits), but 32 elements of r at a time kept in registers across the units instead of
        // loaded and stored once per unit; the elements past the last whole 32 by Axpy itself.
        int e = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double xRef = ref MemoryMarshal.GetArrayDataReference(x);
            ref double rRef = ref MemoryMarshal.GetArrayDataReference(r);
            ref double aRef = ref MemoryMarshal.GetArrayDataReference(cols);
            for (; e + 32 <= d; e += 32)
            {
                nuint o = (nuint)(xo + e);
                Vector256<double> r0 = Vector256.LoadUnsafe(ref xRef, o), r1 = Vector256.LoadUnsafe(ref xRef, o + 4);
                Vector256<double> r2 = Vector256.LoadUnsafe(ref xRef, o + 8), r3 = Vector256.LoadUnsafe(ref xRef, o + 12);
                Vector256<double> r4 = Vector256.LoadUnsafe(ref xRef, o + 16), r5 = Vector256.LoadUnsafe(ref xRef, o + 20);
                Vector256<double> r6 = Vector256.LoadUnsafe(ref xRef, o + 24), r7 = Vector256.LoadUnsafe(ref xRef, o + 28);
                for (int i = 0; i < n; i++)
                {
                    int k = list[ko + i];
                    double sk = s[ko + k];
                    if (sk == 0) continue;
                    var c = Vector256.Create(-sk);
                    nuint a = (nuint)(k * d + e);
                    r0 += c * Vector256.LoadUnsafe(ref aRef, a);
                    r1 += c * Vector256.LoadUnsafe(ref aRef, a + 4);
                    r2 += c * Vector256.LoadUnsafe(ref aRef, a + 8);
                    r3 += c * Vector256.LoadUnsafe(ref aRef, a + 12);
                    r4 += c * Vector256.LoadUnsafe(ref aRef, a + 16);
                    r5 += c * Vector256.LoadUnsafe(ref aRef, a + 20);
                    r6 += c * Vector256.LoadUnsafe(ref aRef, a + 24);
                    r7 += c * Vector256.LoadUnsafe(ref aRef, a + 28);
                }
                r0.StoreUnsafe(ref rRef, o);
                r1.StoreUnsafe(ref rRef, o + 4);
                r2.StoreUnsafe(ref rRef, o + 8);
                r3.StoreUnsafe(ref rRef, o + 12);
                r4.StoreUnsafe(ref rRef, o + 16);
                r5.StoreUnsafe(ref rRef, o + 20);
                r6.StoreUnsafe(ref rRef, o + 24);
                r7.StoreUnsafe(ref rRef, o + 28);
            }
        }
        if (e == d) return;
        Array.Copy(x, xo + e, r, xo + e, d - e);
        for (int i = 0; i < n; i++)
        {
            int k = list[ko + i];
            double sk = s[ko + k];
            if (sk == 0) continue;
            Axpy(-sk, cols.AsSpan(k * d + e, d - e), r.AsSpan(xo + e, d - e));
        }
    }

    private double Dot(int k, int xo) => Dot(Columns.AsSpan(k * D, D), R.AsSpan(xo, D));

    /// <summary>sum_i a_i b_i, with SIMD lanes (the order of the sum differs from a plain loop only in rounding).</summary>
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, i = 0;
        double acc = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            var sum = Vector<double>.Zero;
            for (int v = 0; v < va.Length; v++) sum += va[v] * vb[v];
            acc = Vector.Sum(sum);
            i = va.Length * Vector<double>.Count;
        }
        for (; i < n; i++) acc += a[i] * b[i];
        return acc;
    }

    /// <summary>
    /// Dot(a0, b) .. Dot(a3, b), each with exactly the operations of <see cref="Dot"/> in the same order (so the
    /// same bits): the four sums are independent, so four additions are in flight where Dot waits for each.
    /// </summary>
    internal static void Dot4(ReadOnlySpan<double> a0, ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3,
        ReadOnlySpan<double> b, out double d0, out double d1, out double d2, out double d3)
    {
        int n = b.Length, i = 0;
        if (a0.Length != n || a1.Length != n || a2.Length != n || a3.Length != n) throw new ArgumentException("the five vectors differ in length");
        double acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            var v0 = MemoryMarshal.Cast<double, Vector<double>>(a0);
            var v1 = MemoryMarshal.Cast<double, Vector<double>>(a1);
            var v2 = MemoryMarshal.Cast<double, Vector<double>>(a2);
            var v3 = MemoryMarshal.Cast<double, Vector<double>>(a3);
            Vector<double> sum0 = Vector<double>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int v = 0; v < vb.Length; v++)
            {
                Vector<double> x = vb[v];
                sum0 += v0[v] * x;
                sum1 += v1[v] * x;
                sum2 += v2[v] * x;
                sum3 += v3[v] * x;
            }
            acc0 = Vector.Sum(sum0);
            acc1 = Vector.Sum(sum1);
            acc2 = Vector.Sum(sum2);
            acc3 = Vector.Sum(sum3);
            i = vb.Length * Vector<double>.Count;
        }
        for (; i < n; i++)
        {
            double x = b[i];
            acc0 += a0[i] * x;
            acc1 += a1[i] * x;
            acc2 += a2[i] * x;
            acc3 += a3[i] * x;
        }
        (d0, d1, d2, d3) = (acc0, acc1, acc2, acc3);
    }

    /// <summary>y += alpha x, with SIMD lanes.</summary>
    internal static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var va = new Vector<double>(alpha);
            for (int v = 0; v < vx.Length; v++) vy[v] += va * vx[v];
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    /// <summary>-dE/du for unit k of chain b, from the evaluated state: gated data drive minus the leak.</summary>
    private double Force(int b, int k, double u)
    {
        double drive = G[b * K + k] / (Sigma * Sigma);
        if (Variant == Variant.NonNegative && u < 0) drive = -drive;
        return drive - Lambda * Math.Sign(u);
    }

    /// <summary>One first-order step of chain b; with noise, unit k's draw is gaussians[g0 + k] (drawn by StepRange, in order from the chain's stream).</summary>
    private void StepFirstOrder(int b, double[] gaussians, int g0)
    {
        Evaluate(b);
        MoveFirstOrder(b, gaussians, g0);
    }

    /// <summary>The first-order move of chain b from its evaluated state (<see cref="StepFirstOrder"/>).</summary>
    private void MoveFirstOrder(int b, double[] gaussians, int g0)
    {
        int ko = b * K;
        if (_noise > 0)
        {
            // Force(b, k, u) inlined with the loop invariants hoisted (same arithmetic, same bits). Units
            // below threshold have G = 0 exactly, so their drive is 0 without the division.
            double eps = _eps, noise = _noise, lambda = Lambda, s2 = Sigma * Sigma;
            bool negate = Variant == Variant.NonNegative;
            double[] uu = U, gg = G;
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Four units per pass: the loop below lane by lane, the same IEEE operations in the
                // same order (no fused multiply-add), so the same bits.
                var epsV = Vector256.Create(eps);
                var noiseV = Vector256.Create(noise);
                var s2V = Vector256.Create(s2);
                var lambdaV = Vector256.Create(Math.Abs(lambda)); // CopySign keeps |lambda|
                var signBit = Vector256.Create(-0.0);
                var zero = Vector256<double>.Zero;
                var negateV = negate ? Vector256<double>.AllBitsSet : zero;
                ref double uRef = ref MemoryMarshal.GetArrayDataReference(uu);
                ref double gRef = ref MemoryMarshal.GetArrayDataReference(gg);
                ref double nRef = ref MemoryMarshal.GetArrayDataReference(gaussians);
                for (; k + 4 <= K; k += 4)
                {
                    Vector256<double> u = Vector256.LoadUnsafe(ref uRef, (nuint)(ko + k));
                    if (!Vector256.EqualsAll(u, u)) throw NaNState(); // a NaN lane
                    Vector256<double> drive = Vector256.LoadUnsafe(ref gRef, (nuint)(ko + k)) / s2V;
                    drive ^= Vector256.LessThan(u, zero) & negateV & signBit; // -drive: the sign bit flipped, as scalar negation does
                    // CopySign(lambda, u) where u != 0, else +0.
                    Vector256<double> signLambda = (lambdaV | (u & signBit)) & ~Vector256.Equals(u, zero);
                    (u + epsV * (drive - signLambda) + noiseV * Vector256.LoadUnsafe(ref nRef, (nuint)(g0 + k))).StoreUnsafe(ref uRef, (nuint)(ko + k));
                }
            }
            for (; k < K; k++)
            {
                double u = uu[ko + k], g = gg[ko + k];
                double drive = g / s2; // 0 (or -0, which the sum below makes the same) for an inactive unit: G = 0
                if (negate && u < 0) drive = -drive;
                // lambda sign(u) without a branch on the sign (random for the signed code, it mispredicted often;
                // Math.Sign(double) was also a call per unit). A NaN u throws ArithmeticException as Math.Sign did:
                // the learner reports a blown-up u as divergence from it.
                if (double.IsNaN(u)) throw NaNState();
                double signLambda = u != 0 ? Math.CopySign(lambda, u) : 0;
                uu[ko + k] = u + eps * (drive - signLambda) + noise * gaussians[g0 + k];
            }
            return;
        }
        double leak = _eps * Lambda, inv = 1 / (Sigma * Sigma);
        bool nonneg = Variant == Variant.NonNegative;
        for (int k = 0; k < K; k++)
        {
            double u = U[ko + k];
            double drive = G[ko + k] * inv;
            if (nonneg && u < 0) drive = -drive;
            double v = u + _eps * drive;
            // u = 0 counts as the + side: a negative drive at u = 0 must not open s = |u| on the other side.
            if (nonneg && ((u >= 0 && v < 0) || (u < 0 && v > 0))) v = 0;
            v = v > leak ? v - leak : v < -leak ? v + leak : 0;
            U[ko + k] = v;
        }
    }

    private static ArithmeticException NaNState() => new("u became NaN (the step blew up)");

    /// <summary>E(u) = ||r||^2 / (2 sigma^2) + lambda sum |u_k| of chain b from its evaluated residual.</summary>
    private double Energy(int b)
    {
        int ko = b * K, xo = b * D;
        double rr = Dot(R.AsSpan(xo, D), R.AsSpan(xo, D)), l1 = 0;
        for (int k = 0; k < K; k++) l1 += Math.Abs(U[ko + k]);
        return rr / (2 * Sigma * Sigma) + Lambda * l1;
    }

    /// <summary>
    /// MALA: the first-order step from u as a proposal u' = u + eps D(u) + sqrt(2 T eps) xi, accepted with probability
    /// min(1, exp(-(E(u') - E(u)) / T) q(u | u') / q(u' | u)), q the proposal's Gaussian density. S is left at the state the
    /// step started from (as for the other methods); R and G at the proposal.
    /// <para>
    /// D is the force F truncated per unit so that a step's drift is at most <see cref="MalaDriftLimit"/> noise standard
    /// deviations (MALTA, Roberts and Tweedie 1996: any proposal that depends only on the current state keeps the chain
    /// exact, so the truncation changes how fast it mixes, not what it samples). Why: the force jumps at the threshold,
    /// from -lambda sign(u) below it (no data drive) to the full data drive just above it. With the plain force the way
    /// back from just above the threshold, q(u | u'), carries that whole drive, so for a strongly driven unit
    /// (eps F / sqrt(2 T eps) of tens) every proposal that crosses the threshold is rejected, the unit never becomes
    /// active, and the chain reports P(s != 0) = 0 where the posterior has 1: a K = 1 unit at a.x = 40, sigma 0.5 did, and
    /// the 8x8 bars with a bar at 40 x its atom stayed in the mode where eight other bars explain it. At stationarity
    /// the drift of a stable step is about one noise standard deviation or less, so the limit rarely acts there.
    /// </para>
    /// </summary>
    private void StepMala(int b)
    {
        int ko = b * K;
        Rng rng = _rngs[b];
        double t = Settings.Temperature, var2 = 2 * t * _eps;
        double limit = MalaDriftLimit * _noise / _eps; // |eps D| <= MalaDriftLimit x sqrt(2 T eps)
        Evaluate(b);
        double e0 = Energy(b);
        for (int k = 0; k < K; k++)
        {
            double u = U[ko + k];
            _uOld[ko + k] = u;
            _fOld[ko + k] = Math.Clamp(Force(b, k, u), -limit, limit);
            _sOld[ko + k] = S[ko + k];
        }
        double forward = 0;
        for (int k = 0; k < K; k++)
        {
            double xi = rng.NextGaussianZiggurat();
            U[ko + k] = _uOld[ko + k] + _eps * _fOld[ko + k] + _noise * xi;
            forward += xi * xi; // ||u' - u - eps F(u)||^2 / (2 T eps) = ||xi||^2 / 2 (noise = sqrt(2 T eps))
        }
        Evaluate(b);
        double e1 = Energy(b), backward = 0;
        for (int k = 0; k < K; k++)
        {
            double d = _uOld[ko + k] - U[ko + k] - _eps * Math.Clamp(Force(b, k, U[ko + k]), -limit, limit);
            backward += d * d;
        }
        double logAccept = -(e1 - e0) / t - backward / (2 * var2) + forward / 2;
        _proposals[b]++;
        if (logAccept >= 0 || rng.NextDouble() < Math.Exp(logAccept)) _accepted[b]++;
        else Array.Copy(_uOld, ko, U, ko, K);
        Array.Copy(_sOld, ko, S, ko, K);
    }

    /// <summary>
    /// MALA's largest drift per step and unit, in noise standard deviations sqrt(2 T eps) (<see cref="StepMala"/>). 2: a
    /// proposal across the threshold then pays at most about exp(-2 - 2 xi) on the way back instead of the whole drive's
    /// square, while a unit far from its mode still moves two standard deviations per step toward it.
    /// </summary>
    public const double MalaDriftLimit = 2;

    /// <summary>Fraction of MALA proposals accepted in chains [from, to) since the batch was made (NaN when none).</summary>
    public double AcceptanceRate(int from, int to)
    {
        long a = 0, p = 0;
        for (int b = from; b < to; b++) { a += _accepted[b]; p += _proposals[b]; }
        return p == 0 ? double.NaN : (double)a / p;
    }

    private void StepSecondOrder(int b)
    {
        int ko = b * K;
        for (int k = 0; k < K; k++) U[ko + k] += _half * M[ko + k];
        Evaluate(b);
        Rng rng = _rngs[b];
        for (int k = 0; k < K; k++)
        {
            double u = U[ko + k], m = M[ko + k];
            m += -_friction * m + _eps * Force(b, k, u);
            if (_noise > 0) m += _noise * rng.NextGaussianZiggurat();
            M[ko + k] = m;
            U[ko + k] = u + _half * m;
        }
    }

    private void StepLca(int b)
    {
        int ko = b * K, xo = b * D;
        bool signed = Variant == Variant.Signed;
        for (int k = 0; k < K; k++)
        {
            double u = U[ko + k];
            double s = signed ? Math.Sign(u) * Math.Max(Math.Abs(u) - _theta, 0) : Math.Max(u - _theta, 0);
            S[ko + k] = s;
            _activeList[ko + k] = k;
        }
        Residual(b, K);
        for (int k = 0; k < K; k++)
        {
            double g = Dot(k, xo);
            G[ko + k] = g;
            U[ko + k] += _eps * (g - U[ko + k] + S[ko + k]);
        }
    }

    /// <summary>Writes h(u) of the current state of chain b into dest[offset..offset+K) (LCA: its soft threshold).</summary>
    public void CurrentCodes(int b, double[] dest, int offset)
    {
        int ko = b * K;
        for (int k = 0; k < K; k++)
        {
            double u = U[ko + k];
            double s;
            if (Settings.Method == InferenceMethod.Lca)
                s = Variant == Variant.Signed ? Math.Sign(u) * Math.Max(Math.Abs(u) - _theta, 0) : Math.Max(u - _theta, 0);
            else
            {
                double a = Math.Abs(u) - U0;
                s = a > 0 ? (Variant == Variant.Signed && u < 0 ? -a : a) : 0;
            }
            dest[offset + k] = s;
        }
    }
}
