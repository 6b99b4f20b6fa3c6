using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests.Images;

/// <summary>The MAP finish's decaying rate (tau_a doubling from part to part): what it runs, and its bad input.</summary>
public class MapFinishScheduleTests
{
    private static readonly InferenceSettings Sampler = new() { Dt = 1, TauU = 20, Temperature = 1 };

    private static MapFinish Constant(double tauA, long steps) => new()
    {
        Sigma = 0.5,
        Dictionary = new MapFinish().Dictionary with { Batch = 16, TauX = 100, TauA = tauA, Steps = steps, RecordEvery = 250 },
        PiSteps = 0, TauADoublings = 0,
    };

    [Fact]
    public void TwoPartsAreTheConstantRateStageAtTauAThenAtTwiceTauA()
    {
        // Independent reading of the contract: a schedule with one doubling over 2S steps is S steps at tau_a, then S steps at
        // 2 tau_a from where the first ended (the second part's own streams: seed + 1000). Run here as two separate constant
        // stages; a part that kept tau_a, split the steps otherwise or reused the first part's streams gives other atoms.
        var bars = new BarsData();
        var start = bars.TrueModel() with { Pi = 0.5, Dictionary = Learner.RandomDictionary(bars.Dimension, 16, 3) };
        const long s = 1000;
        var decaying = Constant(300, 2 * s) with { TauADoublings = 1 };
        MapFinish.Result both = decaying.Run(start, bars, Sampler, LearningSettings.Default, seed: 8);

        MapFinish.Result first = Constant(300, s).Run(start, bars, Sampler, LearningSettings.Default, seed: 8);
        MapFinish.Result second = Constant(600, s).Run(first.Model, bars, Sampler, LearningSettings.Default, seed: 8 + 1000);

        // The second stage rescales the first's unit columns to unit norm again (a last-bit change at most), hence 1e-12.
        double[] expected = second.Model.Dictionary.Data, actual = both.Model.Dictionary.Data;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
        // One history over the whole stage, steps continuing across the parts.
        Assert.Equal(2 * s, both.MapHistory[^1].Step);
        Assert.Equal(both.MapHistory.Select(h => h.Step).Distinct().Count(), both.MapHistory.Count);
        // And the decaying rate is not the constant one: the check above can tell them apart.
        MapFinish.Result constant = Constant(300, 2 * s).Run(start, bars, Sampler, LearningSettings.Default, seed: 8);
        Assert.NotEqual(constant.Model.Dictionary.Data, both.Model.Dictionary.Data);
    }

    [Theory]
    [InlineData(-1, 1000, "must be 0..20, got -1")]
    [InlineData(21, 100_000, "must be 0..20, got 21")]
    [InlineData(4, 4, "needs at least one step per part: 5 parts, dictionary.steps 4")]
    public void ABadScheduleIsRefusedNamingTheField(int doublings, long steps, string message)
    {
        var map = Constant(300, steps) with { TauADoublings = doublings };
        var e = Assert.Throws<InvalidInputException>(() => map.Validate(Sampler, "c.json"));
        Assert.Contains("map_finish.tau_a_doublings", e.Message);
        Assert.Contains(message, e.Message);
        Assert.Contains("c.json", e.Message);
    }
}
