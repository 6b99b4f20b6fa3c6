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
/// active units then take the arithmetic of the fused step's drive and update (<see cref="DriveListed"/>,
/// <see cref="UpdateFused"/>) straight from the sums of every unit (<see cref="DriveUpdateDense"/>: g_m to
/// their list slots, drive 0 for the inactive ones). Chains below the density rule take the fused
/// one-chain step. Same integers and clip counts as the scalar kernel:
/// <para>
/// The int32 chunks of the block are cut once for all its chains: greedily over the unit pairs of A s
/// (each pair weighing the largest |s_2p| + |s_2p+1| of the block's chains) and over the 32-dimension
/// blocks of A^T r (each weighing the largest sum |r_m| over the block of the chains), so that every
/// chain's sum |operand| in every chunk stays within the AVX-512 class comment's exactness bound
/// (<see cref="L1Bound"/> of this dictionary). Integer sums are exact in any order and any cut, so the
/// chain block, the cut and the density rule change no bit. When a single pair or block would exceed
/// the bound (operands near full scale) the block's chains take the stage sums for that MAC loop.
/// </para>
/// </summary>
public sealed partial class VectorStepKernel
{
    /// <summary>Chains whose MAC loops share each dictionary load.</summary>
    public const int ChainBlock = 4;

    /// <summary>
    /// The density rule: a chain of a noise group is stepped in a chain block when its active count of
    /// the step before is at least this fraction of K (0: every chain; above 1: none) and the dictionary
    /// holds at least <see cref="BlockMinWords"/> words. Any value gives the same bits. The default, from
    /// the benchmark's K = 512, D = 256 problem (1 thread, CPU time per 128-chain step, blocked vs one
    /// chain at a time): 650-750 vs 695-708 us at 257 active units of 512 (equal), 630-675 vs 458-463 at
    /// 152, 690 vs 1200 at 512.
    /// </summary>
    public double BlockDensity { get; set; } = 0.6;

    /// <summary>
    /// The size rule: chain blocks only for dictionaries of at least this many words (K D). Default 2^15
    /// (64 KB, twice this machine's L1 data cache): below it the one-chain loops read the dictionary from
    /// L1 and blocking gained nothing (K = 128, D = 64, 8192 words: 76-78 vs 75-77 us with every unit
    /// active, 80-82 vs 62-64 at half of them).
    /// </summary>
    public int BlockMinWords { get; set; } = 1 << 15;

    /// <summary>Chain-steps this kernel has run in chain blocks (tests read it to know the blocked path ran).</summary>
    public long BlockedSteps { get; private set; }

    private readonly int[] _blockChains = new int[ChainBlock];
    private readonly long[][] _blockSums = [[], [], [], []]; // per slot: A s (D) then A^T r (K), long
    private short[] _blockCodes16 = []; // slot i's s_m of every unit at i K (16-bit words), then 32 zeros
    private short[] _blockResidual16 = []; // slot i's r_m at i D (16-bit words)
    private int[] _blockPairL1 = []; // the largest |s_2p| + |s_2p+1| of the block's chains, by pair p (K / 2 + 16 slots)
    private int[] _blockDimL1 = []; // the largest sum |r_m| over 32-dimension block b of the block's chains
    private int[] _denseGm = []; // a chain's g_m by list slot before it is copied to the workspace (K + 16 slots)

    private void ReserveBlock(int units, int dimensions)
    {
        int n = Math.Max(units, dimensions);
        if (_blockSums[0].Length < n)
            for (int i = 0; i < ChainBlock; i++) _blockSums[i] = new long[n];
        if (_blockCodes16.Length < ChainBlock * units + 32)
        {
            _blockCodes16 = new short[ChainBlock * units + 32];
            _blockPairL1 = new int[units / 2 + 16];
            _denseGm = new int[units + 16];
        }
        if (_blockResidual16.Length < ChainBlock * dimensions)
        {
            _blockResidual16 = new short[ChainBlock * dimensions];
            _blockDimL1 = new int[dimensions / 32 + 1];
        }
    }

    /// <inheritdoc />
    public override bool StepFirstOrderGroup(UnitConstants c, short[] columns, SolverWorkspace ws, int firstChain, int count, int[] eta)
    {
        int K = ws.K, D = ws.D;
        if (!Fuses(c, K, D)) return false;
        Reserve(K, D);
        ReserveBlock(K, D);
        int bound = DictionaryBound(columns, ws);
        // The density rule (any rule gives the same bits): none below the size rule.
        long minActive = (long)K * D >= BlockMinWords ? (long)Math.Ceiling(BlockDensity * K) : long.MaxValue;
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
        for (int i = 0; i < count; i++)
        {
            int baseK = chains[i] * K;
            int n = c.Signed ? ThresholdSigned(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out _)
                : ThresholdNonNegative(c, ws.U, ws.Sm, ws.Active, baseK, K, D, saturations, out _);
            ws.ActiveCount[chains[i]] = n;
            NarrowCodes(ws.Sm, baseK, _blockCodes16, i * K, K);
        }
        // Step 2: A s of every unit, then r and r_m.
        int pairChunks = CutPairs(K, count, bound);
        if (pairChunks > 0)
        {
            ReconstructBlock(columns, K, D, count, pairChunks);
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
        for (int i = 0; i < count; i++) NarrowResidualBlock(ws.Rm, chains[i] * D, i, D);
        int dimChunks = CutBlocks(D, bound);
        if (dimChunks > 0)
        {
            CorrelateBlock(columns, K, D, count, dimChunks);
            for (int i = 0; i < count; i++)
                DriveUpdateDense(c, _blockSums[i], _denseGm, ws.Gm, ws.U, chains[i] * K, K, ws.ActiveCount[chains[i]], eta, (chains[i] - firstChain) * K, saturations);
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

    // s_m of one chain (values that fit WM <= 16 bits) as 16-bit words at destination[at ..] (the
    // low word, StoreWords, is exact). units is a multiple of 16.
    private static void NarrowCodes(int[] sm, int from, short[] destination, int at, int units)
    {
        ref int src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(sm), from);
        ref short dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(destination), at);
        Vector512<short> lowWords = LowWords;
        for (int k = 0; k < units; k += 16)
            StoreWords(Vector512.LoadUnsafe(ref src, (nuint)k), lowWords, ref dst, k);
    }

    // r_m of one chain as 16-bit words in slot's row of _blockResidual16 (exact, as NarrowCodes), and each
    // 32-dimension block's sum |r_m| raised into _blockDimL1 (slot 0 sets it).
    private void NarrowResidualBlock(int[] rm, int from, int slot, int D)
    {
        ref int src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(rm), from);
        ref short dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_blockResidual16), slot * D);
        Vector512<short> lowWords = LowWords;
        int[] l1 = _blockDimL1;
        for (int d = 0; d < D; d += 32)
        {
            Vector512<int> v0 = Vector512.LoadUnsafe(ref src, (nuint)d), v1 = Vector512.LoadUnsafe(ref src, (nuint)(d + 16));
            StoreWords(v0, v1, lowWords, ref dst, d);
            int sum = Vector512.Sum(Vector512.Abs(v0) + Vector512.Abs(v1)); // at most 32 x 2^15: no wrap
            l1[d / 32] = slot == 0 ? sum : Math.Max(l1[d / 32], sum);
        }
    }

    // Cuts the unit pairs of A s into chunks that hold for every slot of the block (the class comment):
    // ends in _pairChunkEnds; returns the chunk count, or 0 when one pair alone exceeds the bound.
    private int CutPairs(int K, int count, int bound)
    {
        int pairs = K / 2;
        ref short codes = ref MemoryMarshal.GetArrayDataReference(_blockCodes16);
        ref int l1Ref = ref MemoryMarshal.GetArrayDataReference(_blockPairL1);
        for (int p = 0; p < pairs; p += 16)
        {
            // 16 pairs of each slot (32 codes; past the slot's K they are another slot's or the 32 zeros
            // after the last: those pairs are never read). |s0| + |s1| exact: vpmaddwd of the codes with their signs.
            Vector512<int> largest = Vector512<int>.Zero;
            for (int i = 0; i < count; i++)
            {
                Vector512<short> c = Vector512.LoadUnsafe(ref codes, (nuint)(i * K + 2 * p));
                largest = Vector512.Max(largest, Avx512BW.MultiplyAddAdjacent(c, (c >> 15) | Vector512<short>.One));
            }
            largest.StoreUnsafe(ref l1Ref, (nuint)p);
        }
        int[] ends = _pairChunkEnds, l1 = _blockPairL1;
        int chunks = 0;
        long chunk = 0;
        for (int p = 0; p < pairs; p++)
        {
            int w = l1[p];
            if (w > bound) return 0;
            if (chunk + w > bound)
            {
                ends[chunks++] = p;
                chunk = 0;
            }
            chunk += w;
        }
        ends[chunks++] = pairs;
        return chunks;
    }

    // Cuts the 32-dimension blocks of A^T r into chunks that hold for every slot (from _blockDimL1): ends
    // (in dimensions) in _blockEnds; returns the chunk count, or 0 when one block alone exceeds the bound.
    private int CutBlocks(int D, int bound)
    {
        int[] ends = _blockEnds, l1 = _blockDimL1;
        int chunks = 0;
        long chunk = 0;
        for (int b = 0; b < D / 32; b++)
        {
            int w = l1[b];
            if (w > bound) return 0;
            if (chunk + w > bound)
            {
                ends[chunks++] = 32 * b;
                chunk = 0;
            }
            chunk += w;
        }
        ends[chunks++] = D;
        return chunks;
    }

    // Step 3's rest and step 4 for one chain of a block from the A^T r_m sums of every unit (sums[k]):
    // DriveListed's g_m and drive for the active units (|u| > u0, the threshold's gate; u is unchanged
    // until the update), g_m compressed to their list slots (the slots past the list keep their
    // contents) and their g_m clips counted; an inactive unit's drive 0; then UpdateFused's update. The
    // compressed g_m go to listGm first (16 slots from the list length so far, no load of what the store
    // before wrote), then the chain's listed (its active count) slots to gm.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DriveUpdateDense(UnitConstants c, long[] sums, int[] listGm, int[] gm, int[] u, int baseK, int units, int listed,
        int[] eta, int etaOffset, long[] saturations)
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
        bool fullRange = FullRangeState(c); // one well-predicted branch per pass
        var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        ref long sumRef = ref MemoryMarshal.GetArrayDataReference(sums);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(listGm);
        ref int uRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(u), baseK);
        ref int etaRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(eta), etaOffset);
        long clipsGm = 0;
        Vector512<int> clipsU = Vector512<int>.Zero;
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
            Avx512F.Compress(Vector512<int>.Zero, on, g).StoreUnsafe(ref listRef, (nuint)n); // 16 slots from n <= k: inside K + 16
            n += System.Numerics.BitOperations.PopCount(onBits);
            Vector512<int> drive = Avx512F.ShiftRightArithmeticVariable(Avx512F.MultiplyLow(gain, g) + roundCoef, shiftCoef) & on;
            Vector512<int> flip = (x >> 31) & negate;
            drive = (drive ^ flip) - flip;
            Vector512<int> etaK = Vector512.LoadUnsafe(ref etaRef, (nuint)k);
            (fullRange ? Update16FullRange(false, x, drive, etaK, noiseQ, roundNoise, shiftNoise, leak, ref clipsU)
                : Update16(x, drive, etaK, noiseQ, roundNoise, shiftNoise, leak, minS, maxS, ref clipsU)).StoreUnsafe(ref uRef, (nuint)k);
        }
        // The list's slots to gm, 16 at a time; the last group blended into the old contents past the list.
        ref int gmRef = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(gm), baseK);
        int j = 0;
        for (; j + 16 <= listed; j += 16) Vector512.LoadUnsafe(ref listRef, (nuint)j).StoreUnsafe(ref gmRef, (nuint)j);
        if (j < listed)
        {
            // Slots j .. j + 15 lie inside the chain's K (K a multiple of 16, j a multiple of 16 below it).
            Vector512<int> old = Vector512.LoadUnsafe(ref gmRef, (nuint)j);
            Vector512.ConditionalSelect(Vector512.LessThan(iota, Vector512.Create(listed - j)), Vector512.LoadUnsafe(ref listRef, (nuint)j), old)
                .StoreUnsafe(ref gmRef, (nuint)j);
        }
        if (clipsGm != 0) saturations[SolverWorkspace.SiteGm] += clipsGm;
        long clipCountU = SumClips(clipsU);
        if (clipCountU != 0) saturations[SolverWorkspace.SiteU] += clipCountU;
    }

    // A s of every unit for the block's slots (codes from _blockCodes16) into _blockSums[slot][0 .. D):
    // 64 dimensions per pass (then a last 32), unit pairs (2p, 2p + 1) in the chunks of CutPairs, each
    // pair's two column vectors loaded and interleaved once for the four slots.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReconstructBlock(short[] columns, int K, int D, int count, int chunks)
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
        for (int d = 0; d < D; d += 64)
        {
            bool two = d + 64 <= D;
            int first = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                int last = _pairChunkEnds[ch];
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
                first = last;
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
    // slot c in accumulator 4 c + i), the dimensions in the chunks of CutBlocks.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CorrelateBlock(short[] columns, int K, int D, int count, int chunks)
    {
        ref short a = ref MemoryMarshal.GetArrayDataReference(columns);
        ref short r = ref MemoryMarshal.GetArrayDataReference(_blockResidual16);
        int r0 = 0, r1 = count > 1 ? D : 0, r2 = count > 2 ? 2 * D : 0, r3 = count > 3 ? 3 * D : 0; // an empty slot repeats slot 0
        ref long sum0 = ref MemoryMarshal.GetArrayDataReference(_blockSums[0]);
        ref long sum1 = ref MemoryMarshal.GetArrayDataReference(_blockSums[1]);
        ref long sum2 = ref MemoryMarshal.GetArrayDataReference(_blockSums[2]);
        ref long sum3 = ref MemoryMarshal.GetArrayDataReference(_blockSums[3]);
        int[] ends = _blockEnds;
        for (int k = 0; k < K; k += 4)
        {
            int o0 = k * D, o1 = o0 + D, o2 = o1 + D, o3 = o2 + D;
            Vector512<long> lo = Vector512<long>.Zero, hi = Vector512<long>.Zero;
            int start = 0;
            for (int ch = 0; ch < chunks; ch++)
            {
                int end = ends[ch];
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
                start = end;
            }
            lo.GetLower().StoreUnsafe(ref sum0, (nuint)k);
            lo.GetUpper().StoreUnsafe(ref sum1, (nuint)k);
            hi.GetLower().StoreUnsafe(ref sum2, (nuint)k);
            hi.GetUpper().StoreUnsafe(ref sum3, (nuint)k);
        }
    }
}
