using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Tests.Images;

public class ImageExperimentTests
{
    private static readonly IReadOnlyList<Data.Images.GrayImage> Shipped = ImageFolder.Load(ImageFolder.ShippedName);

    private static readonly ImageExperimentSettings Tiny = ImageExperimentSettings.Quick with
    {
        Preprocessing = new PreprocessingOptions { FitPatches = 1000 },
        Learning = ImageExperimentSettings.Quick.Learning with { Batch = 8, TauX = 50, Steps = 400, RecordEvery = 100 },
        EvaluationSteps = 100,
    };

    [Fact]
    public void ALearningRunIsReproducibleFromItsSeedAndDependsOnIt()
    {
        var p = PatchPreprocessor.Fit(Shipped, Tiny.Preprocessing, 1);
        var a = ImageExperiment.Run(Shipped, p, 1, Tiny, seed: 7);
        var b = ImageExperiment.Run(Shipped, p, 1, Tiny, seed: 7);
        var c = ImageExperiment.Run(Shipped, p, 1, Tiny, seed: 8);
        Assert.Equal(a.Model.Dictionary.Data, b.Model.Dictionary.Data);
        Assert.Equal(a.LearnedPi, b.LearnedPi);
        Assert.Equal(a.ActiveUnitsPerPatch, b.ActiveUnitsPerPatch);
        Assert.NotEqual(a.Model.Dictionary.Data, c.Model.Dictionary.Data);
    }

    [Fact]
    public void TheLearnedModelHasKEqualToRTimesDAndCarriesItsPreprocessingThroughTheModelFile()
    {
        var p = PatchPreprocessor.Fit(Shipped, Tiny.Preprocessing, 1);
        var run = ImageExperiment.Run(Shipped, p, 2, Tiny, seed: 3);
        Assert.Equal(128, run.Model.K);
        Assert.Equal(2.0, run.Overcompleteness);
        // pi is learned: it moved from its starting 0.5, and u0 learning keeps it a probability.
        Assert.NotEqual(0.5, run.LearnedPi);
        Assert.InRange(run.LearnedPi, 1e-6, 1.0);
        // Active units per patch cannot exceed K; the reconstruction error is a mean of squares.
        Assert.InRange(run.ActiveUnitsPerPatch, 0, 128);
        Assert.True(run.ReconstructionMse > 0);
        var back = ModelFile.Parse(ModelFile.ToJson(run.Model).ToJsonString(), "m.json");
        Assert.Equal(p.WhiteningMatrix!.Data, back.Preprocessing!.WhiteningMatrix!.Data);
        Assert.Equal(run.Model.Dictionary.Data, back.Dictionary.Data);
    }

    [Fact]
    public void TheFixedPiSweepKeepsEachPiExactlyAndMeasuresEachDictionaryOnItsOwn()
    {
        // Tiny runs with the settling stage and the convergence check of the full settings switched on:
        // the sweep must still hold every pi exactly (u0 never moves) and learn one dictionary per pi.
        var settings = Tiny with { Settling = Tiny.Learning, Until = new EdgeLangevin.Reference.Learning.Convergence() };
        var p = PatchPreprocessor.Fit(Shipped, Tiny.Preprocessing, 1);
        var runs = FixedPiSweep.Run(Shipped, p, 1, [0.1, 0.4], settings, seed: 2);
        // pi is stored as u0 = -ln(pi) / lambda and read back: exact up to that round trip.
        Assert.Equal(0.1, runs[0].LearnedPi, 1e-12);
        Assert.Equal(0.4, runs[1].LearnedPi, 1e-12);
        Assert.All(runs, r => Assert.True(r.ReconstructionMse > 0));
        Assert.NotEqual(runs[0].Model.Dictionary.Data, runs[1].Model.Dictionary.Data);
        // At pi = 0.4 far more units are active per patch than at 0.1 (K = 64: about 26 against 6 by the prior).
        Assert.True(runs[1].ActiveUnitsPerPatch > 2 * runs[0].ActiveUnitsPerPatch);
        Assert.Equal(FixedPiSweep.Best(runs).Mse, runs.Min(r => r.ReconstructionMse));
        // pi is fixed, so the settling stage (there for pi) is skipped: only stage 1 runs.
        Assert.Equal(Tiny.Learning.Steps, runs[0].LearningSteps);
    }

    [Fact]
    public void TheSettlingStageContinuesFromStageOneAndItsStepsAreCounted()
    {
        var settings = Tiny with { Settling = Tiny.Learning with { TauX = 100, Steps = 300 } };
        var p = PatchPreprocessor.Fit(Shipped, Tiny.Preprocessing, 1);
        var run = ImageExperiment.Run(Shipped, p, 1, settings, seed: 4);
        Assert.Equal(Tiny.Learning.Steps + 300, run.LearningSteps);
        Assert.Equal(run.LearningSteps, run.History[^1].Step);
        Assert.False(run.Converged);
    }

    [Fact]
    public void AtomsAreOrderedMostUsedFirst()
    {
        Assert.Equal([2, 0, 3, 1], ImageExperiment.OrderByUse([0.3, 0.1, 0.9, 0.3]));
    }
}

public class PiFixedPointTests
{
    [Fact]
    public void OnDataFromTheModelItselfActivityEqualsPiAtTheDataPi()
    {
        // Bars drawn with pi = 0.3 and the true dictionary: the posterior activity equals the model's pi
        // exactly when that pi is the data's (the paper's activity-vs-pi_model figure), so the crossing
        // must be near 0.3. Per grid point 64 chains x 6 periods x 200 steps give an activity standard
        // error of about 0.005 (384 data, 16 units, correlated within a datum); the crossing is
        // interpolated between points 0.05 apart, so 0.03 allows for both.
        var bars = new EdgeLangevin.Reference.Data.BarsData();
        var settings = ImageExperimentSettings.Quick with
        {
            Learning = ImageExperimentSettings.Quick.Learning with { Batch = 64, TauX = 200 },
        };
        var (points, crossing) = PiFixedPoint.Find(bars.TrueModel(0.3), bars, settings, seed: 5, grid: [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]);
        Assert.Equal(7, points.Count);
        Assert.NotNull(crossing);
        Assert.InRange(crossing!.Value, 0.27, 0.33);
    }
}
