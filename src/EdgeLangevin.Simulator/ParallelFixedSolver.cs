using EdgeLangevin.Core;
using EdgeLangevin.Reference.Parallelism;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Desktop driver: the chains of one fixed-point problem split into contiguous ranges, each
/// stepped by its own <see cref="LangevinSolver"/> on its own thread of the
/// <see cref="WorkerPool"/>. A chain's state, data and noise generator belong to exactly one part
/// (chain b of the whole is chain b - first of its part, its generator seeded with
/// <see cref="GaussianNoise.SeedFor"/>(seed, b) as a single solver would seed it), and a fixed
/// step of one chain reads only its own words plus the shared, read-only dictionary, so the
/// result is bit-for-bit that of one solver over every chain, whatever the thread count (tested).
/// The per-part scratch (drive, accumulators, clip counts) is why the chains are split over
/// solvers rather than over threads of one solver: the core's workspace holds one chain's
/// scratch at a time. Each part gets the fastest kernel this machine has
/// (<see cref="VectorStepKernel.Install"/>). A step allocates nothing.
/// </summary>
public sealed class ParallelFixedSolver
{
    private readonly LangevinSolver[] _parts;
    private readonly int[] _first;
    private readonly Action<int> _stepPart;

    /// <summary>
    /// Same arguments as <see cref="LangevinSolver"/>, plus the number of parts (threads); it is
    /// clamped to 1 .. chains.
    /// </summary>
    public ParallelFixedSolver(StepParameters parameters, short[] dictionaryRowMajor, int dimensions, int units, int chains, int seed, int threads)
    {
        if (threads < 1) throw new ArgumentException($"threads = {threads}: expected at least 1");
        if (chains < 1) throw new ArgumentException($"chains = {chains}: expected at least 1");
        threads = Math.Min(threads, chains);
        _parts = new LangevinSolver[threads];
        _first = new int[threads + 1];
        for (int t = 0; t <= threads; t++) _first[t] = (int)((long)chains * t / threads);
        for (int t = 0; t < threads; t++)
        {
            int first = _first[t], count = _first[t + 1] - first;
            var part = new LangevinSolver(parameters, dictionaryRowMajor, dimensions, units, count, seed);
            for (int b = 0; b < count; b++) part.Noise.SetState(b, GaussianNoise.SeedFor(seed, first + b));
            VectorStepKernel.Install(part); // one kernel (scratch) per part and thread; same bits as the scalar kernel
            _parts[t] = part;
        }
        _stepPart = StepPart;
    }

    /// <summary>Number of chains over all parts.</summary>
    public int Chains => _first[^1];

    /// <summary>Number of units K.</summary>
    public int K => _parts[0].K;

    /// <summary>The per-thread solvers, in chain order.</summary>
    public IReadOnlyList<LangevinSolver> Parts => _parts;

    /// <summary>The solver holding chain <paramref name="chain"/> and the chain's index in it.</summary>
    public (LangevinSolver Part, int Local) Locate(int chain)
    {
        if (chain < 0 || chain >= Chains) throw new ArgumentOutOfRangeException(nameof(chain), $"chain = {chain}: expected 0 to {Chains - 1}");
        int t = 0;
        while (chain >= _first[t + 1]) t++;
        return (_parts[t], chain - _first[t]);
    }

    /// <summary>Copies D data words into chain <paramref name="chain"/>'s x.</summary>
    public void SetData(int chain, int[] source, int offset)
    {
        var (part, local) = Locate(chain);
        part.SetData(local, source, offset);
    }

    /// <summary>Sets the kernel of every part (a factory, because a kernel with scratch serves one solver).</summary>
    public void SetKernels(Func<LangevinSolver, StepKernel> make)
    {
        foreach (var p in _parts) p.Kernel = make(p);
    }

    /// <summary>Sets the event-driven flag of every part.</summary>
    public bool EventDriven
    {
        get => _parts[0].EventDriven;
        set { foreach (var p in _parts) p.EventDriven = value; }
    }

    /// <summary>One step of every chain, the parts in parallel.</summary>
    public void Step() => WorkerPool.Run(_parts.Length, _stepPart);

    private void StepPart(int t) => _parts[t].Step();

    /// <summary>The code s_k of chain <paramref name="chain"/> (see <see cref="LangevinSolver.CodeQ"/>).</summary>
    public long CodeQ(int chain, int unit)
    {
        var (part, local) = Locate(chain);
        return part.CodeQ(local, unit);
    }

    /// <summary>
    /// Copies every chain's codes s (state format, 0 when inactive) into destination[b * K + k],
    /// part by part (faster than <see cref="CodeQ"/> per unit).
    /// </summary>
    public void CopyCodes(long[] destination)
    {
        int k = K;
        for (int t = 0; t < _parts.Length; t++)
        {
            LangevinSolver part = _parts[t];
            int first = _first[t];
            for (int b = 0; b < part.Chains; b++)
                for (int u = 0; u < k; u++) destination[(first + b) * k + u] = part.CodeQ(b, u);
        }
    }

    /// <summary>Clip count of a site summed over the parts.</summary>
    public long Saturations(int site)
    {
        long total = 0;
        foreach (var p in _parts) total += p.Workspace.Saturations[site];
        return total;
    }

    /// <summary>The clip counts of every site summed over the parts.</summary>
    public long[] SaturationsBySite()
    {
        var result = new long[SolverWorkspace.SiteCount];
        for (int s = 0; s < result.Length; s++) result[s] = Saturations(s);
        return result;
    }
}
