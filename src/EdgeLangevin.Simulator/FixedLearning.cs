using System.Diagnostics;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using RefRng = EdgeLangevin.Reference.Random.Rng;

namespace EdgeLangevin.Simulator;

/// <summary>What a fixed-point learning run produced (the float learner's LearningResult plus fixed-point diagnostics).</summary>
public sealed record FixedLearningResult(
    SparseCodingModel Model,
    IReadOnlyList<LearningRecord> History,
    CodeStatistics Statistics,
    long SaturationCount,
    long DictionarySaturations,
    double AllocatedBytesPerStep,
    double StepsPerSecond,
    LearningRounding Rounding,
    long[] SaturationsBySite);

/// <summary>
/// Host side of fixed-point learning: converts the learning settings to the core's integer
/// <see cref="LearningParameters"/> and runs <see cref="FixedLearner"/> on data from an
/// <see cref="IDataSource"/>, recording the same history as the float <see cref="Learner"/>.
/// </summary>
public static class FixedLearning
{
    /// <summary>
    /// Rates as mantissa and shift: the dictionary's c_A = dt / (tau_a sigma^2 B) 2^(FA - 2 FM)
    /// (LSBs of A per unit of s_m r_m), the threshold's c_u0 = dt / (tau_u0 sigma^2) 2^(FS - FM);
    /// mantissa = round(c 2^shift) with 15 significant bits.
    /// </summary>
    public static LearningParameters Convert(SparseCodingModel model, FixedFormat format, InferenceSettings inference, LearningSettings learning,
        LearningRounding rounding = LearningRounding.Stochastic, string? source = null)
    {
        learning.Validate(inference, source);
        double s2 = model.Sigma * model.Sigma;
        double cA = inference.Dt / (learning.TauA * s2 * learning.Batch) * Math.ScaleB(1.0, format.DictionaryFracBits - 2 * format.MacFracBits);
        double cU = inference.Dt / (learning.TauU0 * s2) * Math.ScaleB(1.0, format.StateFracBits - format.MacFracBits);
        var (ma, sa) = Rate(source, "tau_a", cA);
        var (mu, su) = Rate(source, "tau_u0", cU);
        int every = (int)Math.Max(1, Math.Min(int.MaxValue, Math.Round(learning.TauX / inference.Dt)));
        int prob = (int)Math.Min(int.MaxValue, Math.Round(inference.Dt / learning.TauX * Math.ScaleB(1.0, 31)));
        if (learning.Batch > 65536) throw InvalidInputException.Field(source, "batch", $"fixed-point learning supports at most 65536 chains, got {learning.Batch}");
        return new LearningParameters(learning.LearnDictionary, ma, sa, learning.LearnPi, mu, su, learning.Normalise,
            learning.Switching == DataSwitching.Synchronous ? FixedSwitching.Synchronous : FixedSwitching.Asynchronous, every, prob, rounding);
    }

    private static (int Mantissa, int Shift) Rate(string? source, string field, double c)
    {
        if (!(c > 0) || !double.IsFinite(c)) throw InvalidInputException.Field(source, field, "gives a non-positive or non-finite learning rate");
        int shift = 14 - (int)Math.Floor(Math.Log2(c));
        if (shift < 0) throw InvalidInputException.Field(source, field, $"learning rate {c:G3} LSB per unit is too large for the fixed-point learner (use a larger time constant)");
        if (shift > LearningParameters.MaxShift) throw InvalidInputException.Field(source, field, $"learning rate {c:G3} LSB per unit is too small to represent (shift above {LearningParameters.MaxShift})");
        long m = (long)Math.Round(c * Math.ScaleB(1.0, shift));
        if (m > LearningParameters.MaxMantissa) { m = (m + 1) >> 1; shift--; }
        return ((int)m, shift);
    }

    public static FixedLearningResult Run(SparseCodingModel initial, IDataSource data, InferenceSettings inference, LearningSettings learning,
        FixedFormat format, long seed, Matrix? trueDictionary = null, long statisticsFrom = 0, LearningRounding rounding = LearningRounding.Stochastic,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, string stage = "fixed learning")
    {
        inference.Validate();
        learning.Validate(inference);
        if (inference.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(null, "method", "the fixed-point core runs Langevin dynamics only");
        if (data.Dimension != initial.D) throw new InvalidInputException($"data have {data.Dimension} dimensions, the dictionary {initial.D} rows");
        FixedParameters p = FixedParameters.Create(initial, format, inference.Eps, inference.Temperature, inference.Order, inference.Mu);
        LearningParameters lp = Convert(initial, format, inference, learning, rounding);
        int chains = learning.Batch, d = initial.D, k = initial.K;
        int seed32 = unchecked((int)seed);
        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, chains, seed32);
        VectorStepKernel.Install(solver); // same bits as the scalar kernel, faster
        var learner = new FixedLearner(solver, lp, seed32);
        var dataRng = new RefRng(seed, -1);
        var datum = new double[d];
        var xq = new int[d];
        var codes = new double[chains * k];
        var stats = new CodeStatistics(k);
        var history = new List<LearningRecord>();
        var rowMajor = new short[d * k];
        double stateScale = Math.ScaleB(1.0, -format.StateFracBits);
        long intervalActive = 0, intervalSamples = 0;
        double intervalSq = 0;
        long allocated = 0;
        var watch = new Stopwatch();
        long reportEvery = Math.Max(1, learning.Steps / 200);
        bool signed = initial.Variant == Variant.Signed;

        for (long t = 0; t < learning.Steps; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (learner.DecideSwitching() > 0)
            {
                bool[] needs = learner.NeedsData;
                for (int b = 0; b < chains; b++)
                {
                    if (!needs[b]) continue;
                    data.Draw(dataRng, datum, 0);
                    FixedParameters.QuantizeData(datum, format, xq, 0, data.Name);
                    solver.SetData(b, xq, 0);
                }
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            watch.Start();
            learner.Step();
            watch.Stop();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;

            int[] r = solver.Workspace.R;
            for (int b = 0; b < chains; b++)
            {
                intervalActive += solver.Workspace.ActiveCount[b];
                for (int i = 0; i < d; i++) { double v = r[b * d + i] * stateScale; intervalSq += v * v; }
                for (int j = 0; j < k; j++) codes[b * k + j] = solver.CodeQ(b, j) * stateScale;
            }
            intervalSamples += chains;
            if (t >= statisticsFrom) stats.Add(codes, chains);

            if ((t + 1) % learning.RecordEvery == 0 || t == learning.Steps - 1)
            {
                Matrix a = Dequantize(solver, format, rowMajor);
                double? cos = trueDictionary is null ? null : DictionaryMetrics.MatchedCosine(a, trueDictionary, signed);
                double u0 = solver.ThresholdQ * stateScale;
                history.Add(new LearningRecord(t + 1, (t + 1) * inference.Dt, (double)intervalActive / (intervalSamples * k),
                    SparseCodingModel.PiFromU0(u0, initial.Lambda), DictionaryMetrics.ColumnNorms(a), cos, intervalSq / (intervalSamples * d)));
                intervalActive = 0; intervalSamples = 0; intervalSq = 0;
            }
            if (progress is not null && (t % reportEvery == 0 || t == learning.Steps - 1)) progress.Report(new RunProgress(stage, t + 1, learning.Steps));
        }
        Matrix final = Dequantize(solver, format, rowMajor);
        var model = initial with { Dictionary = final, Pi = SparseCodingModel.PiFromU0(solver.ThresholdQ * stateScale, initial.Lambda) };
        double seconds = watch.Elapsed.TotalSeconds;
        return new FixedLearningResult(model, history, stats, solver.Workspace.SaturationTotal, learner.DictionarySaturations,
            (double)allocated / learning.Steps, seconds > 0 ? learning.Steps / seconds : double.NaN, rounding, (long[])solver.Workspace.Saturations.Clone());
    }

    private static Matrix Dequantize(LangevinSolver solver, FixedFormat format, short[] rowMajor)
    {
        solver.CopyDictionaryRowMajor(rowMajor);
        var m = new Matrix(solver.D, solver.K);
        for (int i = 0; i < rowMajor.Length; i++) m.Data[i] = FixedParameters.DictionaryToDouble(rowMajor[i], format);
        return m;
    }
}
