using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class MacFormatFitTests
{
    [Theory]
    [InlineData(0.0, 11)]    // nothing to cover: the default Q4.11 stays
    [InlineData(1.5, 11)]    // 1 integer bit + guard fit Q4.11's 4
    [InlineData(7.9, 11)]    // 3 + guard = 4: still Q4.11
    [InlineData(8.0, 10)]    // 4 + guard = 5: Q5.10
    [InlineData(18.2, 9)]    // whitened patches: 5 + guard = 6: Q6.9
    [InlineData(1e9, 3)]     // floor: FS - FA = 3 (FA + FM >= FS)
    public void TheMacFormatCoversTheDataRangeWithOneGuardBit(double maxAbs, int expectedFm)
    {
        FixedFormat f = FixedParameters.FitMacFormat(FixedFormat.Default, maxAbs);
        Assert.Equal(16, f.MacBits);
        Assert.Equal(expectedFm, f.MacFracBits);
        // Every other word unchanged.
        Assert.Equal((16, 13, 32, 16, 16, 14), (f.DictionaryBits, f.DictionaryFracBits, f.StateBits, f.StateFracBits, f.CoefficientBits, f.CoefficientFracBits));
    }

    [Fact]
    public void LearningOnWhitenedPatchesClipsTheCodesAtQ4_11AndNotWithTheFittedMacFormat()
    {
        // The demo's fixed-point learning on the shipped images (seed 1, K = 64, batch 64), shortened.
        // The default MAC format Q4.11 holds |v| < 16; whitened patches reach |x| ~ 18, so the
        // codes s_m clip (11,060 clips over the full demo's 30,000 steps, 10,975 of them s_m).
        const int seed = 1;
        var image = ImageExperimentSettings.Quick with { Learning = ImageExperimentSettings.Quick.Learning with { Steps = 6000, Batch = 64, RecordEvery = 6000 } };
        var images = ImageFolder.Load(ImageFolder.ShippedName, 8);
        var pre = PatchPreprocessor.Fit(images, image.Preprocessing, seed);
        var patches = new ImagePatchSource(images, pre);
        var initial = new SparseCodingModel
        {
            Variant = image.Variant, Lambda = image.Lambda, Pi = image.InitialPi, Sigma = image.Sigma,
            Dictionary = Learner.RandomDictionary(64, 64, seed + 1), Preprocessing = pre,
        };
        double maxAbs = FixedParameters.DataMaxAbs(patches, 20_000, seed);
        Assert.True(maxAbs > 16, $"largest |x| = {maxAbs}: the data no longer exceed Q4.11, so this test shows nothing");
        FixedFormat fitted = FixedParameters.FitMacFormat(FixedFormat.Default, maxAbs);

        FixedLearningResult Learn(FixedFormat f) => FixedLearning.Run(initial, patches, image.Inference, image.Learning, f, seed * 1000 + 1);
        FixedLearningResult atDefault = Learn(FixedFormat.Default);
        FixedLearningResult atFitted = Learn(fitted);
        Assert.True(atDefault.SaturationsBySite[SolverWorkspace.SiteSm] > 100, $"s_m clips at Q4.11: {atDefault.SaturationsBySite[SolverWorkspace.SiteSm]}");
        Assert.Equal(0, atFitted.SaturationCount);
        Assert.Equal(0, atFitted.DictionarySaturations);
    }
}
