using System.Diagnostics;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Simulator;

/// <summary>A fixed-point inference run: the float engine's summaries plus what only fixed point has.</summary>
public sealed record FixedInferenceResult(
    PosteriorSummary[] Summaries,
    CodeStatistics Statistics,
    long SaturationCount,
    long[] SaturationsBySite,
    double AllocatedBytesPerStep,
    double StepsPerSecond,
    FixedParameters Parameters)
{
    /// <summary>Steps that allocated anything (<see cref="StepAllocations"/>: 0 or a one-off; a step path that allocates shows in most steps).</summary>
    public long AllocatingSteps { get; init; }

    /// <summary>How long the run was and why it stopped (samples left unset: <see cref="RunLengthPolicy"/>).</summary>
    public RunLength? RunLength { get; init; }
}

/// <summary>
/// Posterior summaries from the fixed-point core, the same way <see cref="FloatEngine"/>
/// makes them: every input gets settings.Chains independent chains started at u = m = 0,
/// run for burn_in steps, then settings.Samples steps each recorded as a sample of s.
/// Chain c of input i is solver chain i * Chains + c (its noise seed follows FIXED_POINT.md).
/// The chains are stepped on <see cref="WorkerPool.Threads"/> threads (<see cref="ParallelFixedSolver"/>):
/// the same bits for any thread count.
/// </summary>
public static class FixedEngine
{
    public static FixedInferenceResult Infer(SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed, FixedFormat format,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, SolverProfile? profile = null, int? threads = null,
        ZeroMassBound.LassoMaps? maps = null, string? modelSource = null, string? inputSource = null)
    {
        settings.Validate();
        if (settings.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(null, "method", $"the fixed-point engine runs Langevin dynamics only, not {settings.Method.ToString().ToLowerInvariant()}");
        try { model.Validate(); }
        catch (ArgumentException e) { throw new InvalidInputException($"model: {e.Message}", e); }
        FloatEngine.CheckInputs(model, inputs);
        maps = FloatEngine.MapsFor(model, inputs, maps); // the inputs' lasso MAPs, once for the step and the zero-mass bounds
        StepChoice step = StepPolicy.Resolve(model, settings, maps);
        settings = step.Settings;
        MemoryBudget.CheckChains(FloatEngine.ChainsAsked(inputs.Length, settings.Chains, model), (double)inputs.Length * settings.Chains, model.D, model.K, posterior: true, FloatEngine.FewerChains);
        // the files named in the errors: a dictionary entry or a step word the format cannot hold is the model's,
        // an input outside the state format the input file's (break-21: both were "field 'x[0]'" with no file)
        FixedParameters p = FixedParameters.Create(model, format, step, modelSource);
        int n = inputs.Length, c = settings.Chains, k = model.K, d = model.D;
        var solver = new ParallelFixedSolver(p.Step, p.DictionaryRowMajor, d, k, n * c, unchecked((int)seed), threads ?? WorkerPool.Threads);
        var xq = new int[d];
        for (int i = 0; i < n; i++)
        {
            FixedParameters.QuantizeData(inputs[i], format, xq, 0, inputSource, $"inputs[{i}]");
            for (int j = 0; j < c; j++) solver.SetData(i * c + j, xq, 0);
        }

        int chains = n * c;
        var posterior = FloatEngine.NewAccumulator(step, maps);
        var run = new FloatEngine.RunLoop(step, model.Lambda, chains * k);
        var codes = new double[chains * k];
        var codesQ = new long[chains * k];
        var stats = new CodeStatistics(k);
        double scale = Math.ScaleB(1.0, -format.StateFracBits);
        long reportEvery = Math.Max(1, run.PlannedSteps / 100);
        var allocations = new StepAllocations();
        var watch = new Stopwatch();
        Action timedStep = () => { watch.Start(); solver.Step(); watch.Stop(); }; // created once: the loop allocates nothing
        long t = 0;
        for (; run.Continues(t); t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            allocations.Add(WorkerPool.AllocatedBytesDuring(solver.Parts.Count, timedStep)); // on every thread the step uses
            if (profile is not null) foreach (LangevinSolver part in solver.Parts) profile.Observe(part);
            if (run.InBurnIn(t))
            {
                if (run.WatchingBurnIn)
                {
                    solver.CopyCodes(codesQ);
                    run.ObserveBurnIn(t, codesQ);
                }
            }
            else
            {
                solver.CopyCodes(codesQ);
                for (int idx = 0; idx < chains * k; idx++)
                {
                    double v = codesQ[idx] * scale;
                    codes[idx] = v;
                    posterior.Add(idx, v);
                }
                posterior.EndSample();
                stats.Add(codes, chains);
                run.AfterSample(posterior);
            }
            if (progress is not null && (t % reportEvery == 0 || !run.Continues(t + 1))) progress.Report(new RunProgress("sampling (fixed point)", t + 1, run.PlannedSteps));
        }

        long total = t; // steps per chain, burn-in included
        PosteriorSummary[] result = FloatEngine.CheckFinite(model, inputs, run.Result(posterior), settings);
        double seconds = watch.Elapsed.TotalSeconds;
        long[] bySite = solver.SaturationsBySite();
        SaturationLog.Add(bySite);
        return new FixedInferenceResult(result, stats, bySite.Sum(), bySite,
            allocations.BytesPerStep, seconds > 0 ? total / seconds : double.NaN, p)
        { RunLength = run.Report(result, posterior.SampleCount), AllocatingSteps = allocations.AllocatingSteps };
    }
}
