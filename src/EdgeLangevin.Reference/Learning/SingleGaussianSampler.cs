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
/// a 24-bit uniform (bits 8-31, a float's whole mantissa). About 99 % of the draws end at the box test, done for the
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

    /// <summary>destination.Length (a multiple of <see cref="Lanes"/>) draws from the chain's substreams (state) and, for the rare rest of a draw, its stream (chain).</summary>
    public static unsafe void Fill(Span<ulong> state, Rng chain, Span<float> destination)
    {
        if (destination.Length % Lanes != 0) throw new ArgumentException($"the destination must hold a multiple of {Lanes} floats");
        var s0 = Vector256.Create<ulong>(state[0..4]);
        var s1 = Vector256.Create<ulong>(state[4..8]);
        var s2 = Vector256.Create<ulong>(state[8..12]);
        var s3 = Vector256.Create<ulong>(state[12..16]);
        var unit = Vector256.Create(1.0f / (1 << 24));
        var layerMask = Vector256.Create((uint)(Layers - 1));
        var signBit = Vector256.Create(0x8000_0000u);
        fixed (float* edges = Edges)
        {
            for (int k = 0; k < destination.Length; k += Lanes)
            {
                Vector256<ulong> bits = Rng.Next4(ref s0, ref s1, ref s2, ref s3); // one xoshiro256** step in each of the four substreams
                Vector256<uint> w = bits.AsUInt32(); // eight words: lane 2j the low half of substream j's output, 2j + 1 the high half
                Vector256<int> layer = (w & layerMask).AsInt32();
                Vector256<float> x = Vector256.ConvertToSingle((w >>> 8).AsInt32()) * unit * Edge(edges, layer);
                Vector256<float> inside = Vector256.LessThan(x, Edge(edges, layer + Vector256<int>.One));
                (x ^ ((w << 24) & signBit).AsSingle()).StoreUnsafe(ref destination[k]); // -x where bit 7 is set
                uint accepted = inside.ExtractMostSignificantBits();
                if (accepted == 0xFF) continue;
                for (int lane = 0; lane < Lanes; lane++)
                    if ((accepted & (1u << lane)) == 0)
                        destination[k + lane] = (float)chain.ZigguratRest(layer.GetElement(lane), (w.GetElement(lane) & 0x80) != 0, x.GetElement(lane));
            }
        }
        s0.CopyTo(state[0..4]);
        s1.CopyTo(state[4..8]);
        s2.CopyTo(state[8..12]);
        s3.CopyTo(state[12..16]);
    }

    // Edges[index] in each lane.
    private static unsafe Vector256<float> Edge(float* edges, Vector256<int> index) =>
        Avx2.IsSupported
            ? Avx2.GatherVector256(edges, index, 4)
            : Vector256.Create(edges[index[0]], edges[index[1]], edges[index[2]], edges[index[3]],
                edges[index[4]], edges[index[5]], edges[index[6]], edges[index[7]]);
}
