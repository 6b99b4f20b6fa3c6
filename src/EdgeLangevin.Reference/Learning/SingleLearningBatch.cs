using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Learning;

/// <summary>
/// The learner's chains and dictionary in float32 (<see cref="LearningPrecision.Single"/>): the first-order
/// Langevin step of <see cref="ChainBatch"/> (T &gt; 0) and the dictionary update of <see cref="DictionaryUpdate"/>,
/// the same event-driven structure (only active units enter A s, A^T r and the update), in float arithmetic.
/// <para>
/// Why: at K = 128, D = 64 the double dictionary is 64 kB and did not stay in the 32 kB L1 between chains
/// (the learner was memory-bound on it, perf); in float32 it is 32 kB, and an AVX2 vector holds 8 lanes, not 4.
/// </para>
/// <para>
/// Layout: column k at k * Dp, a chain's datum and residual at b * Dp, where Dp is D rounded up to a whole
/// number of 8-float vectors (the padding is 0 in the columns, the data and so the residuals, and adds +0 to
/// every dot product). Every sum has a fixed order written out here (8 lanes, then a fixed reduction tree), and
/// the multiply-adds are fused (Vector256.FusedMultiplyAdd: one rounding, computed in software where the CPU has
/// no FMA), so the bits are the same on every machine (Vector256 without hardware support computes the same
/// lanes) and for every thread count: chains are split among threads by blocks (each chain
/// has its own random stream, the same as in <see cref="ChainBatch"/>), the dictionary update by columns.
/// </para>
/// <para>
/// The dictionary update's sum: for column j, sum_b s_bj r_b over all its chains in increasing b, then a_j += rate * sum
/// once. <see cref="DictionaryUpdate"/> (double) cuts the chains into <see cref="DictionaryUpdate.ChainBlocks"/> fixed
/// blocks and adds each block's sum to the column; here there is one block. Why: the block loop's exits (a block's
/// users are as good as random in number) were mispredicted about once per block and column, and one sum made a K = 128
/// learning step 12 % faster (A/B, 92 -> 82 us). The float rounding is no worse (one rounding of a_j per step, not
/// eight); the bits differ from the eight-block sums of earlier sessions.
/// </para>
/// <para>
/// The noise: <see cref="SingleGaussianSampler"/>, per chain from substreams seeded by the chain's own stream (so
/// another sequence than the double learner's). u0 stays double in the learner; the step compares |u| with it rounded to float.
/// </para>
/// </summary>
internal sealed class SingleLearningBatch : ILearningBatch
{
    private const int Lanes = 8; // Vector256<float>.Count, fixed so that the sums' order does not depend on the machine

    private readonly int _d, _dp, _k, _chains, _blocks;
    private readonly bool _signed;
    private readonly float _eps, _noise, _lambda, _invS2;
    private readonly Rng[] _rngs;
    private readonly double[] _x; // the data as drawn (chains x D), rounded into _x32
    private readonly float[] _x32, _r, _u, _s, _g, _columns;
    private readonly int[] _list, _listed, _activeCount;
    // Per chain, the u0 gradient of its last step (Drive): sum over its active units of -sign(s) g (signed) or -g (non-negative).
    private readonly double[] _thresholdDrive;
    private readonly float[][] _gaussians; // per block of chains: one chain's K draws (rounded up to whole vectors)
    private readonly ulong[] _noiseState; // per chain, its Gaussian sampler's four substreams
    private readonly double[]? _doubleNoise; // tests only: one chain's double draws (constructor)
    private readonly Action<int> _stepBlock;
    private float _u0Single;
    private double _u0;

    // Dictionary update: unit k's chains with s_bk != 0 as the set bits of _users[k * _userWords ..] (bit b % 64 of word
    // b / 64). Why bits, not lists of chain indices: ListUsers' two scattered stores per (chain, unit) pair (the index and its
    // count) into 64 kB lists missed L1 and were a tenth of a K = 128 step (perf); the bits of K = 128 units and 128 chains
    // are 2 kB.
    private readonly ulong[] _users;
    private readonly int _userWords, _columnChunks;
    private readonly Action<int> _updateChunk;
    private float _rate;
    private readonly double[] _columnsDouble, _codesRow;

    public static bool Supports(InferenceSettings inference) =>
        inference.Method == InferenceMethod.Langevin && inference.Order == 1 && inference.Temperature > 0;

    /// <param name="doubleNoise">Tests only: the noise of <see cref="ChainBatch"/> (the double ziggurat, the same draws from
    /// the same streams) rounded to float instead of <see cref="SingleGaussianSampler"/>, so that the two learners can be
    /// compared step by step.</param>
    public SingleLearningBatch(SparseCodingModel model, InferenceSettings settings, int chains, long seed, bool doubleNoise = false)
    {
        model.Validate();
        settings.Validate();
        if (!Supports(settings)) throw new ArgumentException("the float32 learner runs first-order Langevin at T > 0 only");
        if (chains < 1) throw new ArgumentOutOfRangeException(nameof(chains), "at least one chain");
        MemoryBudget.CheckChains($"{chains} chains (K = {model.K}, D = {model.D})", chains, model.D, model.K, posterior: false, "give fewer chains (batch) or fewer units (K)");
        _d = model.D;
        _dp = (model.D + Lanes - 1) / Lanes * Lanes;
        _k = model.K;
        _chains = chains;
        _signed = model.Variant == Variant.Signed;
        if (!_signed && model.Variant != Variant.NonNegative) throw new ArgumentException($"unknown variant {model.Variant}");
        _eps = (float)settings.Eps;
        _noise = (float)Math.Sqrt(2 * settings.Temperature * settings.Eps);
        _lambda = (float)Math.Abs(model.Lambda);
        _invS2 = (float)(1 / (model.Sigma * model.Sigma));
        U0 = model.U0;
        _columns = new float[_k * _dp];
        for (int d = 0; d < _d; d++)
            for (int k = 0; k < _k; k++) _columns[k * _dp + d] = (float)model.Dictionary[d, k];
        _columnsDouble = new double[_k * _d];
        _codesRow = new double[_k];
        _x = new double[chains * _d];
        _x32 = new float[chains * _dp];
        _r = new float[chains * _dp];
        _u = new float[chains * _k];
        _s = new float[chains * _k];
        _g = new float[chains * _k];
        _list = new int[chains * _k];
        _listed = new int[chains];
        _activeCount = new int[chains];
        _thresholdDrive = new double[chains];
        _rngs = new Rng[chains];
        for (int b = 0; b < chains; b++) _rngs[b] = new Rng(seed, b); // the streams of ChainBatch
        _blocks = doubleNoise ? 1 : Math.Min(chains, WorkerPool.Threads); // doubleNoise: one buffer, one thread (tests only)
        _stepBlock = StepBlock;
        _noiseState = new ulong[chains * SingleGaussianSampler.StateLength];
        _doubleNoise = doubleNoise ? new double[_k] : null;
        if (!doubleNoise)
            for (int b = 0; b < chains; b++) SingleGaussianSampler.Seed(_rngs[b], _noiseState.AsSpan(b * SingleGaussianSampler.StateLength, SingleGaussianSampler.StateLength));
        _gaussians = new float[_blocks][];
        for (int i = 0; i < _blocks; i++) _gaussians[i] = new float[(_k + SingleGaussianSampler.Lanes - 1) / SingleGaussianSampler.Lanes * SingleGaussianSampler.Lanes];

        _columnChunks = Math.Min(_k, WorkerPool.Threads);
        _updateChunk = UpdateChunk;
        _userWords = (chains + 63) / 64;
        _users = new ulong[_k * _userWords];
    }

    public double U0
    {
        get => _u0;
        set
        {
            _u0 = value;
            _u0Single = (float)value;
        }
    }

    public void Draw(IDataSource data, Rng rng, int b)
    {
        data.Draw(rng, _x, b * _d);
        for (int i = 0; i < _d; i++) _x32[b * _dp + i] = (float)_x[b * _d + i];
    }

    // ---- the chain step ----

    public void Step()
    {
        if (_blocks == 1) StepRange(0, _chains, _gaussians[0]);
        else WorkerPool.Run(_blocks, _stepBlock);
    }

    private void StepBlock(int blk) => StepRange((int)((long)_chains * blk / _blocks), (int)((long)_chains * (blk + 1) / _blocks), _gaussians[blk]);

    private void StepRange(int lo, int hi, float[] gaussians)
    {
        for (int b = lo; b < hi; b++)
        {
            if (_doubleNoise is null)
                SingleGaussianSampler.Fill(_noiseState.AsSpan(b * SingleGaussianSampler.StateLength, SingleGaussianSampler.StateLength), _rngs[b], gaussians);
            else
            {
                _rngs[b].FillGaussianZiggurat(_doubleNoise);
                for (int k = 0; k < _k; k++) gaussians[k] = (float)_doubleNoise[k];
            }
            int n = Threshold(b);
            Residual(b, n);
            Drive(b, n);
            Move(b, gaussians);
        }
    }

    /// <summary>s = h(u) of chain b, g = 0, the list of its active units and their count (<see cref="SingleStepKernels.Threshold"/>); returns the list's length.</summary>
    private int Threshold(int b)
    {
        int n = SingleStepKernels.Threshold(_u, _s, _g, _list, _u0Single, _signed, b * _k, _k, out int nonzero);
        _listed[b] = n;
        _activeCount[b] = nonzero;
        return n;
    }

    /// <summary>r_b = x_b - sum over the listed units with s != 0, in list order, of s_k a_k (<see cref="SingleStepKernels.Residual"/>).</summary>
    private void Residual(int b, int n) => SingleStepKernels.Residual(_x32, _columns, _s, _list, _r, b * _k, b * _dp, _dp, n);

    /// <summary>g_k = a_k . r_b for the n listed units, four units at a time (<see cref="Dot"/>'s operations for each).</summary>
    private void Drive(int b, int n)
    {
        int ko = b * _k, xo = b * _dp, dp = _dp;
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(_list);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(_g);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        double sum = 0;
        bool signed = _signed;
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
            Vector128<float> g = Reduce4(s0, s1, s2, s3);
            Unsafe.Add(ref gRef, ko + k0) = g.GetElement(0);
            Unsafe.Add(ref gRef, ko + k1) = g.GetElement(1);
            Unsafe.Add(ref gRef, ko + k2) = g.GetElement(2);
            Unsafe.Add(ref gRef, ko + k3) = g.GetElement(3);
            var units = Vector128.Create(Unsafe.Add(ref sRef, ko + k0), Unsafe.Add(ref sRef, ko + k1), Unsafe.Add(ref sRef, ko + k2), Unsafe.Add(ref sRef, ko + k3));
            AddThresholdDrive4(ref sum, g, units, signed);
        }
        for (; i < n; i++)
        {
            int k = Unsafe.Add(ref listRef, ko + i);
            float g = Dot(_columns.AsSpan(k * dp, dp), _r.AsSpan(xo, dp));
            Unsafe.Add(ref gRef, ko + k) = g;
            AddThresholdDrive(ref sum, g, Unsafe.Add(ref sRef, ko + k), signed);
        }
        _thresholdDrive[b] = sum;
    }

    // The learner's u0 gradient term of one active unit, -sign(s) g (signed) or -g (non-negative), in double; a listed unit
    // with s = 0 (only at u0 = 0) adds 0. Without a branch on s (its sign is as good as random): sign(s) g as s's sign bit
    // copied onto g's, and s != 0 as a 0/1 factor. Drive forms the sum of the batch's own variant only (the one the learner
    // asks for): both, side by side, were about 7 % of a K = 128 step (measured by leaving them out).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddThresholdDrive(ref double sum, float g, float s, bool signed)
    {
        double on = s != 0 ? 1 : 0;
        double term = signed ? BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(g) ^ (BitConverter.SingleToInt32Bits(s) & int.MinValue)) : g;
        sum -= on * term;
    }

    // AddThresholdDrive for four units in order (g and s lane by lane): the same products in double, lane by lane, and the
    // same sum in unit order. Why: the scalar form's conversions and the 0/1 factor were much of Drive's time per unit (perf).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddThresholdDrive4(ref double sum, Vector128<float> g, Vector128<float> s, bool signed)
    {
        Vector128<float> on = Vector128.ConditionalSelect(Vector128.Equals(s, Vector128<float>.Zero), Vector128<float>.Zero, Vector128.Create(1.0f));
        Vector128<float> term = signed ? g ^ (s & Vector128.Create(-0.0f)) : g;
        Vector256<double> terms = Vector256.WidenLower(on.ToVector256Unsafe()) * Vector256.WidenLower(term.ToVector256Unsafe());
        sum = sum - terms.GetElement(0) - terms.GetElement(1) - terms.GetElement(2) - terms.GetElement(3);
    }

    /// <summary>[Reduce(a), Reduce(b), Reduce(c), Reduce(d)]: the same additions, four units side by side (a 4 x 4 transpose of the lane halves' sums).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Reduce4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        Vector128<float> ha = a.GetLower() + a.GetUpper(), hb = b.GetLower() + b.GetUpper();
        Vector128<float> hc = c.GetLower() + c.GetUpper(), hd = d.GetLower() + d.GetUpper();
        if (!Sse.IsSupported) return Vector128.Create(Sum4(ha), Sum4(hb), Sum4(hc), Sum4(hd));
        Vector128<float> ab01 = Sse.UnpackLow(ha, hb), cd01 = Sse.UnpackLow(hc, hd); // [a0 b0 a1 b1], [c0 d0 c1 d1]
        Vector128<float> ab23 = Sse.UnpackHigh(ha, hb), cd23 = Sse.UnpackHigh(hc, hd); // [a2 b2 a3 b3], [c2 d2 c3 d3]
        Vector128<float> e0 = Sse.MoveLowToHigh(ab01, cd01), e1 = Sse.MoveHighToLow(cd01, ab01); // element 0 of each, element 1 of each
        Vector128<float> e2 = Sse.MoveLowToHigh(ab23, cd23), e3 = Sse.MoveHighToLow(cd23, ab23);
        return (e0 + e2) + (e1 + e3);
    }

    // Reduce's last two levels on the lane halves' sum h: (h0 + h2) + (h1 + h3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum4(Vector128<float> h) => (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));

    /// <summary>a . b over whole 8-float vectors: lane sums in order, then <see cref="Reduce"/>.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        Vector256<float> sum = Vector256.LoadUnsafe(ref aRef) * Vector256.LoadUnsafe(ref bRef);
        for (nuint e = Lanes; e < (nuint)a.Length; e += Lanes) sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref aRef, e), Vector256.LoadUnsafe(ref bRef, e), sum);
        return Reduce(sum);
    }

    /// <summary>The eight lanes' sum in a fixed order: (lanes 0-3 + lanes 4-7), then (0 + 2) + (1 + 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Reduce(Vector256<float> v) => Sum4(v.GetLower() + v.GetUpper());

    /// <summary>u += eps (g / sigma^2 (negated for u &lt; 0, non-negative) - lambda sign(u)) + sqrt(2 T eps) xi, xi the chain's draws (<see cref="SingleGaussianSampler"/>).</summary>
    private void Move(int b, float[] gaussians)
    {
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
            drive ^= Vector256.LessThan(u, zero) & negateV & signBit;
            Vector256<float> signLambda = (lambdaV | (u & signBit)) & ~Vector256.Equals(u, zero);
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

    // ---- the dictionary update (per column: its chains' terms summed in chain order, then added once) ----

    public void UpdateDictionary(double rate)
    {
        ListUsers();
        _rate = (float)rate;
        if (_columnChunks == 1) UpdateColumns(0, _k);
        else WorkerPool.Run(_columnChunks, _updateChunk);
    }

    // One pass over the listed units in memory order: bit b of unit j's chains set where s_bj != 0.
    private void ListUsers()
    {
        int k = _k, chains = _chains, words = _userWords;
        Array.Clear(_users);
        // Unchecked reads and writes: j < K (Threshold lists units of the chain's row), b / 64 < words.
        ref ulong usersRef = ref MemoryMarshal.GetArrayDataReference(_users);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(_list);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        for (int b = 0; b < chains; b++)
        {
            int row = b * k, listed = _listed[b], word = b >> 6, bit = b & 63;
            for (int i = 0; i < listed; i++)
            {
                int j = Unsafe.Add(ref listRef, row + i);
                ulong used = Unsafe.Add(ref sRef, row + j) != 0 ? 1UL : 0UL; // no branch: s = 0 only when u0 = 0
                Unsafe.Add(ref usersRef, j * words + word) |= used << bit;
            }
        }
    }

    private void UpdateChunk(int c) => UpdateColumns((int)((long)_k * c / _columnChunks), (int)((long)_k * (c + 1) / _columnChunks));

    // Columns lo .. hi - 1: a_j += rate * (sum over the chains using j of s_bj r_b, in increasing b).
    private void UpdateColumns(int lo, int hi)
    {
        int k = _k, dp = _dp, words = _userWords, e = 0;
        for (; e + 8 * Lanes <= dp; e += 8 * Lanes) UpdateColumns64(lo, hi, e);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float cRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        var rateV = Vector256.Create(_rate);
        for (; e < dp; e += Lanes) // the same operations lane by lane, one vector of the column at a time
            for (int j = lo; j < hi; j++)
            {
                Vector256<float> a0 = Vector256<float>.Zero;
                bool used = false;
                for (int w = 0; w < words; w++)
                    for (ulong bits = _users[j * words + w]; bits != 0; bits &= bits - 1)
                    {
                        int b = w * 64 + BitOperations.TrailingZeroCount(bits);
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(_s[b * k + j]), Vector256.LoadUnsafe(ref rRef, (nuint)(b * dp + e)), a0);
                        used = true;
                    }
                if (!used) continue;
                nuint o = (nuint)(j * dp + e);
                Vector256.FusedMultiplyAdd(rateV, a0, Vector256.LoadUnsafe(ref cRef, o)).StoreUnsafe(ref cRef, o);
            }
    }

    // Floats [e, e + 64) of columns lo .. hi - 1, the sum in registers.
    private void UpdateColumns64(int lo, int hi, int e)
    {
        int k = _k, dp = _dp, words = _userWords;
        ref ulong usersRef = ref MemoryMarshal.GetArrayDataReference(_users);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(_s);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(_r);
        ref float cRef = ref MemoryMarshal.GetArrayDataReference(_columns);
        var rateV = Vector256.Create(_rate);
        for (int j = lo; j < hi; j++)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            bool used = false;
            for (int w = 0; w < words; w++)
                for (ulong bits = Unsafe.Add(ref usersRef, j * words + w); bits != 0; bits &= bits - 1)
                {
                    int b = w * 64 + BitOperations.TrailingZeroCount(bits);
                    var sb = Vector256.Create(Unsafe.Add(ref sRef, b * k + j));
                    nuint ro = (nuint)(b * dp + e);
                    a0 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro), a0);
                    a1 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 8), a1);
                    a2 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 16), a2);
                    a3 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 24), a3);
                    a4 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 32), a4);
                    a5 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 40), a5);
                    a6 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 48), a6);
                    a7 = Vector256.FusedMultiplyAdd(sb, Vector256.LoadUnsafe(ref rRef, ro + 56), a7);
                    used = true;
                }
            if (!used) continue; // a unit no chain uses: its column stays as it is
            nuint o = (nuint)(j * dp + e);
            Vector256.FusedMultiplyAdd(rateV, a0, Vector256.LoadUnsafe(ref cRef, o)).StoreUnsafe(ref cRef, o);
            Vector256.FusedMultiplyAdd(rateV, a1, Vector256.LoadUnsafe(ref cRef, o + 8)).StoreUnsafe(ref cRef, o + 8);
            Vector256.FusedMultiplyAdd(rateV, a2, Vector256.LoadUnsafe(ref cRef, o + 16)).StoreUnsafe(ref cRef, o + 16);
            Vector256.FusedMultiplyAdd(rateV, a3, Vector256.LoadUnsafe(ref cRef, o + 24)).StoreUnsafe(ref cRef, o + 24);
            Vector256.FusedMultiplyAdd(rateV, a4, Vector256.LoadUnsafe(ref cRef, o + 32)).StoreUnsafe(ref cRef, o + 32);
            Vector256.FusedMultiplyAdd(rateV, a5, Vector256.LoadUnsafe(ref cRef, o + 40)).StoreUnsafe(ref cRef, o + 40);
            Vector256.FusedMultiplyAdd(rateV, a6, Vector256.LoadUnsafe(ref cRef, o + 48)).StoreUnsafe(ref cRef, o + 48);
            Vector256.FusedMultiplyAdd(rateV, a7, Vector256.LoadUnsafe(ref cRef, o + 56)).StoreUnsafe(ref cRef, o + 56);
        }
    }

    public void NormaliseColumns()
    {
        for (int j = 0; j < _k; j++)
        {
            double n = 0;
            for (int i = 0; i < _d; i++) n += (double)_columns[j * _dp + i] * _columns[j * _dp + i];
            n = Math.Sqrt(n);
            if (n == 0) continue;
            for (int i = 0; i < _d; i++) _columns[j * _dp + i] = (float)(_columns[j * _dp + i] / n);
        }
    }

    // ---- what the learner reads ----

    public double ThresholdDrive(bool signed)
    {
        // The chains' sums (Drive), added in chain order: the same sum for any split of the chains among threads.
        double sum = 0;
        for (int b = 0; b < _chains; b++) sum += signed == _signed ? _thresholdDrive[b] : OtherThresholdDrive(b, signed);
        return sum;
    }

    // Chain b's sum for the variant Drive did not form: the same terms from the step's g and s, in list order (not used by the learner).
    private double OtherThresholdDrive(int b, bool signed)
    {
        double sum = 0;
        for (int i = 0; i < _listed[b]; i++)
        {
            int k = b * _k + _list[b * _k + i];
            AddThresholdDrive(ref sum, _g[k], _s[k], signed);
        }
        return sum;
    }

    public int ActiveCount(int b) => _activeCount[b];

    public double ResidualSquares(int b) => Dot(_r.AsSpan(b * _dp, _dp), _r.AsSpan(b * _dp, _dp));

    public void AddCodes(CodeStatistics stats)
    {
        // CodeStatistics counts doubles: one chain's row at a time through a K-long double buffer.
        for (int b = 0; b < _chains; b++)
        {
            for (int k = 0; k < _k; k++) _codesRow[k] = _s[b * _k + k];
            stats.Add(_codesRow, 1);
        }
    }

    public void AddColumns(double[] sum)
    {
        for (int j = 0; j < _k; j++)
            for (int i = 0; i < _d; i++) sum[j * _d + i] += _columns[j * _dp + i];
    }

    public double[] ColumnsAsDouble()
    {
        for (int j = 0; j < _k; j++)
            for (int i = 0; i < _d; i++) _columnsDouble[j * _d + i] = _columns[j * _dp + i];
        return _columnsDouble;
    }

    public Matrix GetDictionary()
    {
        var a = new Matrix(_d, _k);
        for (int i = 0; i < _d; i++)
            for (int j = 0; j < _k; j++) a[i, j] = _columns[j * _dp + i];
        return a;
    }
}
