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
