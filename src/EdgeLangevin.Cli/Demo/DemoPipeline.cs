using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reporting;
using EdgeLangevin.Reporting.Plots;

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

    // Results handed from stage to stage.
    private IReadOnlyList<GrayImage>? _images;
    private ImagePatchSource? _patches;
    private LearningResult? _floatLearning;
    private double[][]? _heldOut;
    private PosteriorSummary[]? _floatPosterior;

    public DemoPipeline(DemoSettings settings, InferenceSettings inference, int seed)
    {
        _settings = settings;
        _inference = inference;
        _seed = seed;
    }

    public IReadOnlyList<StageOutcome> Stages => _stages;
    public IReadOnlyList<ReportPlot> Plots => _plots;
    public JsonObject Metrics => _metrics;

    /// <summary>Runs every stage, writing plots and files under <paramref name="folder"/>.</summary>
    public void Run(string folder, IProgress<RunProgress> progress, CancellationToken ct)
    {
        string plots = Directory.CreateDirectory(Path.Combine(folder, "plots")).FullName;

        Stage("images", "Natural-image patches", ct, () => LoadImages(progress));
        Stage("learn_float", "Learn dictionary and pi (float)", ct, () => LearnFloat(folder, plots, progress, ct), "images");
        Stage("learn_fixed", "Learn dictionary and pi (fixed point)", ct, () =>
            throw new StageSkippedException("the fixed-point learner is not in this build yet (issue 3: learning in the core)"), "images");
        Stage("posterior_float", "Posterior of held-out patches (float)", ct, () => PosteriorFloat(plots, progress, ct), "learn_float");
        Stage("exact_check", "Langevin against the exact posterior (K = 1)", ct, () => ExactCheck(plots, progress, ct));
        Stage("noise", "Fixed-point Gaussian noise generator", ct, () => Noise(plots, progress));
        Stage("compare", "Fixed point against float", ct, () =>
            throw new StageSkippedException("the fixed-point inference engine (FixedEngine.Infer) is not in this build yet (issue 3)"), "posterior_float");
        Stage("hdl_generate", "Generate Verilog for the learned model", ct, () =>
            throw new StageSkippedException("the Verilog generator (edgelangevin hdl generate) is not in this build yet (issue 4)"), "learn_float");
        Stage("hdl_verify", "Verify the Verilog bit for bit (Verilator, Icarus)", ct, () => HdlVerify(), "hdl_generate");
        Stage("hdl_synth", "Synthesise for the iCE40 UP5K (yosys, nextpnr)", ct, () => HdlSynth(), "hdl_generate");
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
        Preprocessing pre = PatchPreprocessor.Fit(_images, new PreprocessingOptions { PatchSize = PatchSize }, _seed);
        _patches = new ImagePatchSource(_images, pre);
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
        int d = PatchSize * PatchSize, k = _settings.Overcomplete * d;
        var initial = new SparseCodingModel
        {
            Variant = Variant.Signed,
            Lambda = 1.0,
            Pi = _settings.PiInitial,
            Sigma = _settings.Sigma,
            Dictionary = Learner.RandomDictionary(d, k, _seed),
            Preprocessing = _patches!.Preprocessing,
        };
        var learning = new LearningSettings
        {
            Batch = _settings.Batch,
            Steps = _settings.LearnSteps,
            TauX = _settings.TauX,
            TauA = _settings.TauA,
            TauU0 = _settings.TauU0,
            LearnDictionary = true,
            LearnPi = true,
            Normalise = false,
            RecordEvery = (int)Math.Max(1, _settings.LearnSteps / 100),
        };
        LearningResult result = Learner.Run(initial, _patches, _inference, learning, _seed,
            statisticsFrom: _settings.LearnSteps / 2, progress: progress, cancellationToken: ct, stage: "learn float");
        _floatLearning = result;
        ModelFile.Write(Path.Combine(folder, "model_float.json"), result.Model, Provenance("learned by the demo (float)"));

        LearningRecord last = result.History[^1];
        double activeUnits = last.Activity * k;
        _metrics["learn_float"] = new JsonObject
        {
            ["k"] = k, ["d"] = d, ["steps"] = _settings.LearnSteps, ["batch"] = _settings.Batch,
            ["learned_pi"] = last.Pi,
            ["activity"] = last.Activity,
            ["active_units_per_patch"] = activeUnits,
            ["reconstruction_mse"] = last.ReconstructionMse,
            ["median_column_norm"] = Reference.Metrics.DictionaryMetrics.Median(last.ColumnNorms),
            ["kl_nonzero"] = JsonOutput.Number(result.Statistics.KlNonZero(initial.Lambda)),
        };

        // Most used atoms first: they are the ones a reader looks for structure in.
        int[] order = Enumerable.Range(0, k).OrderByDescending(j => result.Statistics.ActiveCount[j]).ToArray();
        Reporting.Images.ImagePlots.AtomGrid(Path.Combine(plots, "atoms_float.png"), result.Model.Dictionary.Data, d, k, PatchSize,
            $"Learned atoms (float), K = {k}, most used first", order);
        AddPlot("atoms_float.png", "Learned dictionary (float)",
            "Each tile is one column of A as an 8x8 patch (whitened pixel space), grey = 0. Look for localised, oriented, Gabor-like atoms; with the demo's short run they are rougher than after a full `reproduce images`.");

        double[] time = result.History.Select(h => h.Time).ToArray();
        Charts.TimeSeries(Path.Combine(plots, "activity_pi_float.png"), "Mean activity and learned pi while learning (float)", "time (time units)", "fraction of units",
            time, [new Series("mean activity P(s != 0)", result.History.Select(h => h.Activity).ToArray()), new Series("learned pi = exp(-lambda u0)", result.History.Select(h => h.Pi).ToArray())]);
        AddPlot("activity_pi_float.png", "Activity and learned pi over time",
            "The threshold u0 is learned, so pi moves from its initial 0.5; under the model the mean activity tracks pi.");

        Charts.ColumnNorms(Path.Combine(plots, "column_norms_float.png"), "Column norms while learning without normalisation (float)", time,
            result.History.Select(h => h.ColumnNorms).ToArray());
        AddPlot("column_norms_float.png", "Column norms over time",
            "No column normalisation: with sampling (T = 1) the norms stay bounded instead of growing as they do under MAP or LCA learning.");

        Charts.CoefficientHistogram(Path.Combine(plots, "coefficients_float.png"), result.Statistics.Histogram, Reference.Metrics.CodeStatistics.BinWidth,
            lastIsOverflow: true, initial.Lambda, "Non-zero coefficients while learning vs the prior slab",
            $"second half of learning, KL = {F(result.Statistics.KlNonZero(initial.Lambda), 3)} nats");
        AddPlot("coefficients_float.png", "Non-zero coefficients against the prior's slab",
            "Histogram of |s| for non-zero s, second half of the run, against lambda e^(-lambda s): under the L0-sparse model the non-zero coefficients follow the slab.");

        return $"K = {k}, {_settings.LearnSteps:N0} steps x batch {_settings.Batch}: learned pi = {F(last.Pi, 3)}, {F(activeUnits, 1)} active units per patch, reconstruction MSE {F(last.ReconstructionMse, 3)}";
    }

    private string PosteriorFloat(string plots, IProgress<RunProgress> progress, CancellationToken ct)
    {
        SparseCodingModel model = _floatLearning!.Model;
        // Held-out patches from their own random stream (the learner draws from stream -1).
        var rng = new Rng(_seed, 7);
        _heldOut = new double[_settings.PosteriorPatches][];
        for (int i = 0; i < _heldOut.Length; i++)
        {
            _heldOut[i] = new double[model.D];
            _patches!.Draw(rng, _heldOut[i], 0);
        }
        InferenceSettings settings = _inference with { Samples = _settings.PosteriorSamples };
        _floatPosterior = FloatEngine.Infer(model, _heldOut, settings, _seed, new StageProgress(progress, "posterior float"), ct);
        double meanActive = _floatPosterior.Average(p => p.PActive.Sum());
        double certain = _floatPosterior.SelectMany(p => p.PActive).Count(p => p < 0.05 || p > 0.95) / (double)(_floatPosterior.Length * model.K);
        _metrics["posterior_float"] = new JsonObject
        {
            ["patches"] = _heldOut.Length,
            ["chains"] = settings.Chains,
            ["samples_per_chain"] = settings.Samples,
            ["burn_in"] = settings.BurnIn,
            ["expected_active_units_per_patch"] = meanActive,
            ["fraction_of_units_decided"] = certain,
        };
        return $"{_heldOut.Length} held-out patches, {settings.Chains} chains x {settings.Samples} samples: {F(meanActive, 1)} units active per patch on average; {F(100 * certain, 0)} % of units have P(s != 0) below 0.05 or above 0.95";
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
        InferenceSettings fine = _inference with { Dt = _inference.Dt / 4, BurnIn = _inference.BurnIn * 4 };
        K1Run coarse = SampleK1(model, x, _inference, _settings.ExactSamples, "exact check, eps = " + F(_inference.Eps, 4), progress, ct);
        K1Run small = SampleK1(model, x, fine, 4 * _settings.ExactSamples, "exact check, eps = " + F(fine.Eps, 4), progress, ct);
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
            ["small_step"] = Run(small, fine), ["configured_step"] = Run(coarse, _inference),
        };
        (double[] grid, double[] density) = exact.MarginalDensity(0);
        Charts.PosteriorMarginal(Path.Combine(plots, "posterior_exact_k1.png"), $"Posterior of s, K = 1 (signed, x = 1.2, sigma = 0.5, pi = 0.3), eps = {F(fine.Eps, 4)}",
            small.Samples, grid, density, exact.PZero[0]);
        AddPlot("posterior_exact_k1.png", "Langevin samples against the exact posterior",
            "The K = 1 worked case of shared/MODEL.md: the histogram of the sampled non-zero s (area = sampled P(s != 0)) against the exact density from grid integration (black).");
        string Line(K1Run r, double eps) => $"eps = {F(eps, 4)}: P(s=0|x) = {F(r.PZero, 3)} ± {F(r.PZeroSe, 3)}, E[s|x] = {F(r.Mean, 3)} ± {F(r.MeanSe, 3)}";
        string summary = $"exact P(s=0|x) = {F(exact.PZero[0], 3)}, E[s|x] = {F(exact.Mean[0], 3)}; {Line(small, fine.Eps)} ({F(zP, 1)} and {F(zM, 1)} standard errors off); " +
                         $"{Line(coarse, _inference.Eps)} ({F(zPc, 1)} and {F(zMc, 1)} standard errors off)";
        // 4 standard errors: two tested quantities, so a false alarm has probability about 1e-4.
        if (Math.Abs(zP) >= 4 || Math.Abs(zM) >= 4) throw new JobFailedException("Langevin disagrees with the exact posterior beyond Monte Carlo error: " + summary);
        return summary;
    }

    private sealed record K1Run(double[] Samples, int SamplesPerChain, double PZero, double PZeroSe, double Mean, double MeanSe);

    private K1Run SampleK1(SparseCodingModel model, double[] x, InferenceSettings settings, int samples, string stage, IProgress<RunProgress> progress, CancellationToken ct)
    {
        int chains = _settings.ExactChains, burnIn = settings.BurnIn;
        var batch = new ChainBatch(model, settings, chains, _seed);
        for (int b = 0; b < chains; b++) batch.SetInput(b, x);
        var all = new double[(long)chains * samples];
        var zeroPerChain = new double[chains];
        var sumPerChain = new double[chains];
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
                if (s == 0) zeroPerChain[b]++;
                sumPerChain[b] += s;
            }
        }
        progress.Report(new RunProgress(stage, total, total));
        // Chains are independent, so the standard error of the pooled estimate is the spread of the
        // per-chain estimates over sqrt(chains); this accounts for the autocorrelation within a chain.
        (double pZero, double pZeroSe) = MeanAndStandardError(zeroPerChain.Select(z => z / samples).ToArray());
        (double mean, double meanSe) = MeanAndStandardError(sumPerChain.Select(v => v / samples).ToArray());
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
        Charts.Noise(Path.Combine(plots, "noise.png"), "Fixed-point Gaussian generator (xorshift32, 12 uniforms, Q5.10)", samples);
        AddPlot("noise.png", "The fixed-point noise generator",
            "The integer Gaussian that the core and the Verilog share: histogram against N(0,1), and autocorrelation against the band expected of independent samples.");
        return $"{samples.Length:N0} words: mean {F(mean, 4)}, variance {F(variance, 4)}, lag-1 autocorrelation {F(lag1, 4)}";
    }

    private string HdlVerify()
    {
        string[] missing = HdlTools.Missing(HdlTools.Simulators);
        if (missing.Length > 0) throw new StageSkippedException($"{string.Join(" and ", missing)} not installed; install with: {HdlTools.InstallHint}");
        throw new StageSkippedException("the HDL verification (edgelangevin hdl verify) is not in this build yet (issue 4)");
    }

    private string HdlSynth()
    {
        string[] missing = HdlTools.Missing(HdlTools.Synthesis);
        if (missing.Length > 0) throw new StageSkippedException($"{string.Join(" and ", missing)} not installed; install with: {HdlTools.InstallHint}");
        throw new StageSkippedException("synthesis (edgelangevin hdl synth) is not in this build yet (issue 4)");
    }

    private void AddPlot(string file, string title, string caption) => _plots.Add(new ReportPlot("plots/" + file, title, caption));

    private IEnumerable<KeyValuePair<string, JsonNode?>> Provenance(string what) =>
    [
        new("provenance", what),
        new("seed", _seed),
        new("version", JsonOutput.Version),
    ];

    private static (double Mean, double StandardError) MeanAndStandardError(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance / values.Length));
    }

    internal static string F(double v, int digits) => double.IsNaN(v) ? "n/a" : v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Renames a library's progress stage so the demo's lines say which stage of the demo they belong to.</summary>
    private sealed class StageProgress(IProgress<RunProgress> inner, string stage) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => inner.Report(value with { Stage = stage });
    }
}
