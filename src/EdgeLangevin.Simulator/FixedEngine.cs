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
        FixedParameters p = FixedParameters.Create(model, format, settings.Eps, settings.Temperature, settings.Order, settings.Mu);
        int n = inputs.Length, c = settings.Chains, k = model.K, d = model.D;
        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, n * c, unchecked((int)seed));
        var xq = new int[d];
        for (int i = 0; i < n; i++)
        {
            FixedParameters.QuantizeData(inputs[i], format, xq, 0, $"inputs[{i}]");
            for (int j = 0; j < c; j++) solver.SetData(i * c + j, xq, 0);
        }

        long total = (long)settings.BurnIn + settings.Samples;
        int chains = n * c;
        var countActive = new long[chains * k];
        var sum = new double[chains * k];
        var sumSq = new double[chains * k];
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
            if (t >= settings.BurnIn)
            {
                for (int b = 0; b < chains; b++)
                {
                    for (int u = 0; u < k; u++)
                    {
                        int idx = b * k + u;
                        long q = solver.CodeQ(b, u);
                        double v = q * scale;
                        codes[idx] = v;
                        if (q == 0) continue;
                        countActive[idx]++;
                        sum[idx] += v;
                        sumSq[idx] += v * v;
                    }
                }
                stats.Add(codes, chains);
            }
            if (progress is not null && (t % reportEvery == 0 || t == total - 1)) progress.Report(new RunProgress("sampling (fixed point)", t + 1, total));
        }

        var result = new PosteriorSummary[n];
        double ns = settings.Samples;
        for (int i = 0; i < n; i++)
        {
            var pa = new double[k]; var mean = new double[k]; var std = new double[k];
            var paSe = new double[k]; var meanSe = new double[k];
            for (int u = 0; u < k; u++)
            {
                double pSum = 0, pSq = 0, mSum = 0, mSq = 0, sq = 0;
                for (int j = 0; j < c; j++)
                {
                    int idx = (i * c + j) * k + u;
                    double pr = countActive[idx] / ns, m = sum[idx] / ns;
                    pSum += pr; pSq += pr * pr; mSum += m; mSq += m * m; sq += sumSq[idx] / ns;
                }
                pa[u] = pSum / c;
                mean[u] = mSum / c;
                std[u] = Math.Sqrt(Math.Max(0, sq / c - mean[u] * mean[u]));
                paSe[u] = c > 1 ? Math.Sqrt(Math.Max(0, (pSq - c * pa[u] * pa[u]) / (c - 1)) / c) : double.NaN;
                meanSe[u] = c > 1 ? Math.Sqrt(Math.Max(0, (mSq - c * mean[u] * mean[u]) / (c - 1)) / c) : double.NaN;
            }
            result[i] = new PosteriorSummary { PActive = pa, Mean = mean, Std = std, PActiveStdError = paSe, MeanStdError = meanSe, SampleCount = (long)c * settings.Samples };
        }
        double seconds = watch.Elapsed.TotalSeconds;
        return new FixedInferenceResult(result, stats, solver.Workspace.SaturationTotal, (long[])solver.Workspace.Saturations.Clone(),
            (double)allocated / total, seconds > 0 ? total / seconds : double.NaN, p);
    }
}
