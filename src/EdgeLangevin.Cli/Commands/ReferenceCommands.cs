using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Experiments;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reporting.Reproduce;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Commands;

/// <summary>The double-precision reference's verbs: `reproduce bars`, `infer`, `learn`.</summary>
public static class ReferenceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Version => typeof(ReferenceCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    public static void Add(RootCommand root)
    {
        Reproduce(root).Add(ReproduceBars());
        root.Add(Infer());
        root.Add(Learn());
    }

    /// <summary>The `reproduce` group, created once; `reproduce images` (ImageCommands) adds itself to the same group.</summary>
    public static Command Reproduce(RootCommand root)
    {
        if (root.Subcommands.FirstOrDefault(c => c.Name == "reproduce") is { } existing) return existing;
        var cmd = new Command("reproduce", "Reproduce the paper's results (bars, natural images)");
        root.Add(cmd);
        return cmd;
    }

    private static Command ReproduceBars()
    {
        var quick = new Option<bool>("--quick") { Description = "Shorter runs (about a minute on 2 cores); the numbers are noisier and learning has less time" };
        var json = CommonOptions.Json();
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for the PNG plots and result.json, replaced atomically (default out/reproduce-bars)", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "reproduce-bars")) };
        var seed = CommonOptions.Seed();
        var cmd = new Command("bars",
            "DSC, LCA and Langevin sparse coding (LSC) on the 8x8 bars data with the paper's settings: activity, KL of the " +
            "non-zero codes against the prior, column norms without normalisation, cosine of the learned dictionary.\n" +
            "Example: edgelangevin reproduce bars --quick --json bars.json --out bars-plots")
        { quick, json, outDir, seed };
        cmd.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            bool isQuick = parse.GetValue(quick);
            int s = parse.GetValue(seed);
            BarsRunLengths lengths = isQuick ? BarsRunLengths.Quick : BarsRunLengths.Full;
            BarsReproductionResult result = CliProgress.Run(context, "reproduce bars", (p, ct) => BarsReproduction.Run(lengths, s, p, ct));
            JsonObject obj = BarsReproduction.ToJson(result, isQuick, Version);
            DirectoryInfo dir = parse.GetValue(outDir) ?? new DirectoryInfo(Path.Combine("out", "reproduce-bars"));
            {
                var files = new JsonArray();
                AtomicFile.WriteDirectory(dir.FullName, folder =>
                {
                    foreach (string f in BarsPlots.WriteAll(result, folder)) files.Add(f);
                    obj["plots"] = files;
                    AtomicFile.WriteAllText(Path.Combine(folder, "result.json"), obj.ToJsonString(Indented) + "\n");
                });
                JsonOutput.HumanWriter(parse.GetValue(json)).WriteLine($"plots and result.json written to {dir.FullName}");
            }
            WriteJson(parse.GetValue(json), "reproduce bars", s, obj, null);
            TextWriter human = JsonOutput.HumanWriter(parse.GetValue(json));
            human.WriteLine($"bars, pi_true = {result.Data.Pi}, seed {s}{(isQuick ? ", quick" : "")}");
            human.WriteLine("method  activity  kl_nonzero  median_column_norm  cosine  cosine_normalised  cosine_time_averaged");
            foreach (var m in result.Methods)
                human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Name,-6}  {m.Activity,8:0.000}  {m.KlNonZero,10:0.0000}  {m.MedianColumnNorm,18:0.000}  {m.Cosine,6:0.000}  {m.CosineNormalised,17:0.000}  {m.CosineTimeAveraged(result.Data.TrueDictionary),20:0.000}"));
            human.WriteLine("activity vs pi_model (LSC): " + string.Join(", ", result.PiSweep.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.PiModel:0.00}->{p.Activity:0.000}"))));
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static Command Infer()
    {
        var model = new Option<FileInfo>("--model") { Description = "Model file (JSON, see the README)", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "Inputs: {\"inputs\": [[x_0, ..., x_{D-1}], ...]}", Required = true };
        var samples = new Option<int?>("--samples") { Description = "Samples recorded per chain (default: run until the Monte Carlo standard errors reach 0.02 on p_active and 0.04 max(std, 1 / lambda) on mean, from 100 up to 1600 tau_u of steps at the model's step; a warning when the budget ends the run first)" };
        var burnIn = new Option<int?>("--burn-in") { Description = "Steps discarded per chain first (default: at least 50 tau_u worth of steps, and until every chain's every unit has left the zero region once)" };
        var chains = new Option<int?>("--chains") { Description = "Independent chains per input (default 4)" };
        var preprocess = new Option<bool>("--preprocess") { Description = "The inputs are raw pixel patches (patch_size^2 values, row-major, 0 to the images' maxval): apply the model's stored preprocessing (mean removal, whitening, scale) first. Models learned from images only" };
        var exact = new Option<bool>("--exact") { Description = "Float engine only: Metropolis-adjusted Langevin (MALA), the same proposal with an accept/reject step, which samples the posterior exactly at any step; reports acceptance_rate" };
        var engine = new Option<string>("--engine") { Description = "float (double-precision reference) or fixed (the fixed-point core)", DefaultValueFactory = _ => "float" };
        engine.AcceptOnlyFromAmong("float", "fixed");
        var precision = new Option<string>("--precision")
        {
            Description = "With --engine float: the number format the chains step in, double (the default; every method) or single (float32, " +
                "first-order Langevin at temperature > 0 only; 2.6-4.4x faster in the README benchmark cases, another random sequence, the same posterior within its error bars)",
            DefaultValueFactory = _ => "double",
        };
        precision.AcceptOnlyFromAmong("double", "single");
        var format = new Option<string?>("--format")
        {
            Description = "With --engine fixed: " + FormatSpec.Help + ". Without --format, M's fractional bits are narrowed if the inputs' largest |x| needs it (see FIXED_POINT.md), so image patches do not clip",
        };
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        json.Required = true;
        var seed = CommonOptions.Seed();
        var cmd = new Command("infer",
            "Posterior summary of s for each input: per unit p_active = P(s_k != 0 | x), mean = E[s_k | x], std, with standard errors (p_active_stderr, mean_stderr) that combine the Monte Carlo error (p_active_mc_stderr, mean_mc_stderr, from the effective sample size p_active_ess, mean_ess: autocorrelation within and disagreement between chains) and the step's bias bound (run.step_bias_p_active; 0 with --exact). " +
            "Unless --config sets inference.dt, the step is derived from the model (its curvature lambda_max(A^T A) / sigma^2 and the order) so that its bias on the posterior stays below 0.01.\n" +
            "Example: edgelangevin infer --model model.json --input x.json --samples 2000 --burn-in 1000 --json posterior.json")
        { model, input, preprocess, samples, burnIn, chains, engine, precision, exact, format, config, json, seed };
        cmd.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            string modelPath = parse.GetValue(model)!.ToString();
            string inputPath = parse.GetValue(input)!.ToString();
            FileInfo? configFile = parse.GetValue(config);
            var cfg = ConfigFile.LoadOrEmpty(configFile, ConfigSections.Inference);
            InferenceSettings settings = cfg.Section(ConfigSections.Inference, InferenceSettings.Default, (x, f) => x.Validate(f));
            settings = settings with
            {
                Samples = parse.GetValue(samples) ?? settings.Samples,
                BurnIn = parse.GetValue(burnIn) ?? settings.BurnIn,
                Chains = parse.GetValue(chains) ?? settings.Chains,
            };
            bool exactGiven = parse.GetValue(exact);
            if (exactGiven)
            {
                if (parse.GetValue(engine) != "float") throw new InvalidInputException("--exact: MALA is the float reference's exact mode; use it with --engine float");
                // a method the config names is not overridden in silence: --exact and "lca" say two things
                if (cfg.Json[ConfigSections.Inference]?["method"] is not null && settings.Method != InferenceMethod.Mala)
                    throw InvalidInputException.Field(configFile?.ToString(), "inference.method", $"\"{MethodName(settings.Method)}\" contradicts --exact (MALA); leave one of them out");
                settings = settings with { Method = InferenceMethod.Mala };
            }
            InferencePrecision chainPrecision = parse.GetValue(precision) == "single" ? InferencePrecision.Single : InferencePrecision.Double;
            if (parse.GetValue(engine) == "fixed") CommonOptions.RefuseGiven(parse, "with --engine fixed (the fixed-point core has its own number format, --format)", precision);
            if (parse.GetValue(engine) == "fixed" && settings.Method != InferenceMethod.Langevin)
                throw InvalidInputException.Field(configFile?.ToString(), "inference.method", $"\"{MethodName(settings.Method)}\" is a float-reference method; the fixed-point engine (--engine fixed) runs Langevin dynamics only");
            try { settings.Validate(); }
            catch (InvalidInputException e)
            {
                // the settings came from the config file (and --exact): name where, not "command line" for a config's field
                string source = configFile is null ? "command line" : exactGiven ? $"{configFile} with --exact" : configFile.ToString();
                throw new InvalidInputException($"{source}: {e.Message}", e);
            }
            if (chainPrecision == InferencePrecision.Single && !SingleChainBatch.Supports(settings))
                throw new InvalidInputException($"--precision single: {FloatEngine.SingleUnsupported}{(configFile is null ? "" : $" (settings from {configFile}{(exactGiven ? " with --exact" : "")})")}");
            SparseCodingModel m = ModelFile.Read(modelPath);
            double[][] inputs = InputFile.Read(inputPath, m.D);
            bool preprocessed = parse.GetValue(preprocess);
            if (preprocessed) inputs = RawPatchInputs.Transform(m, inputs, modelPath, inputPath);
            else if (RawPatchInputs.RawLookingWarning(m, inputs, inputPath) is string rawWarning) context.Error.WriteLine("warning: " + rawWarning);
            FloatEngine.CheckInputs(m, inputs, inputPath); // here, so that its errors name the file
            // dt comes from the config (infer has no --dt); unset, the step is the model's own, and a model too stiff to
            // sample is the model file's problem (break-18: "command line: field 'dt'" for a model with a 1e150 entry)
            string stepSource = settings.Dt is null ? modelPath : configFile?.ToString() ?? "command line";
            // each input's lasso MAP, solved once for this step report, the engine's step and its zero-mass bounds
            var maps = new ZeroMassBound.LassoMaps(m, inputs);
            StepChoice step = ResolveStepChoice(m, settings, stepSource, maps);
            InferenceSettings resolved = step.Settings;
            // samples left unset stay unset for the engine: it runs until the standard errors reach their targets (RunLengthPolicy)
            InferenceSettings forEngine = resolved with { Samples = settings.Samples, BurnIn = settings.BurnIn };
            settings = resolved;
            string eng = parse.GetValue(engine)!;
            if (eng != "fixed") CommonOptions.RefuseGiven(parse, "with --engine float (it sets the fixed-point format)", format);
            int s = parse.GetValue(seed);
            // Without --format, M fitted to the inputs (whitened image patches reach |x| ~ 18; the default M = 16.11 holds < 16).
            FixedFormat fixedFormat = FormatSpec.ParseOrFit(parse.GetValue(format), () => inputs.Max(x => x.Max(Math.Abs)));
            PosteriorSummary[] result;
            RunLength length;
            try { (result, length) = CliProgress.Run(context, $"infer ({eng})", (p, ct) => RunEngine(eng, m, inputs, forEngine, s, p, ct, fixedFormat, chainPrecision, maps, modelPath, inputPath)); }
            catch (InvalidInputException e) when (e.Message.StartsWith(FloatEngine.Diverged, StringComparison.Ordinal))
            {
                // the settings (dt, temperature) that diverged came from here: name it, as the step policy's errors do
                throw new InvalidInputException($"{configFile?.ToString() ?? "command line"}: {e.Message}", e);
            }
            if (settings.Method == InferenceMethod.Mala) CheckAcceptance(result, settings, configFile);
            // the error bars carry the step's bias bound (0 for MALA): Monte Carlo error alone shrinks with the run, the bias does not
            result = StepBias.Include(result, step.ExpectedBias);
            var results = new JsonArray();
            foreach (var r in result)
                results.Add(new JsonObject
                {
                    ["p_active"] = ToArray(r.PActive), ["mean"] = ToArray(r.Mean), ["std"] = ToArray(r.Std),
                    ["p_active_stderr"] = ToArray(r.PActiveStdError), ["mean_stderr"] = ToArray(r.MeanStdError),
                    ["p_active_mc_stderr"] = ToArray(r.PActiveMonteCarloStdError!), ["mean_mc_stderr"] = ToArray(r.MeanMonteCarloStdError!),
                    ["p_active_ess"] = ToArray(r.PActiveEss), ["mean_ess"] = ToArray(r.MeanEss),
                    ["samples"] = r.SampleCount,
                    ["zero_entries"] = ToArray(r.ZeroEntries.Select(e => (double)e).ToArray()),
                    ["zero_mean_stay_tau_u"] = ToArray(ZeroMeanStayTauU(r, length.Eps)),
                    ["mean_estimate_skewness"] = r.MeanEstimateSkewness.Length == 0 ? null : ToArray(r.MeanEstimateSkewness),
                    ["p_active_estimate_skewness"] = r.PActiveEstimateSkewness.Length == 0 ? null : ToArray(r.PActiveEstimateSkewness),
                    ["acceptance_rate"] = r.AcceptanceRate,
                });
            settings = settings with { Samples = (int)length.Samples, BurnIn = (int)length.BurnIn };
            if (RunLengthPolicy.Warning(length) is string lengthWarning) context.Error.WriteLine("warning: " + lengthWarning);
            var obj = new JsonObject
            {
                ["format"] = "edgelangevin-posterior",
                ["version"] = Version,
                ["seed"] = s,
                ["engine"] = eng,
                ["number_format"] = eng == "fixed" ? FormatSpec.ToSpec(fixedFormat) : null,
                ["precision"] = eng == "fixed" ? null : chainPrecision == InferencePrecision.Single ? "single" : "double",
                ["model"] = modelPath,
                ["input"] = inputPath,
                ["preprocessed"] = preprocessed,
                ["k"] = m.K,
                ["inference"] = settings.ToJson(),
                ["run"] = new JsonObject
                {
                    ["samples_per_chain"] = length.Samples,
                    ["samples_tau_u"] = length.SamplesTauU,
                    ["burn_in"] = length.BurnIn,
                    ["burn_in_tau_u"] = length.BurnInTauU,
                    ["stopped"] = length.StopName,
                    ["max_p_active_stderr"] = Finite(length.MaxPActiveStdError),
                    ["max_mean_stderr_relative"] = Finite(length.MaxMeanStdErrorRelative),
                    ["target_p_active_stderr"] = RunLengthPolicy.TargetPActiveStdError,
                    ["target_mean_stderr_relative"] = RunLengthPolicy.TargetMeanStdErrorRelative,
                    ["step_bias_p_active"] = step.ExpectedBias,
                    // what set the step (StepPolicy.Resolve): the model's curvature + lambda^2, or a threshold layer's
                    // w (lambda + J)^2 when larger (StepPolicy.ThresholdLayer; J 0 and w 0 when no unit has a layer)
                    ["curvature"] = step.Curvature,
                    ["stiffness"] = step.Stiffness,
                    ["threshold_drive"] = step.ThresholdDrive,
                    ["threshold_layer_weight"] = step.ThresholdLayerWeight,
                    // the skew rule's reading at the stop (RunLengthPolicy "Skewed estimates"): the worst
                    // |skewness of E[s]'s estimate| - |skewness of P(s != 0)'s|, null when not computed
                    ["max_excess_skewness"] = Finite(MaxExcessSkewness(result)),
                    ["target_max_excess_skewness"] = RunLengthPolicy.MaxExcessSkewness,
                },
                ["results"] = results,
            };
            WriteJson(parse.GetValue(json), "infer", s, obj, settings.ToJson());
            TextWriter human = JsonOutput.HumanWriter(parse.GetValue(json));
            human.WriteLine($"{inputs.Length} input(s), K = {m.K}, engine {eng}: {RunLengthPolicy.Describe(length)}");
            human.WriteLine($"{inputs.Length} input(s), K = {m.K}, engine {eng}: posterior summary written");
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// dt, samples and burn_in through the step policy (<see cref="StepPolicy"/>): the model's default step when dt is
    /// unset, an error naming the stability limit for an unstable explicit dt, a warning on stderr for an explicit dt
    /// expected to bias the posterior by more than 0.01.
    /// </summary>
    public static InferenceSettings ResolveStep(SparseCodingModel model, InferenceSettings settings, string source) =>
        ResolveStepChoice(model, settings, source).Settings;

    private static string MethodName(InferenceMethod method) => method.ToString().ToLowerInvariant();

    /// <summary>Below this MALA acceptance rate the chains hardly move in the run: the summary is warned about.</summary>
    internal const double LowAcceptanceRate = 0.05;

    /// <summary>
    /// MALA rejects every proposal of a step far too large for the model: the chains never leave their start and the
    /// summary would be that state with error bars near 0, not the posterior (break-17: dt = 0.9 at tau_u = 1 on the
    /// bars model reported p_active 0, std 0, exit 0). None accepted is bad input (the step); few is a warning.
    /// </summary>
    private static void CheckAcceptance(PosteriorSummary[] result, InferenceSettings settings, FileInfo? configFile)
    {
        string dt = settings.Dt?.ToString("G4", CultureInfo.InvariantCulture) ?? "?";
        string tauU = settings.TauU.ToString("G4", CultureInfo.InvariantCulture);
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i].AcceptanceRate is not double rate) continue;
            if (rate == 0)
                throw InvalidInputException.Field(configFile?.ToString() ?? "command line", "inference.dt",
                    $"MALA (--exact) accepted none of its proposals for input {i} at dt = {dt} (tau_u = {tauU}): the chains never left their start, so there is no posterior to summarise; use a smaller dt (without inference.dt the step comes from the model)");
            if (rate < LowAcceptanceRate)
                CliContext.Current.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warning: MALA (--exact) accepted {rate:P2} of its proposals for input {i} at dt = {dt}: the chains hardly moved and the error bars understate the error; a smaller inference.dt mixes better"));
        }
    }

    /// <summary><see cref="ResolveStep"/> with the whole decision (the step's bias bound for the error bars).</summary>
    public static StepChoice ResolveStepChoice(SparseCodingModel model, InferenceSettings settings, string source, ZeroMassBound.LassoMaps? maps = null)
    {
        // with the inputs' lasso MAPs (infer): the step the engines take for them (StepPolicy.ThresholdDrive)
        StepChoice step = maps is null ? StepPolicy.Resolve(model, settings, source) : StepPolicy.Resolve(model, settings, maps, source);
        if (step.Warning is not null) CliContext.Current.Error.WriteLine("warning: " + step.Warning);
        return step;
    }

    /// <summary>
    /// The one place where --engine picks the sampler. "fixed" is where the fixed-point engine
    /// (src/EdgeLangevin.Simulator) plugs in; it returns the same <see cref="PosteriorSummary"/>.
    /// </summary>
    public static (PosteriorSummary[] Summaries, RunLength RunLength) RunEngine(string engine, SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed,
        IProgress<RunProgress>? progress, CancellationToken ct, FixedFormat? format = null, InferencePrecision precision = InferencePrecision.Double,
        ZeroMassBound.LassoMaps? maps = null, string? modelSource = null, string? inputSource = null)
    {
        switch (engine)
        {
            case "float":
                return FloatEngine.Run(model, inputs, settings, seed, progress, ct, precision, maps);
            case "fixed":
                FixedInferenceResult r = FixedEngine.Infer(model, inputs, settings, seed, format ?? FixedFormat.Default, progress, ct, maps: maps, modelSource: modelSource, inputSource: inputSource);
                return (r.Summaries, r.RunLength!);
            default:
                throw new InvalidInputException($"--engine: expected float or fixed, got '{engine}'");
        }
    }

    /// <summary>The zero state's mean stay in tau_u per unit: (1 - P(s != 0)) x pooled samples / entries x eps (NaN without entries).</summary>
    private static double[] ZeroMeanStayTauU(PosteriorSummary r, double eps) =>
        r.ZeroEntries.Select((e, k) => e > 0 ? (1 - r.PActive[k]) * r.SampleCount / e * eps : double.NaN).ToArray();

    /// <summary>The worst excess skewness of E[s]'s estimate over P(s != 0)'s over inputs and units (NaN when none was computed).</summary>
    private static double MaxExcessSkewness(PosteriorSummary[] summaries)
    {
        double worst = double.NaN;
        foreach (PosteriorSummary r in summaries)
            if (r.MeanEstimateSkewness.Length == r.K && r.PActiveEstimateSkewness.Length == r.K)
                for (int k = 0; k < r.K; k++)
                {
                    double excess = Math.Abs(r.MeanEstimateSkewness[k]) - Math.Abs(r.PActiveEstimateSkewness[k]);
                    if (double.IsNaN(worst) || excess > worst) worst = excess;
                }
        return worst;
    }

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static Command Learn()
    {
        var data = new Option<string>("--data") { Description = "Training data: 'bars' (8x8 bars, pi 0.3, sigma 0.5), a folder of PGM images, or 'images' for the shipped photos", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Model file to write (atomically)", Required = true };
        var steps = new Option<long?>("--steps") { Description = "Learning steps (default 20000)" };
        var k = new Option<int?>("--k") { Description = "Number of dictionary columns (default: 16 for bars)" };
        var pi = new Option<double?>("--pi") { Description = "pi of the model (held fixed unless learning.learn_pi); default: 0.3 for bars" };
        var normalise = new Option<bool>("--normalise") { Description = "Normalise dictionary columns to unit norm after every step" };
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var seed = CommonOptions.Seed();
        var cmd = new Command("learn",
            "Learns a dictionary (and, with learning.learn_pi in --config, pi) by Langevin sampling with simultaneous learning, from a random unit-norm dictionary, and writes a model file. Bars: batch 128 chains unless --config sets learning.batch.\n" +
            "Example: edgelangevin learn --data bars --out bars-model.json --steps 40000 --seed 3")
        { data, output, steps, k, pi, normalise, config, json, seed };
        cmd.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            var cfg = ConfigFile.LoadOrEmpty(parse.GetValue(config), ConfigSections.Inference, ConfigSections.Learning);
            string source = parse.GetValue(data)!;
            InferenceSettings inference = cfg.Section(ConfigSections.Inference, InferenceSettings.Default, (x, f) => x.Validate(f));
            LearningSettings learning = cfg.Section(ConfigSections.Learning, LearningSettings.Default with { Batch = 128 }, (x, f) => x.Validate(inference, f));
            learning = learning with
            {
                Steps = parse.GetValue(steps) ?? learning.Steps,
                Normalise = learning.Normalise || parse.GetValue(normalise),
                RecordEvery = (int)Math.Max(1, (parse.GetValue(steps) ?? learning.Steps) / 100),
            };
            try { learning.Validate(inference); }
            catch (InvalidInputException e) { throw new InvalidInputException($"command line: {e.Message}", e); }
            int s = parse.GetValue(seed);
            (IDataSource dataSource, SparseCodingModel template, Matrix? truth) = ResolveData(source, parse.GetValue(k), parse.GetValue(pi));
            var initial = template with { Dictionary = Learner.RandomDictionary(dataSource.Dimension, template.K, s) };
            LearningResult result = CliProgress.Run(context, $"learn ({source})", (p, ct) => Learner.Run(initial, dataSource, inference, learning, s, truth, 0, p, ct));
            LearningRecord last = result.History[^1];
            var provenance = new JsonObject
            {
                ["version"] = Version,
                ["seed"] = s,
                ["data"] = source,
                ["inference"] = inference.ToJson(),
                ["learning"] = learning.ToJson(),
                ["final_activity"] = last.Activity,
                ["final_reconstruction_mse"] = last.ReconstructionMse,
            };
            if (last.Cosine is double c) provenance["cosine_to_true_dictionary"] = c;
            var model = result.Model with { Preprocessing = dataSource.Preprocessing };
            string outPath = parse.GetValue(output)!.ToString();
            ModelFile.Write(outPath, model, [new("provenance", provenance)]);
            WriteJson(parse.GetValue(json), "learn", s, provenance, new JsonObject { ["inference"] = inference.ToJson(), ["learning"] = learning.ToJson() });
            JsonOutput.HumanWriter(parse.GetValue(json)).WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model written to {outPath}: K = {model.K}, pi = {model.Pi:0.0000}, activity {last.Activity:0.000}, mse {last.ReconstructionMse:0.0000}{(last.Cosine is double cc ? $", cosine to the true dictionary {cc:0.000}" : "")}"));
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// The data source of `learn --data bars`. Image folders never reach here: ImageCommands wraps
    /// this verb's action and takes every --data other than "bars" (natural-image pipeline, Data/Images).
    /// </summary>
    private static (IDataSource Data, SparseCodingModel Template, Matrix? Truth) ResolveData(string source, int? k, double? pi)
    {
        if (source == "bars")
        {
            var bars = new BarsData();
            int kk = k ?? bars.K;
            if (kk < bars.K) throw new InvalidInputException($"--k: bars have {bars.K} true atoms; K must be at least {bars.K}, got {kk}");
            double p = pi ?? bars.Pi;
            if (!(p > 0 && p <= 1)) throw new InvalidInputException($"--pi: must be in (0, 1], got {p.ToString(CultureInfo.InvariantCulture)}");
            var template = bars.TrueModel(p) with { Dictionary = new Matrix(bars.Dimension, kk) };
            return (bars, template, bars.TrueDictionary);
        }
        throw new InvalidInputException($"--data: '{source}' is not 'bars'");
    }

    private static JsonArray ToArray(double[] values)
    {
        var a = new JsonArray();
        foreach (double v in values) a.Add(double.IsFinite(v) ? JsonValue.Create(v) : null);
        return a;
    }

    /// <summary>
    /// --json through the shared JsonOutput (command, arguments, product version, seed, configuration
    /// first). The verb's own "version" and "seed" give way to the shared ones; the copies kept in
    /// model files and result.json are untouched.
    /// </summary>
    private static void WriteJson(FileInfo? file, string command, int seed, JsonObject obj, JsonNode? configuration)
    {
        var result = (JsonObject)obj.DeepClone();
        result.Remove("version");
        result.Remove("seed");
        JsonOutput.Write(file, command, seed, result, configuration);
    }
}
