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

    // Learning (dictionary and pi) at 1, 2 and 3 threads: the chain step splits chains, the dictionary update splits
    // columns, so every thread count must leave the same dictionary and threshold to the last bit.
    private static Learning.LearningResult Learn(int threads, long steps)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads; // read when the learner builds its batch and update
            var data = new Data.BarsData();
            var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 3) };
            var learning = new LearningSettings { Batch = 21, Steps = steps, RecordEvery = (int)steps, TauX = 20, LearnPi = true, TauU0 = 1e4 };
            return Learner.Run(model, data, new InferenceSettings(), learning, 5);
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Learning_gives_the_same_bits_for_any_thread_count()
    {
        var one = Learn(1, 400);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Learn(threads, 400);
            Assert.Equal(one.Model.Dictionary.Data, many.Model.Dictionary.Data);
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.Model.Pi), BitConverter.DoubleToInt64Bits(many.Model.Pi));
        }
        Assert.NotEqual(new Data.BarsData().Pi, one.Model.Pi); // the threshold was learned (it starts at the data's pi)
    }

    [Fact]
    public void A_multithreaded_learning_step_allocates_nothing_on_any_thread()
    {
        // A run's own allocations (batch, update, one history record) do not depend on its length, so the
        // bytes of a 400-step run minus those of a 200-step run are what 200 steps allocated (data switches included).
        Learn(2, 10);
        long start = WorkerPool.AllocatedBytes(2);
        Learn(2, 200);
        long middle = WorkerPool.AllocatedBytes(2);
        Learn(2, 400);
        long end = WorkerPool.AllocatedBytes(2);
        Assert.Equal(middle - start, end - middle);
    }
}
