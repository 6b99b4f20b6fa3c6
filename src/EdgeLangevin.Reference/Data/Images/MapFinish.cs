using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// A MAP finish for image learning: after the sampler's stages, the dictionary is learned further by L1 MAP -- the
/// paper's own DSC baseline (shared/MODEL.md: pi = 1, T = 0, gradient descent on u) with unit-norm columns -- and
/// then pi is learned again by the sampler (T = 1, the model's sigma) with that dictionary held, so that the model
/// written is still the paper's spike-and-slab model, ready for posterior sampling.
/// <para>
/// Why: the sampler's own maximum-likelihood dictionary rule converges to atoms that are correlated and crowd the
/// data's largest principal directions; coded with OMP at a fixed number of non-zeros on held-out patches it is about
/// 2 dB worse than scikit-learn's L1 dictionary learning, and longer runs do not close that (bench/sklearn/README.md,
/// with the ablation of which factor matters: T = 0, which needs pi = 1, since at T = 0 a unit below a threshold
/// u0 > 0 never becomes active). The MAP stage optimises the objective scikit-learn optimises:
/// 1/2 |x - A s|^2 + alpha |s|_1 with alpha = lambda sigma_map^2 and unit-norm atoms.
/// </para>
/// JSON (snake_case): {"sigma": 1, "pi_steps": 40000, "pi_tau_x": 1600, "pi_tau_u0": 1e7, "tau_a_doublings": 3, "dictionary": {LearningSettings}}.
/// </summary>
public sealed record MapFinish
{
    /// <summary>
    /// The MAP stage's length and time scales. It always runs with learn_pi false and normalise true (the L1 objective
    /// has no scale of its own: without the norm constraint the atoms grow and the codes shrink without end).
    /// 240000 steps: at K = 128 (after shortened sampler stages) 120000 steps gave 7.60 dB at OMP 8 and 240000 gave 8.09
    /// against scikit-learn's 8.15 at a constant tau_a 2000 (at K = 64, 120000 steps from a random start already gave 6.58
    /// against 6.33): each atom is used about 1/K of the time, so a larger K needs more steps. tau_a 1000 here is the first
    /// of <see cref="TauADoublings"/> parts (1000, 2000, 4000, 8000; bench/sklearn/README.md).
    /// </summary>
    public LearningSettings Dictionary { get; init; } = new()
    {
        Batch = 64, TauX = 200, TauA = 1e3, Steps = 240_000, RecordEvery = 4000, LearnPi = false, Normalise = true,
    };

    /// <summary>
    /// The finish for short runs (`learn --quick`, the demo): 30000 steps, tau_a 250, 500, 1000 in three parts of 10000.
    /// Measured at K = 64 after the demo's 30000 sampler steps: 6.28 / 4.24 dB at OMP 8 / 4 against scikit-learn's
    /// 6.33 / 4.09; the same 30000 steps at a constant tau_a 500 gave 5.97 / 4.07 (bench/sklearn/README.md). pi then for
    /// 20000 steps at tau_x 1600 with tau_u0 2.5e6 (batch 64, K = 64: the same rate per unit as 1e7 at 128 x 128).
    /// </summary>
    public static MapFinish Quick { get; } = new()
    {
        Dictionary = new MapFinish().Dictionary with { TauA = 250, Steps = 30_000, RecordEvery = 600 },
        TauADoublings = 2,
        PiSteps = 20_000,
        PiTauU0 = 2.5e6,
    };

    /// <summary>The noise level of the MAP objective: alpha = lambda sigma^2 is its L1 weight (1: scikit-learn's default alpha).</summary>
    public double Sigma { get; init; } = 1.0;

    /// <summary>
    /// A decaying learning rate for the MAP stage: its steps are split into this many + 1 equal parts, and tau_a doubles
    /// from one part to the next (0: one constant tau_a). Why: a plain stochastic-gradient stage at a constant rate ends
    /// in a noise floor set by that rate; a rate that falls as the stage goes on lets it start fast and end quiet.
    /// </summary>
    public int TauADoublings { get; init; } = 3;

    /// <summary>Steps of the last stage: u0 learned by the sampler, the MAP dictionary held (0: keep the sampler's pi unchanged).</summary>
    public long PiSteps { get; init; } = 40_000;

    /// <summary>
    /// How long the pi stage shows each patch (time units; null: the sampler's last stage's tau_x). 1600, as the full
    /// schedule's settling stage, because the u0 rule settles where the posterior activity equals pi only if each patch is
    /// shown long enough for a unit below threshold to cross it (about tau_u / pi): for the demo's MAP dictionary (K = 64)
    /// activity / pi measured with the dictionary held is 0.83 to 0.86 at every pi from 0.1 to 0.28 at tau_x 200, so pi
    /// falls without end there, and crosses 1 at pi = 0.147 at tau_x 1600 (ImageExperiment's PiFixedPoint).
    /// </summary>
    public double? PiTauX { get; init; } = 1600;

    /// <summary>tau_u0 of the pi stage (sum convention; null: the sampler's last stage's). 1e7 at batch 128 and K = 128.</summary>
    public double? PiTauU0 { get; init; } = 1e7;

    /// <summary>The MAP stage's learning settings: <see cref="Dictionary"/> with pi held and columns normalised.</summary>
    [JsonIgnore]
    public LearningSettings DictionaryStage => Dictionary with { LearnPi = false, LearnDictionary = true, Normalise = true };

    /// <summary>The MAP stage's inference: the sampler's step and order at temperature 0 (deterministic descent).</summary>
    public InferenceSettings Inference(InferenceSettings sampler) => sampler with { Method = InferenceMethod.Langevin, Temperature = 0 };

    /// <summary>What <see cref="Run"/> produced: the model and each stage's history (PiHistory empty when <see cref="PiSteps"/> is 0).</summary>
    public sealed record Result(SparseCodingModel Model, IReadOnlyList<LearningRecord> MapHistory, IReadOnlyList<LearningRecord> PiHistory);

    /// <summary>
    /// Runs the two stages from <paramref name="start"/> (any dictionary; its columns are scaled to unit norm first, since the
    /// MAP objective fixes their scale): the MAP stage on a model with pi = 1 and sigma = <see cref="Sigma"/> at T = 0, then
    /// <paramref name="piStage"/> (its time scales and record interval; dictionary held, u0 learned, <see cref="PiSteps"/> steps)
    /// with the sampler's settings, starting from <paramref name="start"/>'s pi. The model returned has
    /// <paramref name="start"/>'s variant, lambda, sigma and preprocessing, the MAP dictionary and the refitted pi.
    /// </summary>
    public Result Run(SparseCodingModel start, IDataSource data, InferenceSettings sampler, LearningSettings piStage, long seed,
        IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        Validate(sampler);
        const long noStatistics = long.MaxValue;
        int k = start.K;
        Matrix unit = start.Dictionary.Clone();
        for (int c = 0; c < k; c++)
        {
            double norm = unit.ColumnNorm(c);
            if (norm > 0) for (int r = 0; r < unit.Rows; r++) unit[r, c] /= norm;
        }
        var mapHistory = new List<LearningRecord>();
        Matrix dictionary = unit;
        long done = 0;
        double dt = StepPolicy.LearningDt(sampler);
        for (int part = 0; part <= TauADoublings; part++)
        {
            long steps = Dictionary.Steps * (part + 1) / (TauADoublings + 1) - done;
            var partSettings = DictionaryStage with { TauA = Dictionary.TauA * Math.Pow(2, part), Steps = steps };
            string stage = TauADoublings == 0 ? $"K={k}: dictionary by L1 MAP (pi = 1, T = 0)"
                : $"K={k}: dictionary by L1 MAP (pi = 1, T = 0), part {part + 1} of {TauADoublings + 1}, tau_a {partSettings.TauA:G4}";
            LearningResult map = Learner.Run(start with { Dictionary = dictionary, Pi = 1, Sigma = Sigma }, data, Inference(sampler), partSettings,
                seed + 1000 * part, statisticsFrom: noStatistics, progress: progress, cancellationToken: ct, stage: stage, continuing: part > 0);
            foreach (var h in map.History) mapHistory.Add(h with { Step = h.Step + done, Time = h.Time + done * dt });
            dictionary = map.Model.Dictionary;
            done += steps;
        }
        var model = start with { Dictionary = dictionary };
        if (PiSteps == 0) return new Result(model, mapHistory, []);
        var pi = piStage with
        {
            LearnDictionary = false, LearnPi = true, Steps = PiSteps, TauX = PiTauX ?? piStage.TauX, TauU0 = PiTauU0 ?? piStage.TauU0,
        };
        // continuing: the MAP dictionary was just learned at this dt by this run (StepPolicy.ResolveForLearning says why
        // the all-units-active bound is then not enforced). Unit-norm atoms on few or alike patches can put
        // lambda_max(A^T A) / sigma^2 past 2 / eps although sparse codes keep few units active; without this, `learn`
        // refused its own dictionary here after the MAP stage, naming a dt the user never set.
        LearningResult refit = Learner.Run(model, data, sampler, pi, seed + 100, statisticsFrom: noStatistics,
            progress: progress, cancellationToken: ct, stage: $"K={k}: pi for the MAP dictionary (sampler, dictionary held)", continuing: true);
        return new Result(refit.Model, mapHistory, refit.History);
    }

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first bad field (snake_case, as in the JSON).</summary>
    public void Validate(InferenceSettings sampler, string? fileName = null)
    {
        DictionaryStage.Validate(Inference(sampler), fileName is null ? "map_finish.dictionary" : $"{fileName}: map_finish.dictionary");
        if (!(Sigma > 0) || !double.IsFinite(Sigma)) throw InvalidInputException.Field(fileName, "map_finish.sigma", $"must be a positive finite number, got {Sigma}");
        if (TauADoublings is < 0 or > 20) throw InvalidInputException.Field(fileName, "map_finish.tau_a_doublings", $"must be 0..20, got {TauADoublings}");
        if (Dictionary.Steps < TauADoublings + 1) throw InvalidInputException.Field(fileName, "map_finish.tau_a_doublings", $"needs at least one step per part: {TauADoublings + 1} parts, dictionary.steps {Dictionary.Steps}");
        if (PiTauX is { } tx && (!(tx >= StepPolicy.LearningDt(sampler)) || !double.IsFinite(tx)))
            throw InvalidInputException.Field(fileName, "map_finish.pi_tau_x", $"must be a finite number >= dt ({SettingsJson.F(StepPolicy.LearningDt(sampler))}), got {tx}");
        if (PiTauU0 is { } tu && (!(tu > 0) || !double.IsFinite(tu))) throw InvalidInputException.Field(fileName, "map_finish.pi_tau_u0", $"must be a positive finite number, got {tu}");
        if (PiSteps < 0) throw InvalidInputException.Field(fileName, "map_finish.pi_steps", $"must be >= 0, got {PiSteps}");
    }

    public JsonObject ToJson() => new()
    {
        ["objective"] = "L1 MAP (pi = 1, T = 0), unit-norm columns",
        ["sigma"] = Sigma,
        ["pi_steps"] = PiSteps,
        ["tau_a_doublings"] = TauADoublings,
        ["pi_tau_x"] = PiTauX,
        ["pi_tau_u0"] = PiTauU0,
        ["dictionary"] = DictionaryStage.ToJson(),
    };
}
