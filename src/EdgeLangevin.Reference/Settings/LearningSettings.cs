using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Settings;

/// <summary>How data are presented to the chains (shared/MODEL.md, "Data presentation").</summary>
public enum DataSwitching
{
    /// <summary>Every chain gets a new datum every tau_x (a global clock).</summary>
    Synchronous,
    /// <summary>Each chain independently, with probability dt / tau_x per step (no global clock).</summary>
    Asynchronous,
}

/// <summary>
/// Learning simultaneous with inference (shared/MODEL.md "Learning"): every step
/// moves u (the <see cref="InferenceSettings"/>), the dictionary A (tau_a) and, when
/// <see cref="LearnPi"/>, the threshold u0 (tau_u0). All times in time units.
/// <para>
/// Convention for tau_a: the dictionary step is (dt / tau_a) (1/sigma^2) MEAN over the
/// batch of (x_b - A s_b) s_b^T. The authors write "tau_A = 2e3 x 512" for bars and
/// "4e4 x batch" for images: their update sums over the batch, so our tau_a (a mean)
/// is their number divided by the batch: 2e3 for bars, 4e4 for images.
/// tau_u0 multiplies a SUM over the batch and the units, as in shared/MODEL.md (2e8).
/// </para>
/// JSON (snake_case): {"batch": 512, "steps": 20000, "tau_x": 200, "tau_a": 2000,
/// "learn_dictionary": true, "learn_pi": false, "tau_u0": 2e8, "normalise": false,
/// "switching": "synchronous", "record_every": 100}.
/// </summary>
public sealed record LearningSettings
{
    /// <summary>Number of chains run in parallel, each with its own datum.</summary>
    public int Batch { get; init; } = 512;

    /// <summary>Number of steps (time = steps x dt).</summary>
    public long Steps { get; init; } = 20_000;

    /// <summary>How long a datum is shown (time units).</summary>
    public double TauX { get; init; } = 200.0;

    /// <summary>Time constant of the dictionary (mean-over-batch convention, see the type's remarks).</summary>
    public double TauA { get; init; } = 2_000.0;

    /// <summary>Whether A moves at all (false: inference only, with data switching).</summary>
    public bool LearnDictionary { get; init; } = true;

    /// <summary>Whether the threshold u0 (so pi = exp(-lambda u0)) is learned.</summary>
    public bool LearnPi { get; init; } = false;

    /// <summary>Time constant of u0 (sum-over-batch-and-units convention).</summary>
    public double TauU0 { get; init; } = 2e8;

    /// <summary>Rescale every column of A to unit norm after each dictionary step.</summary>
    public bool Normalise { get; init; } = false;

    /// <summary>Synchronous (global clock) or asynchronous data switching.</summary>
    public DataSwitching Switching { get; init; } = DataSwitching.Synchronous;

    /// <summary>Steps between two history records (activity, column norms, cosine, pi).</summary>
    public int RecordEvery { get; init; } = 100;

    public static LearningSettings Default { get; } = new();

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first bad field (snake_case, as in the JSON).</summary>
    public void Validate(InferenceSettings inference, string? fileName = null)
    {
        double dt = EdgeLangevin.Reference.Inference.StepPolicy.LearningDt(inference);
        if (Batch < 1) throw InvalidInputException.Field(fileName, "batch", $"must be >= 1, got {Batch}");
        if (Steps < 1) throw InvalidInputException.Field(fileName, "steps", $"must be >= 1, got {Steps}");
        if (!(TauX >= dt) || !double.IsFinite(TauX)) throw InvalidInputException.Field(fileName, "tau_x", $"must be a finite number >= dt ({SettingsJson.F(dt)}), got {SettingsJson.F(TauX)}");
        if (!(TauA > 0) || !double.IsFinite(TauA)) throw InvalidInputException.Field(fileName, "tau_a", $"must be a positive finite number, got {SettingsJson.F(TauA)}");
        if (!(TauA >= dt)) throw InvalidInputException.Field(fileName, "tau_a", $"must be >= dt ({SettingsJson.F(dt)}), got {SettingsJson.F(TauA)}");
        if (!(TauU0 > 0) || !double.IsFinite(TauU0)) throw InvalidInputException.Field(fileName, "tau_u0", $"must be a positive finite number, got {SettingsJson.F(TauU0)}");
        if (!Enum.IsDefined(Switching)) throw InvalidInputException.Field(fileName, "switching", "expected \"synchronous\" or \"asynchronous\"");
        if (RecordEvery < 1) throw InvalidInputException.Field(fileName, "record_every", $"must be >= 1, got {RecordEvery}");
    }

    public JsonObject ToJson() => SettingsJson.ToJson(this);

    /// <summary>Reads the settings from JSON (<paramref name="section"/>: where they sit in the file, for error messages).</summary>
    public static LearningSettings FromJson(JsonNode? node, InferenceSettings inference, string? fileName = null, string section = "") =>
        SettingsJson.Parse<LearningSettings>(node, fileName, (s, f) => s.Validate(inference, f), section);
}
