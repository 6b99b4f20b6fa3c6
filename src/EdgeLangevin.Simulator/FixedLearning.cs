using System.Diagnostics;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
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
    long[] SaturationsBySite)
{
    /// <summary>Steps that allocated anything (<see cref="StepAllocations"/>: 0 or a one-off; a step path that allocates shows in most steps).</summary>
    public long AllocatingSteps { get; init; }
}

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
    /// mantissa = round(c 2^shift) with 15 significant bits. A learned rate that rounds to zero at
    /// these formats, an asynchronous switching probability that rounds to zero, or more than
    /// 65536 chains is an <see cref="InvalidInputException"/> naming the setting and its limit.
    /// </summary>
    public static LearningParameters Convert(SparseCodingModel model, FixedFormat format, InferenceSettings inference, LearningSettings learning,
        LearningRounding rounding = LearningRounding.Stochastic, string? source = null)
    {
        learning.Validate(inference, source);
        double dt = StepPolicy.LearningDt(inference);
        if (learning.Batch > 65536) throw InvalidInputException.Field(source, "batch", $"fixed-point learning supports at most 65536 chains, got {learning.Batch}");
        double s2 = model.Sigma * model.Sigma;
        int fa = format.DictionaryFracBits, fm = format.MacFracBits, fs = format.StateFracBits;
        double cA = dt / (learning.TauA * s2 * learning.Batch) * Math.ScaleB(1.0, fa - 2 * fm);
        double cU = dt / (learning.TauU0 * s2) * Math.ScaleB(1.0, fs - fm);
        string formats = $"A {Q(format.DictionaryBits, fa)}, MAC operands {Q(format.MacBits, fm)}";
        // The increment of one chain's s = r = 1 (a sum of 2^(2 FM)) and of one unit's g = 1 (2^FM): what typical data give.
        var (ma, sa) = Rate(source, "tau_a", learning.TauA, cA, Math.ScaleB(1.0, 2 * fm), learning.LearnDictionary,
            $"the dictionary increment for s = r = 1 in one of the B = {learning.Batch} chains", "A", formats);
        var (mu, su) = Rate(source, "tau_u0", learning.TauU0, cU, Math.ScaleB(1.0, fm), learning.LearnPi,
            "the threshold increment for g = 1 in one unit", "u0", $"u0 {Q(format.StateBits, fs)}, MAC operands {Q(format.MacBits, fm)}");
        int every = (int)Math.Max(1, Math.Min(int.MaxValue, Math.Round(learning.TauX / dt)));
        int prob = (int)Math.Min(int.MaxValue, Math.Round(dt / learning.TauX * Math.ScaleB(1.0, 31)));
        if (learning.Switching == DataSwitching.Asynchronous && prob == 0)
            throw InvalidInputException.Field(source, "tau_x", $"{G(learning.TauX)}: the asynchronous switching probability dt / tau_x rounds to 0 in 31 bits, so no chain would ever take a new datum; use tau_x <= {G(dt * Math.ScaleB(1.0, 31))} (or synchronous switching)");
        return new LearningParameters(learning.LearnDictionary, ma, sa, learning.LearnPi, mu, su, learning.Normalise,
            learning.Switching == DataSwitching.Synchronous ? FixedSwitching.Synchronous : FixedSwitching.Asynchronous, every, prob, rounding);
    }

    private static string Q(int bits, int frac) => $"Q{bits - 1 - frac}.{frac}";
    private static string G(double v) => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Smallest rate the learner resolves: the stochastic rounding keeps 2^-31 LSB of a product (FIXED_POINT.md "Learning").</summary>
    public static readonly double RoundingResolution = Math.ScaleB(1.0, -31);

    /// <summary>
    /// c (LSB of the target per unit of the sum) as a 15-bit mantissa and a shift. A learned rate whose
    /// increment for a typical sum is below <see cref="RoundingResolution"/> (every such increment would
    /// round to 0), or that needs a shift above 62, is too small; a shift below 0 is too large. The error
    /// names the time constant, the formats and the limit that works (the rate is dt / tau, so tau scales it).
    /// An unlearned rate is not checked and is returned as 0.
    /// </summary>
    private static (int Mantissa, int Shift) Rate(string? source, string field, double tau, double c, double typicalSum, bool learned, string what, string target, string formats)
    {
        if (!learned) return (0, 0);
        if (!(c > 0) || !double.IsFinite(c)) throw InvalidInputException.Field(source, field, "gives a non-positive or non-finite learning rate");
        double smallest = Math.Max(RoundingResolution / typicalSum, Math.ScaleB(1.0, 14 - LearningParameters.MaxShift));
        double largest = Math.ScaleB(1.0, 15);
        if (c < smallest)
            throw InvalidInputException.Field(source, field, $"{G(tau)}: {what} is {c * typicalSum:G3} LSB of {target} per step ({formats}), " +
                $"below what the stochastic rounding resolves (2^-31 LSB of a product, a rate of at least {smallest:G3} LSB per unit), so learning would silently never happen; use {field} <= {G(tau * c / smallest)}");
        if (c >= largest)
            throw InvalidInputException.Field(source, field, $"{G(tau)}: the learning rate {c:G3} LSB of {target} per unit ({formats}) is too large for the 15-bit mantissa; use {field} > {G(tau * c / largest)}");
        int shift = 14 - (int)Math.Floor(Math.Log2(c));
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
        inference = StepPolicy.ResolveForLearning(initial, inference).Settings;
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
        var allocations = new StepAllocations();
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
            allocations.Add(GC.GetAllocatedBytesForCurrentThread() - before);

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
                history.Add(new LearningRecord(t + 1, (t + 1) * inference.ResolvedDt, (double)intervalActive / (intervalSamples * k),
                    SparseCodingModel.PiFromU0(u0, initial.Lambda), DictionaryMetrics.ColumnNorms(a), cos, intervalSq / (intervalSamples * d)));
                intervalActive = 0; intervalSamples = 0; intervalSq = 0;
            }
            if (progress is not null && (t % reportEvery == 0 || t == learning.Steps - 1)) progress.Report(new RunProgress(stage, t + 1, learning.Steps));
        }
        Matrix final = Dequantize(solver, format, rowMajor);
        var model = initial with { Dictionary = final, Pi = SparseCodingModel.PiFromU0(solver.ThresholdQ * stateScale, initial.Lambda) };
        double seconds = watch.Elapsed.TotalSeconds;
        SaturationLog.Add(solver.Workspace.Saturations, learner.DictionarySaturations);
        return new FixedLearningResult(model, history, stats, solver.Workspace.SaturationTotal, learner.DictionarySaturations,
            allocations.BytesPerStep, seconds > 0 ? learning.Steps / seconds : double.NaN, rounding, (long[])solver.Workspace.Saturations.Clone())
        { AllocatingSteps = allocations.AllocatingSteps };
    }

    private static Matrix Dequantize(LangevinSolver solver, FixedFormat format, short[] rowMajor)
    {
        solver.CopyDictionaryRowMajor(rowMajor);
        var m = new Matrix(solver.D, solver.K);
        for (int i = 0; i < rowMajor.Length; i++) m.Data[i] = FixedParameters.DictionaryToDouble(rowMajor[i], format);
        return m;
    }
}
