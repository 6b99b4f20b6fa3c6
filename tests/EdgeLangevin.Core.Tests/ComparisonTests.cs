using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class ComparisonTests
{
    [Fact]
    public void CompareReportsEveryRequiredFieldAndAProfile()
    {
        var model = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(3, 2, [0.8, 0.0, 0.6, 0.6, 0.0, 0.8]) };
        var tiny = new ComparisonLengths(Inputs: 1, Chains: 4, Samples: 400, BurnIn: 100, StatisticsBatch: 8, StatisticsSteps: 300, LearningBatch: 8, LearningSteps: 300, ProfileSamples: 200);
        JsonObject r = Comparison.Run(model, new ModelDataSource(model), "model:test", FixedFormat.Default, tiny, 3, profile: true);
        foreach (string key in new[] { "p_active_max_abs_error", "mean_max_rel_error", "kl_nonzero_fixed", "kl_nonzero_float", "saturation_count",
                     "allocated_bytes_per_step", "steps_per_second_fixed", "steps_per_second_float", "cosine_fixed", "cosine_float" })
            Assert.True(r[key] is not null, $"missing {key}");
        AllocationAssert.NoStepAllocates((long)r["allocating_steps"]!, (double)r["allocated_bytes_per_step"]!);
        Assert.Equal(3, (long)r["seed"]!);
        var profile = (JsonObject)r["profile"]!;
        Assert.True((double)profile["observed_max_abs"]!["u"]! > 0);
        var narrowest = (JsonObject)profile["narrowest"]!;
        Assert.Equal(new[] { "A", "S", "M" }, narrowest.Select(kv => kv.Key).ToArray());
        // The widest candidate of each word is at least as precise as the given format and clips
        // nothing here, so every word has an answer.
        Assert.All(narrowest, kv => Assert.NotNull(kv.Value));
    }
}
