using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>
/// The chain-blocked fused step (<see cref="StepKernel.StepFirstOrderGroup"/>): the chains of a noise
/// group whose active sets are dense are stepped <see cref="ChainBlock"/> at a time, each dictionary
/// vector loaded once for the block's chains instead of once per chain (at K = 512, D = 256 the
/// dictionary, 256 KB, does not fit the L1 cache, and the per-chain MAC loops load it from L2 twice
/// per chain-step, one 512-bit load per vpmaddwd). A dense chain's A s and A^T r run over every unit,
/// an inactive unit with s_m = 0 (its term is 0, so the sum is the listed units' sum); the chain's own
/// listed units then take their correlations by list slot, and the drive and update are the fused
/// step's (<see cref="DriveListed"/>, <see cref="UpdateFused"/>). Chains below the density rule take
/// the fused one-chain step. Same integers and clip counts as the scalar kernel:
/// <para>
/// The int32 chunks of the block are cut at fixed lengths that hold for every chain of the block: a
/// chunk of P unit pairs of A s sums at most 2 P max|s_m| of |s_m|, a chunk of B 32-dimension blocks
/// of A^T r at most 32 B max|r_m| of |r_m| (the maxima over the block's chains), so P = bound / (2 max|s_m|)
/// and B = bound / (32 max|r_m|) keep each chunk within the AVX-512 class comment's exactness bound
/// (<see cref="L1Bound"/> of this dictionary). Integer sums are exact in any order and any cut, so the
/// block, the cut and the density rule change no bit. When a single pair or block would exceed the
/// bound (operands near full scale) the block's chains take the stage sums for that MAC loop.
/// </para>
/// </summary>
public sealed partial class VectorStepKernel
{
    /// <summary>Chains whose MAC loops share each dictionary load.</summary>
    public const int ChainBlock = 4;

    /// <summary>
    /// The density rule: a chain of a noise group is stepped in a chain block when its active count of
    /// the step before is at least this fraction of K (0: every chain; above 1: none). Any value gives the
    /// same bits; the default is the measured cut-over.
    /// </summary>
    public double BlockDensity { get; set; } = 0.5;

    /// <summary>Chain-steps this kernel has run in chain blocks (tests read it to know the blocked path ran).</summary>
    public long BlockedSteps { get; private set; }

    private readonly int[] _blockChains = new int[ChainBlock];
    private readonly long[][] _blockSums = [[], [], [], []]; // per slot: A s (D) then A^T r (K), long
    private short[] _blockCodes16 = []; // slot i's s_m of every unit at i K (16-bit words)
    private short[] _blockResidual16 = []; // slot i's r_m at i D (16-bit words)

    private void ReserveBlock(int units, int dimensions)
    {
        int n = Math.Max(units, dimensions);
        if (_blockSums[0].Length < n)
            for (int i = 0; i < ChainBlock; i++) _blockSums[i] = new long[n];
        if (_blockCodes16.Length < ChainBlock * units) _blockCodes16 = new short[ChainBlock * units];
        if (_blockResidual16.Length < ChainBlock * dimensions) _blockResidual16 = new short[ChainBlock * dimensions];
    }

    /// <inheritdoc />
    public override bool StepFirstOrderGroup(UnitConstants c, short[] columns, SolverWorkspace ws, int firstChain, int count, int[] eta)
    {
        int K = ws.K, D = ws.D;
        if (!Fuses(c, K, D)) return false;
        Reserve(K, D);
        ReserveBlock(K, D);
        _groupEnd = 0; // the group is stepped here, not chain by chain (StepFirstOrder)
        int bound = L1Bound(columns, K * D);
        long minActive = (long)Math.Ceiling(BlockDensity * K);
        int pending = 0;
        for (int i = 0; i < count; i++)
        {
            int chain = firstChain + i;
            if (ws.ActiveCount[chain] < minActive)
            {
                StepOne(c, columns, ws, chain, eta, i * K, bound);
                continue;
            }
            _blockChains[pending++] = chain;
            if (pending == ChainBlock)
            {
                StepBlock(c, columns, ws, firstChain, pending, eta, bound);
                pending = 0;
            }
        }
        if (pending > 0) StepBlock(c, columns, ws, firstChain, pending, eta, bound);
        return true;
    }

    // One fused step of the chains _blockChains[0 .. count) (count <= ChainBlock; a short block's empty
    // slots repeat slot 0's operands and their sums are dropped), chain b taking the words at (b - firstChain) K.
    private void StepBlock(UnitConstants c, short[] columns, SolverWorkspace ws, int firstChain, int count, int[] eta, int bound)
    {
        int K = ws.K, D = ws.D;
        long[] saturations = ws.Saturations;
        int[] chains = _blockChains;
        int maxS = 0;
        long largestL1 = 0;
        for (int i = 0; i < count; i++)
        {
            int baseK = chains[i] * K;
            long listedL1;
            int n = c.Signed ? ThresholdSigned(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out listedL1)
                : ThresholdNonNegative(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out listedL1);
            ws.ActiveCount[chains[i]] = n;
            largestL1 = Math.Max(largestL1, listedL1);
            maxS = Math.Max(maxS, Narrow16(ws.Sm, baseK, _blockCodes16, i * K, K, out _));
        }
        // Step 2: A s of every unit (one chunk when every slot's sum |s_m| is within the bound, else
        // chunks of a fixed number of pairs, 2 max|s_m| <= bound: at least one), then r and r_m.
        if (2L * maxS <= bound)
        {
            int chunkPairs = largestL1 <= bound || maxS == 0 ? K / 2 : Math.Min(K / 2, bound / (2 * maxS));
            ReconstructBlock(columns, K, D, count, chunkPairs);
            for (int i = 0; i < count; i++) Residual512(c, _blockSums[i], ws.X, ws.R, ws.Rm, chains[i] * D, D, saturations);
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                int baseK = chains[i] * K;
                Reconstruct(columns, D, ws.Active, baseK, ws.ActiveCount[chains[i]], ws.Sm, baseK, ws.Accumulator);
                Residual512(c, ws.Accumulator, ws.X, ws.R, ws.Rm, chains[i] * D, D, saturations);
            }
        }
        // Step 3: A^T r_m of every unit (32 max|r_m| <= bound: a chunk holds at least one block), the
        // listed units' sums gathered in list order; then g_m, the drive and the update per chain.
        int maxR = 0;
        long largestR = 0;
        for (int i = 0; i < count; i++)
        {
            maxR = Math.Max(maxR, Narrow16(ws.Rm, chains[i] * D, _blockResidual16, i * D, D, out long l1));
            largestR = Math.Max(largestR, l1);
        }
        if (32L * maxR <= bound)
        {
            CorrelateBlock(columns, K, D, count, largestR <= bound || maxR == 0 ? D / 32 : Math.Min(D / 32, bound / (32 * maxR)));
            for (int i = 0; i < count; i++)
                DriveUpdateDense(c, _blockSums[i], ws.Gm, ws.U, chains[i] * K, K, eta, (chains[i] - firstChain) * K, saturations);
        }
        else
        {
            long[] sums = ws.CorrelationSums;
            for (int i = 0; i < count; i++)
            {
                int chain = chains[i], baseK = chain * K, n = ws.ActiveCount[chain];
                Correlate(columns, D, ws.Active, baseK, n, ws.Rm, chain * D, sums);
                DriveListed(c, n, sums, ws.Gm, baseK, saturations);
                UpdateFused(c, ws.U, baseK, K, eta, (chain - firstChain) * K, saturations);
            }
        }
        FusedSteps += count;
        BlockedSteps += count;
    }

    // source[from .. from + length) (values that fit 16 bits: s_m and r_m fit WM <= 16) as 16-bit words at
    // destination[at ..] (the truncating narrow, vpmovdw, is exact); returns their largest magnitude, and
    // the sum of their magnitudes in l1. length is a multiple of 16.
    private static int Narrow16(int[] source, int from, short[] destination, int at, int length, out long l1)
    {
        ref int src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(source), from);
        ref short dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(destination), at);
        Vector512<int> largest = Vector512<int>.Zero;
        Vector512<long> total = Vector512<long>.Zero;
        for (int i = 0; i < length; i += 16)
        {
            Vector512<int> v = Vector512.LoadUnsafe(ref src, (nuint)i);
            Avx512F.ConvertToVector256Int16(v).StoreUnsafe(ref dst, (nuint)i);
            Vector512<int> magnitude = Vector512.Abs(v); // |-32768| fits an int
            largest = Vector512.Max(largest, magnitude);
            total += Avx512F.ConvertToVector512Int64(magnitude.GetLower()) + Avx512F.ConvertToVector512Int64(magnitude.GetUpper());
        }
        l1 = Vector512.Sum(total);
        Vector256<int> half = Vector256.Max(largest.GetLower(), largest.GetUpper());
        Vector128<int> quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        return Math.Max(Math.Max(quarter.GetElement(0), quarter.GetElement(1)), Math.Max(quarter.GetElement(2), quarter.GetElement(3)));
    }

    // Step 3's rest and step 4 for one chain of a block from the A^T r_m sums of every unit (sums[k]):
    // DriveListed's g_m and drive for the active units (|u| > u0, the threshold's gate; u is unchanged
    // until the update), g_m compressed to their list slots (the slots past the list keep their
    // contents) and their g_m clips counted; an inactive unit's drive 0; then UpdateFused's update.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DriveUpdateDense(UnitConstants c, long[] sums, int[] gm, int[] u, int baseK, int units, int[] eta, int etaOffset, long[] saturations)
    {
        var roundCorr = Vector512.Create(c.RoundCorr);
        int shiftCorr = c.ShiftCorr;
        var maxM64 = Vector512.Create(c.MaxM);
        var minM64 = Vector512.Create(c.MinM);
        var gain = Vector512.Create((int)c.Gain);
        var roundCoef = Vector512.Create((int)c.RoundCoef);
        var shiftCoef = Vector512.Create((uint)c.ShiftCoef);
        var u0 = Vector512.Create((uint)c.U0);
        var negate = Vector512.Create(c.Signed ? 0 : -1);
        var noiseQ = NoiseWords(c);
        var roundNoise = Vector512.Create((int)c.RoundNoise);
        var shiftNoise = Vector512.Create((uint)c.ShiftNoise);
        var leak = Vector512.Create((int)c.Leak);
        var maxS = Vector512.Create((int)c.MaxS);
        var minS = Vector512.Create((int)c.MinS);
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        ref long sumRef = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int gmRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(gm), baseK);
        ref int uRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u), baseK);
        ref int etaRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(eta), etaOffset);
        long clipsGm = 0, clipsU = 0;
        int n = 0;
        for (int k = 0; k < units; k += 16)
        {
            Vector512<int> x = Vector512.LoadUnsafe(ref uRef, (nuint)k);
            Vector512<int> on = Vector512.GreaterThan(Avx512F.Abs(x), u0).AsInt32();
            uint onBits = (uint)Vector512.ExtractMostSignificantBits(on);
            Vector512<long> lo = Vector512.LoadUnsafe(ref sumRef, (nuint)k), hi = Vector512.LoadUnsafe(ref sumRef, (nuint)(k + 8));
            Vector512<long> gLo = (lo + roundCorr) >> shiftCorr, gHi = (hi + roundCorr) >> shiftCorr;
            ulong clipped = Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(gLo, maxM64) | Vector512.LessThan(gLo, minM64))
                | Vector512.ExtractMostSignificantBits(Vector512.GreaterThan(gHi, maxM64) | Vector512.LessThan(gHi, minM64)) << 8;
            clipsGm += System.Numerics.BitOperations.PopCount(clipped & onBits);
            Vector512<int> g = Vector512.Create(Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(gLo, minM64), maxM64)),
                Avx512F.ConvertToVector256Int32(Vector512.Min(Vector512.Max(gHi, minM64), maxM64)));
            // g_m of the active units to list slots n .. (16 slots from n <= k: inside the chain's K), blended
            // into the old contents past them.
            int listed = System.Numerics.BitOperations.PopCount(onBits);
            Vector512<int> old = Vector512.LoadUnsafe(ref gmRef, (nuint)n);
            Vector512.ConditionalSelect(Vector512.LessThan(iota, Vector512.Create(listed)), Avx512F.Compress(Vector512<int>.Zero, on, g), old)
                .StoreUnsafe(ref gmRef, (nuint)n);
            n += listed;
            Vector512<int> drive = Avx512F.ShiftRightArithmeticVariable(Avx512F.MultiplyLow(gain, g) + roundCoef, shiftCoef) & on;
            Vector512<int> flip = (x >> 31) & negate;
            drive = (drive ^ flip) - flip;
            Update16(x, drive, Vector512.LoadUnsafe(ref etaRef, (nuint)k), noiseQ, roundNoise, shiftNoise, leak, minS, maxS, ref clipsU)
                .StoreUnsafe(ref uRef, (nuint)k);
        }
        if (clipsGm != 0) saturations[SolverWorkspace.SiteGm] += clipsGm;
        if (clipsU != 0) saturations[SolverWorkspace.SiteU] += clipsU;
    }

    // A s of every unit for the block's slots (codes from _blockCodes16) into _blockSums[slot][0 .. D):
    // 64 dimensions per pass (then a last 32), unit pairs (2p, 2p + 1) in chunks of chunkPairs pairs, each
    // pair's two column vectors loaded and interleaved once for the four slots.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReconstructBlock(short[] columns, int K, int D, int count, int chunkPairs)
    {
        for (int i = 0; i < ChainBlock; i++) Array.Clear(_blockSums[i], 0, D);
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref byte codes = ref Unsafe.As<short, byte>(ref MemoryMarshal.GetArrayDataReference(_blockCodes16));
        // Byte offsets of each slot's codes (an empty slot repeats slot 0).
        int c0 = 0, c1 = count > 1 ? 2 * K : 0, c2 = count > 2 ? 4 * K : 0, c3 = count > 3 ? 6 * K : 0;
        ref long sum0 = ref MemoryMarshal.GetArrayDataReference(_blockSums[0]);
        ref long sum1 = ref MemoryMarshal.GetArrayDataReference(_blockSums[1]);
        ref long sum2 = ref MemoryMarshal.GetArrayDataReference(_blockSums[2]);
        ref long sum3 = ref MemoryMarshal.GetArrayDataReference(_blockSums[3]);
        // See Reconstruct512: puts the unpacked lanes back in d order.
        var first16 = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
        var second16 = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
        int pairs = K / 2;
        for (int d = 0; d < D; d += 64)
        {
            bool two = d + 64 <= D;
            for (int first = 0; first < pairs; first += chunkPairs)
            {
                int last = Math.Min(pairs, first + chunkPairs);
                Vector512<int> l00 = default, h00 = default, l01 = default, h01 = default;
                Vector512<int> l10 = default, h10 = default, l11 = default, h11 = default;
                Vector512<int> l20 = default, h20 = default, l21 = default, h21 = default;
                Vector512<int> l30 = default, h30 = default, l31 = default, h31 = default;
                for (int p = first; p < last; p++)
                {
                    int o = 2 * p * D + d; // column 2p; column 2p + 1 follows at + D
                    // Each slot's codes (s_2p, s_2p+1) as one int: vpmaddwd forms a0 s_2p + a1 s_2p+1.
                    Vector512<short> s0 = Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref codes, c0 + 4 * p))).AsInt16();
                    Vector512<short> s1 = Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref codes, c1 + 4 * p))).AsInt16();
                    Vector512<short> s2 = Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref codes, c2 + 4 * p))).AsInt16();
                    Vector512<short> s3 = Vector512.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref codes, c3 + 4 * p))).AsInt16();
                    Vector512<short> a0 = Vector512.LoadUnsafe(ref a, (nuint)o), b0 = Vector512.LoadUnsafe(ref a, (nuint)(o + D));
                    Vector512<short> lo = Avx512BW.UnpackLow(a0, b0), hi = Avx512BW.UnpackHigh(a0, b0);
                    l00 += Avx512BW.MultiplyAddAdjacent(lo, s0); h00 += Avx512BW.MultiplyAddAdjacent(hi, s0);
                    l10 += Avx512BW.MultiplyAddAdjacent(lo, s1); h10 += Avx512BW.MultiplyAddAdjacent(hi, s1);
                    l20 += Avx512BW.MultiplyAddAdjacent(lo, s2); h20 += Avx512BW.MultiplyAddAdjacent(hi, s2);
                    l30 += Avx512BW.MultiplyAddAdjacent(lo, s3); h30 += Avx512BW.MultiplyAddAdjacent(hi, s3);
                    if (two)
                    {
                        Vector512<short> a1 = Vector512.LoadUnsafe(ref a, (nuint)(o + 32)), b1 = Vector512.LoadUnsafe(ref a, (nuint)(o + D + 32));
                        lo = Avx512BW.UnpackLow(a1, b1);
                        hi = Avx512BW.UnpackHigh(a1, b1);
                        l01 += Avx512BW.MultiplyAddAdjacent(lo, s0); h01 += Avx512BW.MultiplyAddAdjacent(hi, s0);
                        l11 += Avx512BW.MultiplyAddAdjacent(lo, s1); h11 += Avx512BW.MultiplyAddAdjacent(hi, s1);
                        l21 += Avx512BW.MultiplyAddAdjacent(lo, s2); h21 += Avx512BW.MultiplyAddAdjacent(hi, s2);
                        l31 += Avx512BW.MultiplyAddAdjacent(lo, s3); h31 += Avx512BW.MultiplyAddAdjacent(hi, s3);
                    }
                }
                // Each chunk's lane sums are exact in int32 (the class comment); widened into the long sums.
                AddBlock(ref sum0, d, two, l00, h00, l01, h01, first16, second16);
                AddBlock(ref sum1, d, two, l10, h10, l11, h11, first16, second16);
                AddBlock(ref sum2, d, two, l20, h20, l21, h21, first16, second16);
                AddBlock(ref sum3, d, two, l30, h30, l31, h31, first16, second16);
            }
        }
    }

    // sums[d .. d + 32) (and d + 32 .. d + 64 when two) += the unpacked lane sums, put back in d order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlock(ref long sum, int d, bool two, Vector512<int> lo0, Vector512<int> hi0, Vector512<int> lo1, Vector512<int> hi1,
        Vector512<int> first16, Vector512<int> second16)
    {
        AddWidened(ref sum, d, Avx512F.PermuteVar16x32x2(lo0, first16, hi0));
        AddWidened(ref sum, d + 16, Avx512F.PermuteVar16x32x2(lo0, second16, hi0));
        if (!two) return;
        AddWidened(ref sum, d + 32, Avx512F.PermuteVar16x32x2(lo1, first16, hi1));
        AddWidened(ref sum, d + 48, Avx512F.PermuteVar16x32x2(lo1, second16, hi1));
    }

    // A^T r_m of every unit for the block's slots (r_m from _blockResidual16) into _blockSums[slot][0 .. K):
    // four units per pass, each column vector loaded once for the four slots (16 accumulators, unit i of
    // slot c in accumulator 4 c + i), the dimensions in chunks of chunkBlocks 32-dimension blocks.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CorrelateBlock(short[] columns, int K, int D, int count, int chunkBlocks)
    {
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref short r = ref MemoryMarshal.GetArrayDataReference(_blockResidual16);
        int r0 = 0, r1 = count > 1 ? D : 0, r2 = count > 2 ? 2 * D : 0, r3 = count > 3 ? 3 * D : 0; // an empty slot repeats slot 0
        ref long sum0 = ref MemoryMarshal.GetArrayDataReference(_blockSums[0]);
        ref long sum1 = ref MemoryMarshal.GetArrayDataReference(_blockSums[1]);
        ref long sum2 = ref MemoryMarshal.GetArrayDataReference(_blockSums[2]);
        ref long sum3 = ref MemoryMarshal.GetArrayDataReference(_blockSums[3]);
        int chunk = 32 * chunkBlocks;
        for (int k = 0; k < K; k += 4)
        {
            int o0 = k * D, o1 = o0 + D, o2 = o1 + D, o3 = o2 + D;
            Vector512<long> lo = Vector512<long>.Zero, hi = Vector512<long>.Zero;
            for (int start = 0; start < D; start += chunk)
            {
                int end = Math.Min(D, start + chunk);
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                Vector512<int> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
                for (int d = start; d < end; d += 32)
                {
                    Vector512<short> k0 = Vector512.LoadUnsafe(ref a, (nuint)(o0 + d)), k1 = Vector512.LoadUnsafe(ref a, (nuint)(o1 + d));
                    Vector512<short> k2 = Vector512.LoadUnsafe(ref a, (nuint)(o2 + d)), k3 = Vector512.LoadUnsafe(ref a, (nuint)(o3 + d));
                    Vector512<short> v = Vector512.LoadUnsafe(ref r, (nuint)(r0 + d));
                    a0 += Avx512BW.MultiplyAddAdjacent(k0, v); a1 += Avx512BW.MultiplyAddAdjacent(k1, v);
                    a2 += Avx512BW.MultiplyAddAdjacent(k2, v); a3 += Avx512BW.MultiplyAddAdjacent(k3, v);
                    v = Vector512.LoadUnsafe(ref r, (nuint)(r1 + d));
                    a4 += Avx512BW.MultiplyAddAdjacent(k0, v); a5 += Avx512BW.MultiplyAddAdjacent(k1, v);
                    a6 += Avx512BW.MultiplyAddAdjacent(k2, v); a7 += Avx512BW.MultiplyAddAdjacent(k3, v);
                    v = Vector512.LoadUnsafe(ref r, (nuint)(r2 + d));
                    a8 += Avx512BW.MultiplyAddAdjacent(k0, v); a9 += Avx512BW.MultiplyAddAdjacent(k1, v);
                    a10 += Avx512BW.MultiplyAddAdjacent(k2, v); a11 += Avx512BW.MultiplyAddAdjacent(k3, v);
                    v = Vector512.LoadUnsafe(ref r, (nuint)(r3 + d));
                    a12 += Avx512BW.MultiplyAddAdjacent(k0, v); a13 += Avx512BW.MultiplyAddAdjacent(k1, v);
                    a14 += Avx512BW.MultiplyAddAdjacent(k2, v); a15 += Avx512BW.MultiplyAddAdjacent(k3, v);
                }
                // Lane i of s: accumulator i's wrapped int32 sum, exact (each chunk's total fits an int); CorrelateListed's tree.
                Vector512<int> u0 = Pair32(a0, a1), u1 = Pair32(a2, a3), u2 = Pair32(a4, a5), u3 = Pair32(a6, a7);
                Vector512<int> u4 = Pair32(a8, a9), u5 = Pair32(a10, a11), u6 = Pair32(a12, a13), u7 = Pair32(a14, a15);
                Vector512<int> s = Pair128(Pair128(Pair64(u0, u1), Pair64(u2, u3)), Pair128(Pair64(u4, u5), Pair64(u6, u7)));
                lo += Avx512F.ConvertToVector512Int64(s.GetLower());
                hi += Avx512F.ConvertToVector512Int64(s.GetUpper());
            }
            lo.GetLower().StoreUnsafe(ref sum0, (nuint)k);
            lo.GetUpper().StoreUnsafe(ref sum1, (nuint)k);
            hi.GetLower().StoreUnsafe(ref sum2, (nuint)k);
            hi.GetUpper().StoreUnsafe(ref sum3, (nuint)k);
        }
    }
}
