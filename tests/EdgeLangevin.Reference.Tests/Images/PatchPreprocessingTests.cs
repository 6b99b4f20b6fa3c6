using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Tests.Images;

public class PatchPreprocessingTests
{
    private static readonly IReadOnlyList<GrayImage> Shipped = ImageFolder.Load(ImageFolder.ShippedName);
    private const int D = 64;

    private static double[] Transform(Preprocessing p, double[] raw)
    {
        var t = new PatchTransform(p);
        var x = new double[raw.Length];
        for (int n = 0; n < raw.Length / D; n++) t.Apply(raw.AsSpan(n * D, D), x.AsSpan(n * D, D));
        return x;
    }

    [Fact]
    public void PatchesAreTheSameForTheSameSeedAndDifferForAnother()
    {
        double[] a = new PatchSampler(Shipped, 8, 5).NextMany(100);
        double[] b = new PatchSampler(Shipped, 8, 5).NextMany(100);
        double[] c = new PatchSampler(Shipped, 8, 6).NextMany(100);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ASampledPatchIsACopyOfAnImageWindow()
    {
        // A 10x9 image whose pixel value encodes its position: any 3x3 patch must be consecutive runs.
        var samples = Enumerable.Range(0, 90).ToArray();
        var img = new GrayImage(10, 9, 255, samples, "ramp");
        var patch = new double[9];
        var sampler = new PatchSampler([img], 3, 1);
        for (int n = 0; n < 50; n++)
        {
            sampler.Next(patch);
            int r0 = (int)patch[0] / 10, c0 = (int)patch[0] % 10;
            Assert.InRange(r0, 0, 6);
            Assert.InRange(c0, 0, 7);
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) Assert.Equal((r0 + r) * 10 + c0 + c, patch[r * 3 + c]);
        }
    }

    [Fact]
    public void MeanRemovalGivesZeroMeanPatches()
    {
        var p = PatchPreprocessor.Fit(Shipped, new PreprocessingOptions { Whitening = PatchPreprocessor.None, FitPatches = 2000 }, seed: 1);
        double[] x = Transform(p, new PatchSampler(Shipped, 8, 2).NextMany(500));
        for (int n = 0; n < 500; n++)
        {
            double mean = 0, rms = 0;
            for (int i = 0; i < D; i++) { mean += x[n * D + i]; rms += x[n * D + i] * x[n * D + i]; }
            // Rounding only: 64 additions of numbers of order 1.
            Assert.True(Math.Abs(mean / D) < 1e-12 * (1 + Math.Sqrt(rms / D)), $"patch {n} mean {mean / D}");
        }
    }

    [Fact]
    public void WithoutWhiteningTheScaleGivesTheTargetRmsPerPixel()
    {
        var options = new PreprocessingOptions { Whitening = PatchPreprocessor.None, FitPatches = 3000, TargetRms = 2.5 };
        var p = PatchPreprocessor.Fit(Shipped, options, seed: 3);
        // The fit sample is reproducible from the seed, so on it the RMS is the target up to rounding.
        double[] x = Transform(p, new PatchSampler(Shipped, 8, 3).NextMany(3000));
        Assert.Equal(2.5, Math.Sqrt(x.Select(v => v * v).Average()), 10);
        Assert.Null(p.WhiteningMatrix);
    }

    [Fact]
    public void ZcaWhitensTheFitSampleExactlyUpToTheRegulariser()
    {
        // With epsilon tiny against every kept eigenvalue, W C W^T is the projector that removes the
        // DC direction, P = I - 11^T/D, scaled so the mean square per pixel is 1: P * D / (D - 1).
        // The only error is the regulariser's bias, epsilon / lambda_min, below 1e-4 here.
        var options = new PreprocessingOptions { FitPatches = 5000, ZcaEpsilonRelative = 1e-8 };
        var p = PatchPreprocessor.Fit(Shipped, options, seed: 11);
        double bias = p.WhiteningParameters["epsilon"] / p.WhiteningParameters["smallest_kept_eigenvalue"];
        Assert.True(bias < 1e-4, $"test premise: regulariser bias {bias}");
        double[] c = PatchPreprocessor.SecondMoment(Transform(p, new PatchSampler(Shipped, 8, 11).NextMany(5000)), D);
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++)
            {
                double expected = ((i == j ? 1 : 0) - 1.0 / D) * D / (D - 1);
                Assert.True(Math.Abs(c[i * D + j] - expected) < 2 * bias + 1e-9, $"C[{i},{j}] = {c[i * D + j]}, expected {expected}");
            }
    }

    [Fact]
    public void ZcaWhitenedCovarianceOfNewPatchesIsCloseToTheIdentityWithinSamplingError()
    {
        const int n = 20000;
        var p = PatchPreprocessor.Fit(Shipped, new PreprocessingOptions { FitPatches = n, ZcaEpsilonRelative = 1e-8 }, seed: 21);
        double[] x = Transform(p, new PatchSampler(Shipped, 8, 22).NextMany(n));
        double[] c = PatchPreprocessor.SecondMoment(x, D);
        // Standard error of each entry from the test sample's own fourth moments (whitened image
        // patches are heavy-tailed, so the Gaussian 1/sqrt(N) would be too optimistic), times sqrt(2)
        // because W was estimated from another sample of the same size. 6 standard errors over
        // 2080 distinct entries: a false alarm has probability about 2080 * 2e-9 under normality.
        double worstZ = 0;
        for (int i = 0; i < D; i++)
            for (int j = i; j < D; j++)
            {
                double m2 = 0;
                for (int k = 0; k < n; k++) { double v = x[k * D + i] * x[k * D + j]; m2 += v * v; }
                double cij = c[i * D + j];
                double se = Math.Sqrt(2 * (m2 / n - cij * cij) / n);
                double expected = ((i == j ? 1 : 0) - 1.0 / D) * D / (D - 1);
                worstZ = Math.Max(worstZ, Math.Abs(cij - expected) / se);
            }
        Assert.True(worstZ < 6, $"largest deviation {worstZ:F2} standard errors");
    }

    [Fact]
    public void PreprocessingRoundTripsThroughTheModelFileAndTransformsNewPatchesIdentically()
    {
        var p = PatchPreprocessor.Fit(Shipped, new PreprocessingOptions { FitPatches = 2000 }, seed: 4);
        var model = new SparseCodingModel
        {
            Variant = Variant.NonNegative, Lambda = 1, Pi = 0.2, Sigma = 0.5,
            Dictionary = new Matrix(D, 3), Preprocessing = p,
        };
        var back = ModelFile.Parse(ModelFile.ToJson(model).ToJsonString(), "m.json").Preprocessing!;
        Assert.Equal(p.PatchSize, back.PatchSize);
        Assert.Equal(p.MeanRemoval, back.MeanRemoval);
        Assert.Equal(p.Whitening, back.Whitening);
        Assert.Equal(p.Scale, back.Scale);
        Assert.Equal(p.PixelDivisor, back.PixelDivisor);
        Assert.Equal(p.WhiteningParameters.OrderBy(kv => kv.Key), back.WhiteningParameters.OrderBy(kv => kv.Key));
        double[] raw = new PatchSampler(Shipped, 8, 9).NextMany(20);
        Assert.Equal(Transform(p, raw), Transform(back, raw));
    }

    [Fact]
    public void AZcaPreprocessingWithoutItsMatrixIsRefused()
    {
        var p = new Preprocessing { PatchSize = 8, MeanRemoval = true, Whitening = "zca", Scale = 1 };
        Assert.Throws<ArgumentException>(() => new PatchTransform(p));
    }

    [Fact]
    public void TheEigenDecompositionReconstructsASymmetricMatrix()
    {
        var rng = new System.Random(3);
        const int n = 7;
        var b = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var c = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i * n + j] = b[i * n + j] + b[j * n + i];
        var (w, v) = SymmetricEigen.Decompose(c, n);
        for (int k = 1; k < n; k++) Assert.True(w[k - 1] >= w[k]);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, ortho = 0;
                for (int k = 0; k < n; k++) { sum += v[i * n + k] * w[k] * v[j * n + k]; ortho += v[k * n + i] * v[k * n + j]; }
                Assert.Equal(c[i * n + j], sum, 12);
                Assert.Equal(i == j ? 1.0 : 0.0, ortho, 12);
            }
    }
}
