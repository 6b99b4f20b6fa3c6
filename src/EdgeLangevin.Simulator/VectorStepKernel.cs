using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Desktop <see cref="StepKernel"/> (x64 with AVX2), giving exactly the integers and clip
/// counts of <see cref="ScalarStepKernel"/>: the two MAC loops with AVX2's 16-bit multiply-add
/// (vpmaddwd, <see cref="Avx2.MultiplyAddAdjacent(Vector256{short}, Vector256{short})"/>); the
/// threshold, the residual and the first-order update eight elements per pass in 64-bit lanes
/// (their intermediate values need up to 38 bits); the noise of 16 chains at a time, one chain
/// per int lane of two 8-lane vectors. Without AVX2 it runs the scalar loops, and so it does for
/// the MAC loops when D &lt; 16 and for the element-wise steps below eight elements.
/// <para>
/// Why the sums are exact. Operands are 16-bit (StepKernel's contract), so one vpmaddwd lane
/// holds t = a0 b0 + a1 b1 with t in [2 (-32768)(32767), 2 (-32768)(-32768)] =
/// [-2147418112, 2^31]. Only the corner where all four words are -32768 gives t = 2^31, which
/// does not fit an int: the instruction returns it wrapped to -2^31. Subtracting 2^16 (wrapping)
/// from the lane gives q = t - 2^16 exactly, because t - 2^16 lies in
/// [-2^31, 2^31 - 2^16] (fits an int) and wrapping arithmetic is exact modulo 2^32. q is split
/// into hi = q &gt;&gt; 16 in [-2^15, 2^15) and lo = q &amp; 0xFFFF in [0, 2^16), q = 2^16 hi + lo, and hi
/// and lo are summed in separate int lanes: after n lane terms |sum hi| &lt;= 2^15 n and
/// sum lo &lt;= (2^16 - 1) n, both below 2^31 for n &lt;= 2^15 (reconstruction: one term per
/// unit pair; a chunk holds at most <see cref="MaxPairsPerChunk"/> pairs). The correlation
/// also adds its eight lanes in int, so it bounds 8 n instead (<see cref="MaxBlocksPerChunk"/>).
/// The total is then formed in long: sum t = 2^16 (sum hi + n) + sum lo.
/// </para>
/// Holds scratch (the pair list, r_m as 16-bit words) and read-only tables: one instance per solver.
/// </summary>
public sealed partial class VectorStepKernel : StepKernel
{
    /// <summary>Unit pairs summed per int lane before the lane is widened (hi and lo stay below 2^31; see the class comment).</summary>
    public const int MaxPairsPerChunk = 1 << 15;
    /// <summary>16-wide d blocks per correlation chunk: 8 lanes x 4095 terms keep the lane sums of hi and lo below 2^31.</summary>
    public const int MaxBlocksPerChunk = 4095;

    private readonly ScalarStepKernel _scalar = new(); // the fallback; an instance field, so nothing is allocated (type initialiser) inside a step
    private int[] _pairOffsets = [];
    private int[] _pairCodes = [];
    private short[] _residual16 = [];
    // Threshold tables, by gate pattern g of eight units (bit i: unit i active): the indices of
    // the set bits first (8 ints per pattern), and the eight isActive bytes (0 or 1) as one long.
    private readonly int[] _compaction = new int[256 * 8];
    private readonly long[] _gateBytes = new long[256];

    /// <summary>
    /// A kernel with scratch for up to <paramref name="units"/> units and <paramref name="dimensions"/>
    /// dimensions (it grows if a call needs more), running <paramref name="isa"/> (default: <see cref="BestIsa"/>).
    /// </summary>
    public VectorStepKernel(int units, int dimensions, VectorIsa? isa = null)
    {
        Isa = isa ?? BestIsa;
        if (Isa == VectorIsa.Avx512 && !Avx512Supported) throw new PlatformNotSupportedException("this CPU (or runtime) does not run AVX-512 F and BW with 512-bit vectors");
        Reserve(units, dimensions);
        ReserveBlock(units, dimensions); // here, not at the first step: a step allocates nothing (the learner measures from its first)
        for (int g = 0; g < 256; g++)
        {
            int n = 0;
            long bytes = 0;
            for (int i = 0; i < 8; i++)
            {
                if ((g >> i & 1) == 0) continue;
                _compaction[8 * g + n++] = i;
                bytes |= 1L << (8 * i); // little-endian: byte i of the long is isActive[k + i]
            }
            _gateBytes[g] = bytes;
        }
    }

    /// <summary>True when this machine runs the vector loops (AVX2).</summary>
    public static bool IsSupported => Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Sets <paramref name="solver"/>'s kernel to a new vector kernel (<paramref name="isa"/>, default the
    /// best this machine runs) when <see cref="IsSupported"/>; returns whether it did (else the solver
    /// keeps its scalar kernel).
    /// </summary>
    public static bool Install(LangevinSolver solver, VectorIsa? isa = null)
    {
        ArgumentNullException.ThrowIfNull(solver);
        if (!IsSupported) return false;
        solver.Kernel = new VectorStepKernel(solver.K, solver.D, isa);
        return true;
    }

    private void Reserve(int units, int dimensions)
    {
        int pairs = (units + 1) / 2;
        if (_pairCodes.Length < pairs)
        {
            _pairOffsets = new int[2 * pairs];
            _pairCodes = new int[pairs];
            _pairL1 = new long[pairs];
        }
        if (_listOffsets.Length < units + 32)
        {
            _listCodes16 = new short[units + 32];
            _listOffsets = new int[units + 32];
            _listDrive = new int[units + 16];
            _pairChunkEnds = new int[(units + 1) / 2 + 17]; // one chunk per pair at most, then ChunkPairs' 16-slot stores
        }
        if (_residual16.Length < dimensions)
        {
            _residual16 = new short[dimensions];
            _blockEnds = new int[dimensions / 32 + 1];
        }
    }

    /// <inheritdoc />
    public override void Reconstruct(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
        int[] codes, int codeOffset, long[] sums)
    {
        int D = dimensions;
        if (!IsSupported || D < 16)
        {
            _scalar.Reconstruct(columns, D, active, activeOffset, listed, codes, codeOffset, sums);
            return;
        }
        if (UseAvx512 && Reconstruct512(columns, D, active, activeOffset, listed, codes, codeOffset, sums)) return;
        Array.Clear(sums, 0, D);
        int pairs = (listed + 1) / 2;
        Reserve(listed, D);
        int[] offsets = _pairOffsets, packed = _pairCodes;
        for (int p = 0; p < pairs; p++)
        {
            int j = activeOffset + 2 * p;
            int k0 = active[j];
            int s0 = codes[codeOffset + k0];
            // An odd list pairs its last unit with itself times 0.
            int k1 = k0, s1 = 0;
            if (2 * p + 1 < listed)
            {
                k1 = active[j + 1];
                s1 = codes[codeOffset + k1];
            }
            offsets[2 * p] = k0 * D;
            offsets[2 * p + 1] = k1 * D;
            packed[p] = (s0 & 0xFFFF) | (s1 << 16); // words (s0, s1): vpmaddwd forms c0 s0 + c1 s1
        }

        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref long sum = ref MemoryMarshal.GetArrayDataReference(sums);
        int dVector = D & ~15;
        var bias = Vector256.Create(-65536);
        var low = Vector256.Create(0xFFFF);
        for (int first = 0; first < pairs; first += MaxPairsPerChunk)
        {
            int last = Math.Min(pairs, first + MaxPairsPerChunk);
            var n = Vector256.Create((long)(last - first));
            for (int d = 0; d < dVector; d += 16)
            {
                // Lanes of "A": d+0..3 and d+8..11; of "B": d+4..7 and d+12..15 (unpack works per 128-bit half).
                Vector256<int> hiA = default, loA = default, hiB = default, loB = default;
                for (int p = first; p < last; p++)
                {
                    Vector256<short> c0 = Vector256.LoadUnsafe(ref a, (nuint)(offsets[2 * p] + d));
                    Vector256<short> c1 = Vector256.LoadUnsafe(ref a, (nuint)(offsets[2 * p + 1] + d));
                    Vector256<short> s = Vector256.Create(packed[p]).AsInt16();
                    Vector256<int> qA = Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(c0, c1), s) + bias;
                    Vector256<int> qB = Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(c0, c1), s) + bias;
                    hiA += Avx2.ShiftRightArithmetic(qA, 16);
                    loA += qA & low;
                    hiB += Avx2.ShiftRightArithmetic(qB, 16);
                    loB += qB & low;
                }
                AddLanes(ref sum, d, Avx2.Permute2x128(hiA, hiB, 0x20), Avx2.Permute2x128(loA, loB, 0x20), n);
                AddLanes(ref sum, d + 8, Avx2.Permute2x128(hiA, hiB, 0x31), Avx2.Permute2x128(loA, loB, 0x31), n);
            }
        }
        for (int d = dVector; d < D; d++)
        {
            long acc = 0;
            for (int j = 0; j < listed; j++)
            {
                int k = active[activeOffset + j];
                acc += columns[k * D + d] * codes[codeOffset + k]; // int product (<= 2^30), long sum
            }
            sums[d] = acc;
        }
    }

    // sums[d..d+8) += 2^16 (hi + n) + lo, lane by lane, in long.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddLanes(ref long sum, int d, Vector256<int> hi, Vector256<int> lo, Vector256<long> n)
    {
        Vector256<long> v0 = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int64(hi.GetLower()) + n, 16) + Avx2.ConvertToVector256Int64(lo.GetLower());
        Vector256<long> v1 = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int64(hi.GetUpper()) + n, 16) + Avx2.ConvertToVector256Int64(lo.GetUpper());
        (Vector256.LoadUnsafe(ref sum, (nuint)d) + v0).StoreUnsafe(ref sum, (nuint)d);
        (Vector256.LoadUnsafe(ref sum, (nuint)(d + 4)) + v1).StoreUnsafe(ref sum, (nuint)(d + 4));
    }

    /// <summary>
    /// The learner's outer product, eight dimensions per pass: s r_m[d] as an int product
    /// (|s|, |r_m| &lt;= 2^15, so |s r_m| &lt;= 2^30 fits an int lane; vpmulld), widened to long and
    /// added to acc. Exact, so the same integers as <see cref="ScalarStepKernel.AccumulateOuter"/>.
    /// </summary>
    public override void AccumulateOuter(long[] acc, int dimensions, int[] active, int activeOffset, int listed,
        int[] codes, int codeOffset, int[] residual, int residualOffset)
    {
        if (!IsSupported || dimensions < 8)
        {
            _scalar.AccumulateOuter(acc, dimensions, active, activeOffset, listed, codes, codeOffset, residual, residualOffset);
            return;
        }
        int D = dimensions, dVector = D & ~7;
        ref long accRef = ref MemoryMarshal.GetArrayDataReference(acc);
        ref int rRef = ref MemoryMarshal.GetArrayDataReference(residual);
        for (int j = 0; j < listed; j++)
        {
            int unit = active[activeOffset + j];
            int s = codes[codeOffset + unit];
            if (s == 0) continue; // the dense step lists inactive units with s_m = 0
            int col = unit * D;
            var sv = Vector256.Create(s);
            for (int d = 0; d < dVector; d += 8)
            {
                Vector256<int> p = Avx2.MultiplyLow(Vector256.LoadUnsafe(ref rRef, (nuint)(residualOffset + d)), sv);
                (Vector256.LoadUnsafe(ref accRef, (nuint)(col + d)) + Avx2.ConvertToVector256Int64(p.GetLower())).StoreUnsafe(ref accRef, (nuint)(col + d));
                (Vector256.LoadUnsafe(ref accRef, (nuint)(col + d + 4)) + Avx2.ConvertToVector256Int64(p.GetUpper())).StoreUnsafe(ref accRef, (nuint)(col + d + 4));
            }
            for (int d = dVector; d < D; d++) acc[col + d] += (long)s * residual[residualOffset + d];
        }
    }

    /// <summary>16 chains per noise group: two 8-lane vectors of generators stepped side by side (two independent dependency chains).</summary>
    public override int NoiseGroup => !IsSupported ? 4 : UseAvx512 ? Avx512NoiseGroup : 16;

    /// <summary>
    /// The generators of chains firstChain .. firstChain + 15 in the lanes of two vectors, stepped
    /// with the bit-level algorithm of <see cref="GaussianNoise"/> (the logical right shift is the
    /// vector's own, the same bits as the scalar arithmetic shift and mask), each word finished as
    /// <see cref="GaussianNoise.FromWord"/> does. Lane c holds chain firstChain + c; its word i goes to
    /// destination[c * count + i] (each chain's words contiguous, for the vector update).
    /// </summary>
    public override void FillNoise(GaussianNoise noise, int firstChain, int count, int[] destination)
    {
        if (!IsSupported)
        {
            noise.Fill4(firstChain, destination, 0, count);
            return;
        }
        if (UseAvx512)
        {
            FillNoise512(noise, firstChain, count, destination);
            return;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, 16 * count, nameof(destination));
        Span<int> states = stackalloc int[16];
        for (int c = 0; c < 16; c++) states[c] = noise.StateOf(firstChain + c);
        Vector256<int> x0 = Vector256.Create<int>(states[..8]), x1 = Vector256.Create<int>(states[8..]);
        var outerMask = Vector256.Create(0x3FF003FF);   // fields 0 and 2 in place
        var shiftedMask = Vector256.Create(0x001003FF); // of w >>> 10: field 1, and bit 30 on bit 20
        var low11 = Vector256.Create(0x7FF);
        var offset = Vector256.Create(-3070);
        ref int dest = ref MemoryMarshal.GetArrayDataReference(destination);
        for (int i = 0; i < count; i++)
        {
            x0 = Raw(x0); x1 = Raw(x1);
            Vector256<int> t0 = (x0 & outerMask) + (Avx2.ShiftRightLogical(x0, 10) & shiftedMask);
            Vector256<int> t1 = (x1 & outerMask) + (Avx2.ShiftRightLogical(x1, 10) & shiftedMask);
            Vector256<int> f0 = (t0 & low11) + Avx2.ShiftRightLogical(t0, 20);
            Vector256<int> f1 = (t1 & low11) + Avx2.ShiftRightLogical(t1, 20);
            Vector256<int> eta0 = f0 + f0 + offset;
            Vector256<int> eta1 = f1 + f1 + offset;
            for (int c = 0; c < 8; c++)
            {
                Unsafe.Add(ref dest, c * count + i) = eta0.GetElement(c);
                Unsafe.Add(ref dest, (c + 8) * count + i) = eta1.GetElement(c);
            }
        }
        x0.CopyTo(states[..8]);
        x1.CopyTo(states[8..]);
        for (int c = 0; c < 16; c++) noise.SetState(firstChain + c, states[c]);
    }

    /// <summary>
    /// Step 1, eight units per pass in two vectors of four 64-bit lanes (|u| = 2^31 and
    /// |u| - u0 need 33 bits), the arithmetic of <see cref="ScalarStepKernel.Threshold"/> lane by
    /// lane: AVX2 has no 64-bit arithmetic right shift, so rshr of a negative value is formed as
    /// ((t ^ m) &gt;&gt;&gt; n) ^ m with m = -1 for t &lt; 0 (the same integer: ~t &gt;&gt;&gt; n = ~(t &gt;&gt; n) for t &lt; 0).
    /// The active list is compacted with a 256-entry table of index permutations (one per gate
    /// pattern of eight units); isActive's eight bytes come from a 256-entry table too.
    /// </summary>
    public override int Threshold(UnitConstants c, bool listAll, int[] u, int[] sm, int offset, int units,
        int[] active, bool[] isActive, int[] drive, long[] saturations)
    {
        if (!IsSupported || units < 8) return _scalar.Threshold(c, listAll, u, sm, offset, units, active, isActive, drive, saturations);
        if (UseAvx512 && units >= 16) return Threshold512(c, listAll, u, sm, offset, units, active, isActive, drive, saturations);
        var zero = Vector256<long>.Zero;
        var u0 = Vector256.Create(c.U0);
        var signedMask = Vector256.Create(c.Signed ? -1L : 0L);
        var roundSm = Vector256.Create(c.RoundSm);
        var maxM = Vector256.Create(c.MaxM);
        var minM = Vector256.Create(c.MinM);
        int shiftSm = c.ShiftSm;
        var iota = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<long> clips = zero;
        ref int uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref int smRef = ref MemoryMarshal.GetArrayDataReference(sm);
        ref int actRef = ref MemoryMarshal.GetArrayDataReference(active);
        ref byte onRef = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetArrayDataReference(isActive));
        ref int driveRef = ref MemoryMarshal.GetArrayDataReference(drive);
        ref int compact = ref MemoryMarshal.GetArrayDataReference(_compaction);
        ref long bytes = ref MemoryMarshal.GetArrayDataReference(_gateBytes);
        int n = 0, k = 0;
        for (; k + 8 <= units; k += 8)
        {
            Vector256<int> x = Vector256.LoadUnsafe(ref uRef, (nuint)(offset + k));
            Vector256<long> onLow, onHigh;
            Vector256<long> vLow = Gate(Avx2.ConvertToVector256Int64(x.GetLower()), u0, signedMask, roundSm, shiftSm, maxM, minM, zero, ref clips, out onLow);
            Vector256<long> vHigh = Gate(Avx2.ConvertToVector256Int64(x.GetUpper()), u0, signedMask, roundSm, shiftSm, maxM, minM, zero, ref clips, out onHigh);
            Narrow(vLow, vHigh).StoreUnsafe(ref smRef, (nuint)(offset + k));
            int gates = Avx.MoveMask(onLow.AsDouble()) | (Avx.MoveMask(onHigh.AsDouble()) << 4);
            // Writes eight list slots from n on (inside this chain's K slots: n <= k), keeps the listed ones.
            if (listAll)
            {
                (iota + Vector256.Create(k)).StoreUnsafe(ref actRef, (nuint)(offset + n));
                n += 8;
            }
            else
            {
                (Vector256.LoadUnsafe(ref compact, (nuint)(8 * gates)) + Vector256.Create(k)).StoreUnsafe(ref actRef, (nuint)(offset + n));
                n += BitOperations.PopCount((uint)gates);
            }
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref onRef, k), Unsafe.Add(ref bytes, gates));
            Vector256<int>.Zero.StoreUnsafe(ref driveRef, (nuint)k);
        }
        long clipCount = -Vector256.Sum(clips) + ThresholdTail(c, listAll, u, sm, offset, k, units, active, isActive, drive, ref n);
        if (clipCount != 0) saturations[SolverWorkspace.SiteSm] += clipCount;
        return n;
    }

    // Step 1 for units k .. units - 1 one at a time (the scalar kernel's arithmetic), appending to the
    // active list at n; returns the s_m clips.
    private static long ThresholdTail(UnitConstants c, bool listAll, int[] u, int[] sm, int offset, int k, int units,
        int[] active, bool[] isActive, int[] drive, ref int n)
    {
        long clipCount = 0;
        long u0s = c.U0, signedS = c.Signed ? -1 : 0, roundS = c.RoundSm, maxS = c.MaxM, minS = c.MinM;
        for (; k < units; k++)
        {
            long v0 = u[offset + k];
            long negative = v0 >> 63;
            long above = ((v0 ^ negative) - negative) - u0s;
            long on = -above >> 63;
            long flip = negative & signedS;
            long v = ((((above & on) ^ flip) - flip) + roundS) >> c.ShiftSm;
            if (v > maxS) { v = maxS; clipCount++; }
            else if (v < minS) { v = minS; clipCount++; }
            sm[offset + k] = (int)v;
            active[offset + n] = k;
            n += ((int)on & 1) | (listAll ? 1 : 0);
            isActive[k] = on != 0;
            drive[k] = 0;
        }
        return clipCount;
    }

    // s_m of four units (64-bit lanes), their gates (-1 active) in "on", clips counted as -1 per lane in "clips".
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Gate(Vector256<long> x, Vector256<long> u0, Vector256<long> signedMask, Vector256<long> roundSm, int shiftSm,
        Vector256<long> maxM, Vector256<long> minM, Vector256<long> zero, ref Vector256<long> clips, out Vector256<long> on)
    {
        Vector256<long> negative = Avx2.CompareGreaterThan(zero, x);
        Vector256<long> above = ((x ^ negative) - negative) - u0;
        on = Avx2.CompareGreaterThan(above, zero);
        Vector256<long> flip = negative & signedMask;
        Vector256<long> t = (((above & on) ^ flip) - flip) + roundSm;
        Vector256<long> m = Avx2.CompareGreaterThan(zero, t);
        Vector256<long> v = ((t ^ m) >>> shiftSm) ^ m;
        Vector256<long> high = Avx2.CompareGreaterThan(v, maxM), low = Avx2.CompareGreaterThan(minM, v);
        clips += high | low;
        return Avx2.BlendVariable(Avx2.BlendVariable(v, maxM, high), minM, low);
    }

    // The low 32 bits of eight 64-bit lanes (values that fit an int), in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Narrow(Vector256<long> low, Vector256<long> high)
    {
        var even = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        return Vector256.Create(Avx2.PermuteVar8x32(low.AsInt32(), even).GetLower(), Avx2.PermuteVar8x32(high.AsInt32(), even).GetLower());
    }

    /// <summary>
    /// The residual, eight dimensions per pass in 64-bit lanes (A s reaches 2^37 for K = 128),
    /// the arithmetic of <see cref="ScalarStepKernel.Residual"/> with the emulated arithmetic
    /// shift of <see cref="Threshold"/>.
    /// </summary>
    public override void Residual(UnitConstants c, long[] sums, int[] x, int[] r, int[] rm, int offset, int dimensions, long[] saturations)
    {
        if (!IsSupported || dimensions < 8)
        {
            _scalar.Residual(c, sums, x, r, rm, offset, dimensions, saturations);
            return;
        }
        if (UseAvx512)
        {
            Residual512(c, sums, x, r, rm, offset, dimensions, saturations);
            return;
        }
        var zero = Vector256<long>.Zero;
        var roundRecon = Vector256.Create(c.RoundRecon);
        var roundSm = Vector256.Create(c.RoundSm);
        int shiftRecon = c.ShiftRecon, shiftSm = c.ShiftSm;
        var maxS = Vector256.Create(c.MaxS);
        var minS = Vector256.Create(c.MinS);
        var maxM = Vector256.Create(c.MaxM);
        var minM = Vector256.Create(c.MinM);
        Vector256<long> clipsR = zero, clipsRm = zero;
        ref long sum = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int xRef = ref MemoryMarshal.GetArrayDataReference(x);
        ref int rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref int rmRef = ref MemoryMarshal.GetArrayDataReference(rm);
        int d = 0;
        for (; d + 8 <= dimensions; d += 8)
        {
            Vector256<int> xv = Vector256.LoadUnsafe(ref xRef, (nuint)(offset + d));
            Vector256<long> vLow = Avx2.ConvertToVector256Int64(xv.GetLower()) - ShiftRightArithmetic(Vector256.LoadUnsafe(ref sum, (nuint)d) + roundRecon, shiftRecon, zero);
            Vector256<long> vHigh = Avx2.ConvertToVector256Int64(xv.GetUpper()) - ShiftRightArithmetic(Vector256.LoadUnsafe(ref sum, (nuint)(d + 4)) + roundRecon, shiftRecon, zero);
            vLow = Clamp(vLow, minS, maxS, ref clipsR);
            vHigh = Clamp(vHigh, minS, maxS, ref clipsR);
            Narrow(vLow, vHigh).StoreUnsafe(ref rRef, (nuint)(offset + d));
            Vector256<long> wLow = Clamp(ShiftRightArithmetic(vLow + roundSm, shiftSm, zero), minM, maxM, ref clipsRm);
            Vector256<long> wHigh = Clamp(ShiftRightArithmetic(vHigh + roundSm, shiftSm, zero), minM, maxM, ref clipsRm);
            Narrow(wLow, wHigh).StoreUnsafe(ref rmRef, (nuint)(offset + d));
        }
        long countR = -Vector256.Sum(clipsR), countRm = -Vector256.Sum(clipsRm);
        for (; d < dimensions; d++)
        {
            long v = x[offset + d] - ((sums[d] + c.RoundRecon) >> shiftRecon);
            if (v > c.MaxS) { v = c.MaxS; countR++; }
            else if (v < c.MinS) { v = c.MinS; countR++; }
            r[offset + d] = (int)v;
            long w = (v + c.RoundSm) >> shiftSm;
            if (w > c.MaxM) { w = c.MaxM; countRm++; }
            else if (w < c.MinM) { w = c.MinM; countRm++; }
            rm[offset + d] = (int)w;
        }
        if (countR != 0) saturations[SolverWorkspace.SiteR] += countR;
        if (countRm != 0) saturations[SolverWorkspace.SiteRm] += countRm;
    }

    // t >> n (arithmetic) in 64-bit lanes, which AVX2 lacks: ((t ^ m) >>> n) ^ m with m = -1 where t < 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> ShiftRightArithmetic(Vector256<long> t, int n, Vector256<long> zero)
    {
        Vector256<long> m = Avx2.CompareGreaterThan(zero, t);
        return ((t ^ m) >>> n) ^ m;
    }

    // v clamped to [min, max]; each clamped lane adds -1 to "clips".
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Clamp(Vector256<long> v, Vector256<long> min, Vector256<long> max, ref Vector256<long> clips)
    {
        Vector256<long> high = Avx2.CompareGreaterThan(v, max), low = Avx2.CompareGreaterThan(min, v);
        clips += high | low;
        return Avx2.BlendVariable(Avx2.BlendVariable(v, max, high), min, low);
    }

    /// <summary>
    /// First-order step 4, eight units per pass: the noise term in int lanes (|noise_q eta| &lt;=
    /// 2^15 x 3070 &lt; 2^27, plus the rounding constant &lt;= 2^24: no overflow), the sum and its
    /// saturation in 64-bit lanes (u + drv - sign(u) leak_q reaches 33 bits).
    /// </summary>
    public override void UpdateFirstOrder(UnitConstants c, int[] u, int offset, int units, int[] drive,
        int[] eta, int etaOffset, long[] saturations)
    {
        if (!IsSupported || units < 8)
        {
            _scalar.UpdateFirstOrder(c, u, offset, units, drive, eta, etaOffset, saturations);
            return;
        }
        if (UseAvx512 && units >= 16 && UpdateFirstOrder512(c, u, offset, units, drive, eta, etaOffset, saturations)) return;
        var noiseQ = Vector256.Create((int)c.NoiseScale);
        var roundNoise = Vector256.Create((int)c.RoundNoise);
        int shiftNoise = c.ShiftNoise;
        var leak = Vector256.Create(c.Leak);
        var maxS = Vector256.Create(c.MaxS);
        var minS = Vector256.Create(c.MinS);
        var zero = Vector256<int>.Zero;
        Vector256<long> clips = Vector256<long>.Zero;
        ref int uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref int driveRef = ref MemoryMarshal.GetArrayDataReference(drive);
        ref int etaRef = ref MemoryMarshal.GetArrayDataReference(eta);
        int k = 0;
        for (; k + 8 <= units; k += 8)
        {
            Vector256<int> x = Vector256.LoadUnsafe(ref uRef, (nuint)(offset + k));
            Vector256<int> noise = (Avx2.MultiplyLow(noiseQ, Vector256.LoadUnsafe(ref etaRef, (nuint)(etaOffset + k))) + roundNoise) >> shiftNoise;
            Vector256<int> add = Vector256.LoadUnsafe(ref driveRef, (nuint)k);
            Vector256<int> positive = Avx2.CompareGreaterThan(x, zero), negative = Avx2.CompareGreaterThan(zero, x);
            Vector256<long> low = Sum4(x.GetLower(), add.GetLower(), noise.GetLower(), positive.GetLower(), negative.GetLower(), leak, maxS, minS, ref clips);
            Vector256<long> high = Sum4(x.GetUpper(), add.GetUpper(), noise.GetUpper(), positive.GetUpper(), negative.GetUpper(), leak, maxS, minS, ref clips);
            Narrow(low, high).StoreUnsafe(ref uRef, (nuint)(offset + k));
        }
        long clipCount = -Vector256.Sum(clips) + UpdateTail(c, u, offset, k, units, drive, eta, etaOffset);
        if (clipCount != 0) saturations[SolverWorkspace.SiteU] += clipCount;
    }

    // First-order step 4 for units k .. units - 1 one at a time (the scalar kernel's arithmetic); returns the u clips.
    private static long UpdateTail(UnitConstants c, int[] u, int offset, int k, int units, int[] drive, int[] eta, int etaOffset)
    {
        long clipCount = 0;
        long leakQ = c.Leak, noiseS = c.NoiseScale, roundS = c.RoundNoise, maxSs = c.MaxS, minSs = c.MinS;
        for (; k < units; k++)
        {
            long v0 = u[offset + k];
            long sign = (v0 >> 63) - (-v0 >> 63);
            long v = v0 + drive[k] - sign * leakQ + ((noiseS * eta[etaOffset + k] + roundS) >> c.ShiftNoise);
            if (v > maxSs) { v = maxSs; clipCount++; }
            else if (v < minSs) { v = minSs; clipCount++; }
            u[offset + k] = (int)v;
        }
        return clipCount;
    }

    // satS(u + drv - sign(u) leak_q + noise) for four units in 64-bit lanes; clips counted as -1 per lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Sum4(Vector128<int> u, Vector128<int> drive, Vector128<int> noise, Vector128<int> positive, Vector128<int> negative,
        Vector256<long> leak, Vector256<long> maxS, Vector256<long> minS, ref Vector256<long> clips)
    {
        Vector256<long> v = Avx2.ConvertToVector256Int64(u) + Avx2.ConvertToVector256Int64(drive) + Avx2.ConvertToVector256Int64(noise)
            - (leak & Avx2.ConvertToVector256Int64(positive)) + (leak & Avx2.ConvertToVector256Int64(negative));
        Vector256<long> high = Avx2.CompareGreaterThan(v, maxS), low = Avx2.CompareGreaterThan(minS, v);
        clips += high | low;
        return Avx2.BlendVariable(Avx2.BlendVariable(v, maxS, high), minS, low);
    }

    // One xorshift32 step (13, 17, 5) in every lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Raw(Vector256<int> x)
    {
        x ^= Avx2.ShiftLeftLogical(x, 13);
        x ^= Avx2.ShiftRightLogical(x, 17);
        return x ^ Avx2.ShiftLeftLogical(x, 5);
    }

    /// <inheritdoc />
    public override void Correlate(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
        int[] residual, int residualOffset, long[] sums)
    {
        int D = dimensions;
        if (!IsSupported || D < 16)
        {
            _scalar.Correlate(columns, D, active, activeOffset, listed, residual, residualOffset, sums);
            return;
        }
        if (UseAvx512 && Correlate512(columns, D, active, activeOffset, listed, residual, residualOffset, sums)) return;
        Reserve(listed, D);
        short[] r16 = _residual16;
        for (int d = 0; d < D; d++) r16[d] = (short)residual[residualOffset + d]; // r_m fits WM <= 16 bits: exact
        int dVector = D & ~15;
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref short r = ref MemoryMarshal.GetArrayDataReference(r16);
        for (int j = 0; j < listed; j += 4)
        {
            // A short last group repeats its first column; only the real slots are stored.
            int count = Math.Min(4, listed - j);
            int c0 = active[activeOffset + j] * D;
            int c1 = count > 1 ? active[activeOffset + j + 1] * D : c0;
            int c2 = count > 2 ? active[activeOffset + j + 2] * D : c0;
            int c3 = count > 3 ? active[activeOffset + j + 3] * D : c0;
            Vector256<long> total = Vector256<long>.Zero;
            for (int first = 0; first < dVector; first += 16 * MaxBlocksPerChunk)
            {
                int end = Math.Min(dVector, first + 16 * MaxBlocksPerChunk);
                total += Correlate4(ref a, ref r, c0, c1, c2, c3, first, end);
            }
            if (dVector < D)
            {
                long t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (int d = dVector; d < D; d++)
                {
                    int rd = r16[d];
                    t0 += columns[c0 + d] * rd;
                    t1 += columns[c1 + d] * rd;
                    t2 += columns[c2 + d] * rd;
                    t3 += columns[c3 + d] * rd;
                }
                total += Vector256.Create(t0, t1, t2, t3);
            }
            if (count == 4) total.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(sums), (nuint)j);
            else for (int i = 0; i < count; i++) sums[j + i] = total.GetElement(i);
        }
    }

    // The four sums over d in [first, end) (a multiple of 16, at most MaxBlocksPerChunk blocks) of columns c0..c3 times r.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Correlate4(ref short a, ref short r, int c0, int c1, int c2, int c3, int first, int end)
    {
        var bias = Vector256.Create(-65536);
        var low = Vector256.Create(0xFFFF);
        Vector256<int> hi0 = default, lo0 = default, hi1 = default, lo1 = default, hi2 = default, lo2 = default, hi3 = default, lo3 = default;
        for (int d = first; d < end; d += 16)
        {
            Vector256<short> rv = Vector256.LoadUnsafe(ref r, (nuint)d);
            Vector256<int> q0 = Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref a, (nuint)(c0 + d)), rv) + bias;
            Vector256<int> q1 = Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref a, (nuint)(c1 + d)), rv) + bias;
            Vector256<int> q2 = Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref a, (nuint)(c2 + d)), rv) + bias;
            Vector256<int> q3 = Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref a, (nuint)(c3 + d)), rv) + bias;
            hi0 += Avx2.ShiftRightArithmetic(q0, 16); lo0 += q0 & low;
            hi1 += Avx2.ShiftRightArithmetic(q1, 16); lo1 += q1 & low;
            hi2 += Avx2.ShiftRightArithmetic(q2, 16); lo2 += q2 & low;
            hi3 += Avx2.ShiftRightArithmetic(q3, 16); lo3 += q3 & low;
        }
        // Eight lanes to one per column, still in int (bounded by MaxBlocksPerChunk): the
        // horizontal adds leave [x0 x1 x2 x3] partials in each 128-bit half.
        Vector128<int> hi = Sum4(hi0, hi1, hi2, hi3), lo = Sum4(lo0, lo1, lo2, lo3);
        long terms = 8L * ((end - first) / 16); // lane terms per column, each biased by -2^16
        return Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int64(hi) + Vector256.Create(terms), 16) + Avx2.ConvertToVector256Int64(lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum4(Vector256<int> x0, Vector256<int> x1, Vector256<int> x2, Vector256<int> x3)
    {
        Vector256<int> h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(x0, x1), Avx2.HorizontalAdd(x2, x3));
        return h.GetLower() + h.GetUpper();
    }
}
