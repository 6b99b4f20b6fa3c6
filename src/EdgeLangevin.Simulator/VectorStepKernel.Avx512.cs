using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>The instruction set a <see cref="VectorStepKernel"/> runs (every one gives the same bits).</summary>
public enum VectorIsa
{
    /// <summary>256-bit AVX2: 16-bit products with a hi/lo split, per-unit work in 64-bit lanes.</summary>
    Avx2,
    /// <summary>512-bit AVX-512 (F, BW): int32 MAC sums in chunks that provably fit, per-unit work in 32-bit lanes.</summary>
    Avx512,
}

/// <summary>
/// The AVX-512 paths of <see cref="VectorStepKernel"/>. Same integers and clip counts as
/// <see cref="ScalarStepKernel"/>, by these arguments:
/// <para>
/// MAC sums in int32 lanes, exact. Every dictionary word has |a| &lt;= max |A| &lt;= 2^15 (StepKernel's
/// operand contract), so a sum of products a_i b_i has |sum| &lt;= max |A| sum |b_i|. The kernel
/// cuts each sum into chunks whose sum |b_i| (|s_m| of the listed units for A s, |r_m| of
/// 32-dimension blocks for A^T r) is at most 2^16 - 1 (<see cref="ChunkL1"/>), or, in the fused step,
/// at most (2^31 - 2^15) / max |A| of the dictionary it steps with (<see cref="L1Bound"/>, kept while the
/// dictionary is unchanged: <see cref="DictionaryBound"/>): each chunk's exact total then lies within 2^31 - 2^15 (room for a rounding
/// constant below 2^15), and int32 addition (vpmaddwd and vpaddd, which wrap) is exact modulo 2^32,
/// so the wrapped lane sums, and their wrapped horizontal sum, equal the chunk's exact total
/// (the (-32768) x (-32768) pair that makes one vpmaddwd lane wrap is covered by the same
/// argument). Chunk totals are added in long. A single unit pair or block above the bound (only
/// possible for codes or residuals near full scale) sends the whole call to the AVX2 path.
/// </para>
/// <para>
/// Per-unit work in int32 lanes (16 per vector instead of 4 in 64-bit lanes). Threshold:
/// |u| is formed unsigned (|-2^31| = 2^31 fits a uint), a_k = |u| &gt; u0 unsigned, and
/// rshr(s, n) = (s &gt;&gt; n) + ((s &gt;&gt; (n - 1)) &amp; 1), which is floor((s + 2^(n-1)) / 2^n) without forming
/// s + 2^(n-1) (which could overflow); signed codes sign(u)(|u| - u0) fit an int, the
/// non-negative ones (up to 2^31) a uint. Update: drv (|drv| &lt;= 2^30: |gain_q g_m| &lt; 2^30),
/// the noise term and the leak are summed into t, which fits an int when
/// 2^30 + leak_q + max|noise term| &lt; 2^31 (checked once per call; otherwise the AVX2 path runs);
/// u + t is formed with wrapping and its overflow detected (operands of equal sign, result of
/// the other sign), an overflowed lane being beyond the int range and so clipped to the side of t.
/// </para>
/// Noise: 32 chains per group, in two 16-lane vectors (two independent dependency chains); words
/// are made 16 draws at a time and a 16 x 16 transpose in registers writes each chain's words contiguously.
/// </summary>
public sealed partial class VectorStepKernel
{
    /// <summary>True when this machine runs the AVX-512 paths (AVX-512 F and BW, 512-bit vectors accelerated).</summary>
    public static bool Avx512Supported => IsSupported && Avx512F.IsSupported && Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>The fastest instruction set this machine runs.</summary>
    public static VectorIsa BestIsa => Avx512Supported ? VectorIsa.Avx512 : VectorIsa.Avx2;

    /// <summary>The instruction set this kernel runs.</summary>
    public VectorIsa Isa { get; }

    private bool UseAvx512 => Isa == VectorIsa.Avx512;

    /// <summary>Largest sum of |operand| in one int32 chunk for any dictionary: 2^15 times it is 2^31 - 2^15.</summary>
    private const int ChunkL1 = (1 << 16) - 1;

    // The last DictionaryBound: L1Bound of the dictionary "columns" of the workspace "workspace" while its
    // DictionaryVersion was "version" (a scan of every entry, 5 % of a step at K = 512, D = 256, pi = 0.1,
    // when it ran once per noise group).
    private short[]? _boundColumns;
    private SolverWorkspace? _boundWorkspace;
    private int _boundVersion, _bound;

    /// <summary>
    /// <see cref="L1Bound"/> of <paramref name="columns"/> (K D words), scanned again only when the dictionary,
    /// the workspace or its <see cref="SolverWorkspace.DictionaryVersion"/> differs from the last call's (every
    /// hand-out of the solver's dictionary for writing counts as a change).
    /// </summary>
    private int DictionaryBound(short[] columns, SolverWorkspace ws)
    {
        if (!ReferenceEquals(columns, _boundColumns) || !ReferenceEquals(ws, _boundWorkspace) || ws.DictionaryVersion != _boundVersion)
        {
            _bound = L1Bound(columns, ws.K * ws.D);
            _boundColumns = columns;
            _boundWorkspace = ws;
            _boundVersion = ws.DictionaryVersion;
        }
        return _bound;
    }

    /// <summary>
    /// The largest sum of |operand| one int32 chunk may hold with this dictionary: (2^31 - 2^15) / max |A|
    /// (at least <see cref="ChunkL1"/>), so that every chunk's exact total lies within 2^31 - 2^15. A random
    /// unit-norm dictionary (Q2.13, max |A| near 2^11 at D = 256) allows about 2^20 instead of 2^16.
    /// </summary>
    private static int L1Bound(short[] columns, int count)
    {
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        Vector512<ushort> largest = Vector512<ushort>.Zero; // |-32768| = 32768 fits a ushort
        int i = 0;
        for (; i + 32 <= count; i += 32) largest = Vector512.Max(largest, Avx512BW.Abs(Vector512.LoadUnsafe(ref a, (nuint)i)));
        int max = 1;
        for (int lane = 0; lane < 32; lane++) max = Math.Max(max, largest.GetElement(lane));
        for (; i < count; i++) max = Math.Max(max, Math.Abs((int)columns[i]));
        return (int)(((1L << 31) - (1L << 15)) / max);
    }

    private long[] _pairL1 = []; // |s0| + |s1| of each unit pair (Reserve sizes it)
    private int[] _blockEnds = []; // where each chunk of 32-dimension blocks ends (Reserve sizes it)

    // ---- A s ----------------------------------------------------------------------------------------

    private bool Reconstruct512(short[] columns, int D, int[] active, int activeOffset, int listed, int[] codes, int codeOffset, long[] sums)
    {
        int dVector = D & ~31;
        if (dVector == 0) return false;
        int pairs = (listed + 1) / 2;
        Reserve(listed, D);
        int[] offsets = _pairOffsets, packed = _pairCodes;
        long[] l1 = _pairL1;
        for (int p = 0; p < pairs; p++)
        {
            int j = activeOffset + 2 * p;
            int k0 = active[j];
            int s0 = codes[codeOffset + k0];
            int k1 = k0, s1 = 0; // an odd list pairs its last unit with itself times 0
            if (2 * p + 1 < listed)
            {
                k1 = active[j + 1];
                s1 = codes[codeOffset + k1];
            }
            offsets[2 * p] = k0 * D;
            offsets[2 * p + 1] = k1 * D;
            packed[p] = (s0 & 0xFFFF) | (s1 << 16);
            l1[p] = Math.Abs((long)s0) + Math.Abs((long)s1);
            if (l1[p] > ChunkL1) return false; // (-32768, -32768): the AVX2 path's exact split
        }
        Array.Clear(sums, 0, D);
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref long sum = ref MemoryMarshal.GetArrayDataReference(sums);
        // Lane L (128-bit) of the low accumulator holds d + 8L + 0..3, of the high one d + 8L + 4..7: these
        // indices put them back in d order (16 + i picks lane i of the high one).
        var first16 = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        var second16 = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        for (int first = 0; first < pairs;)
        {
            int last = first;
            long chunk = 0;
            while (last < pairs && chunk + l1[last] <= ChunkL1) chunk += l1[last++];
            if (dVector == 64)
            {
                // The 8x8-patch case: both 32-dimension blocks in registers, each pair's offsets and codes read once.
                Vector512<int> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
                for (int p = first; p < last; p++)
                {
                    int o0 = offsets[2 * p], o1 = offsets[2 * p + 1];
                    Vector512<short> s = Vector512.Create(packed[p]).AsInt16();
                    Vector512<short> a0 = Vector512.LoadUnsafe(ref a, (nuint)o0), b0 = Vector512.LoadUnsafe(ref a, (nuint)o1);
                    Vector512<short> a1 = Vector512.LoadUnsafe(ref a, (nuint)(o0 + 32)), b1 = Vector512.LoadUnsafe(ref a, (nuint)(o1 + 32));
                    lo0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a0, b0), s);
                    hi0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a0, b0), s);
                    lo1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a1, b1), s);
                    hi1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a1, b1), s);
                }
                AddWidened(ref sum, 0, Avx512F.PermuteVar16x32x2(lo0, first16, hi0));
                AddWidened(ref sum, 16, Avx512F.PermuteVar16x32x2(lo0, second16, hi0));
                AddWidened(ref sum, 32, Avx512F.PermuteVar16x32x2(lo1, first16, hi1));
                AddWidened(ref sum, 48, Avx512F.PermuteVar16x32x2(lo1, second16, hi1));
                first = last;
                continue;
            }
            for (int d = 0; d < dVector; d += 32)
            {
                Vector512<int> lo = default, hi = default;
                for (int p = first; p < last; p++)
                {
                    Vector512<short> c0 = Vector512.LoadUnsafe(ref a, (nuint)(offsets[2 * p] + d));
                    Vector512<short> c1 = Vector512.LoadUnsafe(ref a, (nuint)(offsets[2 * p + 1] + d));
                    Vector512<short> s = Vector512.Create(packed[p]).AsInt16();
                    lo += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(c0, c1), s);
                    hi += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(c0, c1), s);
                }
                Vector512<int> v0 = Avx512F.PermuteVar16x32x2(lo, first16, hi), v1 = Avx512F.PermuteVar16x32x2(lo, second16, hi);
                AddWidened(ref sum, d, v0);
                AddWidened(ref sum, d + 16, v1);
            }
            first = last;
        }
        for (int d = dVector; d < D; d++)
        {
            long acc = 0;
            for (int j = 0; j < listed; j++)
            {
                int k = active[activeOffset + j];
                acc += columns[k * D + d] * codes[codeOffset + k];
            }
            sums[d] = acc;
        }
        return true;
    }

    // sums[d..d+16) += v, lane by lane, in long.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened(ref long sum, int d, Vector512<int> v)
    {
        (Vector512.LoadUnsafe(ref sum, (nuint)d) + Avx512F.ConvertToVector512Int64(v.GetLower())).StoreUnsafe(ref sum, (nuint)d);
        (Vector512.LoadUnsafe(ref sum, (nuint)(d + 8)) + Avx512F.ConvertToVector512Int64(v.GetUpper())).StoreUnsafe(ref sum, (nuint)(d + 8));
    }

    // ---- 16-bit words -------------------------------------------------------------------------------

    // Word indices 0, 2, .., 62: the low 16-bit word of every int lane of two vectors (a word permute
    // reads the first 32 from its first table, the rest from its second; vpermw reads them modulo 32).
    private static Vector512<short> LowWords => Vector512<short>.Indices * 2;

    // The int lanes of v (values that fit 16 bits, so truncation is exact) as 16 shorts at destination[at ..],
    // narrowed by a word permute in registers. ConvertToVector256Int16 and a store became vpmovdw with a memory
    // operand, the slowest instruction of the fused threshold on this machine (Zen 4: 5.7 % of a K = 128 step).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWords(Vector512<int> v, Vector512<short> lowWords, ref short destination, int at) =>
        Avx512BW.PermuteVar32x16(v.AsInt16(), lowWords).GetLower().StoreUnsafe(ref destination, (nuint)at);

    // StoreWords of v0 then v1 (32 shorts) with one two-table word permute and one store.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWords(Vector512<int> v0, Vector512<int> v1, Vector512<short> lowWords, ref short destination, int at) =>
        Avx512BW.PermuteVar32x16x2(v0.AsInt16(), lowWords, v1.AsInt16()).StoreUnsafe(ref destination, (nuint)at);

    // ---- A^T r --------------------------------------------------------------------------------------

    // r_m as 16-bit words into _residual16 (r_m fits WM <= 16 bits: keeping the low word, StoreWords, is
    // exact), and the chunks of 32-dimension blocks whose sum |r_m| stays within ChunkL1, their ends
    // in _blockEnds; returns the chunk count, or 0 when one block alone exceeds the bound (the caller
    // then takes the AVX2 path). Dimensions past the last whole block are narrowed too.
    private int NarrowResidual(int[] residual, int residualOffset, int D, int bound)
    {
        int dVector = D & ~31;
        short[] r16 = _residual16;
        ref int resRef = ref MemoryMarshal.GetArrayDataReference(residual);
        ref short r16Ref = ref MemoryMarshal.GetArrayDataReference(r16);
        Vector512<short> lowWords = LowWords;
        // First the narrowing and sum |r_m| over every whole block (lane sums of D / 16 terms of at most
        // 2^15: no wrap below D = 2^20), one horizontal sum: when it is within the bound, so is every
        // block and every run of blocks, and the blocks form one chunk (the usual case; a horizontal sum
        // per block cost more than the narrowing).
        if (D < 1 << 20)
        {
            Vector512<int> total = Vector512<int>.Zero;
            for (int d = 0; d < dVector; d += 32)
            {
                Vector512<int> v0 = Vector512.LoadUnsafe(ref resRef, (nuint)(residualOffset + d));
                Vector512<int> v1 = Vector512.LoadUnsafe(ref resRef, (nuint)(residualOffset + d + 16));
                StoreWords(v0, v1, lowWords, ref r16Ref, d);
                total += Avx512F.Abs(v0).AsInt32() + Avx512F.Abs(v1).AsInt32();
            }
            if (Vector512.Sum(total) <= bound)
            {
                _blockEnds[0] = dVector;
                for (int d = dVector; d < D; d++) r16[d] = (short)residual[residualOffset + d];
                return 1;
            }
        }
        int chunks = 0;
        long chunk = 0;
        for (int d = 0; d < dVector; d += 32)
        {
            Vector512<int> v0 = Vector512.LoadUnsafe(ref resRef, (nuint)(residualOffset + d));
            Vector512<int> v1 = Vector512.LoadUnsafe(ref resRef, (nuint)(residualOffset + d + 16));
            StoreWords(v0, v1, lowWords, ref r16Ref, d);
            long l1 = Vector512.Sum(Avx512F.Abs(v0) + Avx512F.Abs(v1)); // at most 32 * 2^15: no wrap
            if (l1 > bound) return 0;
            if (d > 0 && chunk + l1 > bound)
            {
                _blockEnds[chunks++] = d;
                chunk = 0;
            }
            chunk += l1;
        }
        _blockEnds[chunks++] = dVector;
        for (int d = dVector; d < D; d++) r16[d] = (short)residual[residualOffset + d];
        return chunks;
    }

    private bool Correlate512(short[] columns, int D, int[] active, int activeOffset, int listed, int[] residual, int residualOffset, long[] sums)
    {
        int dVector = D & ~31;
        if (dVector == 0) return false;
        Reserve(listed, D);
        int chunks = NarrowResidual(residual, residualOffset, D, ChunkL1);
        if (chunks == 0) return false;
        short[] r16 = _residual16;
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref short r = ref MemoryMarshal.GetArrayDataReference(r16);
        for (int j = 0; j < listed; j += 4)
        {
            int count = Math.Min(4, listed - j);
            int c0 = active[activeOffset + j] * D;
            int c1 = count > 1 ? active[activeOffset + j + 1] * D : c0;
            int c2 = count > 2 ? active[activeOffset + j + 2] * D : c0;
            int c3 = count > 3 ? active[activeOffset + j + 3] * D : c0;
            Vector256<long> total = Vector256<long>.Zero;
            int start = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                int end = _blockEnds[ch];
                Vector512<int> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
                for (int d = start; d < end; d += 32)
                {
                    Vector512<short> rv = Vector512.LoadUnsafe(ref r, (nuint)d);
                    acc0 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(c0 + d)), rv);
                    acc1 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(c1 + d)), rv);
                    acc2 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(c2 + d)), rv);
                    acc3 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(c3 + d)), rv);
                }
                // Wrapped int32 horizontal sums: exact, because each chunk's total fits an int.
                Vector128<int> t = Sum4(acc0.GetLower() + acc0.GetUpper(), acc1.GetLower() + acc1.GetUpper(),
                    acc2.GetLower() + acc2.GetUpper(), acc3.GetLower() + acc3.GetUpper());
                total += Avx2.ConvertToVector256Int64(t);
                start = end;
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
        return true;
    }

    // ---- rest of step 2 ------------------------------------------------------------------------------

    // The residual eight dimensions per pass in 64-bit lanes (A s reaches 2^37), with AVX-512's own
    // 64-bit arithmetic shift, min and max: the arithmetic of ScalarStepKernel.Residual lane by lane.
    private void Residual512(UnitConstants c, long[] sums, int[] x, int[] r, int[] rm, int offset, int dimensions, long[] saturations)
    {
        var roundRecon = Vector512.Create(c.RoundRecon);
        var roundSm = Vector512.Create(c.RoundSm);
        int shiftRecon = c.ShiftRecon, shiftSm = c.ShiftSm;
        var maxS = Vector512.Create(c.MaxS);
        var minS = Vector512.Create(c.MinS);
        var maxM = Vector512.Create(c.MaxM);
        var minM = Vector512.Create(c.MinM);
        ref long sum = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int xRef = ref MemoryMarshal.GetArrayDataReference(x);
        ref int rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref int rmRef = ref MemoryMarshal.GetArrayDataReference(rm);
        long clipsR = 0, clipsRm = 0;
        int d = 0;
        for (; d + 8 <= dimensions; d += 8)
            Residual8(Vector512.LoadUnsafe(ref sum, (nuint)d), ref xRef, ref rRef, ref rmRef, offset + d,
                roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
        for (; d < dimensions; d++)
        {
            long v = x[offset + d] - ((sums[d] + c.RoundRecon) >> c.ShiftRecon);
            if (v > c.MaxS) { v = c.MaxS; clipsR++; }
            else if (v < c.MinS) { v = c.MinS; clipsR++; }
            r[offset + d] = (int)v;
            long w = (v + c.RoundSm) >> c.ShiftSm;
            if (w > c.MaxM) { w = c.MaxM; clipsRm++; }
            else if (w < c.MinM) { w = c.MinM; clipsRm++; }
            rm[offset + d] = (int)w;
        }
        if (clipsR != 0) saturations[SolverWorkspace.SiteR] += clipsR;
        if (clipsRm != 0) saturations[SolverWorkspace.SiteRm] += clipsRm;
    }

    // r and r_m of the eight dimensions at x[at ..] from their sums A s (long lanes); clips counted per site.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Residual8(Vector512<long> sum, ref int xRef, ref int rRef, ref int rmRef, int at,
        Vector512<long> roundRecon, int shiftRecon, Vector512<long> roundSm, int shiftSm,
        Vector512<long> minS, Vector512<long> maxS, Vector512<long> minM, Vector512<long> maxM, ref long clipsR, ref long clipsRm)
    {
        Vector512<long> v = Avx512F.ConvertToVector512Int64(Vector256.LoadUnsafe(ref xRef, (nuint)at)) - ((sum + roundRecon) >> shiftRecon); // vpsraq
        clipsR += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(v, maxS) | Vector512.LessThan(v, minS)));
        v = Vector512.Min(Vector512.Max(v, minS), maxS);
        Avx512F.ConvertToVector256Int32(v).StoreUnsafe(ref rRef, (nuint)at);
        Vector512<long> w = (v + roundSm) >> shiftSm;
        clipsRm += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(w, maxM) | Vector512.LessThan(w, minM)));
        Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(w, minM), maxM)).StoreUnsafe(ref rmRef, (nuint)at);
    }

    // ---- step 1 -------------------------------------------------------------------------------------

    private int Threshold512(UnitConstants c, bool listAll, int[] u, int[] sm, int offset, int units,
        int[] active, bool[] isActive, int[] drive, long[] saturations)
    {
        // One loop per (listAll, signed), each with its constants in registers and no branch inside.
        if (listAll) return c.Signed ? Threshold512(c, true, true, u, sm, offset, units, active, isActive, drive, saturations)
            : Threshold512(c, true, false, u, sm, offset, units, active, isActive, drive, saturations);
        return c.Signed ? Threshold512(c, false, true, u, sm, offset, units, active, isActive, drive, saturations)
            : Threshold512(c, false, false, u, sm, offset, units, active, isActive, drive, saturations);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Threshold512(UnitConstants c, bool listAll, bool signed, int[] u, int[] sm, int offset, int units,
        int[] active, bool[] isActive, int[] drive, long[] saturations)
    {
        var u0 = Vector512.Create((uint)c.U0);
        // rshr(t, n) = (t >> n) + ((t >> (n - 1)) & 1); for n = 0 the second term is masked off.
        int shift = c.ShiftSm;
        var shiftV = Vector512.Create((uint)shift);
        var shiftRoundV = Vector512.Create((uint)Math.Max(shift - 1, 0));
        var roundBit = Vector512.Create(shift > 0 ? 1 : 0);
        var maxM = Vector512.Create((int)c.MaxM);
        var minM = Vector512.Create((int)c.MinM);
        var one = Vector512.Create(1);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        ref int uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref int smRef = ref MemoryMarshal.GetArrayDataReference(sm);
        ref int actRef = ref MemoryMarshal.GetArrayDataReference(active);
        ref byte onRef = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetArrayDataReference(isActive));
        ref int driveRef = ref MemoryMarshal.GetArrayDataReference(drive);
        long clipCount = 0;
        int n = 0, k = 0;
        for (; k + 16 <= units; k += 16)
        {
            Vector512<int> x = Vector512.LoadUnsafe(ref uRef, (nuint)(offset + k));
            Vector512<uint> magnitude = Avx512F.Abs(x);
            Vector512<int> on = Vector512.GreaterThan(magnitude, u0).AsInt32();
            Vector512<uint> s = magnitude - u0; // 1 .. 2^31 where on; masked off elsewhere
            Vector512<int> v, clipped;
            if (signed)
            {
                Vector512<int> negative = x >> 31;
                Vector512<int> t = (s.AsInt32() ^ negative) - negative; // sign(u)(|u| - u0): fits an int
                t = Avx512F.ShiftRightArithmeticVariable(t, shiftV) + (Avx512F.ShiftRightArithmeticVariable(t, shiftRoundV) & roundBit);
                clipped = Vector512.GreaterThan(t, maxM) | Vector512.LessThan(t, minM);
                v = Vector512.Min(Vector512.Max(t, minM), maxM);
            }
            else
            {
                Vector512<uint> t = s; // up to 2^31: unsigned
                t = Avx512F.ShiftRightLogicalVariable(t, shiftV) + (Avx512F.ShiftRightLogicalVariable(t, shiftRoundV) & roundBit.AsUInt32());
                clipped = Vector512.GreaterThan(t, maxM.AsUInt32()).AsInt32(); // t >= 0 > minM
                v = Vector512.Min(t, maxM.AsUInt32()).AsInt32();
            }
            (v & on).StoreUnsafe(ref smRef, (nuint)(offset + k));
            clipCount += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(clipped & on));
            Vector512<int> units16 = iota + Vector512.Create(k);
            // Writes 16 list slots from n on (n <= k, so inside this chain's K slots); the first ones are the list.
            if (listAll)
            {
                units16.StoreUnsafe(ref actRef, (nuint)(offset + n));
                n += 16;
            }
            else
            {
                Avx512F.Compress(Vector512<int>.Zero, on, units16).StoreUnsafe(ref actRef, (nuint)(offset + n));
                n += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(on));
            }
            Avx512F.ConvertToVector128Byte(on & one).StoreUnsafe(ref onRef, (nuint)k);
            Vector512<int>.Zero.StoreUnsafe(ref driveRef, (nuint)k);
        }
        clipCount += ThresholdTail(c, listAll, u, sm, offset, k, units, active, isActive, drive, ref n);
        if (clipCount != 0) saturations[SolverWorkspace.SiteSm] += clipCount;
        return n;
    }

    // ---- step 4 -------------------------------------------------------------------------------------

    // t = drv + noise - sign(u) leak fits an int (see the class comment); |drv| <= 2^30, |eta| <= 2^15.
    private static bool UpdateFitsInt32(UnitConstants c)
    {
        long maxNoise = (c.NoiseScale * 32768 + c.RoundNoise) >> c.ShiftNoise;
        return (1L << 30) + c.Leak + maxNoise <= int.MaxValue;
    }

    private bool UpdateFirstOrder512(UnitConstants c, int[] u, int offset, int units, int[] drive, int[] eta, int etaOffset, long[] saturations)
    {
        if (!UpdateFitsInt32(c)) return false;
        var noiseQ = NoiseWords(c);
        var roundNoise = Vector512.Create((int)c.RoundNoise);
        var shiftNoise = Vector512.Create((uint)c.ShiftNoise); // a count vector: no count move per pass
        var leak = Vector512.Create((int)c.Leak);
        var maxS = Vector512.Create((int)c.MaxS);
        var minS = Vector512.Create((int)c.MinS);
        ref int uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref int driveRef = ref MemoryMarshal.GetArrayDataReference(drive);
        ref int etaRef = ref MemoryMarshal.GetArrayDataReference(eta);
        Vector512<int> clips = Vector512<int>.Zero;
        int k = 0;
        for (; k + 16 <= units; k += 16)
            Update16(Vector512.LoadUnsafe(ref uRef, (nuint)(offset + k)), Vector512.LoadUnsafe(ref driveRef, (nuint)k), Vector512.LoadUnsafe(ref etaRef, (nuint)(etaOffset + k)),
                noiseQ, roundNoise, shiftNoise, leak, minS, maxS, ref clips).StoreUnsafe(ref uRef, (nuint)(offset + k));
        long clipCount = SumClips(clips) + UpdateTail(c, u, offset, k, units, drive, eta, etaOffset);
        if (clipCount != 0) saturations[SolverWorkspace.SiteU] += clipCount;
        return true;
    }

    // noise_q in the low 16-bit word of every int lane, 0 in the high one (Update16's vpmaddwd operand);
    // noise_q fits WC <= 16 bits as a signed word (StepParameters checks it), which vpmaddwd reads signed.
    private static Vector512<int> NoiseWords(UnitConstants c) => Vector512.Create((int)c.NoiseScale & 0xFFFF);

    // satS(u + drv + rshr(noise_q eta, FC + FE - FS) - sign(u) leak_q) for 16 units in int32 lanes
    // (UpdateFitsInt32: the three terms t fit an int; u + t is formed with wrapping and an overflowed
    // lane, beyond the int range, is clipped to the side of t); adds 1 to a lane of clips per clip.
    // A lane clipped exactly when its result differs from the wrapped u + t: without overflow that is
    // the clamp's definition; an overflowed sum wraps to the other sign than its clip value (above the
    // int range to [-2^31, -2], below it to [0, 2^31 - 1], while minS < 0 <= maxS). One compare per
    // pass instead of three and a mask popcount (the count is reduced once per call).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Update16(Vector512<int> x, Vector512<int> drive, Vector512<int> eta, Vector512<int> noiseQ, Vector512<int> roundNoise,
        Vector512<uint> shiftNoise, Vector512<int> leak, Vector512<int> minS, Vector512<int> maxS, ref Vector512<int> clips)
    {
        var zero = Vector512<int>.Zero;
        // noise_q eta with vpmaddwd: eta fits 16 bits (StepKernel's contract), so its lane's low word is
        // eta and its high word eta's sign, which meets the 0 high word of noiseQ (noise_q in the low word).
        Vector512<int> noise = Avx512F.ShiftRightArithmeticVariable(Avx512BW.MultiplyAddAdjacent(eta.AsInt16(), noiseQ.AsInt16()) + roundNoise, shiftNoise);
        Vector512<int> t = drive + noise;
        t = Vector512.ConditionalSelect(Vector512.GreaterThan(x, zero), t - leak, t); // masked vpsubd/vpaddd: - sign(u) leak_q
        t = Vector512.ConditionalSelect(Vector512.LessThan(x, zero), t + leak, t);
        Vector512<int> v = x + t;
        Vector512<int> overflow = ((x ^ v) & (t ^ v)) >> 31; // -1 where u + t left the int range
        Vector512<int> result = Vector512.ConditionalSelect(overflow, Vector512.ConditionalSelect(Vector512.GreaterThan(t, zero), maxS, minS),
            Vector512.Min(Vector512.Max(v, minS), maxS));
        clips -= Avx512F.CompareNotEqual(result, v); // the compare is -1 in a clipped lane
        return result;
    }

    // Whether the state is the whole int range (WS = 32, the default format): then Update16FullRange runs.
    private static bool FullRangeState(UnitConstants c) => c.MinS == int.MinValue && c.MaxS == int.MaxValue;

    // Update16 for a state that spans the whole int range (FullRangeState): the exact sum u + t lies
    // outside [MinS, MaxS] exactly when the wrapped int sum overflowed, so the clamp and its compare are
    // not needed. An overflowed lane saturates to the side of u (u and t have the same sign when the sum
    // overflows): MaxS for u >= 0 and MinS for u < 0; it counts one clip, as the scalar kernel's
    // v > maxS or v < minS does. Seven vector operations after the sum instead of Update16's twelve.
    // With driveTimesSignOfU (the non-negative variant, its drive not yet negated where u < 0) the drive
    // and the leak take u's sign together: t = noise + sign(u) (drv - leak_q), which is noise alone at
    // u = 0, where the unit is inactive (u0 >= 0) and so drv = 0; one operation fewer than negating first.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Update16FullRange(bool driveTimesSignOfU, Vector512<int> x, Vector512<int> drive, Vector512<int> eta, Vector512<int> noiseQ,
        Vector512<int> roundNoise, Vector512<uint> shiftNoise, Vector512<int> leak, ref Vector512<int> clips)
    {
        var zero = Vector512<int>.Zero;
        Vector512<int> noise = Avx512F.ShiftRightArithmeticVariable(Avx512BW.MultiplyAddAdjacent(eta.AsInt16(), noiseQ.AsInt16()) + roundNoise, shiftNoise);
        Vector512<int> t;
        if (driveTimesSignOfU)
        {
            Vector512<int> driveLessLeak = drive - leak;
            t = Vector512.ConditionalSelect(Vector512.GreaterThan(x, zero), noise + driveLessLeak, noise);
            t = Vector512.ConditionalSelect(Vector512.LessThan(x, zero), t - driveLessLeak, t);
        }
        else
        {
            t = drive + noise;
            t = Vector512.ConditionalSelect(Vector512.GreaterThan(x, zero), t - leak, t);
            t = Vector512.ConditionalSelect(Vector512.LessThan(x, zero), t + leak, t);
        }
        Vector512<int> v = x + t;
        // (u ^ v) & (t ^ v) in one vpternlogd ((0xF0 ^ 0xAA) & (0xCC ^ 0xAA) = 0x42), -1 after the shift
        // where u + t left the int range. There v has the other sign than u, so (v >> 31) ^ int.MinValue
        // is u's side: int.MaxValue for u >= 0, int.MinValue for u < 0.
        Vector512<int> overflow = Avx512F.TernaryLogic(x, t, v, 0x42) >> 31;
        clips -= overflow;
        return Vector512.ConditionalSelect(overflow, (v >> 31) ^ Vector512.Create(int.MinValue), v);
    }

    // The sum of per-lane clip counts (Update16's, the fused thresholds'), at most K / 16 per lane: no wrap.
    // Zero is tested first: clips are rare, and the horizontal sum, a chain of dependent steps at the end
    // of a short loop, carried 12 % of the fused update's samples at K = 128.
    private static long SumClips(Vector512<int> clips) => clips == Vector512<int>.Zero ? 0 : Vector512.Sum(clips);

    // ---- noise --------------------------------------------------------------------------------------

    private const int Avx512NoiseGroup = 32;

    private readonly int[] _noiseStates = new int[Avx512NoiseGroup]; // the group's generator states (no stackalloc to zero per call)
    private readonly int[] _noiseRows = new int[2 * 256]; // 16 draws of the 32 chains: row j of half h at 256 h + 16 j

    private void FillNoise512(GaussianNoise noise, int firstChain, int count, int[] destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Avx512NoiseGroup * count, nameof(destination));
        int[] states = _noiseStates;
        for (int c = 0; c < Avx512NoiseGroup; c++) states[c] = noise.StateOf(firstChain + c);
        ref int stateRef = ref MemoryMarshal.GetArrayDataReference(states);
        Vector512<int> x0 = Vector512.LoadUnsafe(ref stateRef), x1 = Vector512.LoadUnsafe(ref stateRef, 16);
        var outerMask = Vector512.Create(0x3FF003FF);   // fields 0 and 2 in place
        var shiftedMask = Vector512.Create(0x001003FF); // of w >>> 10: field 1, and bit 30 on bit 20
        var weights = Vector512.Create(16 | (1 << 16)).AsInt16(); // (16, 1) per int lane: see Eta
        var offset = Vector512.Create(-16 * 1535);
        ref int rowRef = ref MemoryMarshal.GetArrayDataReference(_noiseRows);
        ref int dest = ref MemoryMarshal.GetArrayDataReference(destination);
        for (int i0 = 0; i0 < count; i0 += 16)
        {
            int m = Math.Min(16, count - i0);
            for (int j = 0; j < m; j++)
            {
                x0 = Raw(x0); x1 = Raw(x1);
                Eta(x0, outerMask, shiftedMask, weights, offset).StoreUnsafe(ref rowRef, (nuint)(16 * j));
                Eta(x1, outerMask, shiftedMask, weights, offset).StoreUnsafe(ref rowRef, (nuint)(256 + 16 * j));
            }
            if (m == 16)
            {
                Transpose16(ref rowRef, ref dest, i0, count);
                Transpose16(ref Unsafe.Add(ref rowRef, 256), ref dest, 16 * count + i0, count);
            }
            else
            {
                for (int c = 0; c < Avx512NoiseGroup; c++)
                    for (int j = 0; j < m; j++)
                        Unsafe.Add(ref dest, c * count + i0 + j) = Unsafe.Add(ref rowRef, 256 * (c >> 4) + 16 * j + (c & 15));
            }
        }
        x0.StoreUnsafe(ref stateRef);
        x1.StoreUnsafe(ref stateRef, 16);
        for (int c = 0; c < Avx512NoiseGroup; c++) noise.SetState(firstChain + c, states[c]);
    }

    /// <summary>
    /// eta of one raw word w per lane, the integer of <see cref="GaussianNoise.FromWord"/>, with one
    /// vpmaddwd: t = (w &amp; 0x3FF003FF) + ((w &gt;&gt;&gt; 10) &amp; 0x001003FF) holds f0 + f1 in bits 0..10
    /// (at most 2046) and f2 + b in bits 20..30 (b = bit 30 of w, at most 1024), so t's low 16-bit word
    /// is f0 + f1 and its high word 16 (f2 + b) (at most 2^14): both read unchanged as signed words,
    /// and (16, 1) . words = 16 f with f = f0 + f1 + f2 + b. 16 f - 16 * 1535 = 8 eta exactly, so the
    /// arithmetic shift by 3 is exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Eta(Vector512<int> w, Vector512<int> outerMask, Vector512<int> shiftedMask, Vector512<short> weights, Vector512<int> offset) =>
        (Avx512BW.MultiplyAddAdjacent(((w & outerMask) + ((w >>> 10) & shiftedMask)).AsInt16(), weights) + offset) >> 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Raw(Vector512<int> x)
    {
        x ^= x << 13;
        x ^= x >>> 17;
        return x ^ (x << 5);
    }

    /// <summary>
    /// The 16 x 16 block rows[16 j + c] (draw j of lane c) written transposed: lane c's 16 words to
    /// dest[first + c * stride ..]. Unpacks of 32- then 64-bit elements gather, in each 128-bit lane L,
    /// element 4L + e of four rows; two 128-bit shuffles then collect the four lanes of a column.
    /// </summary>
    private static void Transpose16(ref int rows, ref int dest, int first, int stride)
    {
        Unpack4(ref rows, 0, out Vector512<int> u0, out Vector512<int> u1, out Vector512<int> u2, out Vector512<int> u3);
        Unpack4(ref rows, 64, out Vector512<int> u4, out Vector512<int> u5, out Vector512<int> u6, out Vector512<int> u7);
        Unpack4(ref rows, 128, out Vector512<int> u8, out Vector512<int> u9, out Vector512<int> u10, out Vector512<int> u11);
        Unpack4(ref rows, 192, out Vector512<int> u12, out Vector512<int> u13, out Vector512<int> u14, out Vector512<int> u15);
        Columns4(u0, u4, u8, u12, ref dest, first, stride, 0);
        Columns4(u1, u5, u9, u13, ref dest, first, stride, 1);
        Columns4(u2, u6, u10, u14, ref dest, first, stride, 2);
        Columns4(u3, u7, u11, u15, ref dest, first, stride, 3);
    }

    // Rows at .. at + 63 (four rows of 16): in each 128-bit lane L, u_e holds element 4L + e of the four rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unpack4(ref int rows, int at, out Vector512<int> u0, out Vector512<int> u1, out Vector512<int> u2, out Vector512<int> u3)
    {
        Vector512<int> r0 = Vector512.LoadUnsafe(ref rows, (nuint)at), r1 = Vector512.LoadUnsafe(ref rows, (nuint)(at + 16));
        Vector512<int> r2 = Vector512.LoadUnsafe(ref rows, (nuint)(at + 32)), r3 = Vector512.LoadUnsafe(ref rows, (nuint)(at + 48));
        Vector512<long> t0 = Avx512F.UnpackLow(r0, r1).AsInt64(), t1 = Avx512F.UnpackHigh(r0, r1).AsInt64();
        Vector512<long> t2 = Avx512F.UnpackLow(r2, r3).AsInt64(), t3 = Avx512F.UnpackHigh(r2, r3).AsInt64();
        u0 = Avx512F.UnpackLow(t0, t2).AsInt32();
        u1 = Avx512F.UnpackHigh(t0, t2).AsInt32();
        u2 = Avx512F.UnpackLow(t1, t3).AsInt32();
        u3 = Avx512F.UnpackHigh(t1, t3).AsInt32();
    }

    // Element e of every 128-bit lane, from the four row groups' u_e: lanes e, 4 + e, 8 + e, 12 + e written to their columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns4(Vector512<int> g0, Vector512<int> g1, Vector512<int> g2, Vector512<int> g3, ref int dest, int first, int stride, int e)
    {
        Vector512<int> v0 = Avx512F.Shuffle4x128(g0, g1, 0x88), v1 = Avx512F.Shuffle4x128(g0, g1, 0xDD);
        Vector512<int> v2 = Avx512F.Shuffle4x128(g2, g3, 0x88), v3 = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        Avx512F.Shuffle4x128(v0, v2, 0x88).StoreUnsafe(ref dest, (nuint)(first + e * stride));
        Avx512F.Shuffle4x128(v1, v3, 0x88).StoreUnsafe(ref dest, (nuint)(first + (4 + e) * stride));
        Avx512F.Shuffle4x128(v0, v2, 0xDD).StoreUnsafe(ref dest, (nuint)(first + (8 + e) * stride));
        Avx512F.Shuffle4x128(v1, v3, 0xDD).StoreUnsafe(ref dest, (nuint)(first + (12 + e) * stride));
    }
}
