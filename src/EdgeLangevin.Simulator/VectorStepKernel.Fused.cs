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
/// What it saves over the stages: the threshold leaves the listed codes as 16-bit words in list
/// order, so A s reads its pair codes straight from them (no pair table); A s is summed in int32
/// chunks exact by the argument of the AVX-512 class comment (one chunk when the listed |s_m| sum
/// to at most <see cref="ChunkL1"/>, the usual case at pi = 0.1), widened into long accumulators
/// held in registers and fed to the residual from there (no long sums in memory); and the drive
/// of step 3 (g_m, gain_q g_m, the non-negative variant's sign) is formed eight listed units at a time, the signs of u coming from the threshold in list order too. The
/// rest are the stage methods themselves, so the integers and clip counts are theirs.
/// </summary>
public sealed partial class VectorStepKernel
{
    private short[] _listCodes16 = []; // s_m of the listed units, list order (Threshold512 writes it)
    private int[] _listSigns = []; // -1 where the listed unit's u < 0, list order (Threshold512 writes it)
    private int[] _listDrive = []; // drv of the listed units, list order
    private int[] _pairChunkEnds = []; // where each chunk of unit pairs ends (ChunkPairs)

    /// <summary>True (default): run <see cref="StepFirstOrder"/> fused where it applies; false: the stages (same bits; for comparison).</summary>
    public bool Fuse { get; set; } = true;

    /// <summary>Chain-steps this kernel has run fused (tests read it to know the fused path ran).</summary>
    public long FusedSteps { get; private set; }

    /// <inheritdoc />
    public override bool StepFirstOrder(UnitConstants c, short[] columns, SolverWorkspace ws, int chain, int[] eta, int etaOffset)
    {
        int K = ws.K, D = ws.D;
        if (!Fuse || !UseAvx512 || (K & 15) != 0 || (D & 31) != 0 || !UpdateFitsInt32(c) || !DriveFitsInt32(c)) return false;
        int baseK = chain * K, baseD = chain * D;
        long[] saturations = ws.Saturations;
        int n = Threshold512(c, false, ws.U, ws.Sm, baseK, K, ws.Active, ws.IsActive, ws.Drive, saturations, out long listedL1);
        ws.ActiveCount[chain] = n;
        int chunks = ChunkPairs(n, listedL1);
        if (chunks > 0) ReconstructResidual(c, columns, D, ws.Active, baseK, n, chunks, ws.X, ws.R, ws.Rm, baseD, saturations);
        else
        {
            Reconstruct(columns, D, ws.Active, baseK, n, ws.Sm, baseK, ws.Accumulator);
            Residual512(c, ws.Accumulator, ws.X, ws.R, ws.Rm, baseD, D, saturations);
        }
        Correlate(columns, D, ws.Active, baseK, n, ws.Rm, baseD, ws.CorrelationSums);
        DriveListed(c, ws.CorrelationSums, n, ws.Active, baseK, ws.Gm, ws.Drive, saturations);
        UpdateFirstOrder512(c, ws.U, baseK, K, ws.Drive, eta, etaOffset, saturations);
        FusedSteps++;
        return true;
    }

    // drv = (gain_q g_m + RoundCoef) >> ShiftCoef in int32 lanes: |g_m| <= 2^15, so |gain_q g_m| <= 2^30.
    private static bool DriveFitsInt32(UnitConstants c) => Math.Abs(c.Gain) * 32768 + c.RoundCoef <= int.MaxValue;

    // Cuts the listed units' pairs (codes from _listCodes16) into chunks whose |s_m| sum to at most
    // ChunkL1 (the AVX-512 class comment's exactness bound), ends in _pairChunkEnds; returns the chunk
    // count, or 0 when one pair alone exceeds the bound (both codes -32768: the stage path's AVX2 split).
    private int ChunkPairs(int listed, long listedL1)
    {
        int pairs = (listed + 1) / 2;
        if (listedL1 <= ChunkL1)
        {
            _pairChunkEnds[0] = pairs;
            return 1;
        }
        short[] codes = _listCodes16;
        int chunks = 0;
        long chunk = 0;
        for (int p = 0; p < pairs; p++)
        {
            long l1 = Math.Abs((long)codes[2 * p]) + Math.Abs((long)codes[2 * p + 1]);
            if (l1 > ChunkL1) return 0;
            if (chunk + l1 > ChunkL1)
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
    private void ReconstructResidual(UnitConstants c, short[] columns, int D, int[] active, int baseK, int listed, int chunks,
        int[] x, int[] r, int[] rm, int baseD, long[] saturations)
    {
        var roundRecon = Vector512.Create(c.RoundRecon);
        var roundSm = Vector512.Create(c.RoundSm);
        int shiftRecon = c.ShiftRecon, shiftSm = c.ShiftSm;
        var maxS = Vector512.Create(c.MaxS);
        var minS = Vector512.Create(c.MinS);
        var maxM = Vector512.Create(c.MaxM);
        var minM = Vector512.Create(c.MinM);
        // See Reconstruct512: puts the unpacked lanes back in d order.
        var first16 = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        var second16 = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref byte codes = ref Unsafe.As<short, byte>(ref MemoryMarshal.GetArrayDataReference(_listCodes16));
        ref int act = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(active), baseK);
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
                Vector512<int> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
                for (int p = first; p < last; p++)
                {
                    int o0 = Unsafe.Add(ref act, 2 * p) * D + d;
                    int o1 = 2 * p + 1 < listed ? Unsafe.Add(ref act, 2 * p + 1) * D + d : o0; // an odd list's last code pairs with 0
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
                Vector512<int> v0 = Avx512F.PermuteVar16x32x2(lo0, first16, hi0), v1 = Avx512F.PermuteVar16x32x2(lo0, second16, hi0);
                s0 += Avx512F.ConvertToVector512Int64(v0.GetLower());
                s1 += Avx512F.ConvertToVector512Int64(v0.GetUpper());
                s2 += Avx512F.ConvertToVector512Int64(v1.GetLower());
                s3 += Avx512F.ConvertToVector512Int64(v1.GetUpper());
                if (two)
                {
                    Vector512<int> w0 = Avx512F.PermuteVar16x32x2(lo1, first16, hi1), w1 = Avx512F.PermuteVar16x32x2(lo1, second16, hi1);
                    s4 += Avx512F.ConvertToVector512Int64(w0.GetLower());
                    s5 += Avx512F.ConvertToVector512Int64(w0.GetUpper());
                    s6 += Avx512F.ConvertToVector512Int64(w1.GetLower());
                    s7 += Avx512F.ConvertToVector512Int64(w1.GetUpper());
                }
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

    /// <summary>
    /// Step 3's drive of the listed units, eight per pass (the arithmetic of the solver's stage,
    /// event-driven: every listed unit is active): g_m = satM((sums[j] + RoundCorr) &gt;&gt; ShiftCorr)
    /// in long lanes, to gm[baseK + j]; drv = (gain_q g_m + RoundCoef) &gt;&gt; ShiftCoef in int lanes
    /// (<see cref="DriveFitsInt32"/>), negated for the non-negative variant where u &lt; 0, to
    /// drive[k_j]. sums[j ..] is read in whole vectors (slots past the list are computed and dropped).
    /// </summary>
    private void DriveListed(UnitConstants c, long[] sums, int listed, int[] active, int baseK, int[] gm, int[] drive, long[] saturations)
    {
        var roundCorr = Vector512.Create(c.RoundCorr);
        int shiftCorr = c.ShiftCorr, shiftCoef = c.ShiftCoef;
        var maxM = Vector512.Create(c.MaxM);
        var minM = Vector512.Create(c.MinM);
        var gain = Vector256.Create((int)c.Gain);
        var roundCoef = Vector256.Create((int)c.RoundCoef);
        var negate = Vector256.Create(c.Signed ? 0 : -1);
        ref long sumRef = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int signs = ref MemoryMarshal.GetArrayDataReference(_listSigns);
        ref int drv = ref MemoryMarshal.GetArrayDataReference(_listDrive);
        ref int gmRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(gm), baseK);
        long clips = 0;
        for (int j = 0; j < listed; j += 8)
        {
            Vector512<long> g = (Vector512.LoadUnsafe(ref sumRef, (nuint)j) + roundCorr) >> shiftCorr;
            ulong clipped = Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(g, maxM) | Vector512.LessThan(g, minM));
            int valid = Math.Min(8, listed - j);
            clips += BitOperations.PopCount(clipped & ((1UL << valid) - 1));
            Vector256<int> g32 = Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(g, minM), maxM));
            Vector256<int> flip = Vector256.LoadUnsafe(ref signs, (nuint)j) & negate;
            ((((gain * g32 + roundCoef) >> shiftCoef) ^ flip) - flip).StoreUnsafe(ref drv, (nuint)j);
            if (valid == 8) g32.StoreUnsafe(ref gmRef, (nuint)j);
            else for (int i = 0; i < valid; i++) Unsafe.Add(ref gmRef, j + i) = g32.GetElement(i);
        }
        for (int j = 0; j < listed; j++) drive[active[baseK + j]] = _listDrive[j];
        if (clips != 0) saturations[SolverWorkspace.SiteGm] += clips;
    }
}
