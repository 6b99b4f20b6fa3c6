using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Codegen.Templates;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Codegen.Firmware;

/// <summary>What to export: the model, its number formats, the step settings and the golden run.</summary>
public sealed record FirmwareExportOptions
{
    public required FirmwareTarget Target { get; init; }
    public FixedFormat Format { get; init; } = FixedFormat.Default;
    /// <summary>eps = dt / tau_u.</summary>
    public double Eps { get; init; } = 0.05;
    public double Temperature { get; init; } = 1.0;
    public int Order { get; init; } = 1;
    /// <summary>Mass, order 2 only.</summary>
    public double Mu { get; init; }
    /// <summary>Seed of the golden run's noise generator (recorded in the output).</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Steps of the golden run the board replays at boot.</summary>
    public int GoldenSteps { get; init; } = 16;
    /// <summary>Chains the board will run (for the memory estimate and the learning rate's batch).</summary>
    public int Chains { get; init; } = 1;
    /// <summary>Online learning of the dictionary on the board.</summary>
    public bool LearnDictionary { get; init; } = true;
    /// <summary>Online learning of the threshold u0, i.e. of pi = exp(-lambda u0).</summary>
    public bool LearnPi { get; init; } = true;
    /// <summary>Dictionary time constant tau_A in steps (dt = 1), for the whole batch of chains.</summary>
    public double TauA { get; init; } = 2e4;
    /// <summary>Threshold time constant tau_u0 in steps.</summary>
    public double TauU0 { get; init; } = 1e6;
    /// <summary>Steps per data window on the board (the data time constant tau_x).</summary>
    public int StepsPerWindow { get; init; } = 100;
}

/// <summary>The exported files' contents and the numbers behind them.</summary>
public sealed record FirmwareExport(string ModelSource, string GoldenJson, long RamBytes, long BudgetBytes, int[] GoldenStepHashes, int[] GoldenFinalState);

/// <summary>
/// `edgelangevin firmware export`: renders a model as C# source for a board (no file system
/// there) from firmware/templates/ExportedModel.cs.sbn, with the golden vector the boot
/// self-test replays: the input x_q = quantised 1.5 (a_0 + a_(K-1)), the seed, and the state
/// after each of N steps of one chain, produced here by the core's own solver (the desktop
/// build of the very files the board compiles). Output is byte-for-byte reproducible.
/// </summary>
public static class FirmwareExporter
{
    public const string TemplateName = "ExportedModel.cs.sbn";

    /// <summary>
    /// Builds the export in memory. Throws <see cref="InvalidInputException"/> when the model does not fit the target.
    /// <paramref name="modelName"/> names the generated class; <paramref name="modelFile"/> (the path the user gave, when
    /// there is one) names the model in errors, so that a user sees which file is at fault.
    /// </summary>
    public static FirmwareExport Build(SparseCodingModel model, string modelName, FirmwareExportOptions options, TemplateRenderer renderer, string? modelFile = null)
    {
        string named = modelFile ?? modelName;
        if (options.GoldenSteps < 1 || options.GoldenSteps > 4096) throw InvalidInputException.Field(null, "--golden-steps", $"expected 1 to 4096, got {options.GoldenSteps}");
        if (options.Chains < 1) throw InvalidInputException.Field(null, "--chains", $"expected at least 1, got {options.Chains}");
        long budget = FirmwareTargets.BudgetBytes(options.Target);
        bool learning = options.LearnDictionary || options.LearnPi;
        long ram = FirmwareTargets.EstimateRamBytes(model.D, model.K, options.Chains, options.GoldenSteps, learning);
        string target = FirmwareTargets.Name(options.Target);
        if (ram > budget)
            throw new InvalidInputException(
                $"{named}: the model (D = {model.D}, K = {model.K}, {options.Chains} chain(s)) needs about {Kib(ram)} of RAM on the board, " +
                $"more than the {target} budget of {Kib(budget)}; use a smaller K or D, fewer chains, or another target");

        FixedParameters fixedParams = FixedParameters.Create(model, options.Format, options.Eps, options.Temperature, options.Order, options.Mu, named);
        LearningParameters? learningParams = learning ? Learning(model, options) : null;
        int[] input = GoldenInput(model, options.Format, named);
        var solver = new LangevinSolver(fixedParams.Step, fixedParams.DictionaryRowMajor, model.D, model.K, 1, options.Seed);
        var learner = learningParams is null ? null : new FixedLearner(solver, learningParams, options.Seed);
        int[] initial = GoldenInitialState(fixedParams.Step, model.K);
        solver.SetData(0, input, 0);
        Array.Copy(initial, solver.Workspace.U, model.K);
        var hashes = new int[options.GoldenSteps];
        for (int s = 0; s < options.GoldenSteps; s++)
        {
            if (learner is null) solver.Step();
            else learner.Step();
            hashes[s] = HashWords(solver.Workspace.U, model.K);
        }
        int[] final = solver.Workspace.U[..model.K];

        string modelHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ModelFile.ToJson(model).ToJsonString())));
        var p = fixedParams.Step;
        var f = options.Format;
        var view = new
        {
            GeneratorVersion = GeneratorVersion,
            ModelName = modelName,
            ModelHash = modelHash,
            Target = target,
            FormatSpec = FormatSpec.ToSpec(f),
            Eps = Invariant(options.Eps),
            Temperature = Invariant(options.Temperature),
            Order = options.Order,
            Mu = Invariant(options.Mu),
            Seed = options.Seed,
            GoldenSteps = options.GoldenSteps,
            RamBytes = ram,
            BudgetBytes = budget,
            FormatArgs = string.Join(", ", f.DictionaryBits, f.DictionaryFracBits, f.StateBits, f.StateFracBits, f.MacBits, f.MacFracBits, f.CoefficientBits, f.CoefficientFracBits),
            Variant = p.Variant == FixedVariant.Signed ? "FixedVariant.Signed" : "FixedVariant.NonNegative",
            ParameterArgs = string.Join(", ", p.Order, p.U0, p.Leak, p.Gain, p.NoiseScale, p.Half, p.Friction),
            D = model.D,
            K = model.K,
            DictionaryHash = HashWords(fixedParams.DictionaryRowMajor.Select(v => (int)v).ToArray(), model.D * model.K),
            LambdaQ16 = checked((int)Math.Round(model.Lambda * 65536, MidpointRounding.AwayFromZero)),
            DictionaryRows = Rows(fixedParams.DictionaryRowMajor.Select(v => (long)v), model.K),
            LearningExpression = learningParams is null ? "null" : LearningExpression(learningParams),
            LearningSummary = learningParams is null ? "none (inference only)" :
                $"dictionary {(options.LearnDictionary ? $"tau_A {Invariant(options.TauA)}" : "fixed")}, threshold {(options.LearnPi ? $"tau_u0 {Invariant(options.TauU0)}" : "fixed")}, stochastic rounding",
            GoldenFinalThreshold = solver.ThresholdQ,
            InitialRows = Rows(initial.Select(v => (long)v), 8),
            InputRows = Rows(input.Select(v => (long)v), 8),
            HashRows = Rows(hashes.Select(v => (long)v), 8),
            FinalRows = Rows(final.Select(v => (long)v), 8),
        };
        string source = renderer.Render(TemplateName, view);

        var golden = new JsonObject
        {
            ["format"] = "edgelangevin-firmware-golden",
            ["version"] = 1,
            ["generator"] = GeneratorVersion,
            ["model"] = modelName,
            ["model_sha256"] = modelHash,
            ["target"] = target,
            ["number_format"] = FormatSpec.ToSpec(f),
            ["eps"] = options.Eps,
            ["temperature"] = options.Temperature,
            ["order"] = options.Order,
            ["seed"] = options.Seed,
            ["dictionary_hash"] = HashWords(fixedParams.DictionaryRowMajor.Select(v => (int)v).ToArray(), model.D * model.K),
            ["steps"] = options.GoldenSteps,
            ["D"] = model.D,
            ["K"] = model.K,
            ["ram_bytes_estimate"] = ram,
            ["ram_budget_bytes"] = budget,
            ["initial_state"] = new JsonArray(initial.Select(v => (JsonNode)v).ToArray()),
            ["input"] = new JsonArray(input.Select(v => (JsonNode)v).ToArray()),
            ["step_hashes"] = new JsonArray(hashes.Select(v => (JsonNode)v).ToArray()),
            ["final_state"] = new JsonArray(final.Select(v => (JsonNode)v).ToArray()),
            ["final_threshold"] = solver.ThresholdQ,
            ["learning"] = learningParams is null ? null : new JsonObject
            {
                ["dictionary"] = options.LearnDictionary,
                ["threshold"] = options.LearnPi,
                ["tau_a"] = options.TauA,
                ["tau_u0"] = options.TauU0,
                ["dictionary_rate"] = learningParams.DictionaryRate,
                ["dictionary_shift"] = learningParams.DictionaryShift,
                ["threshold_rate"] = learningParams.ThresholdRate,
                ["threshold_shift"] = learningParams.ThresholdShift,
            },
        };
        string goldenJson = golden.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        return new FirmwareExport(source, goldenJson, ram, budget, hashes, final);
    }

    /// <summary>Writes ExportedModel.cs and golden.json into <paramref name="outDir"/>, atomically (the folder appears complete or not at all).</summary>
    public static FirmwareExport Export(SparseCodingModel model, string modelName, FirmwareExportOptions options, string outDir, string? templateDir = null, string? modelFile = null)
    {
        var renderer = new TemplateRenderer(templateDir ?? FindTemplateDir());
        FirmwareExport export = Build(model, modelName, options, renderer, modelFile);
        AtomicFile.WriteDirectory(outDir, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "ExportedModel.cs"), export.ModelSource, new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(dir, "golden.json"), export.GoldenJson, new UTF8Encoding(false));
        });
        return export;
    }

    /// <summary>
    /// FNV-1a over the first <paramref name="count"/> words, the host twin of the firmware's
    /// GoldenSelfTest.HashWords: h = (h ^ w) * 16777619 from 0x811C9DC5, 32-bit wrapping.
    /// </summary>
    public static int HashWords(int[] words, int count)
    {
        uint h = 0x811C9DC5;
        for (int i = 0; i < count; i++) h = unchecked((h ^ (uint)words[i]) * 16777619u);
        return unchecked((int)h);
    }

    /// <summary>
    /// The golden run's starting u: unit k is 0 when k mod 3 = 0, +(u0_q + 1/2) when 1 and
    /// -(u0_q + 1/2) when 2 (saturated to the state word). From u = 0 the L0 dynamics at T = 0 never
    /// leave 0 (no unit is above threshold, the leak of 0 is 0), which would make a golden vector
    /// of zeros that any board passes.
    /// </summary>
    public static int[] GoldenInitialState(StepParameters step, int k)
    {
        long above = Math.Min((long)step.U0 + (1L << (step.Format.StateFracBits - 1)), FixedFormat.MaxOf(step.Format.StateBits));
        var u = new int[k];
        for (int i = 0; i < k; i++) u[i] = (i % 3) switch { 1 => (int)above, 2 => (int)-above, _ => 0 };
        return u;
    }

    /// <summary>The learner's integer rates (host conversion of the core's simulator) for the board's settings.</summary>
    public static LearningParameters Learning(SparseCodingModel model, FirmwareExportOptions options)
    {
        var inference = new InferenceSettings { Dt = 1.0, TauU = 1.0 / options.Eps, Order = options.Order, Temperature = options.Temperature, Mu = options.Order == 2 ? options.Mu : 1.0, Chains = options.Chains };
        var learning = new LearningSettings
        {
            Batch = options.Chains,
            TauX = options.StepsPerWindow,
            TauA = options.TauA,
            TauU0 = options.TauU0,
            LearnDictionary = options.LearnDictionary,
            LearnPi = options.LearnPi,
        };
        return FixedLearning.Convert(model, options.Format, inference, learning);
    }

    private static string LearningExpression(LearningParameters p) =>
        $"new LearningParameters({Bool(p.LearnDictionary)}, {p.DictionaryRate}, {p.DictionaryShift}, {Bool(p.LearnThreshold)}, {p.ThresholdRate}, {p.ThresholdShift}, " +
        $"{Bool(p.Normalise)}, FixedSwitching.{p.Switching}, {p.SwitchEvery}, {p.SwitchProbability}, LearningRounding.{p.Rounding})";

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>x_q = quantised 1.5 (a_0 + a_(K-1)): two atoms well above threshold, so the golden run exercises the data drive.</summary>
    public static int[] GoldenInput(SparseCodingModel model, FixedFormat format, string? source)
    {
        var x = new double[model.D];
        for (int d = 0; d < model.D; d++) x[d] = 1.5 * (model.Dictionary[d, 0] + model.Dictionary[d, model.K - 1]);
        var q = new int[model.D];
        FixedParameters.QuantizeData(x, format, q, 0, source);
        return q;
    }

    /// <summary>The folder holding ExportedModel.cs.sbn: next to the tool (firmware-templates/) or, in a source checkout, firmware/templates.</summary>
    public static string FindTemplateDir()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "firmware-templates");
        if (File.Exists(Path.Combine(beside, TemplateName))) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "firmware", "templates");
            if (File.Exists(Path.Combine(candidate, TemplateName))) return candidate;
        }
        throw new InvalidInputException($"firmware templates not found: expected {TemplateName} in {beside} or in firmware/templates above {AppContext.BaseDirectory}");
    }

    public static string GeneratorVersion => "edgelangevin " + (typeof(FirmwareExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private static string[] Rows(IEnumerable<long> values, int perRow) =>
        values.Chunk(perRow).Select(chunk => string.Join(", ", chunk.Select(v => v.ToString(CultureInfo.InvariantCulture))) + ",").ToArray();

    private static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Kib(long bytes) => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
}
