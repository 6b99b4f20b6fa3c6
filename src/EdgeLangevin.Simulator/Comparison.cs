using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Simulator;

/// <summary>Run lengths of a comparison.</summary>
public sealed record ComparisonLengths(int Inputs, int Chains, int Samples, int BurnIn, int StatisticsBatch, long StatisticsSteps, int LearningBatch, long LearningSteps, int ProfileSamples)
{
    /// <summary>About 30 s on this machine for bars.</summary>
    public static ComparisonLengths Quick { get; } = new(2, 16, 5_000, 1_000, 32, 4_000, 64, 4_000, 2_000);
    /// <summary>A few minutes for bars; the numbers in the README.</summary>
    public static ComparisonLengths Full { get; } = new(2, 64, 30_000, 1_000, 64, 20_000, 256, 20_000, 10_000);
}

/// <summary>
/// Runs the fixed-point core and the float reference on the same problems and reports how far
/// apart they are (the `compare` verb):
/// (1) posterior summaries on inputs drawn from the model: p_active_max_abs_error (max over inputs
/// and units of |p_fixed - p_float|), mean_max_rel_error (max of |E_fixed - E_float| / |E_float|
/// over units with |E_float| >= 0.2, where a relative error is meaningful), with the Monte Carlo
/// standard error of those differences for scale;
/// (2) data-averaged code statistics with the dictionary held fixed (activity, KL of the
/// non-zero codes against the exponential slab);
/// (3) learning from a random unit-norm dictionary: matched cosine to the model's dictionary.
/// </summary>
public static class Comparison
{
    /// <summary>
    /// The step of the statistics and learning runs: learning's (the paper's dt = 1, dt left unset) when the model is
    /// inside the explicit step's stability limit there; otherwise the model's default sampler step. A model given to
    /// `compare` may be stiffer than dt = 1 allows (lambda_max(A^T A) / sigma^2 >= 2 / 0.05, e.g. one learned long or on
    /// few patches); `infer` samples it at its default step, and `compare` used to refuse it in the statistics run, after
    /// the posteriors had run, naming a dt the user never set. Both engines run the same step, so they stay comparable.
    /// </summary>
    public static InferenceSettings StatisticsAndLearningStep(SparseCodingModel model, int chains)
    {
        var paper = new InferenceSettings { Chains = chains };
        if (StepPolicy.PaperEps < StepPolicy.StabilityLimitEps(StepPolicy.Curvature(model), order: 1, mu: 1)) return paper;
        return paper with { Dt = StepPolicy.Resolve(model, paper).Settings.Dt };
    }

    public static JsonObject Run(SparseCodingModel model, IDataSource data, string problem, FixedFormat format, ComparisonLengths lengths, long seed,
        bool profile, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        var rng = new Rng(seed, 77);
        var inputs = new double[lengths.Inputs][];
        for (int i = 0; i < inputs.Length; i++) { inputs[i] = new double[model.D]; data.Draw(rng, inputs[i], 0); }
        // The posteriors run at the model's default step (StepPolicy), their lengths kept in time (given in steps at
        // eps = 0.05); the statistics and learning runs keep learning's step (the paper's) where the model is stable there.
        var learningSettings = StatisticsAndLearningStep(model, lengths.Chains);
        var settings = PosteriorSettings(model, lengths, lengths.Samples);

        var prof = profile ? new SolverProfile() : null;
        FixedInferenceResult fx = FixedEngine.Infer(model, inputs, settings, seed, format, progress, ct, prof);
        var watch = Stopwatch.StartNew();
        PosteriorSummary[] fl = FloatEngine.Infer(model, inputs, settings, seed + 1, progress, ct);
        double floatSps = (settings.ResolvedBurnIn + settings.ResolvedSamples) / watch.Elapsed.TotalSeconds;
        var (pErr, pSe, mErr) = Errors(fx.Summaries, fl);

        var statSettings = new LearningSettings { Batch = lengths.StatisticsBatch, Steps = lengths.StatisticsSteps, LearnDictionary = false, RecordEvery = 1000 };
        var flStats = Learner.Run(model, data, learningSettings, statSettings, seed, null, 200, progress, ct, "float statistics");
        var fxStats = FixedLearning.Run(model, data, learningSettings, statSettings, format, seed, null, 200, LearningRounding.Stochastic, progress, ct, "fixed statistics");

        Matrix random = Learner.RandomDictionary(model.D, model.K, seed);
        var start = model with { Dictionary = random };
        var learnSettings = new LearningSettings { Batch = lengths.LearningBatch, Steps = lengths.LearningSteps, RecordEvery = (int)Math.Max(1, lengths.LearningSteps / 20) };
        var flLearn = Learner.Run(start, data, learningSettings, learnSettings, seed, model.Dictionary, 0, progress, ct, "float learning");
        var fxLearn = FixedLearning.Run(start, data, learningSettings, learnSettings, format, seed, model.Dictionary, 0, LearningRounding.Stochastic, progress, ct, "fixed learning");

        var result = new JsonObject
        {
            ["format"] = "edgelangevin-compare",
            ["version"] = 1,
            ["seed"] = seed,
            ["problem"] = problem,
            ["number_format"] = FormatSpec.ToSpec(format),
            ["K"] = model.K,
            ["D"] = model.D,
            ["variant"] = model.Variant.ToJson(),
            ["p_active_max_abs_error"] = pErr,
            ["p_active_difference_max_stderr"] = pSe,
            ["mean_max_rel_error"] = mErr,
            ["kl_nonzero_fixed"] = fxStats.Statistics.KlNonZero(model.Lambda),
            ["kl_nonzero_float"] = flStats.Statistics.KlNonZero(model.Lambda),
            ["activity_fixed"] = fxStats.Statistics.Activity,
            ["activity_float"] = flStats.Statistics.Activity,
            ["saturation_count"] = fx.SaturationCount + fxStats.SaturationCount + fxLearn.SaturationCount + fxLearn.DictionarySaturations,
            ["saturation_by_site_inference"] = SitesJson(fx.SaturationsBySite),
            ["allocated_bytes_per_step"] = Math.Max(fx.AllocatedBytesPerStep, Math.Max(fxStats.AllocatedBytesPerStep, fxLearn.AllocatedBytesPerStep)),
            ["allocating_steps"] = fx.AllocatingSteps + fxStats.AllocatingSteps + fxLearn.AllocatingSteps, // StepAllocations: a one-off, or a path that allocates
            ["steps_per_second_fixed"] = fx.StepsPerSecond,
            ["steps_per_second_float"] = floatSps,
            ["chains_per_step"] = lengths.Inputs * lengths.Chains,
            ["cosine_fixed"] = fxLearn.History[^1].Cosine,
            ["cosine_float"] = flLearn.History[^1].Cosine,
            ["lengths"] = new JsonObject
            {
                ["inputs"] = lengths.Inputs, ["chains"] = lengths.Chains, ["samples"] = lengths.Samples, ["burn_in"] = lengths.BurnIn,
                ["statistics_batch"] = lengths.StatisticsBatch, ["statistics_steps"] = lengths.StatisticsSteps,
                ["learning_batch"] = lengths.LearningBatch, ["learning_steps"] = lengths.LearningSteps,
            },
            ["inference"] = settings.ToJson(),
            ["statistics_and_learning_dt"] = learningSettings.Dt ?? StepPolicy.PaperDt,
        };
        if (prof is not null)
            result["profile"] = Profile(model, inputs, fl, prof, format, lengths, seed, progress, ct);
        return result;
    }

    /// <summary>Clip counts by site, keyed by the site names of FIXED_POINT.md.</summary>
    public static JsonObject SitesJson(long[] counts)
    {
        var o = new JsonObject();
        for (int i = 0; i < counts.Length; i++) o[SolverWorkspace.SiteName(i)] = counts[i];
        return o;
    }

    /// <summary>Largest |p_fixed - p_float|, the largest standard error of such a difference, largest relative error of E[s] where |E_float| >= 0.2.</summary>
    public static (double PError, double PStdError, double MeanRelError) Errors(PosteriorSummary[] fx, PosteriorSummary[] fl)
    {
        double p = 0, se = 0, m = 0;
        for (int i = 0; i < fx.Length; i++)
            for (int k = 0; k < fx[i].K; k++)
            {
                p = Math.Max(p, Math.Abs(fx[i].PActive[k] - fl[i].PActive[k]));
                double s = Math.Sqrt(Sq(fx[i].PActiveStdError[k]) + Sq(fl[i].PActiveStdError[k]));
                if (double.IsFinite(s)) se = Math.Max(se, s);
                if (Math.Abs(fl[i].Mean[k]) >= 0.2) m = Math.Max(m, Math.Abs(fx[i].Mean[k] - fl[i].Mean[k]) / Math.Abs(fl[i].Mean[k]));
            }
        return (p, se, m);
    }

    private static double Sq(double v) => v * v;

    /// <summary>Posterior settings at the model's default step, <paramref name="samplesAtPaperEps"/> and the burn-in converted to the same time.</summary>
    private static InferenceSettings PosteriorSettings(SparseCodingModel model, ComparisonLengths lengths, int samplesAtPaperEps)
    {
        InferenceSettings s = StepPolicy.Resolve(model, new InferenceSettings { Chains = lengths.Chains }).Settings;
        return s with { Samples = StepPolicy.SameTime(samplesAtPaperEps, s.Eps), BurnIn = StepPolicy.SameTime(lengths.BurnIn, s.Eps) };
    }

    /// <summary>
    /// Observed ranges, then the narrowest word of each kind (the others at the given format)
    /// whose posterior stays within tolerance: p_active within 0.01 and E[s] within 3 % (where
    /// |E[s]| >= 0.2) of the given format's own run, and no clipping on u, r, s_m, r_m. Every
    /// trial uses the same seed as that baseline (common random numbers: the same noise
    /// words), so the difference measures the narrower word, not Monte Carlo noise; the
    /// error against the float reference is reported beside it. Integer bits come from the
    /// observed range plus one guard bit; fractional bits are what is left (for the state: the
    /// given FS while it fits, since the products' shifts bound it), and a width is
    /// accepted only if the host conversion accepts it. Widths are tried from wide to narrow
    /// and the search stops at the first failure.
    /// </summary>
    private static JsonObject Profile(SparseCodingModel model, double[][] inputs, PosteriorSummary[] fl, SolverProfile prof, FixedFormat format,
        ComparisonLengths lengths, long seed, IProgress<RunProgress>? progress, CancellationToken ct)
    {
        double maxA = model.Dictionary.Data.Max(Math.Abs);
        double maxState = Math.Max(prof.MaxAbsU, Math.Max(prof.MaxAbsR, Math.Max(prof.MaxAbsX, prof.MaxAbsS)));
        double maxMac = Math.Max(prof.MaxAbsSm, Math.Max(prof.MaxAbsRm, prof.MaxAbsGm));
        int intA = SolverProfile.IntegerBits(maxA), intS = SolverProfile.IntegerBits(maxState) + 1, intM = SolverProfile.IntegerBits(maxMac) + 1;
        const double tolerance = 0.01, meanTolerance = 0.03;
        var settings = PosteriorSettings(model, lengths, lengths.ProfileSamples);
        PosteriorSummary[] baseline = FixedEngine.Infer(model, inputs, settings, seed, format, progress, ct).Summaries;
        var trials = new JsonArray();

        // Each candidate: (word, width) -> a format, or null when it cannot be built.
        FixedFormat? Candidate(string word, int w)
        {
            try
            {
                return word switch
                {
                    "A" => new FixedFormat(w, w - 1 - intA, format.StateBits, format.StateFracBits, format.MacBits, format.MacFracBits, format.CoefficientBits, format.CoefficientFracBits),
                    "S" => new FixedFormat(format.DictionaryBits, format.DictionaryFracBits, w, Math.Min(format.StateFracBits, w - 1 - intS), format.MacBits, Math.Min(format.MacFracBits, w - 1 - intS), format.CoefficientBits, format.CoefficientFracBits),
                    "M" => new FixedFormat(format.DictionaryBits, format.DictionaryFracBits, format.StateBits, format.StateFracBits, w, w - 1 - intM, format.CoefficientBits, format.CoefficientFracBits),
                    _ => null,
                };
            }
            catch (ArgumentException) { return null; }
        }

        var narrowest = new JsonObject();
        foreach (var (word, widths) in new[] { ("A", new[] { 16, 14, 12, 10, 8, 6 }), ("S", new[] { 32, 28, 24, 20, 16, 12 }), ("M", new[] { 16, 14, 12, 10, 8, 6 }) })
        {
            string? best = null;
            foreach (int w in widths)
            {
                ct.ThrowIfCancellationRequested();
                FixedFormat? f = Candidate(word, w);
                var trial = new JsonObject { ["word"] = word, ["bits"] = w };
                if (f is null) { trial["result"] = "impossible format"; trials.Add(trial); break; }
                trial["number_format"] = FormatSpec.ToSpec(f);
                FixedInferenceResult r;
                try { r = FixedEngine.Infer(model, inputs, settings, seed, f, progress, ct); }
                catch (Reference.Io.InvalidInputException e) { trial["result"] = "not representable: " + e.Message; trials.Add(trial); break; }
                var (pe, _, me) = Errors(r.Summaries, baseline);
                var (pf, _, mf) = Errors(r.Summaries, fl);
                long clips = r.SaturationsBySite[SolverWorkspace.SiteU] + r.SaturationsBySite[SolverWorkspace.SiteR] + r.SaturationsBySite[SolverWorkspace.SiteSm] + r.SaturationsBySite[SolverWorkspace.SiteRm];
                bool ok = pe <= tolerance && me <= meanTolerance && clips == 0;
                trial["p_active_max_abs_error"] = pe;
                trial["mean_max_rel_error"] = me;
                trial["p_active_max_abs_error_vs_float"] = pf;
                trial["mean_max_rel_error_vs_float"] = mf;
                trial["saturation_count"] = r.SaturationCount;
                trial["result"] = ok ? "within tolerance" : "outside tolerance";
                trials.Add(trial);
                if (!ok) break;
                best = FormatSpec.ToSpec(f);
            }
            narrowest[word] = best;
        }
        return new JsonObject
        {
            ["observed_max_abs"] = new JsonObject
            {
                ["A"] = maxA, ["u"] = prof.MaxAbsU, ["m"] = prof.MaxAbsM, ["r"] = prof.MaxAbsR, ["x"] = prof.MaxAbsX, ["s"] = prof.MaxAbsS,
                ["s_m"] = prof.MaxAbsSm, ["r_m"] = prof.MaxAbsRm, ["g_m"] = prof.MaxAbsGm,
            },
            ["active_units_mean"] = prof.MeanActive,
            ["active_units_max"] = prof.MaxActive,
            ["integer_bits"] = new JsonObject { ["A"] = intA, ["state"] = intS, ["mac"] = intM },
            ["baseline"] = FormatSpec.ToSpec(format),
            ["tolerance_p_active"] = tolerance,
            ["tolerance_mean_relative"] = meanTolerance,
            ["trials"] = trials,
            ["narrowest"] = narrowest,
        };
    }
}
