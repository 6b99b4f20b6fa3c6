using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Learning;

/// <summary>
/// N(0, 1) draws in float32 for the float32 learner (<see cref="SingleLearningBatch"/>), eight at a time: the ziggurat of
/// <see cref="Rng.NextGaussianZiggurat"/> (the same 128 layers, edges rounded to float) on 32-bit words.
/// <para>
/// Each chain has four xoshiro256** substreams side by side in the lanes of one vector (seeded from the chain's own
/// <see cref="Rng"/>); one step of the four gives eight 32-bit words, each one draw: layer (bits 0-6), sign (bit 7) and
/// a 24-bit uniform (bits 8-31, a float's whole mantissa). About 97 % of the draws end at the box test (layer 127, X[128] = 0, never does), done for the
/// eight in vector lanes with the two edges fetched by a gather, or with AVX-512 for sixteen at a time with the edges
/// picked by permutes from the tables held in registers (<see cref="EdgeLookup"/>); the others (a point outside its layer's box) are
/// finished by <see cref="Rng.ZigguratRest(int, bool, double)"/> on the chain's own stream, as the double sampler does.
/// </para>
/// <para>
/// Why not the double sampler rounded to float: its 64-bit draw per number, with the layer edges looked up one lane at a
/// time, was a quarter of a float32 learning step at K = 128 (perf); this one makes one 64-bit step per two numbers and
/// fetches the edges of eight lanes in two instructions (on AVX-512 in four permutes and three blends per edge and sixteen lanes: Zen 4's gathers are slow). The numbers differ from the double sampler's (another
/// stream); the distribution is N(0, 1) up to float rounding. The same numbers on every machine: without AVX2 the
/// edges are fetched lane by lane (the same values) and Vector256 computes the same lanes in software.
/// </para>
/// </summary>
internal static class SingleGaussianSampler
{
    /// <summary>Draws come in whole vectors: a destination holds a multiple of this many floats.</summary>
    public const int Lanes = 8;

    /// <summary>ulongs of state per chain: s0, s1, s2, s3 of the four substreams.</summary>
    public const int StateLength = 16;

    private const int Layers = 128;
    private static readonly float[] Edges = MakeEdges();

    private static float[] MakeEdges()
    {
        ReadOnlySpan<double> x = Rng.ZigguratEdges;
        var edges = new float[x.Length];
        for (int i = 0; i < x.Length; i++) edges[i] = (float)x[i];
        return edges;
    }

    /// <summary>Seeds a chain's four substreams (state: <see cref="StateLength"/> ulongs) from 16 draws of its own stream.</summary>
    public static void Seed(Rng chain, Span<ulong> state)
    {
        for (int i = 0; i < StateLength; i++) state[i] = chain.NextUInt64();
        for (int lane = 0; lane < 4; lane++) // xoshiro's one forbidden state, all zero: not met in practice, but excluded
            if ((state[lane] | state[4 + lane] | state[8 + lane] | state[12 + lane]) == 0) state[lane] = 1;
    }

    // Vectors of draws per pass of Fill: the box tests of this many vectors first, then their rare rests.
    private const int PassVectors = 64;

    /// <summary>destination.Length (a multiple of <see cref="Lanes"/>) draws from the chain's substreams (state) and, for the rare rest of a draw, its stream (chain).</summary>
    /// <remarks>
    /// In passes of <see cref="PassVectors"/> vectors: the box tests of the pass in vector lanes, the words of a vector
    /// with a lane outside its box kept aside (stored always, kept by a count that grows only then: no branch); then
    /// those lanes finished by <see cref="Rng.ZigguratRest(int, bool, double)"/> in increasing position, the order in
    /// which they take from the chain's stream. Why two passes: a call inside the vector loop (all vector registers are
    /// the caller's to save) kept the four substreams in memory, and the lane loop ran for every vector with a rest (one
    /// in five: 2.8 % of draws, layer 127's all); the numbers are the same as finishing each lane at once. Measured: 103 -> 91
    /// us CPU per learning step at K = 128 (same bits).
    /// </remarks>
    public static void Fill(Span<ulong> state, Rng chain, Span<float> destination) => Fill(state, chain, destination, FastestLookup);

    /// <summary>How the box test fetches the layer edges of its lanes; every way fetches the same values, so gives the same draws.</summary>
    internal enum EdgeLookup
    {
        /// <summary>Lane by lane from the table (no AVX2).</summary>
        Scalar,
        /// <summary>Two AVX2 gathers per eight draws.</summary>
        Avx2Gather,
        /// <summary>The 128-entry tables held in 16 AVX-512 registers, picked from by permutes (vpermi2ps) and blends, sixteen draws at a time.</summary>
        Avx512Permute,
    }

    /// <summary>The fastest lookup this machine has.</summary>
    internal static EdgeLookup FastestLookup =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? EdgeLookup.Avx512Permute : Avx2.IsSupported ? EdgeLookup.Avx2Gather : EdgeLookup.Scalar;

    /// <summary><see cref="Fill(Span{ulong}, Rng, Span{float})"/> with the edges fetched by <paramref name="lookup"/> (tests compare the ways; one this machine lacks is refused).</summary>
    [SkipLocalsInit]
    internal static unsafe void Fill(Span<ulong> state, Rng chain, Span<float> destination, EdgeLookup lookup)
    {
        if (lookup == EdgeLookup.Avx2Gather && !Avx2.IsSupported || lookup == EdgeLookup.Avx512Permute && !(Avx512F.IsSupported && Vector512.IsHardwareAccelerated))
            throw new PlatformNotSupportedException($"this CPU cannot fetch the ziggurat's edges by {lookup}");
        if (destination.Length % Lanes != 0) throw new ArgumentException($"the destination must hold a multiple of {Lanes} floats");
        if (destination.Length > int.MaxValue >> 8) throw new ArgumentException("at most 2^23 draws per fill"); // positions times 256 in an int
        if (state.Length < StateLength) throw new ArgumentException($"the state holds {StateLength} ulongs");
        Vector256<uint>* pendingWords = stackalloc Vector256<uint>[PassVectors]; // the words of a vector with a rest
        int* pendingAt = stackalloc int[PassVectors]; // its first position in destination times 256 | the mask of its lanes outside
        ref float target = ref MemoryMarshal.GetReference(destination);
        ref ulong s = ref MemoryMarshal.GetReference(state);
        for (int start = 0; start < destination.Length; start += PassVectors * Lanes)
        {
            int end = Math.Min(destination.Length, start + PassVectors * Lanes);
            int pending = lookup == EdgeLookup.Avx512Permute
                ? BoxTests512(ref s, ref target, start, end, pendingWords, pendingAt)
                : BoxTests(ref s, ref target, start, end, pendingWords, pendingAt, lookup == EdgeLookup.Avx2Gather);
            for (int p = 0; p < pending; p++)
            {
                uint* words = (uint*)(pendingWords + p);
                int at = pendingAt[p] >> 8;
                for (uint outside = (uint)pendingAt[p] & 0xFF; outside != 0; outside &= outside - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(outside);
                    ref float draw = ref Unsafe.Add(ref target, at + lane);
                    // The stored draw is +-x, x >= 0: finished from x, the lane's layer (bits 0-6) and sign (bit 7).
                    draw = (float)chain.ZigguratRest((int)(words[lane] & (Layers - 1)), (words[lane] & 0x80) != 0, MathF.Abs(draw));
                }
            }
        }
    }

    // Draws [start, end) of target to their box test: +-x stored in every lane; the words of each vector with a lane
    // outside its box at pendingWords[i], its position times 256 plus the mask of those lanes at pendingAt[i]; returns how many. No call inside, so that the
    // substreams (state, at s) stay in registers.
    private static unsafe int BoxTests(ref ulong s, ref float target, int start, int end, Vector256<uint>* pendingWords, int* pendingAt, bool gather)
    {
        var s0 = Vector256.LoadUnsafe(ref s);
        var s1 = Vector256.LoadUnsafe(ref s, 4);
        var s2 = Vector256.LoadUnsafe(ref s, 8);
        var s3 = Vector256.LoadUnsafe(ref s, 12);
        var unit = Vector256.Create(1.0f / (1 << 24));
        var layerMask = Vector256.Create((uint)(Layers - 1));
        var signBit = Vector256.Create(0x8000_0000u);
        int pending = 0;
        fixed (float* edges = Edges)
        {
            for (int k = start; k < end; k += Lanes)
            {
                Vector256<ulong> bits = Rng.Next4(ref s0, ref s1, ref s2, ref s3); // one xoshiro256** step in each of the four substreams
                Vector256<uint> w = bits.AsUInt32(); // eight words: lane 2j the low half of substream j's output, 2j + 1 the high half
                Vector256<int> layer = (w & layerMask).AsInt32();
                Vector256<float> x = Vector256.ConvertToSingle((w >>> 8).AsInt32()) * unit * Edge(edges, layer, gather);
                Vector256<float> inside = Vector256.LessThan(x, Edge(edges, layer + Vector256<int>.One, gather));
                (x ^ ((w << 24) & signBit).AsSingle()).StoreUnsafe(ref target, (nuint)k); // -x where bit 7 is set
                uint outside = ~inside.ExtractMostSignificantBits() & 0xFF;
                pendingWords[pending] = w; // pending <= the vectors done so far in this pass < PassVectors
                pendingAt[pending] = k << 8 | (int)outside;
                pending += outside == 0 ? 0 : 1;
            }
        }
        s0.StoreUnsafe(ref s);
        s1.StoreUnsafe(ref s, 4);
        s2.StoreUnsafe(ref s, 8);
        s3.StoreUnsafe(ref s, 12);
        return pending;
    }

    // BoxTests with the edges picked from registers (EdgeLookup.Avx512Permute): sixteen draws per round (two steps of the
    // four substreams, the first giving draws k .. k + 7 as in BoxTests), a last eight alone; the same operations per
    // lane, the same stores. Why: Zen 4's gathers were about half of BoxTests' time (perf, two per eight draws).
    private static unsafe int BoxTests512(ref ulong s, ref float target, int start, int end, Vector256<uint>* pendingWords, int* pendingAt)
    {
        var s0 = Vector256.LoadUnsafe(ref s);
        var s1 = Vector256.LoadUnsafe(ref s, 4);
        var s2 = Vector256.LoadUnsafe(ref s, 8);
        var s3 = Vector256.LoadUnsafe(ref s, 12);
        var unit = Vector512.Create(1.0f / (1 << 24));
        var layerMask = Vector512.Create((uint)(Layers - 1));
        var signBit = Vector512.Create(0x8000_0000u);
        int pending = 0;
        fixed (float* edges = Edges)
        {
            // X[0 .. 127] (the layer's outer edge) and X[1 .. 128] (its box's edge), sixteen per register.
            EdgeTable outer = new(edges), inner = new(edges + 1);
            int k = start;
            for (; k + 2 * Lanes <= end; k += 2 * Lanes)
            {
                Vector256<ulong> first = Rng.Next4(ref s0, ref s1, ref s2, ref s3);
                Vector256<ulong> second = Rng.Next4(ref s0, ref s1, ref s2, ref s3);
                Vector512<uint> w = Vector512.Create(first.AsUInt32(), second.AsUInt32()); // draws k .. k + 15
                Vector512<int> layer = (w & layerMask).AsInt32();
                Vector512<float> x = Vector512.ConvertToSingle((w >>> 8).AsInt32()) * unit * outer.Pick(layer);
                Vector512<float> inside = Vector512.LessThan(x, inner.Pick(layer));
                (x ^ ((w << 24) & signBit).AsSingle()).StoreUnsafe(ref target, (nuint)k);
                uint outside = ~(uint)inside.ExtractMostSignificantBits() & 0xFFFF;
                pendingWords[pending] = w.GetLower(); // pending <= the 8-draw vectors done so far in this pass < PassVectors
                pendingAt[pending] = k << 8 | (int)(outside & 0xFF);
                pending += (outside & 0xFF) == 0 ? 0 : 1;
                pendingWords[pending] = w.GetUpper();
                pendingAt[pending] = (k + Lanes) << 8 | (int)(outside >> 8);
                pending += outside >> 8 == 0 ? 0 : 1;
            }
            if (k < end) // eight draws left: the same operations, the upper half unused
            {
                Vector256<uint> w8 = Rng.Next4(ref s0, ref s1, ref s2, ref s3).AsUInt32();
                Vector512<uint> w = w8.ToVector512();
                Vector512<int> layer = (w & layerMask).AsInt32();
                Vector512<float> x = Vector512.ConvertToSingle((w >>> 8).AsInt32()) * unit * outer.Pick(layer);
                Vector512<float> inside = Vector512.LessThan(x, inner.Pick(layer));
                (x ^ ((w << 24) & signBit).AsSingle()).GetLower().StoreUnsafe(ref target, (nuint)k);
                uint outside = ~(uint)inside.ExtractMostSignificantBits() & 0xFF;
                pendingWords[pending] = w8;
                pendingAt[pending] = k << 8 | (int)outside;
                pending += outside == 0 ? 0 : 1;
            }
        }
        s0.StoreUnsafe(ref s);
        s1.StoreUnsafe(ref s, 4);
        s2.StoreUnsafe(ref s, 8);
        s3.StoreUnsafe(ref s, 12);
        return pending;
    }

    // 128 consecutive floats in eight AVX-512 registers; Pick(i) gives entry i (bits 0-6 of each lane) in each lane:
    // vpermi2ps picks from 32 entries by bits 0-4, four of them cover the table, bits 5 and 6 choose among the four.
    private readonly struct EdgeTable
    {
        private readonly Vector512<float> _t0, _t1, _t2, _t3, _t4, _t5, _t6, _t7;

        public unsafe EdgeTable(float* first)
        {
            _t0 = Vector512.Load(first);
            _t1 = Vector512.Load(first + 16);
            _t2 = Vector512.Load(first + 32);
            _t3 = Vector512.Load(first + 48);
            _t4 = Vector512.Load(first + 64);
            _t5 = Vector512.Load(first + 80);
            _t6 = Vector512.Load(first + 96);
            _t7 = Vector512.Load(first + 112);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Pick(Vector512<int> index)
        {
            Vector512<float> a = Avx512F.PermuteVar16x32x2(_t0, index, _t1); // entries 0 .. 31
            Vector512<float> b = Avx512F.PermuteVar16x32x2(_t2, index, _t3); // 32 .. 63
            Vector512<float> c = Avx512F.PermuteVar16x32x2(_t4, index, _t5); // 64 .. 95
            Vector512<float> d = Avx512F.PermuteVar16x32x2(_t6, index, _t7); // 96 .. 127
            Vector512<float> bit5 = Vector512.Equals(index & Vector512.Create(32), Vector512.Create(32)).AsSingle();
            Vector512<float> bit6 = Vector512.Equals(index & Vector512.Create(64), Vector512.Create(64)).AsSingle();
            return Vector512.ConditionalSelect(bit6, Vector512.ConditionalSelect(bit5, d, c), Vector512.ConditionalSelect(bit5, b, a));
        }
    }

    // Edges[index] in each lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Edge(float* edges, Vector256<int> index, bool gather) =>
        gather
            ? Avx2.GatherVector256(edges, index, 4)
            : Vector256.Create(edges[index[0]], edges[index[1]], edges[index[2]], edges[index[3]],
                edges[index[4]], edges[index[5]], edges[index[6]], edges[index[7]]);
}
