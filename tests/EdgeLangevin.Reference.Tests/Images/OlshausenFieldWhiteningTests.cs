using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests.Images;

/// <summary>
/// Olshausen-Field whitening of whole images (<see cref="OlshausenFieldWhitening"/>): checked against a naive DFT,
/// against its own definition on images whose spectrum is known (a cosine of known frequency comes out scaled by exactly
/// R(f), a constant image goes to zero), and end to end through a model file onto new patches.
/// </summary>
public class OlshausenFieldWhiteningTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]    // prime: Bluestein
    [InlineData(12)]
    [InlineData(16)]   // power of two: radix 2
    [InlineData(30)]
    public void Fft_equals_the_naive_sum_and_inverts(int n)
    {
        var rng = new Rng(n);
        double[] re = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray(), im = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        double[] fr = (double[])re.Clone(), fi = (double[])im.Clone();
        Fft.Transform(fr, fi, inverse: false);
        for (int k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (int j = 0; j < n; j++)
            {
                double a = -2 * Math.PI * k * j / n;
                sr += re[j] * Math.Cos(a) - im[j] * Math.Sin(a);
                si += re[j] * Math.Sin(a) + im[j] * Math.Cos(a);
            }
            Assert.Equal(sr, fr[k], 9);
            Assert.Equal(si, fi[k], 9);
        }
        Fft.Transform(fr, fi, inverse: true);
        for (int j = 0; j < n; j++)
        {
            Assert.Equal(re[j], fr[j], 9);
            Assert.Equal(im[j], fi[j], 9);
        }
    }

    [Theory]
    [InlineData(16, 16, 3, 0)]
    [InlineData(16, 16, 5, 7)]
    [InlineData(12, 10, 4, 9)]  // sides that are not powers of two
    [InlineData(12, 10, 11, 0)] // near the horizontal Nyquist frequency, where exp(-(f/f0)^4) matters
    public void A_cosine_of_known_frequency_is_scaled_by_exactly_R_of_f(int width, int height, int kx, int ky)
    {
        // cos(pi kx (x + 1/2) / W) cos(pi ky (y + 1/2) / H): its even extension has only the frequencies (+-kx / 2W, +-ky / 2H),
        // all at radius f, so whitening must return R(f) times it, pixel for pixel.
        var img = new double[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                img[y * width + x] = Math.Cos(Math.PI * kx * (x + 0.5) / width) * Math.Cos(Math.PI * ky * (y + 0.5) / height);
        double fx = kx / (2.0 * width), fy = ky / (2.0 * height), f = Math.Sqrt(fx * fx + fy * fy);
        double r = f * Math.Exp(-Math.Pow(f / 0.4, 4));
        double[] white = OlshausenFieldWhitening.Filter(width, height, img, 0.4);
        for (int i = 0; i < img.Length; i++) Assert.Equal(r * img[i], white[i], 10);
    }

    [Fact]
    public void A_constant_image_goes_to_zero()
    {
        double[] white = OlshausenFieldWhitening.Filter(9, 6, Enumerable.Repeat(117.0, 54).ToArray(), 0.4);
        Assert.All(white, v => Assert.Equal(0, v, 9));
    }

    [Fact]
    public void A_model_with_Olshausen_Field_preprocessing_whitens_new_patches_the_same_way()
    {
        IReadOnlyList<GrayImage> images = ImageFolder.Load(ImageFolder.ShippedName);
        Preprocessing p = PatchPreprocessor.Fit(images, new PreprocessingOptions { Whitening = OlshausenFieldWhitening.Name, FitPatches = 2000 }, 1);
        Assert.Equal(OlshausenFieldWhitening.Name, p.Whitening);
        Assert.Null(p.WhiteningMatrix);
        Assert.Equal(1.0, p.PixelDivisor);
        Assert.Equal(0.4, p.WhiteningParameters[OlshausenFieldWhitening.F0Key]);

        // Through the model file, as a later run would read it.
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(64, 1), Preprocessing = p };
        Preprocessing back = ModelFile.Parse(ModelFile.ToJson(model).ToJsonString(), "m.json").Preprocessing!;
        var source = new ImagePatchSource(images, back);
        var got = new double[64];
        source.Draw(new Rng(8), got, 0);

        // By hand: whiten the chosen image whole, to unit variance; cut the same window; remove its mean; scale.
        var again = new Rng(8);
        GrayImage img = images[again.NextInt(images.Count)];
        int row0 = again.NextInt(img.Height - 8 + 1), col0 = again.NextInt(img.Width - 8 + 1);
        double[] filtered = OlshausenFieldWhitening.Filter(img.Width, img.Height, img.Samples.Select(v => (double)v).ToArray(), 0.4);
        double mean = filtered.Average(), sd = Math.Sqrt(filtered.Average(v => (v - mean) * (v - mean)));
        var patch = new double[64];
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++) patch[r * 8 + c] = filtered[(row0 + r) * img.Width + col0 + c] / sd;
        double pm = patch.Average();
        for (int i = 0; i < 64; i++) Assert.Equal(back.Scale * (patch[i] - pm), got[i], 9);

        // The fitted scale gives unit RMS per pixel over fresh patches (2000 fit patches: within a few per cent).
        var many = new double[4000 * 64];
        var rng = new Rng(3);
        for (int n = 0; n < 4000; n++) source.Draw(rng, many, n * 64);
        Assert.InRange(Math.Sqrt(many.Average(v => v * v)), 0.9, 1.1);
    }

    [Fact]
    public void A_stored_Olshausen_Field_preprocessing_without_f0_is_refused()
    {
        var p = new Preprocessing { PatchSize = 8, MeanRemoval = true, Whitening = OlshausenFieldWhitening.Name, Scale = 1, PixelDivisor = 1 };
        var e = Assert.Throws<ArgumentException>(() => new PatchTransform(p));
        Assert.Contains(OlshausenFieldWhitening.F0Key, e.Message);
    }
}
