using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// The ziggurat Gaussian (the float sampler's noise) against the N(0, 1) density, integrated here
/// by Simpson's rule (independent of the generator's tables): a chi-square over bins that split the
/// layers' boxes, the tail beyond R = 3.4426 (the ziggurat's separate tail sampler) and the far tails.
/// </summary>
public class GaussianGeneratorTests
{
    private static double Density(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    private static double Probability(double a, double b)
    {
        const int n = 400; // even; the error is below 1e-12 per bin here
        double h = (b - a) / n, sum = Density(a) + Density(b);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * Density(a + i * h);
        return sum * h / 3;
    }

    [Fact]
    public void Ziggurat_draws_follow_the_standard_normal_in_every_bin_and_both_tails()
    {
        var rng = new Rng(20261206, 3);
        AssertStandardNormal(rng.NextGaussianZiggurat);
    }

    [Fact]
    public void The_float32_learners_ziggurat_draws_follow_the_standard_normal_in_every_bin_and_both_tails()
    {
        // Its own vector sampler (24-bit uniforms, float edges, the rest of a draw by the double code): the same test.
        var chain = new Rng(20261206, 4);
        var state = new ulong[Learning.SingleGaussianSampler.StateLength];
        Learning.SingleGaussianSampler.Seed(chain, state);
        var buffer = new float[1000];
        int next = buffer.Length;
        AssertStandardNormal(() =>
        {
            if (next == buffer.Length)
            {
                Learning.SingleGaussianSampler.Fill(state, chain, buffer);
                next = 0;
            }
            return buffer[next++];
        });
    }

    [Fact]
    public void The_float32_sampler_continues_its_sequence_across_fills()
    {
        // 8 draws at a time (a chain with K = 8) give the same numbers as 64 at once: the state carries over.
        var (chainA, chainB) = (new Rng(5, 1), new Rng(5, 1));
        var (stateA, stateB) = (new ulong[16], new ulong[16]);
        Learning.SingleGaussianSampler.Seed(chainA, stateA);
        Learning.SingleGaussianSampler.Seed(chainB, stateB);
        var once = new float[64];
        Learning.SingleGaussianSampler.Fill(stateA, chainA, once);
        var pieces = new float[64];
        for (int i = 0; i < 64; i += 8) Learning.SingleGaussianSampler.Fill(stateB, chainB, pieces.AsSpan(i, 8));
        Assert.Equal(once, pieces);
        Assert.Equal(stateA, stateB);
        Assert.Equal(64, once.Distinct().Count());
    }

    [Theory]
    [InlineData("Scalar")]
    [InlineData("Avx2Gather")]
    [InlineData("Avx512Permute")]
    public void The_float32_sampler_gives_the_draws_of_one_word_at_a_time_in_order(string lookupName)
    {
        var lookup = Enum.Parse<Learning.SingleGaussianSampler.EdgeLookup>(lookupName);
        // Each way of fetching the layer edges (lane by lane, AVX2 gathers, AVX-512 permutes over 16 lanes) against the
        // contract below. A way this CPU lacks cannot run here: the test says so instead of passing quietly.
        bool supported = lookup switch
        {
            Learning.SingleGaussianSampler.EdgeLookup.Avx2Gather => System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            Learning.SingleGaussianSampler.EdgeLookup.Avx512Permute => System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
            _ => true,
        };
        if (!supported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => Learning.SingleGaussianSampler.Fill(new ulong[16], new Rng(1), new float[8], lookup));
            return;
        }
        // Its contract written out one word at a time: substream j's step gives words 2j (low half) and 2j + 1 (high
        // half); layer bits 0-6, sign bit 7, x = (bits 8-31) 2^-24 X[layer] in float; inside the box if x < X[layer + 1],
        // else finished at once on the chain's stream as the double ziggurat finishes a point (RestOrNewDraw, by hand). Fills of 1000 draws cross the sampler's passes of
        // 512 draws and end in a lone 8-draw vector (1000 = 62 x 16 + 8); about 20 % of its vectors hold a rest, in any lane.
        var (fast, slow) = (new Rng(7, 3), new Rng(7, 3));
        var state = new ulong[Learning.SingleGaussianSampler.StateLength];
        Learning.SingleGaussianSampler.Seed(fast, state);
        var s = new ulong[16];
        for (int i = 0; i < 16; i++) s[i] = slow.NextUInt64(); // Seed's draws (the all-zero substream does not occur)
        ReadOnlySpan<double> edges = Rng.ZigguratEdges;
        var filled = new float[1000];
        int rests = 0;
        for (int fill = 0; fill < 20; fill++)
        {
            Learning.SingleGaussianSampler.Fill(state, fast, filled, lookup);
            for (int k = 0; k < filled.Length; k += 8)
            {
                var words = new uint[8];
                for (int j = 0; j < 4; j++)
                {
                    ulong out64 = XoshiroStep(s, j);
                    words[2 * j] = (uint)out64;
                    words[2 * j + 1] = (uint)(out64 >> 32);
                }
                for (int lane = 0; lane < 8; lane++)
                {
                    uint w = words[lane];
                    int layer = (int)(w & 127);
                    float x = (float)(w >> 8) * (1.0f / (1 << 24)) * (float)edges[layer];
                    float expected = x < (float)edges[layer + 1] ? ((w & 0x80) != 0 ? -x : x) : (float)RestOrNewDraw(slow, layer, (w & 0x80) != 0, x);
                    rests += x < (float)edges[layer + 1] ? 0 : 1;
                    Assert.Equal(expected, filled[k + lane]);
                }
            }
        }
        Assert.InRange(rests, 300, 800); // 2.8 % of 20000 draws: the rest path ran in many passes
        Assert.Equal(slow.NextUInt64(), fast.NextUInt64()); // the chain's stream at the same place
    }

    // One xoshiro256** step of substream j (state s[j], s[4 + j], s[8 + j], s[12 + j]); its output.
    private static ulong XoshiroStep(ulong[] s, int j)
    {
        ulong s0 = s[j], s1 = s[4 + j], s2 = s[8 + j], s3 = s[12 + j];
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9, t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = ulong.RotateLeft(s3, 45);
        (s[j], s[4 + j], s[8 + j], s[12 + j]) = (s0, s1, s2, s3);
        return result;
    }

    [Fact]
    public void The_ziggurats_density_test_without_exp_gives_the_answer_of_exp_in_every_layer()
    {
        // Rng.UnderDensity (Taylor bounds, exp only between them) against y < exp(-x^2 / 2) itself: random points of
        // each layer's wedge, points a float rounding outside it (the float32 sampler's x), and y within 1e-12 of
        // the density, where only the exp can answer.
        var rng = new Rng(3, 0);
        ReadOnlySpan<double> x = Rng.ZigguratEdges;
        int checkedPoints = 0;
        for (int i = 1; i < 128; i++)
        {
            double f0 = Math.Exp(-0.5 * x[i] * x[i]), f1 = Math.Exp(-0.5 * x[i + 1] * x[i + 1]);
            for (int n = 0; n < 3000; n++)
            {
                double px = n switch
                {
                    0 => x[i + 1],
                    1 => x[i],
                    2 => Math.BitIncrement((double)(float)x[i]),
                    3 => Math.BitDecrement((double)(float)x[i + 1]),
                    _ => x[i + 1] + rng.NextDouble() * (x[i] - x[i + 1]),
                };
                double density = Math.Exp(-0.5 * px * px);
                double y = (n % 3) switch
                {
                    0 => f0 + rng.NextDouble() * (f1 - f0),
                    1 => density * (1 + (rng.NextDouble() - 0.5) * 2e-12),
                    _ => density,
                };
                Assert.True(Rng.UnderDensity(i, y, px) == (y < density), $"layer {i}, x {px:R}, y {y:R}");
                checkedPoints++;
            }
        }
        Assert.Equal(127 * 3000, checkedPoints);
    }

    private static void AssertStandardNormal(Func<double> draw)
    {
        const int draws = 4_000_000;
        const double r = 3.442619855899;
        // Edges: 0.1 apart on [-3, 3] (many per layer box near 0), the tail boundary R, 4 and 5 on each side.
        var edges = new List<double> { -12, -5, -4, -r };
        for (int i = -30; i <= 30; i++) edges.Add(i / 10.0);
        edges.AddRange([r, 4, 5, 12]);
        var counts = new long[edges.Count - 1];
        double sum = 0, sumSq = 0, sum4 = 0;
        for (int t = 0; t < draws; t++)
        {
            double x = draw();
            sum += x; sumSq += x * x; sum4 += x * x * x * x;
            int lo = 0, hi = edges.Count - 1; // edges[lo] <= x < edges[hi]
            Assert.InRange(x, -12.0, 12.0); // P(|x| > 12) is about 4e-33
            while (hi - lo > 1)
            {
                int mid = (lo + hi) / 2;
                if (x < edges[mid]) hi = mid; else lo = mid;
            }
            counts[lo]++;
        }
        double chi2 = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            double expected = draws * Probability(edges[i], edges[i + 1]);
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        // 68 bins (67 degrees of freedom): mean 67, sd 11.6; 130 is p < 1e-6. A wrong layer width, a
        // wrong tail or a wrong sign split moves thousands of counts in some bin (chi2 in the thousands).
        Assert.InRange(chi2, 0, 130);
        double mean = sum / draws, variance = sumSq / draws, kurtosis = sum4 / draws;
        Assert.InRange(mean, -0.0025, 0.0025); // 5 standard errors (1 / sqrt(4e6) = 5e-4)
        Assert.InRange(variance, 1 - 0.0035, 1 + 0.0035); // se sqrt(2 / 4e6) = 7e-4
        Assert.InRange(kurtosis, 3 - 0.025, 3 + 0.025); // E x^4 = 3, se sqrt(96 / 4e6) = 4.9e-3
        // Counts beyond R on both sides (the tail sampler): expected 2 x 2.88e-4 x 4e6 = 2305, sd 48.
        long beyond = counts[0] + counts[1] + counts[2] + counts[^1] + counts[^2] + counts[^3];
        Assert.InRange(beyond, 2305 - 250, 2305 + 250);
    }

    [Fact]
    public void The_ziggurat_gives_the_draws_of_its_algorithm_written_out_here()
    {
        // Rng.NextGaussianZiggurat against Marsaglia and Tsang's algorithm written out below from the edges alone (with
        // exp itself for the density test: Rng decides most points by Taylor bounds), draw for draw: 400000 draws, about
        // 11000 through the density test (half of them signed negative) and 120 through the tail.
        var (rng, twin) = (new Rng(31, 9), new Rng(31, 9));
        for (int i = 0; i < 400_000; i++) Assert.Equal(ZigguratByHand(twin), rng.NextGaussianZiggurat());
        Assert.Equal(twin.NextUInt64(), rng.NextUInt64());
    }

    // A float32 draw's rest, by hand: the rest of its point, or a rejected point's new draw (the double ziggurat).
    private static double RestOrNewDraw(Rng rng, int layer, bool negative, double x) =>
        RestByHand(rng, layer, x, out double rest) ? (negative ? -rest : rest) : ZigguratByHand(rng);

    // One N(0, 1) draw by the ziggurat from rng's 64-bit words: layer (bits 0-6), sign (bit 7), uniform (bits 11-63).
    private static double ZigguratByHand(Rng rng)
    {
        ReadOnlySpan<double> edges = Rng.ZigguratEdges;
        while (true)
        {
            ulong bits = rng.NextUInt64();
            int layer = (int)(bits & 127);
            bool negative = (bits & 128) != 0;
            double x = (bits >> 11) * (1.0 / (1UL << 53)) * edges[layer];
            if (x < edges[layer + 1]) return negative ? -x : x;
            if (RestByHand(rng, layer, x, out double rest)) return negative ? -rest : rest;
        }
    }

    // The rest of a draw whose point x lies outside its layer's box: the tail beyond R = X[1] for layer 0 (Marsaglia
    // 1964), else the density test with a second uniform; false: the point is rejected (a new draw starts).
    private static bool RestByHand(Rng rng, int layer, double x, out double rest)
    {
        ReadOnlySpan<double> edges = Rng.ZigguratEdges;
        if (layer == 0)
        {
            double r = edges[1], a, b;
            do
            {
                a = -Math.Log(1 - rng.NextDouble()) / r;
                b = -Math.Log(1 - rng.NextDouble());
            } while (2 * b < a * a);
            rest = r + a;
            return true;
        }
        double f0 = Math.Exp(-0.5 * edges[layer] * edges[layer]), f1 = Math.Exp(-0.5 * edges[layer + 1] * edges[layer + 1]);
        double y = f0 + rng.NextDouble() * (f1 - f0);
        rest = x;
        return y < Math.Exp(-0.5 * x * x);
    }

    [Fact]
    public void Fill_gives_the_draws_of_next_in_order_and_leaves_the_same_state()
    {
        // 200000 draws: about 2000 take the density test or the tail (the paths that leave the registers).
        var one = new Rng(11, 2);
        var many = new Rng(11, 2);
        var filled = new double[200_000];
        many.FillGaussianZiggurat(filled.AsSpan(0, 7)); // a short fill, then a long one: the state carries over
        many.FillGaussianZiggurat(filled.AsSpan(7));
        for (int i = 0; i < filled.Length; i++) Assert.Equal(one.NextGaussianZiggurat(), filled[i]);
        Assert.Contains(filled, x => Math.Abs(x) > 3.442619855899); // the tail sampler ran
        Assert.Equal(one.NextUInt64(), many.NextUInt64());
    }

    [Fact]
    public void Four_streams_filled_side_by_side_give_each_stream_its_own_draws_and_state()
    {
        // 50000 draws per stream: about 500 per lane leave the vector path (density test or tail) at different
        // positions in each lane, and a lane's extra draws must come from its own stream only.
        const int n = 50_000;
        var single = Enumerable.Range(0, 4).Select(j => new Rng(21, j)).ToArray();
        var lanes = Enumerable.Range(0, 4).Select(j => new Rng(21, j)).ToArray();
        var filled = new double[4 * n];
        Rng.FillGaussianZiggurat4(lanes[0], lanes[1], lanes[2], lanes[3],
            filled.AsSpan(0, 5), filled.AsSpan(n, 5), filled.AsSpan(2 * n, 5), filled.AsSpan(3 * n, 5)); // a short fill, then the rest
        Rng.FillGaussianZiggurat4(lanes[0], lanes[1], lanes[2], lanes[3],
            filled.AsSpan(5, n - 5), filled.AsSpan(n + 5, n - 5), filled.AsSpan(2 * n + 5, n - 5), filled.AsSpan(3 * n + 5, n - 5));
        for (int j = 0; j < 4; j++)
        {
            for (int i = 0; i < n; i++) Assert.Equal(single[j].NextGaussianZiggurat(), filled[j * n + i]);
            Assert.Equal(single[j].NextUInt64(), lanes[j].NextUInt64());
        }
        Assert.Contains(filled, x => Math.Abs(x) > 3.442619855899); // the tail sampler ran
    }

    [Fact]
    public void Ziggurat_stream_depends_only_on_seed_and_stream()
    {
        var a = new Rng(5, 7);
        var b = new Rng(5, 7);
        var c = new Rng(5, 8);
        bool differs = false;
        for (int i = 0; i < 1000; i++)
        {
            double x = a.NextGaussianZiggurat();
            Assert.Equal(x, b.NextGaussianZiggurat());
            differs |= x != c.NextGaussianZiggurat();
        }
        Assert.True(differs);
    }
}
