using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Settings;

/// <summary>Which dynamics moves u (shared/MODEL.md).</summary>
public enum InferenceMethod
{
    /// <summary>Langevin dynamics on the thresholded-Laplacian energy (LSC at T = 1; DSC at T = 0 with pi = 1).</summary>
    Langevin,
    /// <summary>Rozell's LCA: tau du/dt = A^T (x - A s) - (u - s), s = soft threshold of u at lambda sigma^2; no noise.</summary>
    Lca,
    /// <summary>
    /// Metropolis-adjusted Langevin (MALA): the first-order Langevin step as a proposal, accepted with the
    /// Metropolis-Hastings probability, so the chain samples the posterior exactly at any step (float reference only).
    /// The reference against which the unadjusted sampler and the fixed-point core are judged.
    /// </summary>
    Mala,
}

/// <summary>
/// How u is simulated: the step, the temperature, the order, how many samples are kept.
/// Time is in the model's time units; one step advances it by <see cref="Dt"/>, and
/// eps = dt / tau_u is the Euler-Maruyama step of shared/MODEL.md. The fixed-point core
/// converts these same numbers to its Q formats (FIXED_POINT.md "Host conversions").
/// JSON (snake_case): {"method": "langevin", "order": 1, "dt": 1, "tau_u": 20, "temperature": 1,
/// "mu": 1, "chains": 4, "samples": 2000, "burn_in": 1000}.
/// <para>
/// dt, samples and burn_in may be left out (null): then <see cref="EdgeLangevin.Reference.Inference.StepPolicy"/>
/// derives the step from the model (its curvature, the variant and the order) so that the step's bias on the
/// posterior stays below 0.01, and the sample and burn-in counts from fixed lengths in units of tau_u.
/// Every sampler resolves them through <see cref="EdgeLangevin.Reference.Inference.StepPolicy.Resolve"/> first;
/// <see cref="Eps"/>, <see cref="ResolvedDt"/>, <see cref="ResolvedSamples"/> and <see cref="ResolvedBurnIn"/>
/// throw on settings that were not resolved.
/// </para>
/// </summary>
public sealed record InferenceSettings
{
    /// <summary>Langevin (default) or LCA.</summary>
    public InferenceMethod Method { get; init; } = InferenceMethod.Langevin;

    /// <summary>1: overdamped Euler-Maruyama; 2: underdamped with mass <see cref="Mu"/>.</summary>
    public int Order { get; init; } = 1;

    /// <summary>Time step (time units per step); null (the default): chosen per model by <see cref="EdgeLangevin.Reference.Inference.StepPolicy"/>. The authors use dt = 1 with tau_u = 20 (eps = 0.05), which biases stiff models (small sigma, nearly collinear atoms) by several hundredths and is unstable when eps lambda_max(A^T A) / sigma^2 &gt;= 2.</summary>
    public double? Dt { get; init; }

    /// <summary>Time constant of u (time units).</summary>
    public double TauU { get; init; } = 20.0;

    /// <summary>The largest <see cref="Temperature"/>: the same double-precision range as the inputs' |x| / sigma.</summary>
    public const double MaxTemperature = 1e100;

    /// <summary>Smallest tau_u accepted (time units; the paper's is 20): see <see cref="Validate"/>.</summary>
    public const double MinTauU = 1e-100;

    /// <summary>Temperature T: 1 samples the posterior, 0 is deterministic MAP descent.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Mass of the second-order dynamics, in units of tau_u (mu -> 0 is first order). Ignored for order 1.</summary>
    public double Mu { get; init; } = 1.0;

    /// <summary>Independent chains per input (their samples are pooled). Many chains beat long chains on 2 cores only when they are independent; this is what makes the Monte Carlo error honest.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Steps recorded per chain after burn-in (every step is a sample); null: <see cref="EdgeLangevin.Reference.Inference.StepPolicy.SampleTauU"/> tau_u worth of steps (2000 at the paper's eps = 0.05), which the inference engines extend until the standard errors reach <see cref="EdgeLangevin.Reference.Inference.RunLengthPolicy"/>'s targets.</summary>
    public int? Samples { get; init; }

    /// <summary>Steps discarded per chain before recording; null: <see cref="EdgeLangevin.Reference.Inference.StepPolicy.BurnInTauU"/> tau_u worth of steps. Chains start at u = 0, inside the zero region; leaving it takes several tau_u, and 200 steps (10 tau_u) still biased P(s = 0) upward by about 0.01 on the MODEL.md worked case, 1000 (50 tau_u) did not.</summary>
    public int? BurnIn { get; init; }

    /// <summary>eps = dt / tau_u, the dimensionless step of the update equations (resolved settings only).</summary>
    [JsonIgnore]
    public double Eps => ResolvedDt / TauU;

    /// <summary>dt of resolved settings (<see cref="EdgeLangevin.Reference.Inference.StepPolicy.Resolve"/>).</summary>
    [JsonIgnore]
    public double ResolvedDt => Dt ?? throw Unresolved("dt");

    /// <summary>Samples per chain of resolved settings.</summary>
    [JsonIgnore]
    public int ResolvedSamples => Samples ?? throw Unresolved("samples");

    /// <summary>Burn-in steps of resolved settings.</summary>
    [JsonIgnore]
    public int ResolvedBurnIn => BurnIn ?? throw Unresolved("burn_in");

    /// <summary>Whether dt, samples and burn_in are all set.</summary>
    [JsonIgnore]
    public bool IsResolved => Dt is not null && Samples is not null && BurnIn is not null;

    private static InvalidOperationException Unresolved(string field) =>
        new($"inference.{field} is chosen per model: resolve the settings with StepPolicy.Resolve(model, settings) first");

    public static InferenceSettings Default { get; } = new();

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first bad field (snake_case, as in the JSON).</summary>
    public void Validate(string? fileName = null)
    {
        if (!Enum.IsDefined(Method)) throw InvalidInputException.Field(fileName, "method", "expected \"langevin\", \"lca\" or \"mala\"");
        if (Order is not (1 or 2)) throw InvalidInputException.Field(fileName, "order", $"expected 1 or 2, got {Order}");
        if (!(TauU > 0) || !double.IsFinite(TauU)) throw InvalidInputException.Field(fileName, "tau_u", $"must be a positive finite number, got {SettingsJson.F(TauU)}");
        // The mirror of MaxTemperature: a step dt = eps tau_u must stay a normal double for any eps the step policy picks
        // (5e-324 made the chosen dt 0, reported as "field 'dt' ... got 0", a field the user never set; session 19).
        if (TauU < MinTauU) throw InvalidInputException.Field(fileName, "tau_u", $"{SettingsJson.F(TauU)} is too small: the time step dt = eps tau_u must stay a normal double, so tau_u must be at least {MinTauU:G0} (the paper's is 20)");
        if (Dt is double dt)
        {
            if (!(dt > 0) || !double.IsFinite(dt)) throw InvalidInputException.Field(fileName, "dt", $"must be a positive finite number, got {SettingsJson.F(dt)}");
            // eps >= 1 overshoots the leak and the data drive in a single step: the chain no longer follows the dynamics.
            if (!(Eps < 1)) throw InvalidInputException.Field(fileName, "dt", $"dt / tau_u must be below 1, got {SettingsJson.F(dt)} / {SettingsJson.F(TauU)}");
        }
        if (!(Temperature >= 0) || !double.IsFinite(Temperature)) throw InvalidInputException.Field(fileName, "temperature", $"must be a finite number >= 0, got {SettingsJson.F(Temperature)}");
        // exp(-E / T) spreads s over T / lambda and its Gaussian part over sqrt(T); the chains square and sum their states, so
        // T is held to the inputs' double-precision range (break-21: 1e308 was "internal error: u became NaN", 1.6e213 exit 0
        // with standard errors of Infinity)
        if (Temperature > MaxTemperature)
            throw InvalidInputException.Field(fileName, "temperature", $"{SettingsJson.F(Temperature)} is too large: the chains' spread grows with T, and T must stay at most {MaxTemperature:G0} for double precision");
        if (Order == 2)
        {
            if (!(Mu > 0) || !double.IsFinite(Mu)) throw InvalidInputException.Field(fileName, "mu", $"must be a positive finite number, got {SettingsJson.F(Mu)}");
            // The friction step m <- m - (eps/mu) m reverses the momentum's sign when eps/mu > 1.
            if (Dt is not null && !(Eps / Mu <= 1)) throw InvalidInputException.Field(fileName, "mu", $"eps / mu = {SettingsJson.F(Eps / Mu)} must be <= 1 (use a larger mu or a smaller dt)");
        }
        if (Method == InferenceMethod.Lca && Order != 1) throw InvalidInputException.Field(fileName, "order", "LCA is first order only");
        if (Method == InferenceMethod.Mala && Order != 1) throw InvalidInputException.Field(fileName, "order", "MALA (the exact mode) is first order only");
        if (Method == InferenceMethod.Mala && !(Temperature > 0)) throw InvalidInputException.Field(fileName, "temperature", "MALA samples at a temperature > 0");
        if (Chains < 1) throw InvalidInputException.Field(fileName, "chains", $"must be >= 1, got {Chains}");
        if (Samples is < 1) throw InvalidInputException.Field(fileName, "samples", $"must be >= 1, got {Samples}");
        if (BurnIn is < 0) throw InvalidInputException.Field(fileName, "burn_in", $"must be >= 0, got {BurnIn}");
    }

    public JsonObject ToJson() => SettingsJson.ToJson(this);

    /// <summary>Reads the settings from JSON (<paramref name="section"/>: where they sit in the file, for error messages).</summary>
    public static InferenceSettings FromJson(JsonNode? node, string? fileName = null, string section = "") =>
        SettingsJson.Parse<InferenceSettings>(node, fileName, (s, f) => s.Validate(f), section);
}
