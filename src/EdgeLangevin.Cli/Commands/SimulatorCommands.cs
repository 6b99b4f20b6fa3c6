using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Commands;

/// <summary>The fixed-point simulator's verbs: vectors (HDL test vectors) and compare (fixed point against the float reference, with precision profiling).</summary>
public static class SimulatorCommands
{
    public static void Add(RootCommand root)
    {
        root.Subcommands.Add(Vectors());
        root.Subcommands.Add(Compare());
    }

    private static Command Compare()
    {
        var model = new Option<FileInfo?>("--model") { Description = "Model file: compare on data drawn from this model (its dictionary is the truth for the learning cosine)" };
        var bars = new Option<bool>("--bars") { Description = "Compare on the 8x8 bars (pi 0.3, sigma 0.5, true dictionary); the default when no --model is given" };
        var format = new Option<string?>("--format")
        {
            Description = FormatSpec.Help + ". Without --format, M's fractional bits are narrowed if the data's largest |x| (20000 draws) needs it, as the demo does",
        };
        var quick = new Option<bool>("--quick") { Description = "Short runs (about a minute on bars) instead of the full lengths (several minutes)" };
        var profile = new Option<bool>("--profile") { Description = "Also profile precision: observed range of every state quantity and the narrowest A, state and MAC words that stay within tolerance" };
        var json = CommonOptions.Json();
        json.Required = true;
        var seed = CommonOptions.Seed();
        var cmd = new Command("compare",
            "Run the fixed-point core and the float reference on the same problems and report how far apart they are: p_active_max_abs_error, mean_max_rel_error, kl_nonzero_fixed/float, saturation_count, allocated_bytes_per_step, steps_per_second_fixed/float, cosine_fixed/float (learning from a random dictionary).\n" +
            "Example: edgelangevin compare --bars --format A=16.13,S=32.16 --quick --profile --json compare.json")
        { model, bars, format, quick, profile, json, seed };
        cmd.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            FileInfo? modelFile = parse.GetValue(model);
            if (modelFile is not null && parse.GetValue(bars)) throw new InvalidInputException("give either --model or --bars, not both");
            string? formatText = parse.GetValue(format);
            int runSeed = parse.GetValue(seed);
            SparseCodingModel m;
            IDataSource data;
            string problem;
            if (modelFile is not null)
            {
                m = ModelFile.Read(modelFile.FullName);
                data = new ModelDataSource(m);
                problem = "model:" + modelFile.Name;
            }
            else
            {
                var b = new BarsData();
                m = b.TrueModel();
                data = b;
                problem = "bars";
            }
            // Without --format, M fitted to the data, as in the demo.
            FixedFormat fixedFormat = FormatSpec.ParseOrFit(formatText, () => FixedParameters.DataMaxAbs(data, FixedParameters.FitSamples, runSeed));
            ComparisonLengths lengths = parse.GetValue(quick) ? ComparisonLengths.Quick : ComparisonLengths.Full;
            bool doProfile = parse.GetValue(profile);
            JsonObject result = CliProgress.Run(context, "compare", (p, ct) => Comparison.Run(m, data, problem, fixedFormat, lengths, runSeed, doProfile, p, ct));
            FileInfo jf = parse.GetValue(json)!;
            // Comparison's own "version" is the version of its result layout; the top-level "version" is the
            // product's (JsonOutput), so the layout version moves to "compare_version".
            if (result["version"] is JsonNode layoutVersion)
            {
                result.Remove("version");
                result["compare_version"] = layoutVersion;
            }
            var compareConfiguration = new JsonObject
            {
                ["problem"] = problem, ["number_format"] = FormatSpec.ToSpec(fixedFormat),
                ["lengths"] = parse.GetValue(quick) ? "quick" : "full", ["profile"] = doProfile,
            };
            JsonOutput.Write(jf, "compare", runSeed, result, compareConfiguration);
            string F(string key) => result[key] is JsonNode n ? double.Parse(n.ToJsonString(), CultureInfo.InvariantCulture).ToString("G4", CultureInfo.InvariantCulture) : "n/a";
            var human = JsonOutput.HumanWriter(jf);
            human.WriteLine($"{problem}, format {FormatSpec.ToSpec(fixedFormat)}: p_active_max_abs_error {F("p_active_max_abs_error")} (max stderr {F("p_active_difference_max_stderr")}), mean_max_rel_error {F("mean_max_rel_error")}, " +
                $"kl_nonzero fixed {F("kl_nonzero_fixed")} float {F("kl_nonzero_float")}, cosine fixed {F("cosine_fixed")} float {F("cosine_float")}, saturations {F("saturation_count")}, allocated bytes/step {F("allocated_bytes_per_step")}, " +
                $"steps/s fixed {F("steps_per_second_fixed")} float {F("steps_per_second_float")}");
            if (result["profile"]?["narrowest"] is JsonObject nw)
                human.WriteLine("narrowest words within tolerance: " + string.Join(", ", nw.Select(kv => $"{kv.Key}: {kv.Value?.ToString() ?? "none"}")));
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static Command Vectors()
    {
        var config = new Option<FileInfo?>("--config")
        {
            Description = "JSON with an optional \"inference\" section (order, dt, tau_u, temperature, mu), an optional \"vectors\" section (problem: random|bars, variant, k, d, lambda, pi, sigma, steps, format; " +
                "with learning also data: bars|model|images, data_count, dictionary_init: random|model, checkpoint_every) and an optional \"learning\" section (batch = B chains, tau_x, tau_a, learn_dictionary, learn_pi, tau_u0, switching: synchronous|asynchronous; " +
                "its steps and record_every are not used): with it, the vectors are a learning run of B chains on a data memory (FIXED_POINT.md \"Learning test vectors\")",
        };
        var model = new Option<FileInfo?>("--model") { Description = "Model file: its dictionary and parameters are used instead of the config's problem" };
        var steps = new Option<int?>("--steps") { Description = "Steps to record (default: the config's, else 64)" };
        var format = new Option<string?>("--format") { Description = FormatSpec.Help };
        var order = new Option<int?>("--order") { Description = "1 (overdamped) or 2 (momentum); overrides the config" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (replaced atomically)", Required = true };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("vectors",
            "Write the fixed-point core's test vectors for the HDL testbench: inputs, every noise word and the state after every step as $readmemh hex files plus manifest.json (FIXED_POINT.md).\n" +
            "Example: edgelangevin vectors --config k4d8.json --steps 64 --format A=16.13,S=32.16 --out build/vectors/k4d8 --seed 1")
        { config, model, steps, format, order, output, seed, json };
        cmd.SetAction(parse =>
        {
            var cfgFile = parse.GetValue(config);
            var modelFile = parse.GetValue(model);
            InferenceSettings inference = InferenceSettings.Default;
            VectorSettings vs = new();
            LearningSettings? learning = null;
            string? source = null;
            if (cfgFile is not null)
            {
                source = cfgFile.FullName;
                (inference, vs, learning) = ReadConfig(cfgFile.FullName);
            }
            if (parse.GetValue(order) is int o)
            {
                // the learner has only the first-order step: blame the option, not the config that holds no order
                if (learning is not null && o != 1)
                    throw InvalidInputException.Field(null, "--order", $"the config's \"learning\" section makes learning vectors, and learning runs with the first-order step only (the hardware has no second-order learning), got {o}");
                inference = inference with { Order = o };
            }
            string? formatText = parse.GetValue(format) ?? (vs.Format.Length > 0 ? vs.Format : null);
            FixedFormat fixedFormat = FormatSpec.Parse(formatText);
            int runSeed = parse.GetValue(seed);
            SparseCodingModel m = modelFile is not null ? ModelFile.Read(modelFile.FullName) : vs.BuildModel(runSeed);
            int n = parse.GetValue(steps) ?? vs.Steps;
            if (n < 1) throw InvalidInputException.Field(null, "--steps", $"expected at least 1, got {n}");
            string dir = parse.GetValue(output)!.FullName;
            var summary = new JsonObject
            {
                ["out"] = dir,
                ["K"] = m.K, ["D"] = m.D, ["steps"] = n, ["order"] = inference.Order, ["variant"] = m.Variant.ToJson(),
                ["format"] = FormatSpec.ToSpec(fixedFormat), ["number_format"] = FormatSpec.ToSpec(fixedFormat), ["seed"] = runSeed,
            };
            FileInfo? jf = parse.GetValue(json);
            if (learning is null)
            {
                VectorSet set = TestVectors.Generate(m, fixedFormat, inference, n, runSeed, modelFile?.FullName ?? source);
                TestVectors.Write(dir, set);
                summary["saturation_count"] = set.SaturationCount;
                JsonOutput.HumanWriter(jf).WriteLine($"wrote {dir}: K={m.K} D={m.D} steps={n} order={inference.Order} {m.Variant.ToJson()} format {fixedFormat} saturations {set.SaturationCount}");
            }
            else
            {
                LearningVectorSet set = LearningVectors.Generate(m, fixedFormat, inference, learning, vs, n, runSeed, modelFile?.FullName ?? source);
                LearningVectors.Write(dir, set);
                LearningVectorSet.Checkpoint last = set.Checkpoints[^1];
                summary["saturation_count"] = set.SaturationCount;
                summary["chains"] = set.Chains;
                summary["data"] = set.DataName;
                summary["data_count"] = set.DataCount;
                summary["dictionary_writes"] = set.Writes.Count;
                summary["dictionary_saturations"] = set.DictionarySaturations;
                summary["final_u0_q"] = last.U0Q;
                summary["final_matched_cosine"] = last.MatchedCosine;
                string cos = last.MatchedCosine is double c ? c.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
                JsonOutput.HumanWriter(jf).WriteLine($"wrote {dir}: learning, B={set.Chains} chains, {set.DataName} data memory N={set.DataCount}, K={m.K} D={m.D} steps={n} {m.Variant.ToJson()} format {fixedFormat}: " +
                    $"{set.Writes.Count} dictionary writes, matched cosine after the last step {cos}, u0_q {last.U0Q}, saturations {set.SaturationCount} (dictionary {set.DictionarySaturations})");
            }
            var vectorConfiguration = new JsonObject
            {
                ["config_file"] = source, ["model_file"] = modelFile?.FullName,
                ["inference"] = inference.ToJson(), ["vectors"] = EdgeLangevin.Reference.Settings.SettingsJson.ToJson(vs),
                ["learning"] = learning?.ToJson(),
            };
            JsonOutput.Write(jf, "vectors", runSeed, summary, vectorConfiguration);
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// Reads {"inference": {...}, "vectors": {...}, "learning": {...}} through the CLI's config loader
    /// (every section optional, unknown fields named with the nearest valid one); the learning
    /// settings are null when the file has no "learning" section (inference vectors).
    /// </summary>
    internal static (InferenceSettings, VectorSettings, LearningSettings?) ReadConfig(string path)
    {
        var cfg = ConfigFile.Load(path, "inference", "vectors", "learning");
        InferenceSettings inf = cfg.Section("inference", InferenceSettings.Default, (s, f) => s.Validate(f));
        VectorSettings v = cfg.Section("vectors", new VectorSettings(), (s, f) => s.Validate(f));
        VectorSettings.RefuseLearningOnlyFields(cfg.Json["vectors"], cfg.Has("learning"), path);
        LearningSettings? learning = cfg.Has("learning") ? cfg.Section("learning", LearningSettings.Default, (s, f) => s.Validate(inf, f)) : null;
        return (inf, v, learning);
    }
}
