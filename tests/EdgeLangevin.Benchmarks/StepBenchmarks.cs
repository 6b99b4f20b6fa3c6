using BenchmarkDotNet.Attributes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// One step of a batch of 128 chains at K = 128, D = 64 (a 2x overcomplete 8x8 patch
/// dictionary), float reference against the fixed-point core. Pi sets the sparsity: the
/// data are drawn from the model with that pi and the model uses it too, so about
/// pi K units are active (pi = 1: L1 coding, every unit active - the dense case;
/// pi = 0.1: the realistic case, the natural-image models' learned pi at 2-3x
/// overcompleteness). Like for like: float and fixed each on 1 thread (the float
/// reference as 128 one-chain batches, which ChainBatch steps on the calling thread) and
/// on 2 threads (ChainBatch's Parallel.For; ParallelFixedSolver's two chain ranges, the
/// same bits as one solver). The fixed point runs with the core's default scalar MAC kernel
/// (what a board runs) and with the simulator's AVX2 VectorStepKernel (same bits). Chains are burnt in
/// for 300 steps before measuring, so the active counts are the stationary ones.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private const int K = 128, D = 64, Batch = 128;
    private ChainBatch _float = null!;
    private ChainBatch[] _floatSingles = null!; // one chain each: ChainBatch runs a 1-chain batch on the calling thread
    private LangevinSolver _fixed = null!, _dense = null!, _fixedVector = null!, _denseVector = null!;
    private ParallelFixedSolver _fixed2 = null!;

    [Params(1.0, 0.1)]
    public double Pi { get; set; }

    [GlobalSetup]
    public void Setup() => Setup(null);

    /// <summary>
    /// Builds and burns in the solvers; with <paramref name="only"/> (a benchmark method's name)
    /// just the one that benchmark steps, so that a process timing one case JIT-compiles and
    /// profiles (tiered PGO) only that case's code, as a program running one solver would.
    /// </summary>
    public void Setup(string? only)
    {
        bool Needs(string name) => only is null || only == name;
        var model = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = Pi, Sigma = 0.5, Dictionary = Learner.RandomDictionary(D, K, 1) };
        var settings = new InferenceSettings();
        var data = new ModelDataSource(model);
        var rng = new Rng(2);
        var x = new double[Batch * D];
        for (int b = 0; b < Batch; b++) data.Draw(rng, x, b * D);
        var p = FixedParameters.Create(model, FixedFormat.Default, settings.Eps, settings.Temperature, 1, 0);
        LangevinSolver Make(int chains, int offset, bool vector)
        {
            var s = new LangevinSolver(p.Step, p.DictionaryRowMajor, D, K, chains, 3 + offset);
            if (vector && !VectorStepKernel.Install(s)) throw new PlatformNotSupportedException("the vector kernel needs AVX2");
            var xq = new int[D];
            for (int b = 0; b < chains; b++)
            {
                FixedParameters.QuantizeData(x.AsSpan((b + offset) * D, D), FixedFormat.Default, xq, 0);
                s.SetData(b, xq, 0);
            }
            for (int t = 0; t < 300; t++) s.Step();
            return s;
        }
        // The event-driven scalar solver is always built: Report reads its active counts.
        _fixed = Make(Batch, 0, vector: false);
        if (Needs(nameof(FixedDense)))
        {
            _dense = Make(Batch, 0, vector: false);
            _dense.EventDriven = false;
        }
        if (Needs(nameof(FixedVector))) _fixedVector = Make(Batch, 0, vector: true);
        if (Needs(nameof(FixedVectorDense)))
        {
            _denseVector = Make(Batch, 0, vector: true);
            _denseVector.EventDriven = false;
        }
        if (Needs(nameof(FixedTwoThreads)))
        {
            _fixed2 = new ParallelFixedSolver(p.Step, p.DictionaryRowMajor, D, K, Batch, 3, 2);
            var xq2 = new int[D];
            for (int b = 0; b < Batch; b++)
            {
                FixedParameters.QuantizeData(x.AsSpan(b * D, D), FixedFormat.Default, xq2, 0);
                _fixed2.SetData(b, xq2, 0);
            }
            for (int t = 0; t < 300; t++) _fixed2.Step();
        }
        if (Needs(nameof(Float)))
        {
            _float = new ChainBatch(model, settings, Batch, 3);
            for (int b = 0; b < Batch; b++) _float.SetInput(b, x.AsSpan(b * D, D));
            for (int t = 0; t < 300; t++) _float.Step();
        }
        if (Needs(nameof(FloatOneThread)))
        {
            _floatSingles = new ChainBatch[Batch];
            for (int b = 0; b < Batch; b++)
            {
                _floatSingles[b] = new ChainBatch(model, settings, 1, 3 + b);
                _floatSingles[b].SetInput(0, x.AsSpan(b * D, D));
                for (int t = 0; t < 300; t++) _floatSingles[b].Step();
            }
        }
    }

    /// <summary>Mean number of active units per chain at the current state of the fixed solver (printed once, for the report).</summary>
    [GlobalCleanup]
    public void Report()
    {
        double active = 0;
        for (int b = 0; b < Batch; b++) active += _fixed.Workspace.ActiveCount[b];
        Console.WriteLine($"// pi = {Pi}: mean active units per chain (fixed, event-driven) = {active / Batch:F1} of {K}");
    }

    [Benchmark(Baseline = true, Description = "float reference (2 threads)")]
    public void Float() => _float.Step();

    [Benchmark(Description = "float reference (1 thread)")]
    public void FloatOneThread()
    {
        for (int b = 0; b < Batch; b++) _floatSingles[b].Step();
    }

    [Benchmark(Description = "fixed point, scalar kernel, event-driven (1 thread)")]
    public void Fixed() => _fixed.Step();

    [Benchmark(Description = "fixed point, scalar kernel, dense (1 thread)")]
    public void FixedDense() => _dense.Step();

    [Benchmark(Description = "fixed point, vector kernel, event-driven (1 thread)")]
    public void FixedVector() => _fixedVector.Step();

    [Benchmark(Description = "fixed point, vector kernel, dense (1 thread)")]
    public void FixedVectorDense() => _denseVector.Step();

    [Benchmark(Description = "fixed point, vector kernel, event-driven (2 threads)")]
    public void FixedTwoThreads() => _fixed2.Step();
}
