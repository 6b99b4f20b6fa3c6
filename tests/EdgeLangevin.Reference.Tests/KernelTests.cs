using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests;

public class KernelTests
{
    // Lengths that hit the SIMD body only, the scalar tail only, and both (4 doubles per lane group on AVX2).
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(64)]
    public void Dot_and_axpy_agree_with_plain_loops_for_every_tail_length(int n)
    {
        var rng = new Rng(n);
        var a = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        double plain = 0;
        for (int i = 0; i < n; i++) plain += a[i] * b[i];
        // Only the order of the additions differs: rounding error bounded by n eps sum |a_i b_i|.
        double bound = n * 2.3e-16 * a.Zip(b, (x, y) => Math.Abs(x * y)).Sum();
        Assert.InRange(ChainBatch.Dot(a, b), plain - bound, plain + bound);

        var y = (double[])b.Clone();
        ChainBatch.Axpy(-0.75, a, y);
        for (int i = 0; i < n; i++) Assert.Equal(b[i] - 0.75 * a[i], y[i], 15);
    }

    // Dot4 exists for speed only: each of its four results must be Dot's, bit for bit (the learner's results do not move).
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(23)]
    [InlineData(64)]
    [InlineData(256)]
    public void Dot4_gives_the_bits_of_four_dots(int n)
    {
        var rng = new Rng(100 + n);
        double[][] a = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        ChainBatch.Dot4(a[0], a[1], a[2], a[3], b, out double d0, out double d1, out double d2, out double d3);
        double[] four = [d0, d1, d2, d3];
        for (int j = 0; j < 4; j++) Assert.Equal(BitConverter.DoubleToInt64Bits(ChainBatch.Dot(a[j], b)), BitConverter.DoubleToInt64Bits(four[j]));
    }
}
