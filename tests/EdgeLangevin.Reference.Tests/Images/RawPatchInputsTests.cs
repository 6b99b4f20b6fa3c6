using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Tests.Images;

/// <summary>`infer --preprocess` and the raw-looking-input warning (RawPatchInputs).</summary>
public sealed class RawPatchInputsTests
{
    private static SparseCodingModel Model(Preprocessing? p, int d) => new()
    {
        Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(d, 3), Preprocessing = p,
    };

    // 2x2 patches, a hand-written whitening matrix: the expected x is worked out below by hand.
    private static readonly Preprocessing Tiny = new()
    {
        PatchSize = 2, MeanRemoval = true, Whitening = PatchPreprocessor.Zca, PixelDivisor = 100, Scale = 2,
        WhiteningMatrix = new Matrix(4, 4, [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, -1]),
    };

    [Fact]
    public void A_raw_patch_becomes_the_models_x_by_its_stored_transform()
    {
        // raw / 100 = (0.1, 0.2, 0.3, 0.6), mean 0.3 -> (-0.2, -0.1, 0, 0.3);
        // W: (-0.2, -0.2, 0.3, -0.3); scale 2: (-0.4, -0.4, 0.6, -0.6)
        double[][] x = RawPatchInputs.Transform(Model(Tiny, 4), [[10, 20, 30, 60]], "m.json", "x.json");
        Assert.Equal([-0.4, -0.4, 0.6, -0.6], x[0].Select(v => Math.Round(v, 12)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void A_value_that_is_not_a_raw_pixel_is_an_error_naming_the_input_and_the_range(double bad)
    {
        var e = Assert.Throws<InvalidInputException>(() => RawPatchInputs.Transform(Model(Tiny, 4), [[10, 20, 30, 40], [1, 2, bad, 4]], "m.json", "x.json"));
        Assert.StartsWith("x.json: inputs[1][2] = ", e.Message);
        Assert.Contains("0 to their maxval 100", e.Message);
    }

    [Fact]
    public void A_model_without_preprocessing_or_with_whole_image_whitening_is_refused_naming_the_model()
    {
        var none = Assert.Throws<InvalidInputException>(() => RawPatchInputs.Transform(Model(null, 4), [[1, 2, 3, 4]], "m.json", "x.json"));
        Assert.StartsWith("m.json: --preprocess needs a model learned from images", none.Message);
        var of = Tiny with { Whitening = OlshausenFieldWhitening.Name, WhiteningMatrix = null, PixelDivisor = 1 };
        var whole = Assert.Throws<InvalidInputException>(() => RawPatchInputs.Transform(Model(of, 4), [[0, 0, 0, 0]], "m.json", "x.json"));
        Assert.Contains("cannot whiten a lone patch", whole.Message);
    }

    [Fact]
    public void Preprocessed_patches_of_the_shipped_photos_never_look_raw_and_their_raw_patches_mostly_do()
    {
        IReadOnlyList<GrayImage> images = ImageFolder.Load(ImageFolder.ShippedName, 8);
        Preprocessing p = PatchPreprocessor.Fit(images, new PreprocessingOptions { FitPatches = 5000 }, seed: 4);
        var model = Model(p, 64);
        var sampler = new PatchSampler(images, 8, seed: 9);
        var transform = new PatchTransform(p);
        int rawFlagged = 0;
        const int n = 4000;
        double maxRms = 0;
        for (int i = 0; i < n; i++)
        {
            var raw = new double[64];
            var x = new double[64];
            sampler.Next(raw);
            transform.Apply(raw, x);
            maxRms = Math.Max(maxRms, Math.Sqrt(x.Sum(v => v * v) / 64));
            Assert.Null(RawPatchInputs.RawLookingWarning(model, [x], "x.json"));
            if (RawPatchInputs.RawLookingWarning(model, [raw], "x.json") is not null) rawFlagged++;
        }
        Assert.True(maxRms < RawPatchInputs.RawLookingRms / 2, $"largest preprocessed RMS {maxRms}: the threshold leaves no margin");
        Assert.True(rawFlagged > 0.95 * n, $"only {rawFlagged} of {n} raw patches were flagged");
    }

    [Fact]
    public void A_model_without_preprocessing_never_warns()
    {
        Assert.Null(RawPatchInputs.RawLookingWarning(Model(null, 4), [[200, 200, 200, 200]], "x.json"));
    }
}
