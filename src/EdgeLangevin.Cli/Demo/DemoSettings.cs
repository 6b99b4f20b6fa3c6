using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Demo;

/// <summary>
/// How much work the demo does: the "demo" section of its --config file (snake_case), over the
/// defaults of <see cref="Full"/> or, with --quick, <see cref="Quick"/>.
/// <para>
/// Image learning uses the time scales of `reproduce images --quick` (<see cref="ImageExperimentSettings.Quick"/>:
/// the authors' ratios, shortened so learning takes seconds, not hours); the demo only chooses how many
/// steps and chains. `edgelangevin reproduce images` is the faithful run.
/// </para>
/// </summary>
public sealed record DemoSettings
{
    /// <summary>Overcompleteness R: K = R x 64 atoms for 8x8 patches.</summary>
    public int Overcomplete { get; init; } = 1;

    /// <summary>Chains (patches) learned from in parallel.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Learning steps (dt = 1 time unit each), float and fixed point alike.</summary>
    public long LearnSteps { get; init; } = 30_000;

    /// <summary>Optional overrides of the image-learning time constants (time units); null keeps `reproduce images --quick`'s.</summary>
    public double? TauX { get; init; }

    public double? TauA { get; init; }

    public double? TauU0 { get; init; }

    /// <summary>
    /// Steps of the float run's MAP finish (<see cref="MapFinish"/>: the dictionary by L1 MAP, pi = 1, T = 0, unit-norm atoms,
    /// alpha = 1, tau_a <see cref="MapTauA"/>), after the sampler's <see cref="LearnSteps"/>; 0: none (the sampler's dictionary).
    /// Why: the sampler's own dictionary rule codes held-out patches about 2 dB worse than scikit-learn's dictionary learning;
    /// with this finish the demo's dictionary is within 0.4 dB of it (bench/sklearn/README.md).
    /// </summary>
    public long MapSteps { get; init; } = MapFinish.Quick.Dictionary.Steps;

    /// <summary>
    /// tau_a of the MAP finish's first part (time units): 250, doubling over <see cref="MapFinish.Quick"/>'s parts to 1000. At K = 64 after
    /// the 30000 sampler steps this reaches 6.28 dB at OMP 8 against 5.97 at a constant tau_a 500 (bench/sklearn/README.md).
    /// </summary>
    public double MapTauA { get; init; } = MapFinish.Quick.Dictionary.TauA;

    /// <summary>Steps of the sampler learning pi again with the MAP dictionary held (the model the posterior stages sample).</summary>
    public long MapPiSteps { get; init; } = MapFinish.Quick.PiSteps;

    /// <summary>Steps of the evaluation run of the float-learned model on fresh patches.</summary>
    public long EvaluationSteps { get; init; } = 4_000;

    /// <summary>Also learn in fixed point (the core's learner, same data stream and settings).</summary>
    public bool LearnFixed { get; init; } = true;

    /// <summary>Held-out patches whose posteriors are sampled (float and fixed point).</summary>
    public int PosteriorPatches { get; init; } = 32;

    /// <summary>Samples per chain for the posteriors (after burn-in).</summary>
    public int PosteriorSamples { get; init; } = 2000;

    /// <summary>
    /// Fixed against float: how many of the held-out patches, and how many chains each (both engines). Many chains on a
    /// few patches: every unit's P(s != 0) is then known well enough that the scatter can show the engines' difference
    /// rather than Monte Carlo noise (with infer's 4 chains it was all noise: RMS 0.060 against a Monte Carlo RMS of 0.064).
    /// </summary>
    public int ComparePatches { get; init; } = 4;

    public int CompareChains { get; init; } = 64;

    /// <summary>Chains and samples per chain for the K = 1 exact-posterior check.</summary>
    public int ExactChains { get; init; } = 256;

    public int ExactSamples { get; init; } = 4000;

    /// <summary>Words drawn from the fixed-point Gaussian generator for its histogram and autocorrelation.</summary>
    public int NoiseSamples { get; init; } = 200_000;

    /// <summary>Steps of test vectors compared bit for bit in the HDL simulators.</summary>
    public int HdlSteps { get; init; } = 200;

    /// <summary>Which simulators verify the Verilog: "icarus", "verilator".</summary>
    public string[] Simulators { get; init; } = ["icarus", "verilator"];

    /// <summary>Run yosys and nextpnr for the iCE40 UP5K (minutes on two cores).</summary>
    public bool Synthesis { get; init; } = true;

    /// <summary>
    /// Learning steps of the chip stage (bars learned by the simulated Verilog beside the C# learner); 0 turns
    /// the stage off. The full demo runs 2000 steps of the 4-chain, 256-data bars configuration in Verilator (the
    /// 2000-step verification's; about a minute): the chip's dictionary equal to the C# learner's word for word, the
    /// bars partly learned (the long run's configuration, learning-bars-long, needs 30000 steps to pass cosine 0.95:
    /// too long for a demo); --quick runs 8 steps of the 4-chain configuration in Icarus, enough to show the chip's dictionary moving and
    /// equal to the C# learner's, not to learn the bars.
    /// </summary>
    public int ChipSteps { get; init; } = 2_000;

    /// <summary>The chip stage's configuration: one of ChipLearning.ConfigNames (codegen/examples/NAME.json).</summary>
    public string ChipConfig { get; init; } = "learning-bars-k16d64-b4";

    /// <summary>A few minutes on two cores.</summary>
    public static DemoSettings Full { get; } = new();

    /// <summary>Well under a minute on two cores: shorter runs, Icarus only, no synthesis.</summary>
    public static DemoSettings Quick { get; } = new()
    {
        LearnSteps = 6_000,
        MapSteps = 6_000,
        MapPiSteps = 4_000,
        EvaluationSteps = 1_000,
        PosteriorPatches = 16,
        PosteriorSamples = 500,
        ComparePatches = 2,
        CompareChains = 32,
        ExactChains = 128,
        ExactSamples = 1000,
        NoiseSamples = 100_000,
        HdlSteps = 32,
        Simulators = ["icarus"],
        Synthesis = false,
        ChipSteps = 8,
        ChipConfig = "learning-bars-k16d64-b4",
    };

    public void Validate(string? file)
    {
        if (Overcomplete is < 1 or > 8) throw InvalidInputException.Field(file, "overcomplete", $"expected 1 to 8, got {Overcomplete}");
        if (Batch < 1) throw InvalidInputException.Field(file, "batch", $"must be >= 1, got {Batch}");
        if (LearnSteps < 1) throw InvalidInputException.Field(file, "learn_steps", $"must be >= 1, got {LearnSteps}");
        if (TauX is double tx && !(tx >= 1)) throw InvalidInputException.Field(file, "tau_x", $"must be >= dt = 1, got {tx}");
        if (TauA is double ta && !(ta >= 1)) throw InvalidInputException.Field(file, "tau_a", $"must be >= dt = 1, got {ta}");
        if (TauU0 is double tu && !(tu > 0)) throw InvalidInputException.Field(file, "tau_u0", $"must be > 0, got {tu}");
        if (MapSteps < 0) throw InvalidInputException.Field(file, "map_steps", $"must be >= 0 (0: no MAP finish), got {MapSteps}");
        int mapParts = MapFinish.Quick.TauADoublings + 1;
        if (MapSteps is > 0 && MapSteps < mapParts) throw InvalidInputException.Field(file, "map_steps", $"must be 0 (no MAP finish) or at least {mapParts} (one step per part of the decaying rate), got {MapSteps}");
        if (!(MapTauA >= 1) || !double.IsFinite(MapTauA)) throw InvalidInputException.Field(file, "map_tau_a", $"must be a finite number >= dt = 1, got {MapTauA}");
        if (MapPiSteps < 0) throw InvalidInputException.Field(file, "map_pi_steps", $"must be >= 0, got {MapPiSteps}");
        if (EvaluationSteps < 1) throw InvalidInputException.Field(file, "evaluation_steps", $"must be >= 1, got {EvaluationSteps}");
        if (PosteriorPatches < 1) throw InvalidInputException.Field(file, "posterior_patches", $"must be >= 1, got {PosteriorPatches}");
        if (PosteriorSamples < 10) throw InvalidInputException.Field(file, "posterior_samples", $"must be >= 10, got {PosteriorSamples}");
        if (ComparePatches < 1) throw InvalidInputException.Field(file, "compare_patches", $"must be >= 1, got {ComparePatches}");
        if (CompareChains < 2) throw InvalidInputException.Field(file, "compare_chains", $"must be >= 2, got {CompareChains}");
        if (ExactChains < 2) throw InvalidInputException.Field(file, "exact_chains", $"must be >= 2, got {ExactChains}");
        if (ExactSamples < 10) throw InvalidInputException.Field(file, "exact_samples", $"must be >= 10, got {ExactSamples}");
        if (NoiseSamples < 1000) throw InvalidInputException.Field(file, "noise_samples", $"must be >= 1000, got {NoiseSamples}");
        if (HdlSteps < 1) throw InvalidInputException.Field(file, "hdl_steps", $"must be >= 1, got {HdlSteps}");
        if (ChipSteps is < 0 or > 65535) throw InvalidInputException.Field(file, "chip_steps", $"expected 0 (no chip stage) to 65535 (the learning testbench's limit), got {ChipSteps}");
        if (Array.IndexOf(ChipLearning.ConfigNames, ChipConfig) < 0)
            throw InvalidInputException.Field(file, "chip_config", $"expected one of {string.Join(", ", ChipLearning.ConfigNames.Select(n => $"\"{n}\""))}, got \"{ChipConfig}\"");
        foreach (string s in Simulators)
            if (s is not ("icarus" or "verilator")) throw InvalidInputException.Field(file, "simulators", $"expected \"icarus\" and/or \"verilator\", got \"{s}\"");
    }

    /// <summary>The image-learning settings: `reproduce images --quick` time scales with this run's length and batch, then the MAP finish.</summary>
    public ImageExperimentSettings ImageSettings() => ImageExperimentSettings.Quick with
    {
        Learning = ImageExperimentSettings.Quick.Learning with
        {
            Steps = LearnSteps,
            Batch = Batch,
            RecordEvery = (int)Math.Max(1, LearnSteps / 100),
            TauX = TauX ?? ImageExperimentSettings.Quick.Learning.TauX,
            TauA = TauA ?? ImageExperimentSettings.Quick.Learning.TauA,
            TauU0 = TauU0 ?? ImageExperimentSettings.Quick.Learning.TauU0,
        },
        EvaluationSteps = EvaluationSteps,
        Map = MapSteps == 0 ? null : MapFinish.Quick with
        {
            Dictionary = MapFinish.Quick.Dictionary with
            {
                Steps = MapSteps, Batch = Batch, TauA = MapTauA, TauX = TauX ?? ImageExperimentSettings.Quick.Learning.TauX,
                RecordEvery = (int)Math.Max(1, MapSteps / 50),
            },
            PiSteps = MapPiSteps,
        },
    };
}
