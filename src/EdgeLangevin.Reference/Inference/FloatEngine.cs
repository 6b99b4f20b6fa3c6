using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Posterior summaries from the double-precision sampler: every input gets
/// settings.Chains independent chains started at u = 0 (m = 0), run for burn_in steps (dt, samples and burn_in
/// left unset are chosen by <see cref="StepPolicy"/>),
/// then settings.Samples steps each recorded as a sample of s = h(u).
/// </summary>
public static class FloatEngine
{
    public static PosteriorSummary[] Infer(SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        try { model.Validate(); }
        catch (ArgumentException e) { throw new InvalidInputException($"model: {e.Message}", e); }
        CheckInputs(model, inputs);
        settings = StepPolicy.Resolve(model, settings).Settings;
        int n = inputs.Length, c = settings.Chains, k = model.K;
        MemoryBudget.CheckChains(ChainsAsked(n, c, model), (double)n * c, model.D, k, posterior: true, FewerChains);
        var batch = new ChainBatch(model, settings, n * c, seed);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < c; j++) batch.SetInput(i * c + j, inputs[i]);

        long total = (long)settings.ResolvedBurnIn + settings.ResolvedSamples;
        var posterior = new PosteriorAccumulator(n, c, k, settings.ResolvedSamples, PosteriorAccumulator.Samples(settings));
        long reportEvery = Math.Max(1, total / 100);
        for (long t = 0; t < total; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Step();
            if (t >= settings.ResolvedBurnIn)
            {
                double[] s = batch.S;
                for (int i = 0; i < s.Length; i++) posterior.Add(i, s[i]);
                posterior.EndSample();
            }
            if (progress is not null && (t % reportEvery == 0 || t == total - 1)) progress.Report(new RunProgress("sampling", t + 1, total));
        }

        PosteriorSummary[] result = posterior.Summarise();
        if (settings.Method == InferenceMethod.Mala)
            for (int i = 0; i < n; i++) result[i] = result[i] with { AcceptanceRate = batch.AcceptanceRate(i * c, (i + 1) * c) };
        return CheckFinite(model, inputs, result, settings);
    }

    /// <summary>How <see cref="CheckFinite"/>'s message starts, so a verb can name where the settings came from.</summary>
    public const string Diverged = "the chains diverged";

    /// <summary>
    /// The safety net behind the step policy's stability check: a summary that is not finite, or a mean beyond
    /// 10 times the posterior's reach (<see cref="PlausibleReach"/>), means the chains diverged; that is an
    /// <see cref="InvalidInputException"/> naming the step, never an output file.
    /// </summary>

    public static PosteriorSummary[] CheckFinite(SparseCodingModel model, double[][] inputs, PosteriorSummary[] summaries, InferenceSettings settings)
    {
        for (int i = 0; i < summaries.Length; i++)
        {
            double limit = 10 * PlausibleReach(model, inputs[i], settings.Temperature);
            PosteriorSummary r = summaries[i];
            for (int k = 0; k < r.K; k++)
                if (!double.IsFinite(r.PActive[k]) || !double.IsFinite(r.Mean[k]) || !double.IsFinite(r.Std[k]) || Math.Abs(r.Mean[k]) > limit)
                    throw new InvalidInputException(
                        $"{Diverged} (input {i}, unit {k}: E[s] = {r.Mean[k]:G4}, beyond any plausible value {limit:G4}) at dt = {settings.ResolvedDt:G4} " +
                        $"(eps = {settings.Eps:G4}), temperature = {settings.Temperature:G4}, sigma = {model.Sigma:G4}; use a smaller dt or leave dt unset (README 'Step size')");
        }
        return summaries;
    }

    /// <summary>
    /// How far from 0 the sampled posterior can plausibly reach: the exact posterior's half-width
    /// (<see cref="Exact.ExactPosterior.HalfWidth"/>: the likelihood's range plus 40 / lambda) widened for a temperature T > 1,
    /// which samples exp(-E / T): its Gaussian part is sqrt(T) wider and its Laplace tail T times longer. Without the
    /// widening, a run at temperature 1e12 (a legitimate, if odd, setting) was refused as diverged.
    /// </summary>
    public static double PlausibleReach(SparseCodingModel model, double[] x, double temperature)
    {
        double t = Math.Max(1, temperature);
        return Exact.ExactPosterior.Reach(model, x) * Math.Sqrt(t) + 40 * t / model.Lambda;
    }

    /// <summary>"2 input(s) x 200000000 chains (K = 16, D = 64)", for the memory estimate's message.</summary>
    public static string ChainsAsked(int inputs, int chains, SparseCodingModel model) =>
        $"{inputs} input(s) x {chains} chains (K = {model.K}, D = {model.D})";

    public const string FewerChains = "give fewer chains (--chains, inference.chains) or fewer inputs";

    /// <summary>Largest |x| / sigma the samplers accept (far from any real data; far enough from double's 1e308 that squares and sums stay finite).</summary>
    public const double MaxInputOverSigma = 1e100;

    /// <summary>Every input must have D finite numbers, each with |x| / sigma below <see cref="MaxInputOverSigma"/>.</summary>
    public static void CheckInputs(SparseCodingModel model, double[][] inputs, string? fileName = null)
    {
        if (inputs.Length == 0) throw InvalidInputException.Field(fileName, "inputs", "expected at least one input vector");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) throw InvalidInputException.Field(fileName, $"inputs[{i}]", "expected an array of numbers, got null");
            if (inputs[i].Length != model.D)
                throw InvalidInputException.Field(fileName, $"inputs[{i}]", $"expected {model.D} numbers (the dictionary has {model.D} rows), got {inputs[i].Length}");
            for (int d = 0; d < model.D; d++)
            {
                if (!double.IsFinite(inputs[i][d])) throw InvalidInputException.Field(fileName, $"inputs[{i}][{d}]", "must be a finite number");
                // The energy has |x|^2 / sigma^2: beyond about 1e150 it overflows double precision and the sampler's state becomes NaN.
                if (Math.Abs(inputs[i][d]) / model.Sigma > MaxInputOverSigma)
                    throw InvalidInputException.Field(fileName, $"inputs[{i}][{d}]", $"|x| = {Math.Abs(inputs[i][d]).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} is too large: |x| / sigma must stay below {MaxInputOverSigma:G0} for double precision; scale the inputs");
            }
        }
    }
}
