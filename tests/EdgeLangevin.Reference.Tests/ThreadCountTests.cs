using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>WorkerPool.Threads is process-wide: these tests set it, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "thread count, alone";
}

[Collection(ThreadCountCollection.Name)]
public class ThreadCountTests
{
    private static readonly SparseCodingModel Model = new()
    {
        Variant = Variant.NonNegative, Lambda = 1, Pi = 0.2, Sigma = 0.5, Dictionary = Learner.RandomDictionary(16, 24, 5),
    };

    private static ChainBatch Batch(int threads)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads; // read when the batch is built
            var batch = new ChainBatch(Model, StepPolicy.Resolve(Model, new InferenceSettings()).Settings, 13, 7); // the model's default step
            var rng = new Random.Rng(1);
            for (int b = 0; b < 13; b++) batch.SetInput(b, Enumerable.Range(0, 16).Select(_ => rng.NextGaussian()).ToArray());
            return batch;
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void TheFloatReferenceGivesTheSameBitsForAnyThreadCount()
    {
        ChainBatch one = Batch(1);
        var many = new[] { Batch(2), Batch(3), Batch(5) };
        for (int t = 0; t < 200; t++)
        {
            one.Step();
            foreach (var m in many) m.Step();
        }
        foreach (var m in many) Assert.Equal(one.U, m.U);
        Assert.Contains(one.S, s => s != 0);
    }

    [Fact]
    public void AMultithreadedFloatStepAllocatesNothingOnAnyThread()
    {
        ChainBatch batch = Batch(2);
        for (int t = 0; t < 5; t++) batch.Step();
        long before = WorkerPool.AllocatedBytes(2);
        for (int t = 0; t < 200; t++) batch.Step();
        Assert.Equal(0, WorkerPool.AllocatedBytes(2) - before);
    }
}
