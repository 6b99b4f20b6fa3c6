using BenchmarkDotNet.Attributes;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// The learner (double or float32 hot loops, <see cref="Precision"/>) on the shipped natural images, as `reproduce images` runs it:
/// whitened 8x8 patches, batch 128, dictionary and pi learned together with the full run's
/// stage-1 time scales (tau_x 400, tau_a 1e4, tau_u0 5e7), signed, sigma 0.5, K = 64, 128 and 256
/// (R = 1, 2 and 4). Reported per learning step (one Langevin step of all 128 chains, the
/// dictionary and threshold updates, the data switches). Each invocation starts fresh chains
/// at u = 0 from a dictionary learned for 20000 steps in the setup, so a step costs what it
/// costs in a real run (pi about 0.1-0.2, localised atoms), not what a random dictionary costs;
/// the first ~100 steps of each invocation (chains settling) are included and are about 5 %
/// of it. Threads: the learner's own choice (Parallel.For over column chunks and chain blocks
/// on 2 or more cores); run with DOTNET_PROCESSOR_COUNT=1 for the one-core path that the long
/// image runs use.
/// </summary>
[MemoryDiagnoser]
public class LearnerBenchmarks
{
    private const int StepsPerInvocation = 2000;
    private SparseCodingModel _model = null!;
    private ImagePatchSource _data = null!;
    private readonly InferenceSettings _inference = ImageExperimentSettings.Full.Inference;
    private readonly LearningSettings _learning = ImageExperimentSettings.Full.Learning with { Steps = StepsPerInvocation, RecordEvery = StepsPerInvocation };

    [Params(64, 128, 256)]
    public int K { get; set; }

    /// <summary>The hot loops' number format (<see cref="LearningPrecision"/>): `reproduce images` learns in Single.</summary>
    [Params(LearningPrecision.Double, LearningPrecision.Single)]
    public LearningPrecision Precision { get; set; } = LearningPrecision.Double;

    [GlobalSetup]
    public void Setup()
    {
        var images = ImageFolder.Load(ImageFolder.ShippedName, 8);
        Preprocessing pre = PatchPreprocessor.Fit(images, new PreprocessingOptions { FitPatches = 10_000 }, 1);
        _data = new ImagePatchSource(images, pre);
        var initial = new SparseCodingModel
        {
            Variant = Variant.Signed, Lambda = 1, Pi = 0.5, Sigma = 0.5,
            Dictionary = Learner.RandomDictionary(pre.PatchSize * pre.PatchSize, K, 7), Preprocessing = pre,
        };
        _model = Learner.Run(initial, _data, _inference, _learning with { Steps = 20_000 }, 11, statisticsFrom: long.MaxValue).Model;
    }

    [Benchmark(OperationsPerInvoke = StepsPerInvocation, Description = "learning step, batch 128 (float reference)")]
    public SparseCodingModel LearningStep() => Run().Model;

    public LearningResult Run() => Learner.Run(_model, _data, _inference, _learning, 13, statisticsFrom: long.MaxValue, precision: Precision);

    /// <summary>FNV-1a over the bits of the dictionary and pi: equal before and after a change that must keep the bits.</summary>
    public static ulong Fingerprint(SparseCodingModel model)
    {
        ulong h = 14695981039346656037UL;
        foreach (double v in model.Dictionary.Data.Append(model.Pi))
        {
            h ^= (ulong)BitConverter.DoubleToInt64Bits(v);
            h *= 1099511628211UL;
        }
        return h;
    }
}
