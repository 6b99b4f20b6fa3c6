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

    private static ChainBatch Batch(int threads, double pi = 0.2)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads; // read when the batch is built
            SparseCodingModel model = Model with { Pi = pi };
            var batch = new ChainBatch(model, StepPolicy.Resolve(model, new InferenceSettings()).Settings, 13, 7); // the model's default step
            var rng = new Random.Rng(1);
            for (int b = 0; b < 13; b++) batch.SetInput(b, Enumerable.Range(0, 16).Select(_ => rng.NextGaussian()).ToArray());
            return batch;
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Theory]
    [InlineData(0.2)]
    // pi = 1 (u0 = 0): chains in whole groups of four take their data drives together (ChainBatch.DriveOpen4), the rest one
    // by one (Evaluate); the splits of 13 chains among 1, 2, 3 and 5 threads put different chains in each.
    [InlineData(1.0)]
    public void TheFloatReferenceGivesTheSameBitsForAnyThreadCount(double pi)
    {
        ChainBatch one = Batch(1, pi);
        var many = new[] { Batch(2, pi), Batch(3, pi), Batch(5, pi) };
        for (int t = 0; t < 200; t++)
        {
            one.Step();
            foreach (var m in many) m.Step();
        }
        foreach (var m in many) Assert.Equal(one.U, m.U);
        Assert.Contains(one.S, s => s != 0);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)] // the four-chain data drives (DriveOpen4)
    public void AMultithreadedFloatStepAllocatesNothingOnAnyThread(double pi)
    {
        ChainBatch batch = Batch(2, pi);
        for (int t = 0; t < 5; t++) batch.Step();
        Assert.Equal(0, WorkerPool.AllocatedBytesDuring(2, () => { for (int t = 0; t < 200; t++) batch.Step(); }));
    }

    [Fact]
    public void Another_callers_allocations_on_the_workers_are_not_charged_to_a_measured_step()
    {
        // xUnit runs test classes in parallel and every class shares the one pool: a job of another test that
        // allocates on the workers must wait while a step is measured (27 bytes per step were once reported
        // for a fixed step that allocates nothing, measured by two separate AllocatedBytes calls).
        ChainBatch batch = Batch(2);
        for (int t = 0; t < 5; t++) batch.Step();
        var sink = new byte[2][];
        Action<int> allocate = part => sink[part] = new byte[256];
        using var stop = new CancellationTokenSource();
        var other = new Thread(() => { while (!stop.IsCancellationRequested) WorkerPool.Run(2, allocate); });
        other.Start();
        try
        {
            long measured = 0;
            for (int round = 0; round < 200; round++) measured += WorkerPool.AllocatedBytesDuring(2, () => batch.Step());
            Assert.Equal(0, measured);
        }
        finally { stop.Cancel(); other.Join(); }
        Assert.NotNull(sink[1]); // the other caller did run on a worker meanwhile
    }

    // Learning (dictionary and pi) at 1, 2 and 3 threads: the chain step splits chains, the dictionary update splits
    // columns, so every thread count must leave the same dictionary and threshold to the last bit.
    private static Learning.LearningResult Learn(int threads, long steps, LearningPrecision precision = LearningPrecision.Double)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads; // read when the learner builds its batch and update
            var data = new Data.BarsData();
            var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 3) };
            var learning = new LearningSettings { Batch = 21, Steps = steps, RecordEvery = (int)steps, TauX = 20, LearnPi = true, TauU0 = 1e4 };
            return Learner.Run(model, data, new InferenceSettings(), learning, 5, precision: precision);
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Theory]
    [InlineData(LearningPrecision.Double)]
    [InlineData(LearningPrecision.Single)]
    public void Learning_gives_the_same_bits_for_any_thread_count(LearningPrecision precision)
    {
        var one = Learn(1, 400, precision);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Learn(threads, 400, precision);
            Assert.Equal(one.Model.Dictionary.Data, many.Model.Dictionary.Data);
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.Model.Pi), BitConverter.DoubleToInt64Bits(many.Model.Pi));
        }
        Assert.NotEqual(new Data.BarsData().Pi, one.Model.Pi); // the threshold was learned (it starts at the data's pi)
    }

    // Gaussian data of any dimension: with D = 13 and K = 21 the float32 learner's padded vectors (D rounded up to 16)
    // and its scalar tails (K not a multiple of 8) are in play, which the bars (D = 64, K = 16) never reach.
    private sealed class GaussianData(int dimension) : Data.IDataSource
    {
        public string Name => "gaussian";
        public int Dimension => dimension;
        public void Draw(Random.Rng rng, double[] destination, int offset)
        {
            for (int i = 0; i < dimension; i++) destination[offset + i] = rng.NextGaussian();
        }
    }

    private static Learning.LearningResult LearnSigned(int threads)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads;
            var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.7, Dictionary = Learner.RandomDictionary(13, 21, 8) };
            var learning = new LearningSettings { Batch = 19, Steps = 300, RecordEvery = 300, TauX = 20, TauA = 200, LearnPi = true, TauU0 = 1e4 };
            return Learner.Run(model, new GaussianData(13), new InferenceSettings(), learning, 9, precision: LearningPrecision.Single);
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void The_float32_learner_gives_the_same_bits_for_any_thread_count_with_padded_vectors_and_scalar_tails()
    {
        var one = LearnSigned(1);
        foreach (int threads in new[] { 2, 4 })
        {
            var many = LearnSigned(threads);
            Assert.Equal(one.Model.Dictionary.Data, many.Model.Dictionary.Data);
            Assert.Equal(BitConverter.DoubleToInt64Bits(one.Model.Pi), BitConverter.DoubleToInt64Bits(many.Model.Pi));
        }
        Assert.NotEqual(0.3, one.Model.Pi);
    }

    [Theory]
    [InlineData(LearningPrecision.Double)]
    [InlineData(LearningPrecision.Single)]
    public void A_multithreaded_learning_step_allocates_nothing_on_any_thread(LearningPrecision precision)
    {
        // A run's own allocations (batch, update, one history record) do not depend on its length, so the
        // bytes of a 400-step run minus those of a 200-step run are what 200 steps allocated (data switches included).
        // Up to five tries: the JIT moves methods from tier 0 to optimised code on a background thread, at times the
        // machine's load decides, and optimised code may keep a small object on the stack that tier 0 put on the heap,
        // so one pair of runs can differ by a few dozen bytes of set-up once (seen: 48 and 240 bytes of a 112 kB
        // run). Such a move happens once per method; a step that allocates would make every try differ by at least
        // 200 allocations.
        Learn(2, 200, precision); // first use of every path a run takes
        var tries = new List<(long Shorter, long Longer)>();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long shorter = WorkerPool.AllocatedBytesDuring(2, () => Learn(2, 200, precision));
            long longer = WorkerPool.AllocatedBytesDuring(2, () => Learn(2, 400, precision));
            tries.Add((shorter, longer));
            if (shorter == longer) return;
        }
        Assert.Fail("200 more learning steps allocated more bytes in every try (200-step run, 400-step run): " + string.Join(", ", tries));
    }
}
