using BenchmarkDotNet.Attributes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// One step of a batch of 128 chains, float reference against the fixed-point core, at
/// K = 128, D = 64 (a 2x overcomplete 8x8 patch dictionary) and K = 512, D = 256 (the issue's
/// large case). Pi sets the sparsity: the data are drawn from the model with that pi and the
/// model uses it too, so about pi K units are active (pi = 1: L1 coding, every unit active -
/// the dense case; pi = 0.1: the realistic case, the natural-image models' learned pi at 2-3x
/// overcompleteness). Like for like: float and fixed each on 1 thread and on 2 threads (the
/// worker pool: ChainBatch's blocks, ParallelFixedSolver's chain ranges; the same bits as one
/// thread). The fixed point runs with the core's scalar kernel (what a board runs) and with the
/// simulator's VectorStepKernel in AVX2 and AVX-512 (same bits). Chains are burnt in for 300
/// steps before measuring, so the active counts are the stationary ones.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    /// <summary>Chains per step.</summary>
    public const int Batch = 128;
    private ChainBatch _float = null!, _float2 = null!;
    private SingleChainBatch _single = null!, _single2 = null!;
    private ChainBatch[] _floatSingles = null!; // one chain each: a 1-chain batch runs on the calling thread
    private LangevinSolver _fixed = null!, _dense = null!, _avx2 = null!, _avx512 = null!, _denseVector = null!;
    private ParallelFixedSolver _fixed2 = null!;

    [Params(1.0, 0.1)]
    public double Pi { get; set; }

    /// <summary>"K x D".</summary>
    [Params("128x64", "512x256")]
    public string Size { get; set; } = "128x64";

    private int K => int.Parse(Size.Split('x')[0]);
    private int D => int.Parse(Size.Split('x')[1]);

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
        int K = this.K, D = this.D;
        var model = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = Pi, Sigma = 0.5, Dictionary = Learner.RandomDictionary(D, K, 1) };
        // dt = 1 at tau_u = 20 (eps = 0.05), the peers' step (bench/peers/peer_bench.py): the comparison is
        // like for like. Stable here (eps lambda_max(A^T A) / sigma^2 is about 1.2 for these random dictionaries).
        var settings = new InferenceSettings { Dt = 1, Samples = 1, BurnIn = 0 };
        var data = new ModelDataSource(model);
        var rng = new Rng(2);
        var x = new double[Batch * D];
        for (int b = 0; b < Batch; b++) data.Draw(rng, x, b * D);
        var p = FixedParameters.Create(model, FixedFormat.Default, settings.Eps, settings.Temperature, 1, 0);
        var xq = new int[D];
        LangevinSolver Make(VectorIsa? isa)
        {
            var s = new LangevinSolver(p.Step, p.DictionaryRowMajor, D, K, Batch, 3);
            if (isa is { } i && !VectorStepKernel.Install(s, i)) throw new PlatformNotSupportedException("the vector kernel needs AVX2");
            for (int b = 0; b < Batch; b++)
            {
                FixedParameters.QuantizeData(x.AsSpan(b * D, D), FixedFormat.Default, xq, 0);
                s.SetData(b, xq, 0);
            }
            for (int t = 0; t < 300; t++) s.Step();
            return s;
        }
        // The event-driven scalar solver is always built: Report reads its active counts.
        _fixed = Make(null);
        if (Needs(nameof(FixedDense)))
        {
            _dense = Make(null);
            _dense.EventDriven = false;
        }
        if (Needs(nameof(FixedAvx2))) _avx2 = Make(VectorIsa.Avx2);
        if (Needs(nameof(FixedAvx512)) && VectorStepKernel.Avx512Supported)
        {
            _avx512 = Make(VectorIsa.Avx512);
            // EDGELANGEVIN_BLOCK_DENSITY: the chain-block density rule (VectorStepKernel.BlockDensity) alone, at any
            // dictionary size (BlockMinWords 0), for measuring the cut-over; 2: no chain blocks.
            if (double.TryParse(Environment.GetEnvironmentVariable("EDGELANGEVIN_BLOCK_DENSITY"), System.Globalization.CultureInfo.InvariantCulture, out double density))
            {
                var kernel = (VectorStepKernel)_avx512.Kernel;
                kernel.BlockDensity = density;
                kernel.BlockMinWords = 0;
                Console.Error.WriteLine($"// mean active units per chain after burn-in: {_avx512.Workspace.ActiveCount.Take(Batch).Average():F1} of {K}");
            }
        }
        if (Needs(nameof(FixedVectorDense)))
        {
            _denseVector = Make(VectorStepKernel.BestIsa);
            _denseVector.EventDriven = false;
        }
        if (Needs(nameof(FixedTwoThreads)))
        {
            _fixed2 = new ParallelFixedSolver(p.Step, p.DictionaryRowMajor, D, K, Batch, 3, 2);
            for (int b = 0; b < Batch; b++)
            {
                FixedParameters.QuantizeData(x.AsSpan(b * D, D), FixedFormat.Default, xq, 0);
                _fixed2.SetData(b, xq, 0);
            }
            for (int t = 0; t < 300; t++) _fixed2.Step();
        }
        ChainBatch MakeFloat(int threads)
        {
            int saved = WorkerPool.Threads;
            WorkerPool.Threads = threads; // read when the batch is built
            var batch = new ChainBatch(model, settings, Batch, 3);
            WorkerPool.Threads = saved;
            for (int b = 0; b < Batch; b++) batch.SetInput(b, x.AsSpan(b * D, D));
            for (int t = 0; t < 300; t++) batch.Step();
            return batch;
        }
        if (Needs(nameof(Float))) _float = MakeFloat(1);
        if (Needs(nameof(FloatTwoThreads))) _float2 = MakeFloat(2);
        SingleChainBatch MakeSingle(int threads)
        {
            int saved = WorkerPool.Threads;
            WorkerPool.Threads = threads; // read when the batch is built
            var batch = new SingleChainBatch(model, settings, Batch, 3);
            WorkerPool.Threads = saved;
            for (int b = 0; b < Batch; b++) batch.SetInput(b, x.AsSpan(b * D, D));
            for (int t = 0; t < 300; t++) batch.Step();
            return batch;
        }
        if (Needs(nameof(FloatSingle))) _single = MakeSingle(1);
        if (Needs(nameof(FloatSingleTwoThreads))) _single2 = MakeSingle(2);
        if (Needs(nameof(FloatOneChainBatches)))
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
        Console.WriteLine($"// pi = {Pi}, K x D = {Size}: mean active units per chain (fixed, event-driven) = {active / Batch:F1} of {K}");
    }

    [Benchmark(Baseline = true, Description = "float reference (1 thread)")]
    public void Float() => _float.Step();

    [Benchmark(Description = "float reference (2 threads)")]
    public void FloatTwoThreads() => _float2.Step();

    [Benchmark(Description = "float reference, float32 (1 thread)")]
    public void FloatSingle() => _single.Step();

    [Benchmark(Description = "float reference, float32 (2 threads)")]
    public void FloatSingleTwoThreads() => _single2.Step();

    [Benchmark(Description = "float reference, 128 one-chain batches (1 thread)")]
    public void FloatOneChainBatches()
    {
        for (int b = 0; b < Batch; b++) _floatSingles[b].Step();
    }

    [Benchmark(Description = "fixed point, scalar kernel, event-driven (1 thread)")]
    public void Fixed() => _fixed.Step();

    [Benchmark(Description = "fixed point, scalar kernel, dense (1 thread)")]
    public void FixedDense() => _dense.Step();

    [Benchmark(Description = "fixed point, AVX2 kernel, event-driven (1 thread)")]
    public void FixedAvx2() => _avx2.Step();

    [Benchmark(Description = "fixed point, AVX-512 kernel, event-driven (1 thread)")]
    public void FixedAvx512()
    {
        if (_avx512 is null) throw new PlatformNotSupportedException("no AVX-512 on this machine");
        _avx512.Step();
    }

    [Benchmark(Description = "fixed point, best vector kernel, dense (1 thread)")]
    public void FixedVectorDense() => _denseVector.Step();

    [Benchmark(Description = "fixed point, best vector kernel, event-driven (2 threads)")]
    public void FixedTwoThreads() => _fixed2.Step();
}
