using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Commands;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reporting;
using EdgeLangevin.Reporting.Plots;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Demo;

public enum StageStatus { Done, Skipped, Failed }

/// <summary>What one stage of the demo did: done with a one-line result, skipped with the reason, or failed with the error.</summary>
public sealed record StageOutcome(string Id, string Title, StageStatus Status, string Detail, double Seconds);

/// <summary>A PNG of the report and what it shows.</summary>
public sealed record ReportPlot(string File, string Title, string Caption);

/// <summary>A stage could not run; the reason goes into the report as "skipped: reason".</summary>
public sealed class StageSkippedException(string reason) : Exception(reason);

/// <summary>
/// The demo, end to end on built-in defaults: natural-image patches, dictionary and pi learned in
/// float (and fixed point), posteriors sampled, fixed against float, the exact K = 1 posterior as a
/// check, the fixed-point noise generator, Verilog generated, simulated and synthesised. Every stage
/// reports done, skipped (with the reason) or failed; a skipped stage is never presented as done.
/// Everything is written into one folder that the caller moves into place atomically.
/// </summary>
public sealed class DemoPipeline
{
    private const int PatchSize = 8;
    private readonly DemoSettings _settings;
    private readonly InferenceSettings _inference;
    private readonly int _seed;
    private readonly List<StageOutcome> _stages = new();
    private readonly List<ReportPlot> _plots = new();
    private readonly JsonObject _metrics = new();
    private readonly List<string> _notes = new();

    private readonly ImageExperimentSettings _image;
    private string _plotDir = "";

    // Results handed from stage to stage.
    private IReadOnlyList<GrayImage>? _images;
    private ImagePatchSource? _patches;
    // The fixed-point stages' number formats: the defaults with the MAC operand format fitted to the
    // whitened patches (|x| reaches about 18; the default Q4.11 holds < 16 and clipped s_m ~11,000
    // times in fixed learning). Fitted once from the data, used by fixed learning and the fixed posterior.
    private FixedFormat? _fixedFormat;
    private ImageRunResult? _floatLearning;
    private FixedLearningResult? _fixedLearning;
    private string? _modelPath;
    private double[][]? _heldOut;
    private HdlProject? _hdl;
    private string? _hdlSources;

    public DemoPipeline(DemoSettings settings, InferenceSettings inference, int seed)
    {
        _settings = settings;
        _inference = inference;
        _seed = seed;
        _image = settings.ImageSettings() with { Inference = inference };
    }

    public IReadOnlyList<StageOutcome> Stages => _stages;
    public IReadOnlyList<ReportPlot> Plots => _plots;
    public JsonObject Metrics => _metrics;

    /// <summary>Runs every stage, writing plots and files under <paramref name="folder"/>.</summary>
    public void Run(string folder, IProgress<RunProgress> progress, CancellationToken ct)
    {
        string plots = Directory.CreateDirectory(Path.Combine(folder, "plots")).FullName;
        _plotDir = plots;

        Stage("images", "Natural-image patches", ct, () => LoadImages(progress));
        Stage("learn_float", "Learn dictionary and pi (float)", ct, () => LearnFloat(folder, plots, progress, ct), "images");
        Stage("learn_fixed", "Learn dictionary and pi (fixed point)", ct, () => LearnFixed(folder, plots, progress, ct), "learn_float");
        Stage("posterior_float", "Posterior of held-out patches (float)", ct, () => PosteriorFloat(progress, ct), "learn_float");
        Stage("compare", "Fixed point against float (same model, same patches)", ct, () => Compare(plots, progress, ct), "posterior_float");
        Stage("exact_check", "Langevin against the exact posterior (K = 1)", ct, () => ExactCheck(plots, progress, ct));
        Stage("noise", "Fixed-point Gaussian noise generator", ct, () => Noise(plots, progress));
        Stage("hdl_generate", "Generate Verilog for the learned model", ct, () => HdlGenerate(folder, progress), "learn_float");
        Stage("hdl_verify", "Verify the Verilog bit for bit against the C# core", ct, () => HdlVerify(progress, ct), "hdl_generate");
        Stage("hdl_synth", "Synthesise for the iCE40 UP5K (yosys, nextpnr)", ct, () => HdlSynth(progress, ct), "hdl_generate");
        Stage("chip_learn", "Learn bars on the simulated chip (Verilog) beside the C# learner", ct, () => ChipLearn(folder, plots, progress, ct));
    }

    private void Stage(string id, string title, CancellationToken ct, Func<string> body, params string[] needs)
    {
        ct.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        foreach (string need in needs)
        {
            StageOutcome? before = _stages.FirstOrDefault(s => s.Id == need);
            if (before is not { Status: StageStatus.Done })
            {
                _stages.Add(new StageOutcome(id, title, StageStatus.Skipped, $"needs '{need}', which was {before?.Status.ToString().ToLowerInvariant() ?? "not run"}", 0));
                return;
            }
        }
        try
        {
            string detail = body();
            _stages.Add(new StageOutcome(id, title, StageStatus.Done, detail, clock.Elapsed.TotalSeconds));
        }
        catch (StageSkippedException e)
        {
            _stages.Add(new StageOutcome(id, title, StageStatus.Skipped, e.Message, clock.Elapsed.TotalSeconds));
        }
        catch (JobFailedException e)
        {
            _stages.Add(new StageOutcome(id, title, StageStatus.Failed, e.Message, clock.Elapsed.TotalSeconds));
        }
    }

    private string LoadImages(IProgress<RunProgress> progress)
    {
        progress.Report(new RunProgress("images: whitening", 0, 1));
        _images = ImageFolder.Load(ImageFolder.ShippedName, PatchSize);
        Preprocessing pre = PatchPreprocessor.Fit(_images, _image.Preprocessing, _seed);
        _patches = new ImagePatchSource(_images, pre);
        _fixedFormat = FixedParameters.FitMacFormat(FixedFormat.Default, FixedParameters.DataMaxAbs(_patches, FixedParameters.FitSamples, _seed));
        progress.Report(new RunProgress("images: whitening", 1, 1));
        _metrics["images"] = new JsonObject
        {
            ["files"] = new JsonArray(_images.Select(i => (JsonNode?)JsonValue.Create(Path.GetFileName(i.Source))).ToArray()),
            ["patch_size"] = PatchSize,
            ["preprocessing"] = PatchPreprocessor.Describe(pre),
        };
        return $"{_images.Count} shipped images; {PatchPreprocessor.Describe(pre)}";
    }

    private string LearnFloat(string folder, string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        int r = _settings.Overcomplete, d = PatchSize * PatchSize, k = r * d;
        ImageRunResult result = ImageExperiment.Run(_images!, _patches!.Preprocessing, r, _image, _seed, new StagePrefix(progress, "float"), ct);
        _floatLearning = result;
        _modelPath = Path.Combine(folder, "model_float.json");
        ModelFile.Write(_modelPath, result.Model, Provenance("learned by the demo (float reference)"));

        _metrics["learn_float"] = new JsonObject
        {
            ["k"] = k, ["d"] = d, ["steps"] = _image.Learning.Steps, ["batch"] = _image.Learning.Batch,
            ["learning"] = _image.Learning.ToJson(),
            ["map_finish"] = _image.Map?.ToJson(),
            ["learned_pi_sampler_stage"] = result.SamplerModel?.Pi,
            ["learned_pi"] = result.LearnedPi,
            ["active_units_per_patch"] = result.ActiveUnitsPerPatch,
            ["reconstruction_mse"] = result.ReconstructionMse,
            ["data_mean_square"] = result.DataMeanSquare,
            ["median_column_norm"] = result.MedianColumnNorm,
            ["seconds"] = result.Seconds,
        };

        Reporting.Images.ImagePlots.AtomGrid(Path.Combine(plots, "atoms_float.png"), result.Model.Dictionary.Data, d, k, PatchSize,
            $"Learned atoms (float), K = {k}, most used first", ImageExperiment.OrderByUse(result.PActive));
        AddPlot("atoms_float.png", "Learned dictionary (float)", _image.Map is { } map
            ? $"Each tile is one column of A as an 8x8 patch in whitened pixel space, grey = 0, most used first. How it was learned: {_image.Learning.Steps:N0} steps of the paper's sampler rule (Langevin at T = 1, pi learned), " +
              $"then {map.Dictionary.Steps:N0} steps of L1 MAP (the paper's DSC baseline: pi = 1, T = 0, unit-norm atoms, alpha = lambda sigma^2 = {F(map.Sigma * map.Sigma * _image.Lambda, 2)}; " +
              (map.TauADoublings == 0 ? $"tau_a {F(map.Dictionary.TauA, 0)}), " : $"a decaying rate: tau_a {F(map.Dictionary.TauA, 0)} doubling {map.TauADoublings} times over {map.TauADoublings + 1} equal parts), ") +
              $"then pi learned again by the sampler with this dictionary held ({map.PiSteps:N0} steps, each patch shown for {F(map.PiTauX ?? _image.Last.TauX, 0)} time units so that units below threshold have time to cross it and pi can settle). " +
              "Why the MAP finish: the sampler's own dictionary rule puts correlated atoms into the data's high-variance directions and codes held-out patches about 2 dB worse than scikit-learn's dictionary learning (OMP at a fixed number of non-zeros); " +
              "with this finish the demo's dictionary measured within 0.05 dB of it at 8 non-zeros and 0.15 dB better at 4 (bench/sklearn/README.md: the numbers and which factor matters). The posterior stages below sample the paper's model (T = 1, the learned pi) with this dictionary."
            : $"Each tile is one column of A as an 8x8 patch in whitened pixel space, grey = 0, most used first, learned by the paper's sampler rule alone for {_image.Learning.Steps:N0} steps (demo.map_steps = 0). " +
              "Coded with OMP at a fixed number of non-zeros, this dictionary does about 2 dB worse on held-out patches than scikit-learn's L1 dictionary learning, and longer runs do not close the gap (bench/sklearn/README.md).");

        double[] time = result.History.Select(h => h.Time).ToArray();
        Charts.TimeSeries(Path.Combine(plots, "activity_pi_float.png"), "Mean activity and learned pi while learning (float)", "time (time units)", "fraction of units",
            time, [new Series("mean activity P(s != 0)", result.History.Select(h => h.Activity).ToArray()), new Series("learned pi = exp(-lambda u0)", result.History.Select(h => h.Pi).ToArray())]);
        AddPlot("activity_pi_float.png", "Activity and learned pi over time",
            $"The threshold u0 is learned, so pi moves from its initial {F(_image.InitialPi, 2)}; under the model the mean activity tracks pi." +
            (_image.Map is null ? "" : " The stretch at pi = 1 is the MAP finish (pi = 1, T = 0), after which the sampler learns pi again with the dictionary held."));

        Charts.ColumnNorms(Path.Combine(plots, "column_norms_float.png"), "Column norms while learning without normalisation (float)", time,
            result.History.Select(h => h.ColumnNorms).ToArray());
        AddPlot("column_norms_float.png", "Column norms over time",
            "No column normalisation while sampling (T = 1): the norms stay bounded instead of growing as they do under MAP or LCA learning." +
            (_image.Map is null ? "" : " The MAP finish normalises every column to 1 (without that, L1 MAP grows the atoms and shrinks the codes)."));

        string how = _image.Map is { } m ? $"{_image.Learning.Steps:N0} sampler steps + {m.Dictionary.Steps:N0} L1 MAP steps + {m.PiSteps:N0} pi steps" : $"{_image.Learning.Steps:N0} steps";
        return $"K = {k}, {how} x batch {_image.Learning.Batch} in {F(result.Seconds, 0)} s: learned pi = {F(result.LearnedPi, 3)}, {F(result.ActiveUnitsPerPatch, 1)} active units per patch, reconstruction MSE {F(result.ReconstructionMse, 3)} (data mean square {F(result.DataMeanSquare, 2)})";
    }

    private string LearnFixed(string folder, string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        if (!_settings.LearnFixed) throw new StageSkippedException("turned off in the configuration (demo.learn_fixed = false)");
        int r = _settings.Overcomplete, d = PatchSize * PatchSize, k = r * d;
        // The same start, data stream and settings as the float run (ImageExperiment's seeds), so the two learners differ only in arithmetic and noise.
        var initial = new SparseCodingModel
        {
            Variant = _image.Variant, Lambda = _image.Lambda, Pi = _image.InitialPi, Sigma = _image.Sigma,
            Dictionary = ImageExperiment.StartDictionary(d, k, _seed), Preprocessing = _patches!.Preprocessing,
        };
        FixedFormat format = _fixedFormat!;
        // Its data stream is Rng(seed, -1), as the float learner's: so the same seed gives the same patches in the same order.
        FixedLearningResult result = FixedLearning.Run(initial, _patches, _image.Inference, _image.Learning, format, ImageExperiment.RunSeed(_seed, k),
            statisticsFrom: _image.Learning.Steps / 2, progress: progress, cancellationToken: ct, stage: "fixed: learning");
        _fixedLearning = result;
        ModelFile.Write(Path.Combine(folder, "model_fixed.json"), result.Model, Provenance($"learned by the demo (fixed point, {FormatSpec.ToSpec(format)})"));
        LearningRecord last = result.History[^1];
        // The fixed learner runs the sampler's stage only (the MAP finish is float-only), so it is compared with the float run's sampler stage.
        SparseCodingModel floatSampler = _floatLearning!.SamplerModel ?? _floatLearning.Model;
        LearningRecord[] floatHistory = _floatLearning.History.Take(result.History.Count).ToArray();
        LearningRecord floatLast = floatHistory[^1];
        double cosine = Reference.Metrics.DictionaryMetrics.MatchedCosine(result.Model.Dictionary, floatSampler.Dictionary, ignoreSign: true);
        _metrics["learn_fixed"] = new JsonObject
        {
            ["format"] = FormatSpec.ToSpec(format),
            ["rounding"] = result.Rounding.ToString().ToLowerInvariant(),
            ["learned_pi"] = result.Model.Pi,
            ["learned_pi_float"] = floatSampler.Pi,
            ["activity_end"] = last.Activity,
            ["activity_end_float"] = floatLast.Activity,
            ["matched_cosine_to_float_dictionary"] = cosine,
            ["saturation_count"] = result.SaturationCount,
            ["saturations_by_site"] = Comparison.SitesJson(result.SaturationsBySite),
            ["dictionary_saturations"] = result.DictionarySaturations,
            ["allocated_bytes_per_step"] = result.AllocatedBytesPerStep,
            ["allocating_steps"] = result.AllocatingSteps,
            ["steps_per_second"] = result.StepsPerSecond,
        };
        int[] order = Enumerable.Range(0, k).OrderByDescending(j => result.Statistics.ActiveCount[j]).ThenBy(j => j).ToArray();
        Reporting.Images.ImagePlots.AtomGrid(Path.Combine(plots, "atoms_fixed.png"), result.Model.Dictionary.Data, d, k, PatchSize,
            $"Learned atoms (fixed point, {FormatSpec.ToSpec(format)}), K = {k}, most used first", order);
        AddPlot("atoms_fixed.png", "Learned dictionary (fixed point)",
            "The same learning run in the integer core: 16-bit dictionary updated by stochastic rounding driven by the core's own noise generator (per-step updates are far below one LSB).");
        double[] time = result.History.Select(h => h.Time).ToArray();
        double[] floatTime = floatHistory.Select(h => h.Time).ToArray();
        if (time.SequenceEqual(floatTime))
        {
            Charts.TimeSeries(Path.Combine(plots, "pi_fixed_vs_float.png"), "Learned pi and activity: fixed point against float", "time (time units)", "fraction of units", time,
            [
                new Series("pi, float", floatHistory.Select(h => h.Pi).ToArray()),
                new Series("pi, fixed point", result.History.Select(h => h.Pi).ToArray()),
                new Series("activity, float", floatHistory.Select(h => h.Activity).ToArray()),
                new Series("activity, fixed point", result.History.Select(h => h.Activity).ToArray()),
            ]);
            AddPlot("pi_fixed_vs_float.png", "Learning in fixed point against float", "Both learners see the same patches in the same order from the same start; only the arithmetic and the noise differ (the sampler stage; the MAP finish is float only).");
        }
        return $"{FormatSpec.ToSpec(format)}: learned pi = {F(result.Model.Pi, 3)} (float sampler stage {F(floatSampler.Pi, 3)}), dictionary matched cosine to the float sampler stage's {F(cosine, 3)}, {result.SaturationCount} saturations, {F(result.AllocatedBytesPerStep, 1)} bytes allocated per step, {F(result.StepsPerSecond, 0)} steps/s";
    }

    private string PosteriorFloat(IProgress<RunProgress> progress, CancellationToken ct)
    {
        SparseCodingModel model = _floatLearning!.Model;
        // Held-out patches from their own random stream (learning and evaluation use others).
        var rng = new Rng(_seed, 7);
        _heldOut = new double[_settings.PosteriorPatches][];
        for (int i = 0; i < _heldOut.Length; i++)
        {
            _heldOut[i] = new double[model.D];
            _patches!.Draw(rng, _heldOut[i], 0);
        }
        InferenceSettings settings = PosteriorSettings(model);
        PosteriorSummary[] floatPosterior = ReferenceCommands.RunEngine("float", model, _heldOut, settings, _seed, new StageProgress(progress, "posterior float"), ct).Summaries;
        double meanActive = floatPosterior.Average(p => p.PActive.Sum());
        double decided = floatPosterior.SelectMany(p => p.PActive).Count(p => p < 0.05 || p > 0.95) / (double)(floatPosterior.Length * model.K);
        _metrics["posterior_float"] = new JsonObject
        {
            ["patches"] = _heldOut.Length,
            ["chains"] = settings.Chains,
            ["samples_per_chain"] = settings.Samples,
            ["burn_in"] = settings.BurnIn,
            ["expected_active_units_per_patch"] = meanActive,
            ["fraction_of_units_decided"] = decided,
        };
        CoefficientHistogram(model, settings, ct);
        return $"{_heldOut.Length} held-out patches, {settings.Chains} chains x {settings.Samples} samples: {F(meanActive, 1)} units active per patch on average; {F(100 * decided, 0)} % of units have P(s != 0) below 0.05 or above 0.95";
    }

    /// <summary>The non-zero coefficients sampled for the held-out patches against the prior's slab (the KL the paper reports).</summary>
    private void CoefficientHistogram(SparseCodingModel model, InferenceSettings settings, CancellationToken ct)
    {
        int chains = _heldOut!.Length * settings.Chains;
        var batch = new ChainBatch(model, settings, chains, _seed + 1);
        for (int b = 0; b < chains; b++) batch.SetInput(b, _heldOut[b / settings.Chains]);
        var stats = new Reference.Metrics.CodeStatistics(model.K);
        for (int t = 0; t < settings.ResolvedBurnIn + settings.ResolvedSamples; t++)
        {
            ct.ThrowIfCancellationRequested();
            batch.Step();
            if (t >= settings.ResolvedBurnIn) stats.Add(batch.S, chains);
        }
        double kl = stats.KlNonZero(model.Lambda);
        ((JsonObject)_metrics["posterior_float"]!)["kl_nonzero"] = JsonOutput.Number(kl);
        Charts.CoefficientHistogram(Path.Combine(_plotDir, "coefficients_float.png"), stats.Histogram, Reference.Metrics.CodeStatistics.BinWidth,
            lastIsOverflow: true, model.Lambda, "Non-zero coefficients of held-out patches vs the prior slab", $"float, learned model; KL = {F(kl, 3)} nats");
        AddPlot("coefficients_float.png", "Non-zero coefficients against the prior's slab",
            "Histogram of |s| for the non-zero posterior samples of the held-out patches, against lambda e^(-lambda s): under the L0-sparse model the non-zero coefficients follow the slab.");
    }

    /// <summary>
    /// The posteriors' settings: the step policy's step for the learned model (unless the config sets inference.dt),
    /// posterior_samples (steps at the paper's eps = 0.05) converted to the same time at that step.
    /// </summary>
    private InferenceSettings PosteriorSettings(SparseCodingModel model)
    {
        InferenceSettings s = ReferenceCommands.ResolveStep(model, _inference, "demo inference");
        return _inference.Samples is null ? s with { Samples = StepPolicy.SameTime(_settings.PosteriorSamples, s.Eps) } : s;
    }

    private string Compare(string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        SparseCodingModel model = _floatLearning!.Model;
        // A few held-out patches with many chains each, float and fixed alike (demo.compare_patches, compare_chains).
        double[][] patches = _heldOut!.Take(_settings.ComparePatches).ToArray();
        InferenceSettings settings = PosteriorSettings(model) with { Chains = _settings.CompareChains };
        PosteriorSummary[] floatPosterior = ReferenceCommands.RunEngine("float", model, patches, settings, _seed + 2, new StageProgress(progress, "compare: float"), ct).Summaries;
        // The same dispatch point as `infer --engine fixed`, in the formats fitted to the patches (see _fixedFormat).
        PosteriorSummary[] fixedPosterior = ReferenceCommands.RunEngine("fixed", model, patches, settings, _seed + 3, new StageProgress(progress, "compare: fixed"), ct, _fixedFormat).Summaries;
        CompareScatter p = CompareScatter.Of(floatPosterior, fixedPosterior, s => s.PActive, s => s.PActiveStdError);
        CompareScatter m = CompareScatter.Of(floatPosterior, fixedPosterior, s => s.Mean, s => s.MeanStdError);
        _metrics["compare"] = new JsonObject
        {
            ["patches"] = patches.Length, ["chains"] = settings.Chains, ["samples_per_chain"] = settings.Samples, ["burn_in"] = settings.BurnIn,
            ["p_active_max_abs_error"] = p.Max, ["p_active_rms_error"] = p.Rms, ["p_active_rms_monte_carlo_error"] = p.MonteCarloRms,
            ["p_active_monte_carlo_share"] = p.MonteCarloShare, ["p_active_engine_rms_difference"] = p.EngineRms,
            ["mean_max_abs_error"] = m.Max, ["mean_rms_error"] = m.Rms, ["mean_rms_monte_carlo_error"] = m.MonteCarloRms,
            ["mean_monte_carlo_share"] = m.MonteCarloShare, ["mean_engine_rms_difference"] = m.EngineRms,
            ["values"] = p.Float.Length, ["format"] = FormatSpec.ToSpec(_fixedFormat!),
        };
        string runs = $"{patches.Length} held-out patches x {model.K} units, {settings.Chains} chains x {settings.Samples} samples per engine";
        Charts.FixedVsFloat(Path.Combine(plots, "fixed_vs_float_p_active.png"), "P(s_k != 0 | x): fixed point against float", "P(s != 0 | x)", p.Float, p.Fixed);
        AddPlot("fixed_vs_float_p_active.png", "Posterior activity: fixed point against float",
            $"Every unit of {runs}; the y = x line is perfect agreement. {p.Verdict("P(s != 0)")}");
        Charts.FixedVsFloat(Path.Combine(plots, "fixed_vs_float_mean.png"), "E[s_k | x]: fixed point against float", "E[s | x]", m.Float, m.Fixed);
        AddPlot("fixed_vs_float_mean.png", "Posterior means: fixed point against float", $"Every unit of {runs}. {m.Verdict("E[s]")}");
        return $"{runs}: P(s != 0) max |fixed - float| = {F(p.Max, 3)}, RMS {F(p.Rms, 4)} (Monte Carlo RMS {F(p.MonteCarloRms, 4)}: {p.Verdict("P(s != 0)")}); " +
               $"E[s] max |fixed - float| = {F(m.Max, 3)}, RMS {F(m.Rms, 4)} (Monte Carlo RMS {F(m.MonteCarloRms, 4)})";
    }

    /// <summary>
    /// One quantity of the fixed-vs-float scatter: the RMS of the differences against the RMS their Monte Carlo error
    /// alone would give (the two runs are independent, so per value SE = sqrt(SE_float^2 + SE_fixed^2)). The share of the
    /// mean squared difference that Monte Carlo noise explains says what the scatter shows; what is left over estimates
    /// the engines' own RMS difference.
    /// </summary>
    private sealed record CompareScatter(double[] Float, double[] Fixed, double Max, double Rms, double MonteCarloRms)
    {
        public static CompareScatter Of(PosteriorSummary[] fl, PosteriorSummary[] fx, Func<PosteriorSummary, double[]> value, Func<PosteriorSummary, double[]> se)
        {
            double[] a = fl.SelectMany(value).ToArray(), b = fx.SelectMany(value).ToArray();
            double[] s = fl.SelectMany(se).Zip(fx.SelectMany(se), (x, y) => x * x + y * y).ToArray();
            double[] d = a.Zip(b, (x, y) => x - y).ToArray();
            return new CompareScatter(a, b, d.Max(Math.Abs), Math.Sqrt(d.Average(x => x * x)), Math.Sqrt(s.Average()));
        }

        /// <summary>Monte Carlo variance over the mean squared difference (about 1 when the scatter is noise alone).</summary>
        public double MonteCarloShare => Rms > 0 ? MonteCarloRms * MonteCarloRms / (Rms * Rms) : double.NaN;

        /// <summary>sqrt(RMS^2 - Monte Carlo RMS^2), 0 when the noise explains everything.</summary>
        public double EngineRms => Math.Sqrt(Math.Max(0, Rms * Rms - MonteCarloRms * MonteCarloRms));

        public string Verdict(string what) => MonteCarloShare >= 0.5
            ? $"The scatter is mostly Monte Carlo noise ({F(100 * Math.Min(1, MonteCarloShare), 0)} % of its mean square): the engines' own difference in {what} is below what these runs resolve, about {F(MonteCarloRms, 4)} RMS (estimate {F(EngineRms, 4)})."
            : $"The scatter is mostly the engines' difference: Monte Carlo noise is {F(100 * MonteCarloShare, 0)} % of its mean square, and the fixed point differs from float by about {F(EngineRms, 4)} RMS in {what}.";
    }

    private string ExactCheck(string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        // shared/MODEL.md's worked case: signed, a = 1, x = 1.2, sigma = 0.5, lambda = 1, pi = 0.3 -> P(s = 0 | x) = 0.382, E[s | x] = 0.594.
        var model = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };
        double[] x = [1.2];
        var exact = new ExactPosterior(model, x);
        // Euler-Maruyama samples a slightly biased stationary distribution at a finite step, so the check runs
        // at the configured step and at a quarter of it: the small step must match the exact posterior within
        // Monte Carlo error; the difference between the two shows the bias of the step used elsewhere.
        // Chains start at u = 0; at least 10 tau_u of burn-in, whatever the configured burn-in, so that what is compared is the stationary distribution.
        // The configured step is the step policy's for this model unless the config sets inference.dt.
        InferenceSettings configured = ReferenceCommands.ResolveStep(model, _inference, "demo inference");
        int BurnIn(InferenceSettings s) => Math.Max(s.ResolvedBurnIn, (int)Math.Ceiling(10 * s.TauU / s.ResolvedDt));
        InferenceSettings coarseSettings = configured with { BurnIn = BurnIn(configured) };
        InferenceSettings fine = configured with { Dt = configured.ResolvedDt / 4 };
        fine = fine with { BurnIn = BurnIn(fine) };
        // exact_samples are steps at the paper's eps = 0.05: the configured step's run covers the same time; the quarter
        // step's run twice as many steps (half that time: every sample is kept in memory for the plot).
        int samples = StepPolicy.SameTime(_settings.ExactSamples, configured.Eps);
        K1Run coarse = SampleK1(model, x, coarseSettings, samples, "exact check, eps = " + F(configured.Eps, 4), progress, ct);
        K1Run small = SampleK1(model, x, fine, 2 * samples, "exact check, eps = " + F(fine.Eps, 4), progress, ct);
        double Z(double value, double se, double truth) => (value - truth) / se;
        double zP = Z(small.PZero, small.PZeroSe, exact.PZero[0]), zM = Z(small.Mean, small.MeanSe, exact.Mean[0]);
        double zPc = Z(coarse.PZero, coarse.PZeroSe, exact.PZero[0]), zMc = Z(coarse.Mean, coarse.MeanSe, exact.Mean[0]);
        JsonObject Run(K1Run r, InferenceSettings s) => new()
        {
            ["eps"] = s.Eps, ["chains"] = _settings.ExactChains, ["samples_per_chain"] = r.SamplesPerChain,
            ["p_zero"] = r.PZero, ["p_zero_standard_error"] = r.PZeroSe, ["mean"] = r.Mean, ["mean_standard_error"] = r.MeanSe,
        };
        _metrics["exact_check"] = new JsonObject
        {
            ["p_zero_exact"] = exact.PZero[0], ["mean_exact"] = exact.Mean[0],
            ["small_step"] = Run(small, fine), ["configured_step"] = Run(coarse, configured),
        };
        (double[] grid, double[] density) = exact.MarginalDensity(0);
        Charts.PosteriorMarginal(Path.Combine(plots, "posterior_exact_k1.png"), $"Posterior of s, K = 1 (signed, x = 1.2, sigma = 0.5, pi = 0.3), eps = {F(fine.Eps, 4)}",
            small.Samples, grid, density, exact.PZero[0]);
        AddPlot("posterior_exact_k1.png", "Langevin samples against the exact posterior",
            "The K = 1 worked case of shared/MODEL.md: the histogram of the sampled non-zero s (area = sampled P(s != 0)) against the exact density from grid integration (black).");
        string Line(K1Run r, double eps) => $"eps = {F(eps, 4)}: P(s=0|x) = {F(r.PZero, 3)} ± {F(r.PZeroSe, 3)}, E[s|x] = {F(r.Mean, 3)} ± {F(r.MeanSe, 3)}";
        string summary = $"exact P(s=0|x) = {F(exact.PZero[0], 3)}, E[s|x] = {F(exact.Mean[0], 3)}; {Line(small, fine.Eps)} ({F(zP, 1)} and {F(zM, 1)} standard errors off); " +
                         $"{Line(coarse, configured.Eps)} ({F(zPc, 1)} and {F(zMc, 1)} standard errors off)";
        // 4 standard errors: two tested quantities, so a false alarm has probability about 1e-4.
        if (Math.Abs(zP) >= 4 || Math.Abs(zM) >= 4) throw new JobFailedException("Langevin disagrees with the exact posterior beyond Monte Carlo error: " + summary);
        return summary;
    }

    private sealed record K1Run(double[] Samples, int SamplesPerChain, double PZero, double PZeroSe, double Mean, double MeanSe);

    private K1Run SampleK1(SparseCodingModel model, double[] x, InferenceSettings settings, int samples, string stage, IProgress<RunProgress> progress, CancellationToken ct)
    {
        int chains = _settings.ExactChains, burnIn = settings.ResolvedBurnIn;
        var batch = new ChainBatch(model, settings, chains, _seed);
        for (int b = 0; b < chains; b++) batch.SetInput(b, x);
        var all = new double[(long)chains * samples];
        // The same estimate and standard errors as infer's (effective sample size over the chains' block means).
        var posterior = new PosteriorAccumulator(1, chains, 1, samples);
        long total = burnIn + samples;
        for (long t = 0; t < total; t++)
        {
            ct.ThrowIfCancellationRequested();
            batch.Step();
            if (t % 100 == 0) progress.Report(new RunProgress(stage, t + 1, total));
            if (t < burnIn) continue;
            long row = (t - burnIn) * chains;
            for (int b = 0; b < chains; b++)
            {
                double s = batch.S[b];
                all[row + b] = s;
                posterior.Add(b, s);
            }
            posterior.EndSample();
        }
        progress.Report(new RunProgress(stage, total, total));
        PosteriorSummary r = posterior.Summarise()[0];
        (double pZero, double pZeroSe, double mean, double meanSe) = (1 - r.PActive[0], r.PActiveStdError[0], r.Mean[0], r.MeanStdError[0]);
        return new K1Run(all, samples, pZero, pZeroSe, mean, meanSe);
    }

    private string Noise(string plots, IProgress<RunProgress> progress)
    {
        var noise = new GaussianNoise(1, _seed);
        var samples = new double[_settings.NoiseSamples];
        double scale = Math.ScaleB(1.0, -FixedFormat.NoiseWordFracBits);
        for (int i = 0; i < samples.Length; i++) samples[i] = noise.Next(0) * scale;
        progress.Report(new RunProgress("noise", 1, 1));
        double mean = samples.Average();
        double variance = samples.Sum(v => (v - mean) * (v - mean)) / samples.Length;
        double lag1 = Charts.Autocorrelation(samples, mean, variance, 1);
        _metrics["noise"] = new JsonObject { ["samples"] = samples.Length, ["mean"] = mean, ["variance"] = variance, ["lag1_autocorrelation"] = lag1 };
        Charts.Noise(Path.Combine(plots, "noise.png"), "Fixed-point Gaussian generator (xorshift32, 3 uniforms, Q5.10)", samples);
        AddPlot("noise.png", "The fixed-point noise generator",
            "The integer Gaussian that the core and the Verilog share: histogram against N(0,1), and autocorrelation against the band expected of independent samples.");
        return $"{samples.Length:N0} words: mean {F(mean, 4)}, variance {F(variance, 4)}, lag-1 autocorrelation {F(lag1, 4)}";
    }

    private string HdlGenerate(string folder, IProgress<RunProgress> progress)
    {
        progress.Report(new RunProgress("verilog", 0, 1));
        // The datapath runs the demo's inference settings in the fixed-point stages' formats (fitted to the
        // patches); the rest are the UP5K defaults of `hdl generate`.
        string config = Path.Combine(folder, "hdl_config.json");
        AtomicFile.WriteAllText(config, JsonOutput.ToText(new JsonObject
        {
            ["inference"] = _inference.ToJson(),
            ["hdl"] = new JsonObject { ["format"] = FormatSpec.ToSpec(_fixedFormat!) },
        }));
        try
        {
            _hdl = HdlProject.Load(_modelPath, config, _seed);
            string dir = Path.Combine(folder, "hdl");
            var files = new HdlGenerator().Write(_hdl.Datapath, dir);
            _hdlSources = dir;
            DatapathModel dp = _hdl.Datapath;
            progress.Report(new RunProgress("verilog", 1, 1));
            _metrics["hdl_generate"] = new JsonObject { ["files"] = files.Count, ["k"] = dp.K, ["d"] = dp.D, ["lanes"] = dp.Lanes, ["config_hash"] = dp.ConfigHash };
            return $"{files.Count} files in hdl/: K = {dp.K}, D = {dp.D}, {dp.Lanes} MAC lanes, dictionary in {dp.DictionaryMemory.ToString().ToLowerInvariant()}, configuration {dp.ConfigHash[..12]}";
        }
        catch (EdgeLangevin.Codegen.Templates.TemplateException e)
        {
            throw new JobFailedException(e.Message);
        }
    }

    private string HdlVerify(IProgress<RunProgress> progress, CancellationToken ct)
    {
        var wanted = _settings.Simulators.Select(s => s == "verilator" ? HdlSimulator.Verilator : HdlSimulator.Icarus).Distinct().ToArray();
        if (wanted.Length == 0) throw new StageSkippedException("no simulators chosen (demo.simulators is empty)");
        var present = wanted.Where(s => ToolRunner.Exists(s == HdlSimulator.Verilator ? "verilator" : "iverilog")).ToArray();
        var missing = wanted.Except(present).Select(s => s == HdlSimulator.Verilator ? "verilator" : "iverilog").ToArray();
        if (present.Length == 0) throw new StageSkippedException($"{string.Join(" and ", missing)} not installed; install with: {InstallHint}");
        var verifier = new HdlVerifier(HdlVerifier.DefaultWorkRoot);
        var results = new JsonArray();
        var lines = new List<string>();
        bool passed = true;
        try
        {
            string src = verifier.Sources(_hdl!.Datapath);
            string vectors = Path.Combine(src, "vectors", $"seed{_seed}-steps{_settings.HdlSteps}");
            if (!File.Exists(Path.Combine(vectors, "manifest.json"))) HdlVerifier.WriteVectors(_hdl, _settings.HdlSteps, _seed, vectors);
            var (steps, generatorSeed) = HdlVerifier.CheckVectors(_hdl.Datapath, vectors);
            for (int i = 0; i < present.Length; i++)
            {
                string stage = $"simulate ({present[i].ToString().ToLowerInvariant()}, {steps} steps)";
                progress.Report(new RunProgress(stage, 0, 1));
                SimulationResult r = verifier.Simulate(src, present[i], vectors, steps, generatorSeed, ct);
                results.Add(r.ToJson());
                lines.Add(r.Summary());
                passed &= r.Passed;
                progress.Report(new RunProgress(stage, 1, 1));
            }
        }
        catch (Exception e) when (e is HdlToolException or ToolMissingException or EdgeLangevin.Codegen.Templates.TemplateException)
        {
            throw new JobFailedException(e.Message);
        }
        _metrics["hdl_verify"] = new JsonObject { ["passed"] = passed, ["steps"] = _settings.HdlSteps, ["results"] = results, ["missing_simulators"] = new JsonArray(missing.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()) };
        string missingNote = missing.Length > 0 ? $"; {string.Join(" and ", missing)} not installed, so not run ({InstallHint})" : "";
        string summary = string.Join("; ", lines) + missingNote;
        if (!passed) throw new JobFailedException("the Verilog does not match the C# core: " + summary);
        return $"{_settings.HdlSteps} steps compared word for word: " + summary;
    }

    private string HdlSynth(IProgress<RunProgress> progress, CancellationToken ct)
    {
        if (!_settings.Synthesis) throw new StageSkippedException("not run with --quick (it takes minutes); run `edgelangevin demo` or `edgelangevin hdl synth --model model_float.json`");
        string[] missing = new[] { "yosys", "nextpnr-ice40" }.Where(t => !ToolRunner.Exists(t)).ToArray();
        if (missing.Length > 0) throw new StageSkippedException($"{string.Join(" and ", missing)} not installed; install with: {InstallHint}");
        DatapathModel dp = _hdl!.Datapath;
        double target = IcePll.For(dp.Settings.ClockMhz).OutputMhz;
        Ice40Result ice;
        try
        {
            progress.Report(new RunProgress("synthesis (yosys, nextpnr)", 0, 1));
            string src = new HdlVerifier(HdlVerifier.DefaultWorkRoot).Sources(dp);
            ice = HdlSynthesizer.Ice40(src, target, ct);
            progress.Report(new RunProgress("synthesis (yosys, nextpnr)", 1, 1));
        }
        catch (Exception e) when (e is HdlToolException or ToolMissingException)
        {
            throw new JobFailedException(e.Message);
        }
        _metrics["hdl_synth"] = ice.ToJson();
        string line = ice.Error ?? string.Create(CultureInfo.InvariantCulture,
            $"iCE40 UP5K: fmax {ice.FmaxMhz:0.00} MHz (clock {target:0.###} MHz), {ice.LogicCells}/{DatapathModel.Up5kLogicCells} logic cells, {ice.Dsp} DSP, {ice.Bram} block RAM, {ice.Spram} SPRAM");
        if (!ice.Fits) throw new JobFailedException("does not fit: " + line);
        if (!ice.TimingMet) throw new JobFailedException("misses the clock: " + line);
        return line;
    }

    private string ChipLearn(string folder, string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        int steps = _settings.ChipSteps;
        if (steps == 0) throw new StageSkippedException("turned off in the configuration (demo.chip_steps = 0)");
        // Verilator is ~10x faster per simulated cycle than Icarus but takes a minute to build: the full demo's
        // long run uses it when it is among demo.simulators; --quick (Icarus only) runs a few steps in Icarus.
        HdlSimulator[] order = _settings.Simulators.Contains("verilator") ? [HdlSimulator.Verilator, HdlSimulator.Icarus] : [HdlSimulator.Icarus];
        HdlSimulator[] present = order.Where(s => _settings.Simulators.Contains(s == HdlSimulator.Verilator ? "verilator" : "icarus")
                                                  && ToolRunner.Exists(s == HdlSimulator.Verilator ? "verilator" : "iverilog")).ToArray();
        if (present.Length == 0) throw new StageSkippedException($"no simulator of demo.simulators ({string.Join(", ", _settings.Simulators)}) is installed; install with: {InstallHint}");
        HdlConfig config = ChipLearning.Config(_settings.ChipConfig);
        string configPath = ChipLearning.ConfigPath(_settings.ChipConfig);
        ChipLearning.Run run;
        try
        {
            HdlProject project = HdlProject.Create(config.Vectors.BuildModel(_seed), config, configPath);
            run = ChipLearning.Learn(project, present[0], steps, _seed, HdlVerifier.DefaultWorkRoot, Path.Combine(folder, "chip_dictionary.hex"), progress, ct);
        }
        catch (Exception e) when (e is HdlToolException or ToolMissingException or EdgeLangevin.Codegen.Templates.TemplateException)
        {
            throw new JobFailedException(e.Message);
        }
        DatapathModel dp = run.Project.Datapath;
        short[] learner = run.LearnerWords;
        ChipLearning.Check(run.Simulation, run.Chip, learner, dp.D, dp.K);

        bool signed = run.Project.Model.Variant == Variant.Signed;
        Matrix truth = LearningVectors.DataSet(config.Vectors, run.Project.Model, _seed, configPath).Truth!;
        (double chipCosine, double[] chipAtoms) = ChipLearning.MatchToTruth(ChipLearning.ToMatrix(run.Chip, dp.D, dp.K, dp.Format), truth, signed);
        (double learnerCosine, double[] learnerAtoms) = ChipLearning.MatchToTruth(ChipLearning.ToMatrix(learner, dp.D, dp.K, dp.Format), truth, signed);
        double initialCosine = DictionaryMetrics.MatchedCosine(ChipLearning.ToMatrix(run.Learner.Parameters.DictionaryRowMajor, dp.D, dp.K, dp.Format), truth, signed);
        int moved = run.Chip.Where((a, i) => a != run.Learner.Parameters.DictionaryRowMajor[i]).Count();
        var checkpoints = run.Learner.Checkpoints;
        int? passedAt = checkpoints.FirstOrDefault(c => c.MatchedCosine >= 0.95)?.AfterSteps;
        SimulationResult r = run.Simulation;
        double stepsPerSecond = steps / run.SimulationSeconds;
        AtomicFile.WriteAllText(Path.Combine(folder, "chip_dictionary.json"), JsonOutput.ToText(ChipLearning.DictionaryJson(run)));

        _metrics["chip_learn"] = new JsonObject
        {
            ["config"] = configPath, ["simulator"] = run.SimulatorName, ["steps"] = steps, ["chains"] = run.Learner.Chains,
            ["data_count"] = run.Learner.DataCount, ["lanes"] = dp.Lanes,
            ["chip_equals_learner"] = true, ["dictionary_words_moved"] = moved,
            ["matched_cosine_chip"] = chipCosine, ["matched_cosine_learner"] = learnerCosine, ["matched_cosine_initial"] = initialCosine,
            ["passed_0_95_at_step"] = passedAt,
            ["checkpoints"] = new JsonArray(checkpoints.Select(c => (JsonNode?)new JsonObject { ["after_steps"] = c.AfterSteps, ["matched_cosine"] = c.MatchedCosine, ["u0_q"] = c.U0Q }).ToArray()),
            ["cycles_per_step"] = Math.Round(r.SteadyCyclesPerStep, 1), ["mac_bound_per_step"] = Math.Round(r.SteadyMacBoundPerStep, 1),
            ["simulated_steps_per_second"] = Math.Round(stepsPerSecond, 1),
            ["seconds_learner"] = Math.Round(run.LearnerSeconds, 1), ["seconds_build"] = Math.Round(run.BuildSeconds, 1), ["seconds_simulation"] = Math.Round(run.SimulationSeconds, 1),
        };

        Charts.DictionaryAtomPanels(Path.Combine(plots, "chip_atoms.png"), $"Bars learned for {steps:N0} steps: truth, C# learner, chip (atoms matched to the true bars)",
        [
            new AtomPanel("true bars", truth.Data.ToArray()),
            new AtomPanel($"C# FixedLearner: cos {F(learnerCosine, 3)}", learnerAtoms),
            new AtomPanel($"chip ({run.SimulatorName}): cos {F(chipCosine, 3)}", chipAtoms),
        ], dp.D, dp.K);
        AddPlot("chip_atoms.png", "Bars learned on the simulated chip",
            $"The generated Verilog learned the 16 bars from a random dictionary ({run.Learner.Chains} chains on {dp.Lanes} MAC lanes, {run.Learner.DataCount} noisy bars in its data memory, asynchronous switching, settings of `{configPath}`). " +
            $"The right panel is the dictionary read out of the RTL's memories after the last step; the middle one is the C# learner's (FixedLearner, the same data memory and seed). They are equal word for word (checked, or this stage fails). " +
            $"Learned atoms are shown in the order of the true bar each is matched to; cos is the matched cosine to the truth.");
        if (checkpoints.Count >= 2)
        {
            Charts.TimeSeries(Path.Combine(plots, "chip_cosine.png"), "Learning on the chip: matched cosine to the true bars", "learning step", "matched cosine",
                checkpoints.Select(c => (double)c.AfterSteps).ToArray(), [new Series("C# learner = chip (equal at every checkpoint)", checkpoints.Select(c => c.MatchedCosine ?? double.NaN).ToArray())],
                referenceLevel: 0.95, referenceLabel: "0.95");
            AddPlot("chip_cosine.png", "Chip learning over time",
                "The matched cosine of the learned dictionary to the true bars at the checkpoints; the testbench checked the chip's whole dictionary against the C# learner's at each one.");
        }
        string passed = passedAt is int at ? $"passed 0.95 at step {at:N0}" : $"below 0.95 after {steps:N0} steps (the long run's settings, codegen/examples/learning-bars-long.json with 16 chains and 1024 data, pass it at step 25,000 on seed 4, verified on the chip in Verilator, and within 30,000 steps on 5 of 8 seeds; these settings were not run that long)";
        return string.Create(CultureInfo.InvariantCulture,
            $"{run.SimulatorName}, {steps:N0} steps, {run.Learner.Chains} chains: the chip's dictionary ({moved} of {run.Chip.Length} words moved) equals the C# learner's word for word; " +
            $"matched cosine to the true bars {F(chipCosine, 3)} (from {F(initialCosine, 3)}), {passed}; {r.SteadyCyclesPerStep:0} cycles/step (MAC bound {r.SteadyMacBoundPerStep:0}), {stepsPerSecond:0.#} simulated steps/s");
    }

    private const string InstallHint = "bash codegen/install-hdl-tools.sh (Debian packages verilator, iverilog, yosys, nextpnr-ice40, fpga-icestorm)";

    private void AddPlot(string file, string title, string caption) => _plots.Add(new ReportPlot("plots/" + file, title, caption));

    private IEnumerable<KeyValuePair<string, JsonNode?>> Provenance(string what) =>
    [
        new("provenance", what),
        new("seed", _seed),
        new("version", JsonOutput.Version),
    ];

    internal static string F(double v, int digits) => double.IsNaN(v) ? "n/a" : v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Prefixes a library's progress stages with which run they belong to.</summary>
    private sealed class StagePrefix(IProgress<RunProgress> inner, string prefix) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => inner.Report(value with { Stage = $"{prefix}: {value.Stage}" });
    }

    /// <summary>Renames a library's progress stage so the demo's lines say which stage of the demo they belong to.</summary>
    private sealed class StageProgress(IProgress<RunProgress> inner, string stage) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => inner.Report(value with { Stage = stage });
    }
}
