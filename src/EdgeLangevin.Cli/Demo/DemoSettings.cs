using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Demo;

/// <summary>
/// How much work the demo does: the "demo" section of its --config file (snake_case), over the
/// defaults of <see cref="Full"/> or, with --quick, <see cref="Quick"/>.
/// <para>
/// The image-learning time constants are shorter than the paper's (tau_x = 400, tau_A = 4e4 per
/// mean-over-batch, run for millions of steps): the demo must finish in minutes on two cores, so it
/// shows data faster and lets the dictionary move faster. The atoms are then rougher than the
/// paper's, and the report says so; `edgelangevin reproduce images` is the faithful run.
/// </para>
/// </summary>
public sealed record DemoSettings
{
    /// <summary>Overcompleteness R: K = R x 64 atoms for 8x8 patches.</summary>
    public int Overcomplete { get; init; } = 1;

    /// <summary>Chains (patches) learned from in parallel.</summary>
    public int Batch { get; init; } = 128;

    /// <summary>Learning steps (dt = 1 time unit each).</summary>
    public long LearnSteps { get; init; } = 40_000;

    /// <summary>Time a patch is shown to a chain (time units).</summary>
    public double TauX { get; init; } = 100;

    /// <summary>Dictionary time constant (mean-over-batch convention of LearningSettings).</summary>
    public double TauA { get; init; } = 2_000;

    /// <summary>Threshold time constant (sum-over-batch-and-units convention); pi starts at <see cref="PiInitial"/>.</summary>
    public double TauU0 { get; init; } = 2e6;

    public double PiInitial { get; init; } = 0.5;

    /// <summary>Observation noise, relative to the whitened patches' unit RMS per pixel.</summary>
    public double Sigma { get; init; } = 0.5;

    /// <summary>Held-out patches whose posteriors are sampled (float and fixed point).</summary>
    public int PosteriorPatches { get; init; } = 32;

    /// <summary>Samples per chain for the posteriors (after burn-in), 4 chains per patch.</summary>
    public int PosteriorSamples { get; init; } = 1000;

    /// <summary>Chains and samples per chain for the K = 1 exact-posterior check.</summary>
    public int ExactChains { get; init; } = 256;

    public int ExactSamples { get; init; } = 2000;

    /// <summary>Words drawn from the fixed-point Gaussian generator for its histogram and autocorrelation.</summary>
    public int NoiseSamples { get; init; } = 200_000;

    /// <summary>Steps of test vectors compared bit for bit in the HDL simulators.</summary>
    public int HdlSteps { get; init; } = 200;

    /// <summary>A few minutes on two cores.</summary>
    public static DemoSettings Full { get; } = new();

    /// <summary>Well under a minute on two cores.</summary>
    public static DemoSettings Quick { get; } = new()
    {
        Batch = 64,
        LearnSteps = 8_000,
        TauX = 50,
        TauA = 500,
        TauU0 = 5e5,
        PosteriorPatches = 16,
        PosteriorSamples = 500,
        ExactChains = 128,
        ExactSamples = 1000,
        NoiseSamples = 100_000,
        HdlSteps = 64,
    };

    public void Validate(string? file)
    {
        if (Overcomplete is < 1 or > 8) throw InvalidInputException.Field(file, "overcomplete", $"expected 1 to 8, got {Overcomplete}");
        if (Batch < 1) throw InvalidInputException.Field(file, "batch", $"must be >= 1, got {Batch}");
        if (LearnSteps < 1) throw InvalidInputException.Field(file, "learn_steps", $"must be >= 1, got {LearnSteps}");
        if (!(TauX >= 1)) throw InvalidInputException.Field(file, "tau_x", $"must be >= dt = 1, got {TauX}");
        if (!(TauA >= 1)) throw InvalidInputException.Field(file, "tau_a", $"must be >= dt = 1, got {TauA}");
        if (!(TauU0 > 0)) throw InvalidInputException.Field(file, "tau_u0", $"must be > 0, got {TauU0}");
        if (!(PiInitial > 0 && PiInitial <= 1)) throw InvalidInputException.Field(file, "pi_initial", $"must be in (0, 1], got {PiInitial}");
        if (!(Sigma > 0)) throw InvalidInputException.Field(file, "sigma", $"must be > 0, got {Sigma}");
        if (PosteriorPatches < 1) throw InvalidInputException.Field(file, "posterior_patches", $"must be >= 1, got {PosteriorPatches}");
        if (PosteriorSamples < 10) throw InvalidInputException.Field(file, "posterior_samples", $"must be >= 10, got {PosteriorSamples}");
        if (ExactChains < 2) throw InvalidInputException.Field(file, "exact_chains", $"must be >= 2, got {ExactChains}");
        if (ExactSamples < 10) throw InvalidInputException.Field(file, "exact_samples", $"must be >= 10, got {ExactSamples}");
        if (NoiseSamples < 1000) throw InvalidInputException.Field(file, "noise_samples", $"must be >= 1000, got {NoiseSamples}");
        if (HdlSteps < 1) throw InvalidInputException.Field(file, "hdl_steps", $"must be >= 1, got {HdlSteps}");
    }
}
