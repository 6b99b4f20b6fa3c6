using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class FormatAndParameterTests
{
    [Fact]
    public void TheDefaultFormatIsTheOneFixedPointMdStates()
    {
        FixedFormat f = FixedFormat.Default;
        Assert.Equal((16, 13, 32, 16, 16, 11, 16, 14, 16, 10),
            (f.DictionaryBits, f.DictionaryFracBits, f.StateBits, f.StateFracBits, f.MacBits, f.MacFracBits, f.CoefficientBits, f.CoefficientFracBits, f.NoiseBits, f.NoiseFracBits));
        Assert.Equal("A Q2.13, S Q15.16, M Q4.11, C Q1.14, E Q5.10", f.ToString());
        Assert.Equal(5, f.StateToMacShift);
        Assert.Equal(8, f.ReconstructionShift);
        Assert.Equal(9, f.CoefficientShift);
        Assert.Equal(8, f.NoiseShift);
    }

    [Theory]
    [InlineData(16, 16, 32, 16, 16, 11, 16, 14, "DictionaryFracBits (FA)")]
    [InlineData(17, 13, 32, 16, 16, 11, 16, 14, "DictionaryBits (WA)")]
    [InlineData(16, 13, 33, 16, 16, 11, 16, 14, "StateBits (WS)")]
    [InlineData(16, 13, 32, 32, 16, 11, 16, 14, "StateFracBits (FS)")]
    [InlineData(16, 13, 32, 16, 16, -1, 16, 14, "MacFracBits (FM)")]
    [InlineData(16, 13, 32, 16, 16, 11, 16, 16, "CoefficientFracBits (FC)")]
    [InlineData(16, 13, 32, 10, 16, 11, 16, 14, "must not exceed StateFracBits")]
    [InlineData(16, 2, 32, 16, 16, 11, 16, 14, "FA) + MacFracBits")]
    [InlineData(16, 13, 32, 16, 16, 11, 16, 4, "CoefficientFracBits (FC) + MacFracBits")]
    public void AnImpossibleFormatIsRejectedNamingTheField(int wa, int fa, int ws, int fs, int wm, int fm, int wc, int fc, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new FixedFormat(wa, fa, ws, fs, wm, fm, wc, fc));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void FormatSpecOverridesDefaultsAndRejectsFractionalBitsAboveTheWidth()
    {
        FixedFormat f = FormatSpec.Parse("A=12.10, S=24.12");
        Assert.Equal((12, 10, 24, 12, 16, 11), (f.DictionaryBits, f.DictionaryFracBits, f.StateBits, f.StateFracBits, f.MacBits, f.MacFracBits));
        Assert.True(FormatSpec.Parse(FormatSpec.ToSpec(f)).SameAs(f));
        var e = Assert.Throws<InvalidInputException>(() => FormatSpec.Parse("A=8.9"));
        Assert.Contains("--format", e.Message);
        Assert.Contains("DictionaryFracBits (FA) = 9", e.Message);
        Assert.Throws<InvalidInputException>(() => FormatSpec.Parse("Q=8.4"));
        Assert.Throws<InvalidInputException>(() => FormatSpec.Parse("A=8"));
    }

    private static SparseCodingModel Model(double[] dictionary, int d, int k, Variant variant = Variant.Signed, double pi = 0.3, double sigma = 0.5) =>
        new() { Variant = variant, Lambda = 1, Pi = pi, Sigma = sigma, Dictionary = new Matrix(d, k, dictionary) };

    [Fact]
    public void HostConversionRoundsToNearestTiesAwayFromZero()
    {
        // Q2.13: 1/2^14 is exactly half an LSB; ties go away from zero.
        var m = Model([0.5, -0.25, 1.0 / 16384, -1.0 / 16384, 3.99, -4.0], 3, 2);
        var p = FixedParameters.Create(m, FixedFormat.Default, eps: 1.0 / 20, temperature: 1, order: 1, mu: 0, source: "m.json");
        Assert.Equal(new short[] { 4096, -2048, 1, -1, 32686, -32768 }, p.DictionaryRowMajor);
        // u0 = -ln 0.3 = 1.2039728; leak = 0.05; gain = 0.05 / 0.25 = 0.2; noise = sqrt(0.1).
        Assert.Equal((int)Math.Round(1.2039728043259361 * 65536), p.Step.U0);
        Assert.Equal(3277, p.Step.Leak);
        Assert.Equal(3277, p.Step.Gain);
        Assert.Equal(5181, p.Step.NoiseScale);
        Assert.Equal(0, p.Step.Half);
    }

    [Fact]
    public void ADictionaryThatWouldSaturateIsAnErrorNamingTheEntry()
    {
        var m = Model([0.5, 4.2, 0.1, 0.1], 2, 2);
        var e = Assert.Throws<InvalidInputException>(() => FixedParameters.Create(m, FixedFormat.Default, 0.05, 1, 1, 0, "model.json"));
        Assert.Contains("model.json", e.Message);
        Assert.Contains("dictionary.data[1] (d = 0, k = 1)", e.Message);
        Assert.Contains("Q2.13", e.Message);
    }

    [Fact]
    public void AGainTooLargeForTheCoefficientWordIsAnError()
    {
        var m = Model([1.0], 1, 1, sigma: 0.1); // gain = 0.05 / 0.01 = 5 > 2 (Q1.14)
        var e = Assert.Throws<InvalidInputException>(() => FixedParameters.Create(m, FixedFormat.Default, 0.05, 1, 1, 0));
        Assert.Contains("gain", e.Message);
        Assert.Contains("Q1.14", e.Message);
    }

    [Fact]
    public void ALeakThatRoundsToZeroIsAnError()
    {
        var m = Model([1.0], 1, 1);
        var f = new FixedFormat(16, 13, 16, 3, 16, 3, 16, 14);
        var e = Assert.Throws<InvalidInputException>(() => FixedParameters.Create(m, f, 0.05, 1, 1, 0));
        Assert.Contains("leak", e.Message);
        Assert.Contains("rounds to 0", e.Message);
    }

    [Fact]
    public void SecondOrderNeedsAPositiveMass()
    {
        var m = Model([1.0], 1, 1);
        Assert.Throws<InvalidInputException>(() => FixedParameters.Create(m, FixedFormat.Default, 0.05, 1, 2, 0));
        var p = FixedParameters.Create(m, FixedFormat.Default, 0.05, 1, 2, 0.5);
        Assert.Equal(819, p.Step.Half);  // 0.05 / 1.0 * 2^14 = 819.2
        Assert.Equal(1638, p.Step.Friction);
    }

    [Fact]
    public void StepParametersRejectValuesOutsideTheirWords()
    {
        var f = FixedFormat.Default;
        Assert.Contains("gain_q", Assert.Throws<ArgumentException>(() => new StepParameters(f, FixedVariant.Signed, 1, 0, 1, 40000, 0, 0, 0)).Message);
        Assert.Contains("u0_q", Assert.Throws<ArgumentException>(() => new StepParameters(f, FixedVariant.Signed, 1, -1, 1, 1, 0, 0, 0)).Message);
        Assert.Contains("order", Assert.Throws<ArgumentException>(() => new StepParameters(f, FixedVariant.Signed, 3, 0, 1, 1, 0, 0, 0)).Message);
    }
}
