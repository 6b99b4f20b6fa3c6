using EdgeLangevin.Core;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class ParallelFixedSolverTests
{
    [Theory]
    [InlineData(0, 1, 2)]
    [InlineData(1, 2, 2)]
    [InlineData(1, 1, 3)]
    public void SteppingChainRangesOnSeveralThreadsGivesTheBitsOfOneSolver(int variant, int order, int threads)
    {
        const int d = 16, k = 32, chains = 7, seed = 11;
        var f = FixedFormat.Default;
        var rng = new Random(8);
        var (p, a, _) = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, order);
        var one = new LangevinSolver(p, a, d, k, chains, seed);
        var split = new ParallelFixedSolver(p, a, d, k, chains, seed, threads);
        // A different datum per chain, so that a chain mixed up with another would show.
        for (int b = 0; b < chains; b++)
        {
            var (_, _, x) = SolverTests.RandomProblem(rng, f, d, k, (FixedVariant)variant, order);
            one.SetData(b, x, 0);
            split.SetData(b, x, 0);
        }
        for (int step = 0; step < 150; step++)
        {
            one.Step();
            split.Step();
        }
        for (int b = 0; b < chains; b++)
        {
            var (part, local) = split.Locate(b);
            for (int u = 0; u < k; u++)
            {
                Assert.Equal(one.Workspace.U[b * k + u], part.Workspace.U[local * k + u]);
                Assert.Equal(one.Workspace.M[b * k + u], part.Workspace.M[local * k + u]);
            }
            Assert.Equal(one.Noise.StateOf(b), part.Noise.StateOf(local));
        }
        for (int site = 0; site < SolverWorkspace.SiteCount; site++)
            Assert.Equal(one.Workspace.Saturations[site], split.Saturations(site));
        Assert.Equal(threads, split.Parts.Count);
    }
}

/// <summary>
/// The worker pool is process-wide: tests that count what its threads allocate run alone
/// (another test stepping chains at the same time would add its own allocations).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerPoolCollection
{
    public const string Name = "worker pool, alone";
}

[Collection(WorkerPoolCollection.Name)]
public class MultithreadedStepTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    public void AMultithreadedStepAllocatesNothingOnAnyThread(int threads, int order)
    {
        // Exact zero, counted on the caller and on every worker thread the steps ran on.
        var (p, a, x) = SolverTests.RandomProblem(new Random(1), FixedFormat.Default, 64, 128, FixedVariant.NonNegative, order);
        var solver = new ParallelFixedSolver(p, a, 64, 128, 37, 1, threads);
        for (int b = 0; b < 37; b++) solver.SetData(b, x, 0);
        for (int i = 0; i < 5; i++) solver.Step(); // JIT, worker threads started
        long allocated = Reference.Parallelism.WorkerPool.AllocatedBytesDuring(threads, () =>
        {
            for (int i = 0; i < 300; i++) solver.Step();
            solver.EventDriven = false;
            for (int i = 0; i < 100; i++) solver.Step();
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TheAllocationProbeSeesWhatAWorkerThreadAllocates()
    {
        // The probe must be able to fail: a body that allocates on the worker thread (part 1) shows up.
        object?[] sink = new object?[2];
        Action<int> allocate = part => sink[part] = new byte[1000];
        Reference.Parallelism.WorkerPool.Run(2, allocate);
        long allocated = Reference.Parallelism.WorkerPool.AllocatedBytesDuring(2, () => Reference.Parallelism.WorkerPool.Run(2, allocate));
        Assert.InRange(allocated, 2000, 2200);
        Assert.NotNull(sink[1]);
    }

    [Fact]
    public void FixedInferenceGivesTheSameBitsForAnyThreadCount()
    {
        // The engine behind `infer --engine fixed` and `compare`: 5 inputs x 3 chains on 1, 2, 3 and
        // 4 threads; every posterior number and clip count must be identical (not just close).
        var rng = new EdgeLangevin.Reference.Random.Rng(3);
        var model = new EdgeLangevin.Reference.Model.SparseCodingModel
        {
            Variant = EdgeLangevin.Reference.Model.Variant.Signed, Lambda = 1, Pi = 0.2, Sigma = 0.5,
            Dictionary = EdgeLangevin.Reference.Learning.Learner.RandomDictionary(16, 24, 5),
        };
        var inputs = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.NextGaussian()).ToArray()).ToArray();
        var settings = new EdgeLangevin.Reference.Settings.InferenceSettings { Chains = 3, BurnIn = 50, Samples = 200 };
        FixedInferenceResult Run(int threads) => FixedEngine.Infer(model, inputs, settings, 9, FixedFormat.Default, threads: threads);
        FixedInferenceResult one = Run(1);
        foreach (int threads in new[] { 2, 3, 4 })
        {
            FixedInferenceResult many = Run(threads);
            Assert.Equal(one.SaturationsBySite, many.SaturationsBySite);
            for (int i = 0; i < inputs.Length; i++)
            {
                Assert.Equal(one.Summaries[i].PActive, many.Summaries[i].PActive);
                Assert.Equal(one.Summaries[i].Mean, many.Summaries[i].Mean);
                Assert.Equal(one.Summaries[i].Std, many.Summaries[i].Std);
            }
            AllocationAssert.NoStepAllocates(many.AllocatingSteps, many.AllocatedBytesPerStep);
        }
        Assert.Contains(one.Summaries, s => s.PActive.Any(v => v > 0 && v < 1)); // a run that sampled something
    }
}
