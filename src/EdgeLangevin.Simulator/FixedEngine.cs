using System.Diagnostics;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
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
    FixedParameters Parameters);

/// <summary>
/// Posterior summaries from the fixed-point core, the same way <see cref="FloatEngine"/>
/// makes them: every input gets settings.Chains independent chains started at u = m = 0,
/// run for burn_in steps, then settings.Samples steps each recorded as a sample of s.
/// Chain c of input i is solver chain i * Chains + c (its noise seed follows FIXED_POINT.md).
/// </summary>
public static class FixedEngine
{
    public static FixedInferenceResult Infer(SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed, FixedFormat format,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, SolverProfile? profile = null)
    {
        settings.Validate();
        if (settings.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(null, "method", "the fixed-point engine runs Langevin dynamics only (not LCA)");
        try { model.Validate(); }
        catch (ArgumentException e) { throw new InvalidInputException($"model: {e.Message}", e); }
        FloatEngine.CheckInputs(model, inputs);
        StepChoice step = StepPolicy.Resolve(model, settings);
        settings = step.Settings;
        FixedParameters p = FixedParameters.Create(model, format, step);
        int n = inputs.Length, c = settings.Chains, k = model.K, d = model.D;
        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, n * c, unchecked((int)seed));
        VectorStepKernel.Install(solver); // same bits as the scalar kernel, faster
        var xq = new int[d];
        for (int i = 0; i < n; i++)
        {
            FixedParameters.QuantizeData(inputs[i], format, xq, 0, $"inputs[{i}]");
            for (int j = 0; j < c; j++) solver.SetData(i * c + j, xq, 0);
        }

        long total = (long)settings.ResolvedBurnIn + settings.ResolvedSamples;
        int chains = n * c;
        var posterior = new PosteriorAccumulator(n, c, k);
        var codes = new double[chains * k];
        var stats = new CodeStatistics(k);
        double scale = Math.ScaleB(1.0, -format.StateFracBits);
        long reportEvery = Math.Max(1, total / 100);
        long allocated = 0;
        var watch = new Stopwatch();
        for (long t = 0; t < total; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long before = GC.GetAllocatedBytesForCurrentThread();
            watch.Start();
            solver.Step();
            watch.Stop();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            profile?.Observe(solver);
            if (t >= settings.ResolvedBurnIn)
            {
                for (int b = 0; b < chains; b++)
                {
                    for (int u = 0; u < k; u++)
                    {
                        int idx = b * k + u;
                        long q = solver.CodeQ(b, u);
                        double v = q * scale;
                        codes[idx] = v;
                        posterior.Add(idx, v);
                    }
                }
                posterior.EndSample();
                stats.Add(codes, chains);
            }
            if (progress is not null && (t % reportEvery == 0 || t == total - 1)) progress.Report(new RunProgress("sampling (fixed point)", t + 1, total));
        }

        PosteriorSummary[] result = FloatEngine.CheckFinite(model, inputs, posterior.Summarise(), settings);
        double seconds = watch.Elapsed.TotalSeconds;
        return new FixedInferenceResult(result, stats, solver.Workspace.SaturationTotal, (long[])solver.Workspace.Saturations.Clone(),
            (double)allocated / total, seconds > 0 ? total / seconds : double.NaN, p);
    }
}
