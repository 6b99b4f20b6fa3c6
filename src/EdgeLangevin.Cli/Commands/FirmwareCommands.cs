using System.Globalization;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Firmware;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Commands;

/// <summary>`edgelangevin firmware export`: a model as C# source for a board, with its golden self-test vector.</summary>
public static class FirmwareCommands
{
    public static void Add(RootCommand root)
    {
        var firmware = new Command("firmware", "Firmware for nanoFramework, Meadow and Linux boards (see firmware/*/README.md).");
        firmware.Subcommands.Add(Export());
        root.Subcommands.Add(firmware);
    }

    private static Command Export()
    {
        var model = new Option<FileInfo>("--model") { Description = "Model JSON (edgelangevin-model)", Required = true };
        var target = new Option<string>("--target") { Description = "Board: nanoframework (64 KiB budget), meadow (4 MiB) or iot (256 MiB)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: ExportedModel.cs and golden.json (replaced atomically)", Required = true };
        var format = new Option<string?>("--format") { Description = FormatSpec.Help };
        var eps = new Option<double?>("--eps") { Description = "Step eps = dt / tau_u (default: with --learn none the model's default step, README 'Step size'; with learning on the board the paper's 0.05, which the learning time constants in steps assume)" };
        var temperature = new Option<double>("--temperature") { Description = "Temperature T (1 samples the posterior, 0 is MAP descent)", DefaultValueFactory = _ => 1.0 };
        var order = new Option<int>("--order") { Description = "1 (overdamped) or 2 (underdamped)", DefaultValueFactory = _ => 1 };
        var mu = new Option<double>("--mu") { Description = "Mass for --order 2", DefaultValueFactory = _ => 0.0 };
        var steps = new Option<int>("--golden-steps") { Description = "Steps of the golden run replayed by the boot self-test", DefaultValueFactory = _ => 16 };
        var chains = new Option<int>("--chains") { Description = "Chains the board runs (for the memory estimate)", DefaultValueFactory = _ => 1 };
        var learn = new Option<string>("--learn") { Description = "Online learning on the board: none, pi (the threshold), dictionary, or both", DefaultValueFactory = _ => "both" };
        var tauA = new Option<double>("--tau-a") { Description = "Dictionary time constant tau_A in steps", DefaultValueFactory = _ => 2e4 };
        var tauU0 = new Option<double>("--tau-u0") { Description = "Threshold (pi) time constant tau_u0 in steps", DefaultValueFactory = _ => 1e6 };
        var window = new Option<int>("--steps-per-window") { Description = "Solver steps per data window on the board (tau_x)", DefaultValueFactory = _ => 100 };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();

        var cmd = new Command("export",
            "Render a model as C# source for a board (no file system there) plus the golden vector its boot self-test replays. " +
            "Fails (exit 2) when the model does not fit the target's RAM budget.\n" +
            "Example: edgelangevin firmware export --model firmware/models/bars8x8.json --target nanoframework --out build/fw --seed 1");
        foreach (Option o in new Option[] { model, target, output, format, eps, temperature, order, mu, steps, chains, learn, tauA, tauU0, window, seed, json }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            FileInfo modelFile = parse.GetValue(model)!;
            string learnText = parse.GetValue(learn)!.Trim().ToLowerInvariant();
            if (learnText is not ("none" or "pi" or "dictionary" or "both"))
                throw InvalidInputException.Field(null, "--learn", $"expected none, pi, dictionary or both, got '{learnText}'");
            if (parse.GetValue(order) != 2) CommonOptions.RefuseGiven(parse, "with --order 1 (the mass is for --order 2)", mu);
            if (learnText is "none" or "pi") CommonOptions.RefuseGiven(parse, $"with --learn {learnText} (the dictionary is not learned)", tauA);
            if (learnText is "none" or "dictionary") CommonOptions.RefuseGiven(parse, $"with --learn {learnText} (pi is not learned)", tauU0);
            // The options that need no model first: a wrong --target, --format or number is named before the model's warnings.
            int orderGiven = parse.GetValue(order);
            if (orderGiven is not (1 or 2)) throw InvalidInputException.Field(null, "--order", $"expected 1 (overdamped) or 2 (underdamped), got {orderGiven}");
            double temperatureGiven = parse.GetValue(temperature);
            if (!(temperatureGiven >= 0) || !double.IsFinite(temperatureGiven)) throw InvalidInputException.Field(null, "--temperature", $"must be a finite number >= 0, got {Invariant(temperatureGiven)}");
            if (orderGiven == 2 && (!(parse.GetValue(mu) > 0) || !double.IsFinite(parse.GetValue(mu))))
                throw InvalidInputException.Field(null, "--mu", $"--order 2 needs the mass: a positive finite number, got {Invariant(parse.GetValue(mu))}");
            if (parse.GetValue(eps) is { } epsGiven && (!(epsGiven > 0) || !double.IsFinite(epsGiven)))
                throw InvalidInputException.Field(null, "--eps", $"must be a positive finite number, got {Invariant(epsGiven)}");
            foreach (var (option, value) in new[] { (tauA, parse.GetValue(tauA)), (tauU0, parse.GetValue(tauU0)) })
                if (!(value > 0) || !double.IsFinite(value)) throw InvalidInputException.Field(null, option.Name, $"must be a positive finite number of steps, got {Invariant(value)}");
            if (parse.GetValue(window) < 1) throw InvalidInputException.Field(null, "--steps-per-window", $"expected at least 1 solver step per data window, got {parse.GetValue(window)}");
            var targetValue = FirmwareTargets.Parse(parse.GetValue(target)!);
            var formatValue = FormatSpec.Parse(parse.GetValue(format));
            var sparseModel = ModelFile.Read(modelFile.FullName);
            int orderValue = parse.GetValue(order);
            // One step policy (StepPolicy): stability is checked for any eps; unset, inference-only boards get the model's
            // default step and learning boards the paper's (their tau_a, tau_u0 and window are in steps).
            var stepSettings = new InferenceSettings
            {
                TauU = 1, Dt = parse.GetValue(eps) ?? (learnText == "none" ? null : StepPolicy.PaperEps),
                Order = orderValue, Mu = orderValue == 2 ? parse.GetValue(mu) : 1, Temperature = parse.GetValue(temperature),
            };
            if (parse.GetValue(eps) is null && learnText != "none")
            {
                // The default learning step is the paper's eps, not the model's: the step policy's "leave dt unset" would be no advice here.
                double curvature = StepPolicy.Curvature(sparseModel);
                double limit = StepPolicy.StabilityLimitEps(curvature, orderValue, stepSettings.Mu);
                if (!(StepPolicy.PaperEps < limit))
                    throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                        $"{modelFile}: with learning on the board (--learn {learnText}) the step is the paper's eps = {StepPolicy.PaperEps}, which the learning time constants in steps assume, but this model's lambda_max(A^T A) / sigma^2 = {curvature:G4} (sigma = {sparseModel.Sigma:G4}) allows only eps < {limit:G4}: the chains would diverge. ")
                        + string.Create(CultureInfo.InvariantCulture, $"Give --eps below {limit:G4} and scale --tau-a, --tau-u0 and --steps-per-window by {StepPolicy.PaperEps:G4} / eps to keep the learning times, or --learn none (the model's default step)"));
            }
            StepChoice stepChoice = ReferenceCommands.ResolveStepChoice(sparseModel, stepSettings, "--eps");
            double stepEps = stepChoice.Settings.Eps;
            if (stepChoice.Warning is not null && parse.GetValue(eps) is null && learnText != "none")
            {
                // The warning above ends "the default step for this model is ...", which --eps alone would not give a learning
                // board: its learning times are in steps. Say both ways to an unbiased board.
                // the model's step rounded down to 4 significant digits, so the eps printed is within the bias bound too
                // a model too stiff for its own default step is refused here, naming the model file (break-18: "field 'dt'" alone)
                double modelEps = StepPolicy.Resolve(sparseModel, stepSettings with { Dt = null }, modelFile.ToString()).Settings.Eps;
                double scale = Math.Pow(10, 3 - Math.Floor(Math.Log10(modelEps)));
                double givenEps = Math.Floor(modelEps * scale) / scale;
                CliContext.Current.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warning: the board learns (--learn {learnText}) at the paper's eps = {StepPolicy.PaperEps}, which its time constants in steps assume; for posteriors within the bias bound export with --learn none (the model's own step), or give --eps {givenEps:G4} and scale --tau-a, --tau-u0 and --steps-per-window by {StepPolicy.PaperEps / givenEps:G4}"));
            }
            var options = new FirmwareExportOptions
            {
                Target = targetValue,
                Format = formatValue,
                Eps = stepEps,
                Temperature = parse.GetValue(temperature),
                Order = orderValue,
                Mu = parse.GetValue(mu),
                Seed = parse.GetValue(seed),
                GoldenSteps = parse.GetValue(steps),
                Chains = parse.GetValue(chains),
                LearnDictionary = learnText is "dictionary" or "both",
                LearnPi = learnText is "pi" or "both",
                TauA = parse.GetValue(tauA),
                TauU0 = parse.GetValue(tauU0),
                StepsPerWindow = parse.GetValue(window),
            };
            string name = Path.GetFileNameWithoutExtension(modelFile.Name);
            string outDir = parse.GetValue(output)!.FullName;
            FirmwareExport export = FirmwareExporter.Export(sparseModel, name, options, outDir, modelFile: modelFile.ToString());
            var stdout = JsonOutput.HumanWriter(parse.GetValue(json));
            stdout.WriteLine($"exported {name} for {FirmwareTargets.Name(options.Target)}: D = {sparseModel.D}, K = {sparseModel.K}, RAM about {export.RamBytes} of {export.BudgetBytes} bytes; golden run seed {options.Seed}, {options.GoldenSteps} steps -> {outDir}");
            if (parse.GetValue(json) is FileInfo jsonFile)
            {
                var result = new JsonObject
                {
                    ["command"] = "firmware export",
                    ["model"] = modelFile.FullName,
                    ["target"] = FirmwareTargets.Name(options.Target),
                    ["format"] = FormatSpec.ToSpec(options.Format),
                    ["seed"] = options.Seed,
                    ["golden_steps"] = options.GoldenSteps,
                    ["learn"] = learnText,
                    ["ram_bytes_estimate"] = export.RamBytes,
                    ["ram_budget_bytes"] = export.BudgetBytes,
                    ["out"] = outDir,
                    ["files"] = new JsonArray("ExportedModel.cs", "golden.json"),
                };
                var configuration = new JsonObject
                {
                    ["target"] = FirmwareTargets.Name(options.Target), ["format"] = FormatSpec.ToSpec(options.Format),
                    ["eps"] = options.Eps, ["temperature"] = options.Temperature, ["order"] = options.Order, ["mu"] = options.Mu,
                    ["golden_steps"] = options.GoldenSteps, ["chains"] = options.Chains, ["learn"] = learnText,
                    ["tau_a"] = options.TauA, ["tau_u0"] = options.TauU0, ["steps_per_window"] = options.StepsPerWindow,
                };
                JsonOutput.Write(jsonFile, "firmware export", options.Seed, result, configuration);
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
