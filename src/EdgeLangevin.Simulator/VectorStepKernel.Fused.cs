using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>
/// The fused AVX-512 first-order step (<see cref="StepKernel.StepFirstOrder"/>): one call per
/// chain instead of the solver's six stage calls, for K a multiple of 16 and D a multiple of 32.
/// Everything per unit runs in 16 int32 lanes and only the listed units' work is done:
/// <list type="bullet">
/// <item>the threshold (one loop per variant, no branch inside) leaves the listed units' column
/// offsets k D and codes (16-bit words) in list order, so A s reads its pairs straight from them;</item>
/// <item>A s is summed in int32 chunks exact by the argument of the AVX-512 class comment (one chunk
/// when the listed |s_m| sum to at most the chunk bound, the usual case at pi = 0.1); with one
/// chunk the residual is formed in int32 lanes (<see cref="Residual16"/>), else the sums are widened
/// into long accumulators held in registers (the chunks cut by a vector pass, <see cref="ChunkPairs"/>);</item>
/// <item>A^T r is summed for 16 listed units at a time (16 accumulators, reduced to one vector of 16
/// sums); in one int32 chunk (the usual case at pi = 0.1) step 3's g_m and drive are formed from those
/// sums in registers, else they go to the long sums buffer and the drive is formed 16 units per pass in
/// int32 lanes, in list order;</item>
/// <item>the update expands the list-order drive into its 16-unit blocks (vpexpandd), applying the
/// non-negative variant's sign of u there.</item>
/// </list>
/// The arithmetic is the stage methods' (and the scalar kernel's), so the integers and clip counts are theirs.
/// </summary>
public sealed partial class VectorStepKernel
{
    private short[] _listCodes16 = []; // s_m of the listed units, list order, then a 0 (the fused threshold writes it)
    private int[] _listOffsets = []; // k D of the listed units, list order, then 16 zeros (column 0: valid padding)
    private int[] _listDrive = []; // drv of the listed units, list order (before the non-negative variant's sign)
    private int[] _pairChunkEnds = []; // where each chunk of unit pairs ends (ChunkPairs)

    /// <summary>True (default): run <see cref="StepFirstOrder"/> fused where it applies; false: the stages (same bits; for comparison).</summary>
    public bool Fuse { get; set; } = true;

    /// <summary>Chain-steps this kernel has run fused (tests read it to know the fused path ran).</summary>
    public long FusedSteps { get; private set; }

    /// <inheritdoc />
    public override bool StepFirstOrder(UnitConstants c, short[] columns, SolverWorkspace ws, int chain, int[] eta, int etaOffset)
    {
        int K = ws.K, D = ws.D;
        if (!Fuses(c, K, D)) return false;
        Reserve(K, D);
        // How much sum |s_m| (A s) or sum |r_m| (A^T r) one int32 chunk may hold: this dictionary's bound.
        int bound = DictionaryBound(columns, ws);
        StepOne(c, columns, ws, chain, eta, etaOffset, bound);
        return true;
    }

    // Whether the fused step (and the chain-blocked one) runs for these sizes and constants.
    private bool Fuses(UnitConstants c, int K, int D) =>
        Fuse && UseAvx512 && (K & 15) == 0 && (D & 31) == 0 && UpdateFitsInt32(c) && DriveFitsInt32(c);

    // The fused step of one chain, its int32 chunks holding at most bound of sum |s_m| or sum |r_m|
    // (L1Bound of this dictionary, DictionaryBound).
    private void StepOne(UnitConstants c, short[] columns, SolverWorkspace ws, int chain, int[] eta, int etaOffset, int bound)
    {
        int K = ws.K, D = ws.D;
        int baseK = chain * K, baseD = chain * D;
        long[] saturations = ws.Saturations;
        long listedL1;
        int n = c.Signed ? ThresholdSigned(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out listedL1)
            : ThresholdNonNegative(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out listedL1);
        ws.ActiveCount[chain] = n;
        int chunks = ChunkPairs(n, listedL1, bound);
        if (chunks == 1 && c.RoundRecon < 1 << 15) ReconstructResidual32(c, columns, D, n, ws.X, ws.R, ws.Rm, baseD, saturations);
        else if (chunks > 0) ReconstructResidual(c, columns, D, n, chunks, ws.X, ws.R, ws.Rm, baseD, saturations);
        else
        {
            Reconstruct(columns, D, ws.Active, baseK, n, ws.Sm, baseK, ws.Accumulator);
            Residual512(c, ws.Accumulator, ws.X, ws.R, ws.Rm, baseD, D, saturations);
        }
        CorrelateDrive(c, columns, D, n, ws.Active, baseK, ws.Rm, baseD, ws.CorrelationSums, ws.Gm, saturations, bound);
        UpdateFused(c, ws.U, baseK, K, eta, etaOffset, saturations);
        FusedSteps++;
    }

    // drv = (gain_q g_m + RoundCoef) >> ShiftCoef in int32 lanes: |g_m| <= 2^15, so |gain_q g_m| <= 2^30.
    private static bool DriveFitsInt32(UnitConstants c) => Math.Abs(c.Gain) * 32768 + c.RoundCoef <= int.MaxValue;

    // ---- step 1 -------------------------------------------------------------------------------------

    // Non-negative variant: s = |u| - u0 (1 .. 2^31 on the active lanes) and s + 2^(n-1) (n = FS - FM
    // <= 31) stay below 2^32, so rshr is (s + round) >>> n in uint lanes; s_m >= 0 clips only above.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ThresholdNonNegative(UnitConstants c, int[] u, int[] sm, int[] active, int baseK, int units, int D, long[] saturations, out long listedL1)
    {
        var u0 = Vector512.Create((uint)c.U0);
        // max(|u|, u0) - u0 + round as one subtraction of u0 - round (uint lanes wrap; the result is below 2^32).
        var u0MinusRound = Vector512.Create((uint)c.U0 - (uint)c.RoundSm);
        var shift = Vector512.Create((uint)c.ShiftSm);
        var maxM = Vector512.Create((uint)c.MaxM);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var sixteen = Vector512.Create(16);
        var columnStep = Vector512.Create(D);
        ref int uRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u), baseK);
        ref int smRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(sm), baseK);
        ref int actRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(active), baseK);
        ref int offRef = ref MemoryMarshal.GetArrayDataReference(_listOffsets);
        ref short codesRef = ref MemoryMarshal.GetArrayDataReference(_listCodes16);
        Vector512<uint> l1 = Vector512<uint>.Zero; // lane sums of s_m <= 2^15 each: below 2^32 for K < 2^21
        Vector512<int> clips = Vector512<int>.Zero; // per lane, the clips of its units (K / 16 at most)
        Vector512<int> units16 = iota;
        int n = 0;
        for (int k = 0; k < units; k += 16)
        {
            Vector512<int> x = Vector512.LoadUnsafe(ref uRef, (nuint)k);
            Vector512<uint> magnitude = Avx512F.Abs(x);
            Vector512<uint> on = Vector512.GreaterThan(magnitude, u0);
            // max(|u|, u0) - u0 is 0 on the inactive lanes, where t = round >>> shift = 0 then (round < 2^shift):
            // no masking of s_m or of the clip compare, so on stays in a mask register (compress, popcount).
            Vector512<uint> t = Avx512F.ShiftRightLogicalVariable(Vector512.Max(magnitude, u0) - u0MinusRound, shift);
            Vector512<uint> v = Vector512.Min(t, maxM);
            v.AsInt32().StoreUnsafe(ref smRef, (nuint)k);
            clips -= Vector512.GreaterThan(t, maxM).AsInt32(); // -1 per clipped lane
            l1 += v;
            n = List16(ref actRef, ref offRef, ref codesRef, n, on, v.AsInt32(), units16, columnStep);
            units16 += sixteen;
        }
        return EndList(n, SumClips(clips), saturations, SumWidened(l1), out listedL1);
    }

    // Signed variant: sign(u)(|u| - u0) fits an int; rshr(t, n) = (t >> n) + ((t >> (n - 1)) & 1),
    // which never forms t + 2^(n-1) (it could overflow); for n = 0 the second term is masked off.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ThresholdSigned(UnitConstants c, int[] u, int[] sm, int[] active, int baseK, int units, int D, long[] saturations, out long listedL1)
    {
        var u0 = Vector512.Create((uint)c.U0);
        int n0 = c.ShiftSm;
        var shift = Vector512.Create((uint)n0);
        var shiftRound = Vector512.Create((uint)Math.Max(n0 - 1, 0));
        var roundBit = Vector512.Create(n0 > 0 ? 1 : 0);
        var maxM = Vector512.Create((int)c.MaxM);
        var minM = Vector512.Create((int)c.MinM);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var sixteen = Vector512.Create(16);
        var columnStep = Vector512.Create(D);
        ref int uRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u), baseK);
        ref int smRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(sm), baseK);
        ref int actRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(active), baseK);
        ref int offRef = ref MemoryMarshal.GetArrayDataReference(_listOffsets);
        ref short codesRef = ref MemoryMarshal.GetArrayDataReference(_listCodes16);
        Vector512<int> l1 = Vector512<int>.Zero; // lane sums of |s_m| <= 2^15 each: below 2^32 for K < 2^21
        Vector512<int> clips = Vector512<int>.Zero; // per lane, the clips of its units (K / 16 at most)
        Vector512<int> units16 = iota;
        int n = 0;
        for (int k = 0; k < units; k += 16)
        {
            Vector512<int> x = Vector512.LoadUnsafe(ref uRef, (nuint)k);
            Vector512<uint> magnitude = Avx512F.Abs(x);
            Vector512<uint> on = Vector512.GreaterThan(magnitude, u0);
            Vector512<int> negative = x >> 31;
            // max(|u|, u0) - u0 is 0 on the inactive lanes, so are t and s_m there (MinM <= 0 <= MaxM: no
            // clip): no masking, and on stays in a mask register (compress, popcount).
            Vector512<int> s = ((Vector512.Max(magnitude, u0) - u0).AsInt32() ^ negative) - negative;
            Vector512<int> t = Avx512F.ShiftRightArithmeticVariable(s, shift) + (Avx512F.ShiftRightArithmeticVariable(s, shiftRound) & roundBit);
            Vector512<int> v = Vector512.Min(Vector512.Max(t, minM), maxM);
            v.StoreUnsafe(ref smRef, (nuint)k);
            clips -= Avx512F.CompareNotEqual(v, t); // -1 per clipped lane
            l1 += Vector512.Abs(v);
            n = List16(ref actRef, ref offRef, ref codesRef, n, on, v, units16, columnStep);
            units16 += sixteen;
        }
        return EndList(n, SumClips(clips), saturations, SumWidened(l1.AsUInt32()), out listedL1);
    }

    // Appends the active units of a 16-unit block (ids, column offsets k D, codes as 16-bit words)
    // at list slot n; returns the new length. Each store writes 16 slots from n <= k: inside the
    // chain's K slots of the active list, and inside the scratch lists (K + 32 slots).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int List16(ref int actRef, ref int offRef, ref short codesRef, int n, Vector512<uint> on, Vector512<int> v,
        Vector512<int> units16, Vector512<int> columnStep)
    {
        Vector512<int> ids = Avx512F.Compress(Vector512<uint>.Zero, on, units16.AsUInt32()).AsInt32();
        ids.StoreUnsafe(ref actRef, (nuint)n);
        Avx512F.MultiplyLow(ids, columnStep).StoreUnsafe(ref offRef, (nuint)n);
        // s_m fits WM <= 16 bits: keeping the low word is exact.
        StoreWords(Avx512F.Compress(Vector512<uint>.Zero, on, v.AsUInt32()).AsInt32(), LowWords, ref codesRef, n);
        return n + BitOperations.PopCount(Vector512.ExtractMostSignificantBits(on));
    }

    // The sum of 16 uint lanes, in 64 bits.
    private static long SumWidened(Vector512<uint> v) =>
        (long)Vector512.Sum(Avx512F.ConvertToVector512UInt64(v.GetLower()) + Avx512F.ConvertToVector512UInt64(v.GetUpper()));

    // Ends the lists: a 0 code after the last (an odd list's last pair takes its second code from
    // there) and 16 zero offsets (column 0, a valid column whose result is dropped) for the
    // 16-wide correlation's padding; adds the s_m clips.
    private int EndList(int n, long clips, long[] saturations, long l1, out long listedL1)
    {
        _listCodes16[n] = 0;
        Vector512<int>.Zero.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_listOffsets), (nuint)n);
        if (clips != 0) saturations[SolverWorkspace.SiteSm] += clips;
        listedL1 = l1;
        return n;
    }

    // Cuts the listed units' pairs (codes from _listCodes16) into chunks whose |s_m| sum to at most
    // bound (the AVX-512 class comment's exactness bound), ends in _pairChunkEnds; returns the chunk
    // count, or 0 when one pair alone exceeds the bound (both codes -32768: the stage path's AVX2 split).
    // Vector pass, 16 pairs at a time, no branch per pair (a greedy pass pair by pair, one branch of
    // the cut and two of Math.Abs per pair, was 12 % of a step at pi = 1, where the codes need several
    // chunks): with 2^(h+1) - 1 <= bound and E_p the sum of |s_m| of the pairs before pair p, pair p goes
    // to chunk E_p >> h. When every pair has |s0| + |s1| <= 2^h, the chunk numbers rise by at most 1
    // from pair to pair, and a chunk c holding pairs f .. q sums to
    // E_q + l1_q - E_f < (c + 1) 2^h + 2^h - c 2^h = 2^(h+1), so to at most bound. Otherwise (codes
    // near full scale) the greedy pass runs (ChunkPairsByPair).
    private int ChunkPairs(int listed, long listedL1, int bound)
    {
        int pairs = (listed + 1) / 2;
        int[] ends = _pairChunkEnds;
        if (listedL1 <= bound)
        {
            ends[0] = pairs;
            return 1;
        }
        if (listed > 1 << 16) return ChunkPairsByPair(listed, bound); // E_p below 2^32 (uint lanes) needs listed 2^15 < 2^32
        int h = BitOperations.Log2((uint)bound + 1) - 1; // bound >= 2^16 - 1: h >= 15
        ref short codes = ref MemoryMarshal.GetArrayDataReference(_listCodes16);
        ref int endRef = ref MemoryMarshal.GetArrayDataReference(ends);
        var limit = Vector512.Create(1 << h);
        var shift = Vector512.Create((uint)h);
        var lastLane = Vector512.Create(15);
        Vector512<int> zero = Vector512<int>.Zero, before = zero, previous = zero, tooLarge = zero;
        int chunks = 0;
        for (int p0 = 0; p0 < pairs; p0 += 16)
        {
            // Codes 2 p0 .. 2 p0 + 31 (the scratch holds K + 32 slots); those past the list masked to 0.
            Vector512<short> c = Vector512.LoadUnsafe(ref codes, (nuint)(2 * p0));
            c &= Vector512.LessThan(Vector512<short>.Indices, Vector512.Create((short)Math.Min(32, listed - 2 * p0)));
            // |s0| + |s1| of each pair, exact: vpmaddwd of the codes with their signs (+1 for 0).
            Vector512<int> l1 = Avx512BW.MultiplyAddAdjacent(c, (c >> 15) | Vector512<short>.One);
            tooLarge |= Vector512.GreaterThan(l1, limit);
            // Inclusive prefix sums within the 16 lanes (valignd brings in zeros), then E_p.
            Vector512<int> sum = l1;
            sum += Avx512F.AlignRight32(sum, zero, 15);
            sum += Avx512F.AlignRight32(sum, zero, 14);
            sum += Avx512F.AlignRight32(sum, zero, 12);
            sum += Avx512F.AlignRight32(sum, zero, 8);
            sum += before;
            Vector512<int> chunk = Avx512F.ShiftRightLogicalVariable((sum - l1).AsUInt32(), shift).AsInt32();
            // A chunk starts at each pair whose chunk number differs from the pair before's (lane 0
            // compares with the last lane of the block before; pair 0 with 0, its own): that pair's
            // index ends the chunk before. 16 slots written from chunks on (the scratch has room).
            Vector512<int> starts = Vector512.Equals(chunk, Avx512F.AlignRight32(chunk, previous, 15)) ^ Vector512<int>.AllBitsSet;
            Avx512F.Compress(zero, starts, Vector512<int>.Indices + Vector512.Create(p0)).StoreUnsafe(ref endRef, (nuint)chunks);
            chunks += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(starts));
            before = Avx512F.PermuteVar16x32(sum, lastLane);
            previous = chunk;
        }
        if (tooLarge != zero) return ChunkPairsByPair(listed, bound);
        ends[chunks++] = pairs;
        return chunks;
    }

    // ChunkPairs greedily, one pair at a time: for codes near full scale.
    private int ChunkPairsByPair(int listed, int bound)
    {
        int pairs = (listed + 1) / 2;
        short[] codes = _listCodes16;
        int chunks = 0;
        long chunk = 0;
        for (int p = 0; p < pairs; p++)
        {
            long l1 = Math.Abs((long)codes[2 * p]) + Math.Abs((long)codes[2 * p + 1]);
            if (l1 > bound) return 0;
            if (chunk + l1 > bound)
            {
                _pairChunkEnds[chunks++] = p;
                chunk = 0;
            }
            chunk += l1;
        }
        _pairChunkEnds[chunks++] = pairs;
        return chunks;
    }

    // A s over the listed units, int32 lane sums per chunk of pairs (ChunkPairs) widened into long
    // accumulators kept in registers, 64 dimensions per pass over the pairs; then r and r_m.
    private void ReconstructResidual(UnitConstants c, short[] columns, int D, int listed, int chunks,
        int[] x, int[] r, int[] rm, int baseD, long[] saturations)
    {
        var roundRecon = Vector512.Create(c.RoundRecon);
        var roundSm = Vector512.Create(c.RoundSm);
        int shiftRecon = c.ShiftRecon, shiftSm = c.ShiftSm;
        var maxS = Vector512.Create(c.MaxS);
        var minS = Vector512.Create(c.MinS);
        var maxM = Vector512.Create(c.MaxM);
        var minM = Vector512.Create(c.MinM);
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref byte codes = ref Unsafe.As<short, byte>(ref MemoryMarshal.GetArrayDataReference(_listCodes16));
        ref int off = ref MemoryMarshal.GetArrayDataReference(_listOffsets);
        ref int xRef = ref MemoryMarshal.GetArrayDataReference(x);
        ref int rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref int rmRef = ref MemoryMarshal.GetArrayDataReference(rm);
        int[] ends = _pairChunkEnds;
        long clipsR = 0, clipsRm = 0;
        // 64 dimensions per pass (two 32-dimension blocks), then a last block of 32.
        for (int d = 0; d < D; d += 64)
        {
            bool two = d + 64 <= D;
            Vector512<long> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            int first = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                int last = ends[ch];
                SumPairs(ref a, ref off, ref codes, first, last, d, two, out Vector512<int> v0, out Vector512<int> v1, out Vector512<int> w0, out Vector512<int> w1);
                s0 += Avx512F.ConvertToVector512Int64(v0.GetLower());
                s1 += Avx512F.ConvertToVector512Int64(v0.GetUpper());
                s2 += Avx512F.ConvertToVector512Int64(v1.GetLower());
                s3 += Avx512F.ConvertToVector512Int64(v1.GetUpper());
                s4 += Avx512F.ConvertToVector512Int64(w0.GetLower());
                s5 += Avx512F.ConvertToVector512Int64(w0.GetUpper());
                s6 += Avx512F.ConvertToVector512Int64(w1.GetLower());
                s7 += Avx512F.ConvertToVector512Int64(w1.GetUpper());
                first = last;
            }
            int at = baseD + d;
            Residual8(s0, ref xRef, ref rRef, ref rmRef, at, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            Residual8(s1, ref xRef, ref rRef, ref rmRef, at + 8, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            Residual8(s2, ref xRef, ref rRef, ref rmRef, at + 16, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            Residual8(s3, ref xRef, ref rRef, ref rmRef, at + 24, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            if (two)
            {
                Residual8(s4, ref xRef, ref rRef, ref rmRef, at + 32, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
                Residual8(s5, ref xRef, ref rRef, ref rmRef, at + 40, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
                Residual8(s6, ref xRef, ref rRef, ref rmRef, at + 48, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
                Residual8(s7, ref xRef, ref rRef, ref rmRef, at + 56, roundRecon, shiftRecon, roundSm, shiftSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            }
        }
        if (clipsR != 0) saturations[SolverWorkspace.SiteR] += clipsR;
        if (clipsRm != 0) saturations[SolverWorkspace.SiteRm] += clipsRm;
    }

    // A s in one int32 chunk (every listed pair; ChunkPairs found one), so each sum is exact in its
    // int32 lane (|sum| <= 2^31 - 2^15, the AVX-512 class comment), and the residual runs in 16 int32
    // lanes (Residual16; the caller checked RoundRecon < 2^15, so sum + RoundRecon does not wrap).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReconstructResidual32(UnitConstants c, short[] columns, int D, int listed, int[] x, int[] r, int[] rm, int baseD, long[] saturations)
    {
        if (FullRangeState(c)) ReconstructResidual32(true, c, columns, D, listed, x, r, rm, baseD, saturations);
        else ReconstructResidual32(false, c, columns, D, listed, x, r, rm, baseD, saturations);
    }

    // ReconstructResidual32's body for one state range (inlined with a constant fullRange: Residual16's variant).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReconstructResidual32(bool fullRange, UnitConstants c, short[] columns, int D, int listed, int[] x, int[] r, int[] rm, int baseD, long[] saturations)
    {
        var roundRecon = Vector512.Create((int)c.RoundRecon);
        var shiftRecon = Vector512.Create((uint)c.ShiftRecon);
        int n = c.ShiftSm;
        var shiftSm = Vector512.Create((uint)n);
        var shiftSmRound = Vector512.Create((uint)Math.Max(n - 1, 0));
        var roundBitSm = Vector512.Create(n > 0 ? 1 : 0);
        var maxS = Vector512.Create((int)c.MaxS);
        var minS = Vector512.Create((int)c.MinS);
        var maxM = Vector512.Create((int)c.MaxM);
        var minM = Vector512.Create((int)c.MinM);
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref byte codes = ref Unsafe.As<short, byte>(ref MemoryMarshal.GetArrayDataReference(_listCodes16));
        ref int off = ref MemoryMarshal.GetArrayDataReference(_listOffsets);
        ref int xRef = ref MemoryMarshal.GetArrayDataReference(x);
        ref int rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref int rmRef = ref MemoryMarshal.GetArrayDataReference(rm);
        int pairs = (listed + 1) / 2;
        long clipsR = 0, clipsRm = 0;
        for (int d = 0; d < D; d += 64)
        {
            bool two = d + 64 <= D;
            SumPairs(ref a, ref off, ref codes, 0, pairs, d, two, out Vector512<int> v0, out Vector512<int> v1, out Vector512<int> w0, out Vector512<int> w1);
            int at = baseD + d;
            Residual16(fullRange, v0, ref xRef, ref rRef, ref rmRef, at, roundRecon, shiftRecon, shiftSm, shiftSmRound, roundBitSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            Residual16(fullRange, v1, ref xRef, ref rRef, ref rmRef, at + 16, roundRecon, shiftRecon, shiftSm, shiftSmRound, roundBitSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            if (two)
            {
                Residual16(fullRange, w0, ref xRef, ref rRef, ref rmRef, at + 32, roundRecon, shiftRecon, shiftSm, shiftSmRound, roundBitSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
                Residual16(fullRange, w1, ref xRef, ref rRef, ref rmRef, at + 48, roundRecon, shiftRecon, shiftSm, shiftSmRound, roundBitSm, minS, maxS, minM, maxM, ref clipsR, ref clipsRm);
            }
        }
        if (clipsR != 0) saturations[SolverWorkspace.SiteR] += clipsR;
        if (clipsRm != 0) saturations[SolverWorkspace.SiteRm] += clipsRm;
    }

    // The int32 lane sums of A s over the unit pairs [first, last) of the list (column offsets from
    // _listOffsets, codes from _listCodes16), in d order: dimensions d .. d + 31 in v0, v1 and, when
    // two, d + 32 .. d + 63 in w0, w1 (else zero).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumPairs(ref short a, ref int off, ref byte codes, int first, int last, int d, bool two,
        out Vector512<int> v0, out Vector512<int> v1, out Vector512<int> w0, out Vector512<int> w1)
    {
        // See Reconstruct512: puts the unpacked lanes back in d order.
        var first16 = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        var second16 = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        Vector512<int> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
        for (int p = first; p < last; p++)
        {
            // An odd list's last code pairs with the 0 code after it (and column 0, the padding offset).
            int o0 = Unsafe.Add(ref off, 2 * p) + d, o1 = Unsafe.Add(ref off, 2 * p + 1) + d;
            // Codes (s0, s1) as one int: vpmaddwd forms c0 s0 + c1 s1.
            Vector512<short> s = Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref codes, 4 * p))).AsInt16();
            Vector512<short> a0 = Vector512.LoadUnsafe(ref a, (nuint)o0), b0 = Vector512.LoadUnsafe(ref a, (nuint)o1);
            lo0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a0, b0), s);
            hi0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a0, b0), s);
            if (two)
            {
                Vector512<short> a1 = Vector512.LoadUnsafe(ref a, (nuint)(o0 + 32)), b1 = Vector512.LoadUnsafe(ref a, (nuint)(o1 + 32));
                lo1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a1, b1), s);
                hi1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a1, b1), s);
            }
        }
        v0 = Avx512F.PermuteVar16x32x2(lo0, first16, hi0);
        v1 = Avx512F.PermuteVar16x32x2(lo0, second16, hi0);
        w0 = Avx512F.PermuteVar16x32x2(lo1, first16, hi1);
        w1 = Avx512F.PermuteVar16x32x2(lo1, second16, hi1);
    }

    // r and r_m of the 16 dimensions at x[at ..] from their exact int32 sums A s (see
    // ReconstructResidual32): q = (sum + RoundRecon) >> ShiftRecon, r = satS(x - q). x - q can leave
    // the int range; that is detected (x and q of opposite signs and x - q wrapped to the other sign
    // than x) and clipped to x's side, beyond which the true value lies. r_m = satM(rshr(r, FS - FM))
    // with the threshold's two-shift rshr (r + 2^(n-1) could wrap). With fullRange (FullRangeState: the
    // state spans the int range) x - q is outside [MinS, MaxS] exactly when it wrapped, so the clamp
    // and its two compares are left out.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Residual16(bool fullRange, Vector512<int> sum, ref int xRef, ref int rRef, ref int rmRef, int at,
        Vector512<int> roundRecon, Vector512<uint> shiftRecon, Vector512<uint> shiftSm, Vector512<uint> shiftSmRound, Vector512<int> roundBitSm,
        Vector512<int> minS, Vector512<int> maxS, Vector512<int> minM, Vector512<int> maxM, ref long clipsR, ref long clipsRm)
    {
        Vector512<int> x = Vector512.LoadUnsafe(ref xRef, (nuint)at);
        Vector512<int> q = Avx512F.ShiftRightArithmeticVariable(sum + roundRecon, shiftRecon);
        Vector512<int> v = x - q;
        // (x ^ q) & (x ^ v) in one vpternlogd: (0xF0 ^ 0xCC) & (0xF0 ^ 0xAA) = 0x18.
        Vector512<int> overflow = Avx512F.TernaryLogic(x, q, v, 0x18) >> 31;
        if (fullRange)
        {
            clipsR += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(overflow));
            v = Vector512.ConditionalSelect(overflow, (x >> 31) ^ maxS, v); // maxS = int.MaxValue: MinS where x < 0
        }
        else
        {
            clipsR += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(overflow | Vector512.GreaterThan(v, maxS) | Vector512.LessThan(v, minS)));
            v = Vector512.ConditionalSelect(overflow, Vector512.ConditionalSelect(x >> 31, minS, maxS), Vector512.Min(Vector512.Max(v, minS), maxS));
        }
        v.StoreUnsafe(ref rRef, (nuint)at);
        Vector512<int> w = Avx512F.ShiftRightArithmeticVariable(v, shiftSm) + (Avx512F.ShiftRightArithmeticVariable(v, shiftSmRound) & roundBitSm);
        Vector512<int> clamped = Vector512.Min(Vector512.Max(w, minM), maxM);
        clipsRm += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Avx512F.CompareNotEqual(clamped, w))); // one compare, not two and an or
        clamped.StoreUnsafe(ref rmRef, (nuint)at);
    }

    // ---- step 3 -------------------------------------------------------------------------------------

    /// <summary>
    /// Step 3 for the listed units: A^T r_m into <paramref name="sums"/> (list order, long), 16 units at a
    /// time (<see cref="CorrelateListed"/>), or by the stage <see cref="Correlate"/> when a single
    /// 32-dimension block exceeds the int32 bound; then g_m and the drive from those sums, 16 units per
    /// pass (<see cref="DriveListed"/>). Two passes, not one: with the drive's constants live across the
    /// 16-unit sum (a call: the JIT did not inline it) every call spilled and reloaded them (SysV saves
    /// no vector register), 18 % of a step at pi = 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CorrelateDrive(UnitConstants c, short[] columns, int D, int listed, int[] active, int baseK, int[] rm, int baseD,
        long[] sums, int[] gm, long[] saturations, int bound)
    {
        int chunks = NarrowResidual(rm, baseD, D, bound);
        if (chunks == 1 && c.RoundCorr < 1 << 15)
        {
            CorrelateListed(true, c, columns, listed, 1, null, gm, baseK, saturations);
            return;
        }
        if (chunks == 0) Correlate(columns, D, active, baseK, listed, rm, baseD, sums);
        else CorrelateListed(false, null, columns, listed, chunks, sums, null, 0, null);
        DriveListed(c, listed, sums, gm, baseK, saturations);
    }

    // A^T r_m of the listed units (column offsets from _listOffsets, r_m from _residual16, the chunks of
    // 32-dimension blocks from NarrowResidual), 16 units per pass, into sums[j] for list slot j (slots
    // up to the next multiple of 16: the sums buffer holds K of them, K a multiple of 16).
    // With drive: A^T r_m in one int32 chunk (NarrowResidual found one; the caller checked RoundCorr < 2^15,
    // so sum + RoundCorr, |sum| <= 2^31 - 2^15, does not wrap) and DriveListed's g_m and drive formed from
    // the 16 exact int32 sums in registers, in int32 lanes: no widening, no store and reload of long sums
    // and no second call (DriveListed was 7.8 % of a K = 128, pi = 0.1 step, most of it waiting for the
    // sums just stored); sums is not written (the fused step's contract leaves it free). One method for
    // both: the JIT did not inline a shared body (too many locals), and drive is tested once per 16 units.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CorrelateListed(bool drive, UnitConstants? c, short[] columns, int listed, int chunks, long[]? sums, int[]? gm, int baseK, long[]? saturations)
    {
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref short r16 = ref MemoryMarshal.GetArrayDataReference(_residual16);
        ref long sumRef = ref drive ? ref Unsafe.NullRef<long>() : ref MemoryMarshal.GetArrayDataReference(sums!);
        ref int offsets = ref MemoryMarshal.GetArrayDataReference(_listOffsets);
        int[] blockEnds = _blockEnds;
        // The drive's constants (DriveListed's, in int32 lanes).
        Vector512<int> roundCorr = default, maxM = default, minM = default, gain = default, roundCoef = default, iota = default;
        Vector512<uint> shiftCorr = default, shiftCoef = default;
        ref int gmRef = ref Unsafe.NullRef<int>();
        ref int drv = ref MemoryMarshal.GetArrayDataReference(_listDrive);
        long clips = 0;
        if (drive)
        {
            roundCorr = Vector512.Create((int)c!.RoundCorr);
            shiftCorr = Vector512.Create((uint)c.ShiftCorr);
            maxM = Vector512.Create((int)c.MaxM);
            minM = Vector512.Create((int)c.MinM);
            gain = Vector512.Create((int)c.Gain);
            roundCoef = Vector512.Create((int)c.RoundCoef);
            shiftCoef = Vector512.Create((uint)c.ShiftCoef);
            iota = Vector512<int>.Indices;
            gmRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(gm!), baseK);
        }
        for (int j = 0; j < listed; j += 16)
        {
            ref int off = ref Unsafe.Add(ref offsets, j);
            Vector512<long> lo = Vector512<long>.Zero, hi = Vector512<long>.Zero;
            int start = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                int end = blockEnds[ch];
                // The 16 columns' products summed in int32 lanes over the chunk's dimensions, exact because
                // each chunk's total fits an int (the AVX-512 class comment). Written out here, not in a
                // method: the JIT did not inline one (too many locals), and its 64-byte result came back
                // through the stack.
                int o0 = off, o1 = Unsafe.Add(ref off, 1), o2 = Unsafe.Add(ref off, 2), o3 = Unsafe.Add(ref off, 3);
                int o4 = Unsafe.Add(ref off, 4), o5 = Unsafe.Add(ref off, 5), o6 = Unsafe.Add(ref off, 6), o7 = Unsafe.Add(ref off, 7);
                int o8 = Unsafe.Add(ref off, 8), o9 = Unsafe.Add(ref off, 9), o10 = Unsafe.Add(ref off, 10), o11 = Unsafe.Add(ref off, 11);
                int o12 = Unsafe.Add(ref off, 12), o13 = Unsafe.Add(ref off, 13), o14 = Unsafe.Add(ref off, 14), o15 = Unsafe.Add(ref off, 15);
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                Vector512<int> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
                for (int d = start; d < end; d += 32)
                {
                    Vector512<short> rv = Vector512.LoadUnsafe(ref r16, (nuint)d);
                    a0 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o0 + d)), rv);
                    a1 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o1 + d)), rv);
                    a2 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o2 + d)), rv);
                    a3 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o3 + d)), rv);
                    a4 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o4 + d)), rv);
                    a5 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o5 + d)), rv);
                    a6 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o6 + d)), rv);
                    a7 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o7 + d)), rv);
                    a8 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o8 + d)), rv);
                    a9 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o9 + d)), rv);
                    a10 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o10 + d)), rv);
                    a11 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o11 + d)), rv);
                    a12 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o12 + d)), rv);
                    a13 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o13 + d)), rv);
                    a14 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o14 + d)), rv);
                    a15 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)(o15 + d)), rv);
                }
                // Lane sums (wrapping int32, exact: each unit's chunk total fits an int), a tree of
                // interleaves: 32-bit pairs, then 64-bit pairs (each 128-bit lane then holds four units'
                // partial sums), then two levels of 128-bit lane pairs; lane i ends with unit i's sum.
                Vector512<int> u0 = Pair32(a0, a1), u1 = Pair32(a2, a3), u2 = Pair32(a4, a5), u3 = Pair32(a6, a7);
                Vector512<int> u4 = Pair32(a8, a9), u5 = Pair32(a10, a11), u6 = Pair32(a12, a13), u7 = Pair32(a14, a15);
                Vector512<int> s = Pair128(Pair128(Pair64(u0, u1), Pair64(u2, u3)), Pair128(Pair64(u4, u5), Pair64(u6, u7)));
                if (drive)
                {
                    // The one chunk's sums: g_m = satM((sum + RoundCorr) >> ShiftCorr), clips of the real slots
                    // only; drv = (gain_q g_m + RoundCoef) >> ShiftCoef (DriveFitsInt32); g_m to gm blended as
                    // DriveListed does (slots j .. j + 15 lie inside the chain's K).
                    Vector512<int> g = Avx512F.ShiftRightArithmeticVariable(s + roundCorr, shiftCorr);
                    Vector512<int> clamped = Vector512.Min(Vector512.Max(g, minM), maxM);
                    Vector512<int> valid = Vector512.LessThan(iota, Vector512.Create(listed - j));
                    clips += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Avx512F.CompareNotEqual(clamped, g) & valid));
                    Avx512F.ShiftRightArithmeticVariable(Avx512F.MultiplyLow(gain, clamped) + roundCoef, shiftCoef).StoreUnsafe(ref drv, (nuint)j);
                    Vector512.ConditionalSelect(valid, clamped, Vector512.LoadUnsafe(ref gmRef, (nuint)j)).StoreUnsafe(ref gmRef, (nuint)j);
                    continue; // the only chunk: no widening
                }
                lo += Avx512F.ConvertToVector512Int64(s.GetLower());
                hi += Avx512F.ConvertToVector512Int64(s.GetUpper());
                start = end;
            }
            if (drive) continue;
            lo.StoreUnsafe(ref sumRef, (nuint)j);
            hi.StoreUnsafe(ref sumRef, (nuint)(j + 8));
        }
        if (drive && clips != 0) saturations![SolverWorkspace.SiteGm] += clips;
    }

    // g_m = satM(rshr(sum, FA)) and drv = rshr(gain_q g_m, FC + FM - FS) of the listed units, 16 per
    // pass from their long sums (list order): g_m to gm by list slot, drv to _listDrive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DriveListed(UnitConstants c, int listed, long[] sums, int[] gm, int baseK, long[] saturations)
    {
        var roundCorr = Vector512.Create(c.RoundCorr);
        int shiftCorr = c.ShiftCorr;
        var maxM = Vector512.Create(c.MaxM);
        var minM = Vector512.Create(c.MinM);
        var gain = Vector512.Create((int)c.Gain);
        var roundCoef = Vector512.Create((int)c.RoundCoef);
        var shiftCoef = Vector512.Create((uint)c.ShiftCoef);
        ref long sumRef = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int gmRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(gm), baseK);
        ref int drv = ref MemoryMarshal.GetArrayDataReference(_listDrive);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        long clips = 0;
        for (int j = 0; j < listed; j += 16)
        {
            Vector512<long> lo = Vector512.LoadUnsafe(ref sumRef, (nuint)j), hi = Vector512.LoadUnsafe(ref sumRef, (nuint)(j + 8));
            // g_m = satM((sum + RoundCorr) >> ShiftCorr) in long lanes (vpsraq), clips of the real slots only.
            Vector512<long> gLo = (lo + roundCorr) >> shiftCorr, gHi = (hi + roundCorr) >> shiftCorr;
            ulong clipped = Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(gLo, maxM) | Vector512.LessThan(gLo, minM))
                | Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(gHi, maxM) | Vector512.LessThan(gHi, minM)) << 8;
            int valid = Math.Min(16, listed - j);
            clips += BitOperations.PopCount(clipped & ((1UL << valid) - 1));
            Vector512<int> g = Vector512.Create(Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(gLo, minM), maxM)),
                Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(gHi, minM), maxM)));
            // drv = (gain_q g_m + RoundCoef) >> ShiftCoef in int lanes (DriveFitsInt32); the sign of the
            // non-negative variant is applied by the update, which has u at hand.
            Avx512F.ShiftRightArithmeticVariable(Avx512F.MultiplyLow(gain, g) + roundCoef, shiftCoef).StoreUnsafe(ref drv, (nuint)j);
            // Slots j .. j + 15 lie inside the chain's K (K a multiple of 16): a partial group blends its
            // valid slots into the old contents, leaving the slots past the list as they were.
            Vector512<int> old = Vector512.LoadUnsafe(ref gmRef, (nuint)j);
            Vector512.ConditionalSelect(Vector512.LessThan(iota, Vector512.Create(valid)), g, old).StoreUnsafe(ref gmRef, (nuint)j);
        }
        if (clips != 0) saturations[SolverWorkspace.SiteGm] += clips;
    }

    // Per 128-bit lane: [a0 + a2, b0 + b2, a1 + a3, b1 + b3].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair32(Vector512<int> a, Vector512<int> b) => Avx512F.UnpackLow(a, b) + Avx512F.UnpackHigh(a, b);

    // Per 128-bit lane, from two Pair32 results: [a's two partials summed, b's, c's, d's] for the four units.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair64(Vector512<int> a, Vector512<int> b) =>
        Avx512F.UnpackLow(a.AsInt64(), b.AsInt64()).AsInt32() + Avx512F.UnpackHigh(a.AsInt64(), b.AsInt64()).AsInt32();

    // 128-bit lanes [a0 + a1, a2 + a3, b0 + b1, b2 + b3].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair128(Vector512<int> a, Vector512<int> b) => Avx512F.Shuffle4x128(a, b, 0x88) + Avx512F.Shuffle4x128(a, b, 0xDD);

    // ---- step 4 -------------------------------------------------------------------------------------

    // First-order step 4 with the list-order drive expanded into each 16-unit block (vpexpandd over
    // the block's gate |u| > u0, the threshold's, u being unchanged since), negated where u < 0 for the
    // non-negative variant; the rest is UpdateFirstOrder512's arithmetic (Update16). One loop per
    // variant (the signed one has no negation to do).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UpdateFused(UnitConstants c, int[] u, int baseK, int units, int[] eta, int etaOffset, long[] saturations)
    {
        long clips = FullRangeState(c)
            ? (c.Signed ? UpdateFused(false, true, c, u, baseK, units, eta, etaOffset) : UpdateFused(true, true, c, u, baseK, units, eta, etaOffset))
            : (c.Signed ? UpdateFused(false, false, c, u, baseK, units, eta, etaOffset) : UpdateFused(true, false, c, u, baseK, units, eta, etaOffset));
        if (clips != 0) saturations[SolverWorkspace.SiteU] += clips;
    }

    // UpdateFused's loop for one variant and state range (inlined with constant nonNegative and fullRange:
    // no test per pass); returns the u clips.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long UpdateFused(bool nonNegative, bool fullRange, UnitConstants c, int[] u, int baseK, int units, int[] eta, int etaOffset)
    {
        var u0 = Vector512.Create((uint)c.U0);
        var noiseQ = NoiseWords(c);
        var roundNoise = Vector512.Create((int)c.RoundNoise);
        var shiftNoise = Vector512.Create((uint)c.ShiftNoise);
        var leak = Vector512.Create((int)c.Leak);
        var maxS = Vector512.Create((int)c.MaxS);
        var minS = Vector512.Create((int)c.MinS);
        ref int uRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u), baseK);
        ref int etaRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(eta), etaOffset);
        ref int drvRef = ref MemoryMarshal.GetArrayDataReference(_listDrive);
        Vector512<int> clips = Vector512<int>.Zero;
        int listed = 0;
        for (int k = 0; k < units; k += 16)
        {
            Vector512<int> x = Vector512.LoadUnsafe(ref uRef, (nuint)k);
            // on stays a uint compare (no reinterpretation): the JIT then keeps it in a mask register.
            Vector512<uint> on = Vector512.GreaterThan(Avx512F.Abs(x), u0);
            Vector512<int> drive = Avx512F.Expand(Vector512<uint>.Zero, on, Vector512.LoadUnsafe(ref drvRef, (nuint)listed).AsUInt32()).AsInt32(); // the scratch holds K + 16 slots
            listed += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(on));
            if (nonNegative && !fullRange) drive = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<int>.Zero), -drive, drive);
            Vector512<int> etaK = Vector512.LoadUnsafe(ref etaRef, (nuint)k);
            (fullRange ? Update16FullRange(nonNegative, x, drive, etaK, noiseQ, roundNoise, shiftNoise, leak, ref clips)
                : Update16(x, drive, etaK, noiseQ, roundNoise, shiftNoise, leak, minS, maxS, ref clips)).StoreUnsafe(ref uRef, (nuint)k);
        }
        return SumClips(clips);
    }
}
