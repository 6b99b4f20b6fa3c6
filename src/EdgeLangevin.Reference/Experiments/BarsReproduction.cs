using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Experiments;

/// <summary>The three methods the paper compares on bars.</summary>
public enum BarsMethod { Lsc, Dsc, Lca }

/// <summary>Run lengths of <see cref="BarsReproduction"/> (quick or full).</summary>
public sealed record BarsRunLengths(int Batch, long ActivitySteps, long NormSteps, long CosineSteps, long SweepSteps, long BurnIn)
{
    /// <summary>About 30 s on 2 cores.</summary>
    public static BarsRunLengths Quick { get; } = new(Batch: 64, ActivitySteps: 10_000, NormSteps: 20_000, CosineSteps: 20_000, SweepSteps: 5_000, BurnIn: 200);
    /// <summary>About 6 minutes of CPU on 2 cores. Batch 256 (the paper uses 512): the learned dictionary's
    /// fluctuation around its fixed point scales as 1/batch in variance and costs about 0.017 of cosine at 128.</summary>
    public static BarsRunLengths Full { get; } = new(Batch: 256, ActivitySteps: 20_000, NormSteps: 60_000, CosineSteps: 60_000, SweepSteps: 20_000, BurnIn: 200);
}

/// <summary>Everything measured for one method.</summary>
public sealed record BarsMethodResult(
    BarsMethod Method,
    SparseCodingModel ModelUsed,
    InferenceSettings Inference,
    LearningResult Fixed,
    LearningResult FromTrue,
    LearningResult FromRandom,
    LearningResult FromRandomNormalised)
{
    public string Name => Method.ToString().ToLowerInvariant();
    public double Activity => Fixed.Statistics.Activity;
    public double KlNonZero => Fixed.Statistics.KlNonZero(ModelUsed.Lambda);
    public double MedianColumnNorm => DictionaryMetrics.Median(FromTrue.History[^1].ColumnNorms);
    public double Cosine => FromRandom.History[^1].Cosine!.Value;
    public double CosineNormalised => FromRandomNormalised.History[^1].Cosine!.Value;
    /// <summary>Cosine of the dictionary averaged over the last quarter of the random-start run (no normalisation).</summary>
    public double CosineTimeAveraged(Matrix truth) => DictionaryMetrics.MatchedCosine(FromRandom.AveragedDictionary!, truth, ModelUsed.Variant == Variant.Signed);
}

public sealed record BarsReproductionResult(BarsData Data, BarsRunLengths Lengths, long Seed, LearningSettings BaseLearning,
    IReadOnlyList<BarsMethodResult> Methods, IReadOnlyList<(double PiModel, double Activity)> PiSweep)
{
    public BarsMethodResult this[BarsMethod m] => Methods.First(r => r.Method == m);
}

/// <summary>
/// The paper's bars experiments (shared/MODEL.md): 8x8 bars, pi = 0.3, lambda = 1, sigma = 0.5,
/// non-negative variant, dt = 1, tau_u = 20, tau_x = 200 (synchronous), tau_A = 2e3 (mean convention).
/// LSC: Langevin at T = 1 with the true pi. DSC: pi = 1, T = 0. LCA: Rozell's dynamics, threshold lambda sigma^2.
/// For each method: (1) the true dictionary held fixed: activity and KL of the non-zero codes;
/// (2) learning without normalisation started from the true dictionary: median column norm at the end;
/// (3) learning from a random unit-norm Gaussian dictionary without normalisation, and (4) with
/// normalisation: matched cosine to the true bars at the end. Plus LSC's activity against pi_model
/// (0.05 to 0.45) on the true dictionary. Statistics skip the first <see cref="BarsRunLengths.BurnIn"/> steps.
/// </summary>
public static class BarsReproduction
{
    public static readonly double[] SweepPis = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45];

    public static (SparseCodingModel Model, InferenceSettings Inference) Setup(BarsData data, BarsMethod method) => method switch
    {
        BarsMethod.Lsc => (data.TrueModel(), new InferenceSettings { Temperature = 1 }),
        BarsMethod.Dsc => (data.TrueModel(1.0), new InferenceSettings { Temperature = 0 }),
        BarsMethod.Lca => (data.TrueModel(1.0), new InferenceSettings { Method = InferenceMethod.Lca, Temperature = 0 }),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static BarsReproductionResult Run(BarsRunLengths lengths, long seed, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        var data = new BarsData();
        var baseLearning = new LearningSettings { Batch = lengths.Batch, Steps = lengths.ActivitySteps, RecordEvery = 200 };
        var results = new List<BarsMethodResult>();
        Matrix random = Learner.RandomDictionary(data.Dimension, data.K, seed);
        foreach (BarsMethod method in Enum.GetValues<BarsMethod>())
        {
            var (model, inf) = Setup(data, method);
            string name = method.ToString().ToLowerInvariant();
            LearningResult Go(string what, SparseCodingModel m, LearningSettings l, long s) =>
                Learner.Run(m, data, inf, l, s, data.TrueDictionary, lengths.BurnIn, progress, ct, $"{name}: {what}", averageFrom: l.Steps * 3 / 4);
            var fixedRun = Go("true dictionary", model, baseLearning with { LearnDictionary = false }, seed);
            var fromTrue = Go("learning from the true dictionary", model, baseLearning with { Steps = lengths.NormSteps, RecordEvery = RecordEvery(lengths.NormSteps) }, seed + 1);
            var fromRandom = Go("learning from a random dictionary", model with { Dictionary = random.Clone() },
                baseLearning with { Steps = lengths.CosineSteps, RecordEvery = RecordEvery(lengths.CosineSteps) }, seed + 2);
            var fromRandomNorm = Go("learning from a random dictionary, normalised", model with { Dictionary = random.Clone() },
                baseLearning with { Steps = lengths.CosineSteps, RecordEvery = RecordEvery(lengths.CosineSteps), Normalise = true }, seed + 3);
            results.Add(new BarsMethodResult(method, model, inf, fixedRun, fromTrue, fromRandom, fromRandomNorm));
        }
        var sweep = new List<(double, double)>();
        var (lscModel, lscInf) = Setup(data, BarsMethod.Lsc);
        foreach (double pi in SweepPis)
        {
            var r = Learner.Run(lscModel with { Pi = pi }, data, lscInf, baseLearning with { LearnDictionary = false, Steps = lengths.SweepSteps },
                seed + 4, null, lengths.BurnIn, progress, ct, $"lsc: activity at pi_model = {pi:0.00}");
            sweep.Add((pi, r.Statistics.Activity));
        }
        return new BarsReproductionResult(data, lengths, seed, baseLearning, results, sweep);
    }

    private static int RecordEvery(long steps) => (int)Math.Max(1, steps / 100);

    /// <summary>The JSON summary of `reproduce bars`.</summary>
    public static JsonObject ToJson(BarsReproductionResult r, bool quick, string version)
    {
        var obj = new JsonObject
        {
            ["format"] = "edgelangevin-reproduce-bars",
            ["version"] = version,
            ["seed"] = r.Seed,
            ["quick"] = quick,
            ["pi_true"] = r.Data.Pi,
            ["data"] = new JsonObject { ["side"] = r.Data.Side, ["k"] = r.Data.K, ["pi"] = r.Data.Pi, ["lambda"] = r.Data.Lambda, ["sigma"] = r.Data.Sigma, ["variant"] = "nonnegative" },
            ["run_lengths"] = new JsonObject
            {
                ["batch"] = r.Lengths.Batch, ["activity_steps"] = r.Lengths.ActivitySteps, ["norm_steps"] = r.Lengths.NormSteps,
                ["cosine_steps"] = r.Lengths.CosineSteps, ["sweep_steps"] = r.Lengths.SweepSteps, ["statistics_skip_steps"] = r.Lengths.BurnIn,
            },
            ["learning_settings"] = r.BaseLearning.ToJson(),
            ["notes"] = new JsonObject
            {
                ["activity"] = "mean fraction of non-zero s over units, chains and steps, true dictionary held fixed",
                ["kl_nonzero"] = $"KL(histogram of non-zero |s| || lambda e^(-lambda s)) in nats; {CodeStatistics.BinCount} bins of width {CodeStatistics.BinWidth} on [0, {CodeStatistics.BinCount * CodeStatistics.BinWidth}) plus an overflow bin",
                ["median_column_norm"] = "median column norm at the end of learning WITHOUT normalisation, started from the true dictionary",
                ["cosine"] = "mean cosine of true bars to learned columns, one-to-one matching by the Hungarian algorithm; learning from a random unit-norm Gaussian dictionary without normalisation",
                ["cosine_normalised"] = "the same with column normalisation after every dictionary step",
                ["cosine_time_averaged"] = "cosine of the dictionary averaged over the last quarter of the 'cosine' run: removes the fluctuation a finite batch leaves in A",
                ["dsc"] = "pi = 1, T = 0: proximal gradient descent on the L1 energy (see ChainBatch)",
                ["lca"] = "Rozell's LCA with threshold lambda sigma^2 (the L1 MAP fixed points)",
            },
        };
        foreach (var m in r.Methods)
        {
            obj[m.Name] = new JsonObject
            {
                ["activity"] = m.Activity,
                ["kl_nonzero"] = m.KlNonZero,
                ["median_column_norm"] = m.MedianColumnNorm,
                ["cosine"] = m.Cosine,
                ["cosine_normalised"] = m.CosineNormalised,
                ["cosine_time_averaged"] = m.CosineTimeAveraged(r.Data.TrueDictionary),
                ["pi_model"] = m.ModelUsed.Pi,
                ["inference"] = m.Inference.ToJson(),
            };
        }
        var sweep = new JsonArray();
        foreach (var (pi, act) in r.PiSweep) sweep.Add(new JsonObject { ["pi_model"] = pi, ["activity"] = act });
        obj["activity_vs_pi_model"] = sweep;
        return obj;
    }
}
