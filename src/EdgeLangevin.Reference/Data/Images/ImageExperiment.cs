using EdgeLangevin.Reference.Inference;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Everything that defines a natural-image learning run except the overcompleteness and the seed.
/// <see cref="Full"/> follows the authors' settings (shared/MODEL.md) as far as 2 cores allow;
/// <see cref="Quick"/> keeps their ratios but shortens the time scales so that R = 1 and 2 finish
/// in well under two minutes.
/// </summary>
public sealed record ImageExperimentSettings
{
    public PreprocessingOptions Preprocessing { get; init; } = new();

    /// <summary>
    /// Signed by default: whitened patches are symmetric in sign (x and -x are equally likely), so a
    /// non-negative code would need every atom twice, once per sign, and R = 1 could not span the data.
    /// </summary>
    public Variant Variant { get; init; } = Variant.Signed;

    public double Lambda { get; init; } = 1.0;

    /// <summary>Observation noise, relative to the data's RMS per pixel (1 after preprocessing).</summary>
    public double Sigma { get; init; } = 0.5;

    /// <summary>pi at the start; u0 = -ln(pi)/lambda is then learned.</summary>
    public double InitialPi { get; init; } = 0.5;

    public InferenceSettings Inference { get; init; } = new() { Dt = 1, TauU = 20, Temperature = 1, Order = 1 };

    /// <summary>
    /// Stage 1, dictionary and pi together: the authors' protocol with both slow time scales 4x faster:
    /// tau_u = 20 (dt = 1), tau_x = 400 (20 tau_u, the authors' value), tau_a = 1e4 (25 tau_x; the
    /// authors' "4e4 x batch" is 4e4 in our mean-over-batch convention), tau_u0 = 5e7 (sum convention;
    /// the authors' 2e8, so tau_u0 / tau_a = 5000 as theirs), batch 128 as theirs, 200000 steps.
    /// This stage forms the atoms. Why not a shorter tau_x to see more patches per step: with
    /// tau_x = 100 every switch leaves the chains a few tau_u of codes that belong to the previous patch,
    /// and the learning rules see them: measured at R = 1, pi fixed at 0.2, 250000 steps, tau_x = 100 and
    /// tau_a = 2500 gave pixel-noise atoms and MSE 0.57, tau_x = 400 and tau_a = 1e4 gave localised,
    /// oriented atoms and MSE 0.33; with pi learned, tau_x = 100 made pi collapse (0.5 -> 0.026).
    /// </summary>
    public LearningSettings Learning { get; init; } = new()
    {
        Batch = 128, TauX = 400, TauA = 1e4, TauU0 = 5e7, LearnPi = true, LearnDictionary = true,
        Steps = 200_000, RecordEvery = 4000,
    };

    /// <summary>
    /// Optional stage 2, from where <see cref="Learning"/> ended, until <see cref="Until"/> holds (null: no such stage).
    /// Why: a unit below threshold gets no data drive and reaches u0 by noise alone, in about tau_u / pi;
    /// when that is not short against tau_x the posterior activity is underestimated, and the u0 rule,
    /// whose zero is where activity equals pi, keeps lowering pi, which lengthens the escape time further.
    /// Measured with a learned R = 1 dictionary held fixed at pi = 0.06: activity / pi = 0.92 with
    /// tau_x = 400, 1.19 with tau_x = 1600; stage 1 alone (tau_x = 400) ran pi from 0.5 down to 0.063 in
    /// 600000 steps with activity / pi 0.92 to 0.96 all the way, never settling. So the settling stage
    /// shows each patch for 1600 (80 tau_u), with tau_a = 4e4 (the authors' value, 25 tau_x again) and
    /// tau_u0 = 2.5e7.
    /// </summary>
    public LearningSettings? Settling { get; init; }

    /// <summary>The stage whose time scales the convergence check, the averaging and the evaluation use.</summary>
    public LearningSettings Last => Settling ?? Learning;

    /// <summary>
    /// How long each patch is shown in the evaluation run (null: the tau_x of <see cref="Last"/>). The
    /// measured MSE and activity include each patch's first few tau_u, while the chains still carry the
    /// previous patch's codes (and, at small pi, units wait about tau_u / pi to cross threshold), so they
    /// depend on tau_x: compare runs only at the same evaluation tau_x. Measured at R = 1, pi = 0.1:
    /// MSE 0.52 with tau_x = 400, 0.29 with tau_x = 1600.
    /// </summary>
    public double? EvaluationTauX { get; init; }

    /// <summary>Steps of the evaluation run after its burn-in (rounded up to whole data periods): the learned model held fixed, fresh patches, same dynamics.</summary>
    public long EvaluationSteps { get; init; } = 4_000;

    /// <summary>Stops the last pi-learning stage (<see cref="Last"/>) early once activity matches pi and pi and the atoms have stopped moving (null: run all its steps).</summary>
    public Convergence? Until { get; init; }

    /// <summary>
    /// Optional last stage: pi held at its learned value, the dictionary still learning with the
    /// time scales of <see cref="Last"/> for this many steps, and its time average is the reported
    /// dictionary (0: the final dictionary of <see cref="Learning"/> is reported). With a finite batch
    /// the dictionary fluctuates around its fixed point; the average shows where that point is.
    /// </summary>
    public long AveragingSteps { get; init; }

    /// <summary>
    /// Optional last dictionary stage, after the sampler's stages: the dictionary learned by L1 MAP (null: the
    /// sampler's dictionary is the result). See <see cref="MapFinish"/> for what it runs and why.
    /// </summary>
    public MapFinish? Map { get; init; }

    /// <summary>
    /// The full run: stage 1 (<see cref="Learning"/>, 200000 steps), then <see cref="Settling"/> until
    /// <see cref="Until"/> holds over fifteen records (60000 steps, 37 data periods, 1.5 tau_a; not before
    /// 80000 steps of it; at most 400000), then 40000 averaging steps.
    /// </summary>
    public static ImageExperimentSettings Full { get; } = new()
    {
        Settling = new LearningSettings
        {
            Batch = 128, TauX = 1600, TauA = 4e4, TauU0 = 2.5e7, LearnPi = true, LearnDictionary = true,
            Steps = 400_000, RecordEvery = 4000,
        },
        // Activity within 6% of pi, not closer: the u0 rule's zero is not exactly at activity = pi with a finite
        // step (eps = 0.05). On bars data with the true dictionary it settles at activity / pi = 1.03 to 1.04
        // (tau_x = 400 to 1600, seed 31), so a 3% tolerance would wait for a point the dynamics never reach.
        Until = new Convergence { Window = 15, ActivityTolerance = 0.06, PiTolerance = 0.03, AtomTolerance = 0.02, MinSteps = 80_000 },
        AveragingSteps = 40_000,
    };

    /// <summary>
    /// tau_a and tau_u0 20x faster than the authors', batch 64, tau_x 200, 12000 steps: a smoke test of the
    /// whole pipeline in well under two minutes; atoms only begin to take shape and pi is still moving.
    /// </summary>
    public static ImageExperimentSettings Quick { get; } = new()
    {
        Preprocessing = new PreprocessingOptions { FitPatches = 10_000 },
        Learning = new LearningSettings
        {
            Batch = 64, TauX = 200, TauA = 2e3, TauU0 = 1e7, LearnPi = true, LearnDictionary = true,
            Steps = 12_000, RecordEvery = 200,
        },
        EvaluationSteps = 2_000,
    };

    /// <summary>
    /// `learn --data`'s default (objective map): stage 1 of <see cref="Full"/> for 10000 steps only, no settling and no
    /// averaging, then the <see cref="MapFinish"/> (its own pi stage settles pi for the MAP dictionary). Why so short a sampler
    /// stage: the MAP stage sets the dictionary (the sampler's stage before it added about 0.1 dB at K = 64,
    /// bench/sklearn/README.md) and refits pi, so the full sampler schedule (up to 640000 steps at batch 128) would only
    /// multiply the run time. Evaluated at tau_x 1600, as <see cref="Full"/>.
    /// </summary>
    public static ImageExperimentSettings FullMap { get; } = Full with
    {
        Learning = Full.Learning with { Steps = 10_000, RecordEvery = 1000 },
        Settling = null, Until = null, AveragingSteps = 0, EvaluationTauX = 1600, Map = new MapFinish(),
    };

    /// <summary>`learn --quick`'s default (objective map) and the demo's: <see cref="Quick"/>, then <see cref="MapFinish.Quick"/>.</summary>
    public static ImageExperimentSettings QuickMap { get; } = Quick with { Map = MapFinish.Quick };

    public void Validate()
    {
        Preprocessing.Validate();
        Inference.Validate();
        Learning.Validate(Inference);
        Settling?.Validate(Inference);
        Map?.Validate(Inference);
        if (!(Lambda > 0) || !(Sigma > 0) || !(InitialPi > 0 && InitialPi <= 1))
            throw new ArgumentException($"lambda and sigma must be positive and pi in (0, 1]; got {Lambda}, {Sigma}, {InitialPi}");
        if (EvaluationSteps < 1) throw new ArgumentException($"evaluation steps must be >= 1, got {EvaluationSteps}");
        if (EvaluationTauX is { } tx && !(tx >= StepPolicy.LearningDt(Inference) && double.IsFinite(tx))) throw new ArgumentException($"evaluation tau_x must be a finite number >= dt, got {tx}");
        if (AveragingSteps < 0) throw new ArgumentException($"averaging steps must be >= 0, got {AveragingSteps}");
    }

    public JsonObject ToJson() => new()
    {
        ["variant"] = Variant.ToJson(),
        ["lambda"] = Lambda,
        ["sigma"] = Sigma,
        ["initial_pi"] = InitialPi,
        ["patch_size"] = Preprocessing.PatchSize,
        ["whitening"] = Preprocessing.Whitening,
        ["zca_epsilon_relative"] = Preprocessing.ZcaEpsilonRelative,
        ["f0_cycles_per_pixel"] = Preprocessing.F0,
        ["fit_patches"] = Preprocessing.FitPatches,
        ["target_rms"] = Preprocessing.TargetRms,
        ["inference"] = Inference.ToJson(),
        ["learning"] = Learning.ToJson(),
        ["settling"] = Settling?.ToJson(),
        ["until"] = Until is { } u ? new JsonObject
        {
            ["window_records"] = u.Window, ["activity_tolerance"] = u.ActivityTolerance, ["pi_tolerance"] = u.PiTolerance,
            ["atom_tolerance"] = u.AtomTolerance, ["min_steps"] = u.MinSteps,
        } : null,
        ["averaging_steps"] = AveragingSteps,
        ["map_finish"] = Map?.ToJson(),
        ["evaluation_tau_x"] = EvaluationTauX ?? Last.TauX,
        ["evaluation_steps"] = EvaluationSteps,
    };
}

/// <summary>The outcome for one overcompleteness.</summary>
public sealed record ImageRunResult(
    /// <summary>R = K / D.</summary>
    double Overcompleteness,
    SparseCodingModel Model,
    /// <summary>pi = exp(-lambda u0) at the end of learning.</summary>
    double LearnedPi,
    /// <summary>Mean number of non-zero s_k per patch in the evaluation run (activity x K).</summary>
    double ActiveUnitsPerPatch,
    /// <summary>Mean over samples and pixels of (x - A s)^2 in the evaluation run, s a posterior sample.</summary>
    double ReconstructionMse,
    /// <summary>Mean squared value per pixel of the data in the evaluation run (about TargetRms^2), for scale.</summary>
    double DataMeanSquare,
    double MedianColumnNorm,
    /// <summary>P(s_k != 0) per unit in the evaluation run, for sorting atoms by use.</summary>
    double[] PActive,
    IReadOnlyList<LearningRecord> History,
    double Seconds,
    /// <summary>Steps of the pi-and-dictionary stage actually run (fewer than asked when it converged), averaging not included.</summary>
    long LearningSteps = 0,
    /// <summary>Whether the convergence criterion held (false: no criterion, or it ran out of steps).</summary>
    bool Converged = false,
    /// <summary>The criterion's last measurements: mean activity / mean pi, relative pi change and mean atom change (1 - cos) over its window; NaN when not measured.</summary>
    double ActivityOverPi = double.NaN, double PiChange = double.NaN, double AtomChange = double.NaN,
    /// <summary>With a <see cref="MapFinish"/>: the model the sampler's stages learned, before it (null without one).</summary>
    SparseCodingModel? SamplerModel = null);

/// <summary>
/// Learns a dictionary and pi on natural-image patches for one overcompleteness R (K = R D), then
/// measures the learned model on fresh patches. u0 starts at -ln(InitialPi)/lambda and is learned;
/// the dictionary starts random (unit-norm Gaussian columns) and is never normalised, as in the
/// authors' sampling runs.
/// </summary>
public static class ImageExperiment
{
    /// <summary>The authors' learned pi per overcompleteness (shared/MODEL.md).</summary>
    public static IReadOnlyList<(double R, double Pi)> PaperPi { get; } = [(1, 0.28), (2, 0.14), (3, 0.10), (4, 0.079)];

    /// <summary>Runs with K = R D units.</summary>
    public static ImageRunResult Run(IReadOnlyList<GrayImage> images, Preprocessing preprocessing, int overcompleteness,
        ImageExperimentSettings settings, long seed, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        if (overcompleteness < 1) throw new ArgumentException($"overcompleteness must be >= 1, got {overcompleteness}");
        return RunUnits(images, preprocessing, overcompleteness * preprocessing.PatchSize * preprocessing.PatchSize, settings, seed, progress, ct);
    }

    /// <summary>The random start of a run with <paramref name="k"/> units (unit-norm Gaussian columns): one place, so that another learner (the demo's fixed-point one) can start where this one does.</summary>
    public static Matrix StartDictionary(int d, int k, long seed) => Learner.RandomDictionary(d, k, seed + k);

    /// <summary>
    /// Refuses, before any work, a K whose random start dictionary is already past the learning step's stability limit.
    /// K unit-norm random atoms in D dimensions have lambda_max(A^T A) about (1 + sqrt(K / D))^2, so the curvature
    /// lambda_max / sigma^2 grows with the overcompleteness: at the images' dt = 1 (eps 0.05, limit 40) and sigma 0.5,
    /// K = 256 (R = 4) starts at 35 and K = 320 (R = 5) at 40.1. Without this check the first stage refused with a
    /// message about a dt the user never set ("use a smaller dt or leave dt unset"), after the preprocessing fit and,
    /// in `reproduce images`, after every smaller R had run. The error names K, the largest K that starts stably at
    /// this dt and seed (found on the same seeded start dictionaries), and the dt that would let this K start.
    /// </summary>
    public static void CheckStartStable(int d, int k, ImageExperimentSettings settings, long seed)
    {
        InferenceSettings inference = settings.Inference;
        double dt = StepPolicy.LearningDt(inference), eps = dt / inference.TauU;
        double mu = inference.Order == 2 ? inference.Mu : 1;
        double CurvatureAt(int units) => StepPolicy.Curvature(new SparseCodingModel
        {
            Variant = settings.Variant, Lambda = settings.Lambda, Pi = settings.InitialPi, Sigma = settings.Sigma, Dictionary = StartDictionary(d, units, seed),
        });
        double LimitEps(double curvature) => StepPolicy.StabilityLimitEps(curvature, inference.Order, mu);
        bool Stable(int units) => eps < LimitEps(CurvatureAt(units));
        double curvature = CurvatureAt(k);
        if (eps < LimitEps(curvature)) return;
        int stable = 0, unstable = k; // bisection on the seeded start dictionaries: the largest K below k that starts stably
        while (unstable - stable > 1)
        {
            int mid = stable + (unstable - stable) / 2;
            if (Stable(mid)) stable = mid;
            else unstable = mid;
        }
        double dtLimit = LimitEps(curvature) * inference.TauU;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        throw new InvalidInputException(
            string.Create(inv, $"K = {k} ({(double)k / d:G3}x overcomplete in D = {d}): its random unit-norm start dictionary has lambda_max(A^T A) / sigma^2 = {curvature:G4} at sigma = {settings.Sigma:G4}, ")
            + string.Create(inv, $"so learning's dt = {dt:G4} (eps = dt / tau_u = {eps:G4}) is at or beyond the explicit step's stability limit (dt < {dtLimit:G4}) and the chains would diverge at once. ")
            + string.Create(inv, $"At this dt and seed up to K = {stable} ({(double)stable / d:G3}x) starts stably; for more units set inference.dt below {dtLimit:G4} in --config ")
            + "(the schedule's step counts then cover less time: scale them, e.g. --steps, by the same factor)");
    }

    /// <summary>The seed of the first learning stage's streams (its data stream is Rng(RunSeed, -1)). Each K gets its own, so adding an R to the list does not change the others' results.</summary>
    public static long RunSeed(long seed, int k) => seed * 100_000 + k;

    /// <summary>Runs with <paramref name="k"/> units (any K >= 1; R = K / D is reported).</summary>
    public static ImageRunResult RunUnits(IReadOnlyList<GrayImage> images, Preprocessing preprocessing, int k,
        ImageExperimentSettings settings, long seed, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        settings.Validate();
        if (k < 1) throw new ArgumentException($"K must be >= 1, got {k}");
        var clock = Stopwatch.StartNew();
        int d = preprocessing.PatchSize * preprocessing.PatchSize;
        CheckStartStable(d, k, settings, seed);
        double overcompleteness = (double)k / d;
        var data = new ImagePatchSource(images, preprocessing);
        var initial = new SparseCodingModel
        {
            Variant = settings.Variant, Lambda = settings.Lambda, Pi = settings.InitialPi, Sigma = settings.Sigma,
            Dictionary = StartDictionary(d, k, seed), Preprocessing = preprocessing,
        };
        long runSeed = RunSeed(seed, k);
        var history = new List<LearningRecord>();
        Convergence.Tracker? tracker = settings.Until?.Start(k, d);
        // The learning stages' code statistics are never read (the evaluation measures the model), so they are not collected.
        const long noStatistics = long.MaxValue;
        // The learning stages (learning, settling, averaging) in float32 (LearningPrecision.Single: 1.45x less CPU per step,
        // the dictionary quality tests hold); the evaluation, the fixed-pi sweep and the MAP finish in double.
        const LearningPrecision precision = LearningPrecision.Single;
        LearningResult learned = Learner.Run(initial, data, settings.Inference, settings.Learning, runSeed, statisticsFrom: noStatistics,
            progress: progress, cancellationToken: ct, stage: $"K={k}: learning",
            until: settings.Settling is null ? tracker : null, precision: precision);
        long learningSteps = learned.History[^1].Step;
        Append(history, learned.History, 0, StepPolicy.LearningDt(settings.Inference));
        if (settings.Settling is { } settling)
        {
            learned = Learner.Run(learned.Model, data, settings.Inference, settling, runSeed + 300, statisticsFrom: noStatistics,
                progress: progress, cancellationToken: ct, stage: $"K={k}: settling (tau_x = {settling.TauX:G4})", until: tracker, continuing: true,
                precision: precision);
            Append(history, learned.History, learningSteps, StepPolicy.LearningDt(settings.Inference));
            learningSteps += learned.History[^1].Step;
        }
        SparseCodingModel final = learned.Model;
        if (settings.AveragingSteps > 0)
        {
            var averaging = settings.Last with { LearnPi = false, Steps = settings.AveragingSteps };
            LearningResult avg = Learner.Run(learned.Model, data, settings.Inference, averaging, runSeed + 200, statisticsFrom: noStatistics,
                progress: progress, cancellationToken: ct, stage: $"K={k}: averaging the dictionary", averageFrom: 0, continuing: true,
                precision: precision);
            Append(history, avg.History, learningSteps, StepPolicy.LearningDt(settings.Inference));
            final = learned.Model with { Dictionary = avg.AveragedDictionary! };
        }
        SparseCodingModel? samplerModel = null;
        if (settings.Map is { } map)
        {
            samplerModel = final;
            var piStage = settings.Last with { RecordEvery = (int)Math.Max(1, Math.Min(settings.Last.RecordEvery, Math.Max(1, map.PiSteps) / 10)) };
            MapFinish.Result m = map.Run(final, data, settings.Inference, piStage, runSeed + 600, progress, ct);
            Append(history, m.MapHistory, learningSteps, StepPolicy.LearningDt(settings.Inference));
            learningSteps += m.MapHistory[^1].Step;
            Append(history, m.PiHistory, learningSteps, StepPolicy.LearningDt(settings.Inference));
            learningSteps += m.PiHistory.Count == 0 ? 0 : m.PiHistory[^1].Step;
            final = m.Model;
        }
        learned = learned with { Model = final };

        // Evaluation: the learned model held fixed, on patches the learning never saw. The chains start
        // at u = 0 (every unit below threshold, x unexplained), so the first datum's period is burn-in
        // and left out; after that every step counts, a new datum's first few tau_u included, exactly
        // as the statistics during learning count them.
        double evalTauX = settings.EvaluationTauX ?? settings.Last.TauX;
        long perDatum = Math.Max(1, (long)Math.Round(evalTauX / StepPolicy.LearningDt(settings.Inference)));
        long evalSteps = Math.Max(2, (settings.EvaluationSteps + perDatum - 1) / perDatum + 1) * perDatum;
        var evaluation = settings.Last with
        {
            TauX = evalTauX,
            LearnDictionary = false, LearnPi = false, Steps = evalSteps, RecordEvery = (int)Math.Min(int.MaxValue, perDatum),
            Switching = DataSwitching.Synchronous,
        };
        LearningResult eval = Learner.Run(learned.Model, data, settings.Inference, evaluation, runSeed + 500,
            statisticsFrom: perDatum, progress: progress, cancellationToken: ct, stage: $"K={k}: evaluation", continuing: true);
        double mse = eval.History.Skip(1).Average(h => h.ReconstructionMse);

        double meanSquare = MeanSquare(data, seed);
        return new ImageRunResult(overcompleteness, learned.Model, learned.Model.Pi,
            eval.Statistics.Activity * k, mse, meanSquare,
            Metrics.DictionaryMetrics.Median(Metrics.DictionaryMetrics.ColumnNorms(learned.Model.Dictionary)),
            eval.Statistics.PActive, history, clock.Elapsed.TotalSeconds, learningSteps, learned.Converged,
            tracker?.ActivityRatio ?? double.NaN, tracker?.PiChange ?? double.NaN, tracker?.AtomChange ?? double.NaN, samplerModel);
    }

    /// <summary>Appends a stage's records to the whole run's history, shifted to start where the previous stage ended.</summary>
    private static void Append(List<LearningRecord> history, IReadOnlyList<LearningRecord> stage, long offset, double dt)
    {
        foreach (var h in stage) history.Add(h with { Step = h.Step + offset, Time = h.Time + offset * dt });
    }

    /// <summary>Mean squared pixel value of 2000 fresh preprocessed patches (the scale the MSE is compared with).</summary>
    private static double MeanSquare(ImagePatchSource data, long seed)
    {
        var rng = new Random.Rng(seed, -7);
        var x = new double[data.Dimension];
        double sum = 0;
        const int n = 2000;
        for (int i = 0; i < n; i++)
        {
            data.Draw(rng, x, 0);
            foreach (double v in x) sum += v * v;
        }
        return sum / (n * x.Length);
    }

    /// <summary>Atoms ordered by how often they are used, most used first (for the grid picture).</summary>
    public static int[] OrderByUse(double[] pActive) =>
        Enumerable.Range(0, pActive.Length).OrderByDescending(j => pActive[j]).ThenBy(j => j).ToArray();
}

/// <summary>
/// Where the threshold learning is heading for a given dictionary. The u0 update is the exact
/// gradient of the log marginal likelihood (Fisher's identity: p(u) does not depend on u0), and
/// its expectation vanishes where the posterior activity equals the prior's pi. So, with the
/// dictionary held fixed, the stable fixed point of pi is where activity(pi) / pi crosses 1 from
/// above. This measures activity(pi) on a grid of pi and interpolates the crossing.
/// Caveat (measured): at small pi a unit below threshold reaches u0 = -ln(pi)/lambda by noise alone,
/// which takes long, so with a short tau_x the activity is underestimated there and the crossing
/// moves: for one learned R = 1 dictionary, tau_x = 400 gave activity/pi = 1.08 at pi = 0.1 while
/// tau_x = 200 gave 0.94 at pi = 0.08. Read the crossing as indicative, not as a converged pi.
/// </summary>
public static class PiFixedPoint
{
    /// <summary>One grid point: the model's pi and the posterior activity measured with it.</summary>
    public readonly record struct Point(double Pi, double Activity);

    /// <summary>
    /// Measures activity on <paramref name="grid"/> (ascending pis) with the model's dictionary,
    /// <paramref name="periods"/> data periods of tau_x per point after one period of burn-in.
    /// Returns the points and the interpolated crossing (null when activity / pi does not cross 1 on the grid).
    /// </summary>
    public static (IReadOnlyList<Point> Points, double? Crossing) Find(SparseCodingModel model, IDataSource data,
        ImageExperimentSettings settings, long seed, double[] grid, int periods = 6,
        IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        long perDatum = Math.Max(1, (long)Math.Round(settings.Last.TauX / StepPolicy.LearningDt(settings.Inference)));
        var points = new List<Point>();
        foreach (double pi in grid)
        {
            var fixedModel = model with { Pi = pi };
            var run = settings.Last with
            {
                LearnDictionary = false, LearnPi = false, Steps = (periods + 1) * perDatum,
                RecordEvery = (int)Math.Min(int.MaxValue, perDatum), Switching = DataSwitching.Synchronous,
            };
            var result = Learner.Run(fixedModel, data, settings.Inference, run, seed, statisticsFrom: perDatum,
                progress: progress, cancellationToken: ct, stage: $"K={model.K}: activity at pi = {pi:G3}");
            points.Add(new Point(pi, result.Statistics.Activity));
        }
        double? crossing = null;
        for (int i = 1; i < points.Count && crossing is null; i++)
        {
            double r0 = points[i - 1].Activity / points[i - 1].Pi, r1 = points[i].Activity / points[i].Pi;
            if (r0 >= 1 && r1 < 1)
            {
                // Linear in log pi between the two grid points.
                double f = (r0 - 1) / (r0 - r1);
                crossing = Math.Exp(Math.Log(points[i - 1].Pi) + f * (Math.Log(points[i].Pi) - Math.Log(points[i - 1].Pi)));
            }
        }
        return (points, crossing);
    }

    /// <summary>The default grid: 0.02 to 0.64, doubling (6 points).</summary>
    public static double[] DefaultGrid => [0.02, 0.04, 0.08, 0.16, 0.32, 0.64];
}

/// <summary>
/// The paper's fixed-pi experiment: for each pi of a sweep the dictionary is learned with pi held
/// fixed (the same stages and time scales as the pi-learning run, with u0 never moving), then the
/// reconstruction error is measured on fresh patches. MSE is <see cref="ImageRunResult.ReconstructionMse"/>:
/// the mean over samples and pixels of (x - A s)^2, s a posterior sample, on data with a mean square
/// of about 1 per pixel (<see cref="ImageRunResult.DataMeanSquare"/> says exactly).
/// </summary>
public static class FixedPiSweep
{
    /// <summary>The default sweep: 0.05 to 0.5.</summary>
    public static double[] DefaultPis => [0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

    /// <summary>The paper's figure: reconstruction MSE lowest, about 0.43, near pi = 0.2.</summary>
    public const double PaperBestPi = 0.2, PaperBestMse = 0.43;

    /// <summary>One run per pi, K = R D units, each with its own random streams.</summary>
    public static IReadOnlyList<ImageRunResult> Run(IReadOnlyList<GrayImage> images, Preprocessing preprocessing, int overcompleteness,
        IReadOnlyList<double> pis, ImageExperimentSettings settings, long seed, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        // pi fixed: the settling stage exists to let pi reach equilibrium, so it is left out here.
        // The evaluation keeps the full run's tau_x, so these MSEs compare with the learned-pi runs' (see EvaluationTauX).
        var fixedPi = settings with
        {
            Learning = settings.Learning with { LearnPi = false }, Settling = null, Until = null,
            EvaluationTauX = settings.EvaluationTauX ?? settings.Last.TauX,
        };
        var results = new List<ImageRunResult>();
        for (int i = 0; i < pis.Count; i++)
        {
            if (!(pis[i] > 0 && pis[i] <= 1)) throw new ArgumentException($"pi must be in (0, 1], got {pis[i]}");
            results.Add(ImageExperiment.Run(images, preprocessing, overcompleteness, fixedPi with { InitialPi = pis[i] }, seed * 1000 + 500 + i, progress, ct));
        }
        return results;
    }

    /// <summary>The pi with the lowest MSE, and that MSE.</summary>
    public static (double Pi, double Mse) Best(IReadOnlyList<ImageRunResult> runs)
    {
        var best = runs.MinBy(r => r.ReconstructionMse)!;
        return (best.LearnedPi, best.ReconstructionMse);
    }
}
