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
/// eight in vector lanes with the two edges fetched by a gather; the others (a point outside its layer's box) are
/// finished by <see cref="Rng.ZigguratRest(int, bool, double)"/> on the chain's own stream, as the double sampler does.
/// </para>
/// <para>
/// Why not the double sampler rounded to float: its 64-bit draw per number, with the layer edges looked up one lane at a
/// time, was a quarter of a float32 learning step at K = 128 (perf); this one makes one 64-bit step per two numbers and
/// fetches the edges of eight lanes in two instructions. The numbers differ from the double sampler's (another
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
    [SkipLocalsInit]
    public static unsafe void Fill(Span<ulong> state, Rng chain, Span<float> destination)
    {
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
            int pending = BoxTests(ref s, ref target, start, end, pendingWords, pendingAt);
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
    private static unsafe int BoxTests(ref ulong s, ref float target, int start, int end, Vector256<uint>* pendingWords, int* pendingAt)
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
                Vector256<float> x = Vector256.ConvertToSingle((w >>> 8).AsInt32()) * unit * Edge(edges, layer);
                Vector256<float> inside = Vector256.LessThan(x, Edge(edges, layer + Vector256<int>.One));
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

    // Edges[index] in each lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Edge(float* edges, Vector256<int> index) =>
        Avx2.IsSupported
            ? Avx2.GatherVector256(edges, index, 4)
            : Vector256.Create(edges[index[0]], edges[index[1]], edges[index[2]], edges[index[3]],
                edges[index[4]], edges[index[5]], edges[index[6]], edges[index[7]]);
}
