using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reporting.Images;
using EdgeLangevin.Reporting.Plots;

namespace EdgeLangevin.Cli.Commands;

/// <summary>
/// Natural images: <c>reproduce images</c> (learned pi against overcompleteness, atoms as pictures)
/// and the image path of <c>learn --data DIR</c>.
/// </summary>
public static class ImageCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Add(RootCommand root)
    {
        // "reproduce" and "learn" may already exist (other areas add their own subcommands/paths).
        Command reproduce = root.Subcommands.FirstOrDefault(c => c.Name == "reproduce") ?? AddNew(root, new Command("reproduce", "Reproduce the paper's results"));
        reproduce.Add(BuildReproduceImages());
        if (root.Subcommands.FirstOrDefault(c => c.Name == "learn") is { } learn) ExtendLearn(learn);
    }

    private static Command AddNew(RootCommand root, Command c)
    {
        root.Add(c);
        return c;
    }

    // ----- shared options -----

    private static Option<int[]> OvercompleteOption(string description) => new("--overcomplete", "-r")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = true,
    };

    private static Option<string> DataOption(string defaultValue) => new("--data")
    {
        Description = $"Folder of .pgm / .png images (greyscale kept, colour as BT.601 luma), or '{ImageFolder.ShippedName}' for the four shipped 256x256 photos",
        DefaultValueFactory = _ => defaultValue,
    };

    private static Option<long?> StepsOption() => new("--steps") { Description = "Steps of the first learning stage per overcompleteness (default: 200000, then the settling stage until converged; `learn --data` with its default MAP finish: 10000; 12000 --quick)" };

    private static Option<double?> SigmaOption() => new("--sigma") { Description = "Observation noise sigma relative to the data's RMS per pixel of 1 (default 0.5)" };

    private static Option<string?> VariantOption() => new("--variant") { Description = "signed (default for images) or nonnegative" };

    private static Option<double?> EpsilonOption() => new("--zca-epsilon") { Description = "ZCA regulariser as a fraction of the largest eigenvalue (default 0.01)" };

    private static Option<string?> WhiteningOption() => new("--whitening")
    {
        Description = "zca (patches, the default), olshausen_field (whole images: R(f) = f exp(-(f/0.4)^4), f in cycles/pixel, then unit variance; " +
                      "Olshausen and Field 1997) or none; stored in the model's preprocessing",
    };

    private static Option<DirectoryInfo?> OutOption(string what) => new("--out", "-o") { Description = what };

    /// <summary>The defaults (full or quick), then the --config sections, then the command-line options (which win).</summary>
    private static ImageExperimentSettings Settings(bool quick, FileInfo? config, long? steps, double? sigma, string? variant, double? epsilon, string? whitening,
        bool map = false)
    {
        var defaults = (quick, map) switch
        {
            (true, false) => ImageExperimentSettings.Quick,
            (true, true) => ImageExperimentSettings.QuickMap,
            (false, false) => ImageExperimentSettings.Full,
            (false, true) => ImageExperimentSettings.FullMap,
        };
        var s = ApplyConfig(defaults, config);
        if (steps is { } n)
        {
            if (n < 1) throw new InvalidInputException($"--steps: must be >= 1, got {n}");
            s = s with { Learning = s.Learning with { Steps = n, RecordEvery = (int)Math.Max(1, Math.Min(s.Learning.RecordEvery, n / 10)) } };
        }
        if (sigma is { } sg)
        {
            if (!(sg > 0) || !double.IsFinite(sg)) throw new InvalidInputException($"--sigma: must be a positive number, got {sg.ToString(Inv)}");
            s = s with { Sigma = sg };
        }
        if (variant is not null)
        {
            if (!VariantNames.TryParse(variant, out Variant v)) throw new InvalidInputException($"--variant: expected signed or nonnegative, got \"{variant}\"");
            s = s with { Variant = v };
        }
        if (epsilon is { } e)
        {
            if (!(e > 0) || !double.IsFinite(e)) throw new InvalidInputException($"--zca-epsilon: must be a positive fraction, got {e.ToString(Inv)}");
            s = s with { Preprocessing = s.Preprocessing with { ZcaEpsilonRelative = e } };
        }
        if (whitening is not null)
        {
            if (!PatchPreprocessor.Methods.Contains(whitening)) throw new InvalidInputException($"--whitening: expected {PatchPreprocessor.MethodList}, got \"{whitening}\"");
            if (epsilon is not null && whitening != PatchPreprocessor.Zca) throw new InvalidInputException($"--zca-epsilon: only with --whitening zca, not {whitening}");
            s = s with { Preprocessing = s.Preprocessing with { Whitening = whitening } };
        }
        return s;
    }

    /// <summary>
    /// --config: the "inference", "learning" (stage 1) and "settling" (stage 2) sections (the reference's
    /// settings records, snake_case) bound over the image defaults, so a section may give only the fields
    /// it changes. All times are in time units and steps are steps, so a smaller dt (a smaller eps, for
    /// a small sigma or a large R) needs proportionally more "steps" in both stages. --quick has no
    /// settling stage; a "settling" section then adds one, bound over the full run's.
    /// </summary>
    private static ImageExperimentSettings ApplyConfig(ImageExperimentSettings settings, FileInfo? config)
    {
        if (config is null) return settings;
        var cfg = ConfigFile.Load(config.FullName, ConfigSections.Inference, ConfigSections.Learning, ConfigSections.Settling, ConfigSections.MapFinish);
        var inference = cfg.Section(ConfigSections.Inference, settings.Inference, (x, f) => x.Validate(f));
        var learning = cfg.Section(ConfigSections.Learning, settings.Learning, (x, f) => x.Validate(inference, f));
        LearningSettings? settling = settings.Settling;
        if (cfg.Has(ConfigSections.Settling))
            settling = cfg.Section(ConfigSections.Settling, settings.Settling ?? ImageExperimentSettings.Full.Settling!, (x, f) => x.Validate(inference, f));
        else
            settling?.Validate(inference);
        MapFinish? map = settings.Map;
        if (cfg.Has(ConfigSections.MapFinish))
            map = cfg.Section(ConfigSections.MapFinish, settings.Map ?? new MapFinish(), (x, f) => x.Validate(inference, f));
        return settings with
        {
            Inference = inference, Learning = learning, Settling = settling, Map = map,
            Until = settling is null ? settings.Until : settings.Until ?? ImageExperimentSettings.Full.Until,
        };
    }

    private static int[] CheckOvercompleteness(int[]? given, int[] fallback)
    {
        int[] rs = given is { Length: > 0 } ? given : fallback;
        foreach (int r in rs)
            if (r is < 1 or > 8) throw new InvalidInputException($"--overcomplete: each R must be 1..8 (K = R x 64 units), got {r}");
        if (rs.Distinct().Count() != rs.Length) throw new InvalidInputException("--overcomplete: each R may be given once");
        return rs;
    }

    // ----- reproduce images -----

    private static Command BuildReproduceImages()
    {
        var overcomplete = OvercompleteOption("Overcompleteness R (K = R x 64 units); several allowed (default 1 2 3 4; --quick: 1 2)");
        var quick = new Option<bool>("--quick") { Description = "R = 1 and 2 with short time scales, well under two minutes" };
        var data = DataOption(ImageFolder.ShippedName);
        var steps = StepsOption();
        var sigma = SigmaOption();
        var variant = VariantOption();
        var epsilon = EpsilonOption();
        var whitening = WhiteningOption();
        var fixedPoint = new Option<bool>("--fixed-point")
        {
            Description = "After learning, hold each dictionary fixed and measure activity at pi = 0.02 ... 0.64 to locate where pi learning is heading (activity = pi); adds about 40% to the run. Indicative only: with a short tau_x, activity at small pi is underestimated",
        };
        var piSweep = new Option<bool>("--fixed-pi-sweep")
        {
            Description = "Instead of learning pi: learn the dictionary at each fixed pi of --sweep-pi (one R, default 1) and report the reconstruction MSE per pi (the paper: lowest, about 0.43, near pi = 0.2); writes mse_vs_pi.png and atoms per pi",
        };
        var sweepPis = new Option<double[]>("--sweep-pi")
        {
            Description = "The fixed pis of --fixed-pi-sweep (default 0.05 0.1 0.15 0.2 0.3 0.5)",
            AllowMultipleArgumentsPerToken = true,
        };
        var config = CommonOptions.Config();
        var json = CommonOptions.Json();
        var seed = CommonOptions.Seed();
        var output = OutOption("Folder for the PNGs, the models and result.json (default out/reproduce-images)");
        output.DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "reproduce-images")); // a value, so it is checked before the run
        var cmd = new Command("images",
            "Learn a dictionary and pi on 8x8 natural-image patches for each overcompleteness (pi starts at 0.5, u0 is learned). " +
            "Writes the atoms as an image grid per R, the learned pi per R (JSON and a plot) and the model files. " +
            "The paper: about 18.5 active units per patch whatever R (pi = 0.28, 0.14, 0.10, 0.079 at R = 1..4). " +
            "Full run: stage 1 at tau_x = 400 (200000 steps), stage 2 at tau_x = 1600 until activity, pi and atoms settle, then 40000 averaging steps (Data/Images/README.md).\n" +
            "Example: edgelangevin reproduce images --quick --out out/images --json out/images.json\n" +
            "Fixed-pi sweep: edgelangevin reproduce images --fixed-pi-sweep -r 1 --sweep-pi 0.1 0.2 0.3 --out out/sweep")
        {
            overcomplete, quick, data, steps, sigma, variant, epsilon, whitening, fixedPoint, piSweep, sweepPis, config, output, json, seed,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(piSweep)) CommonOptions.RefuseGiven(parse, "with --fixed-pi-sweep (pi is held, not learned, so there is no fixed point to locate)", fixedPoint);
            else CommonOptions.RefuseGiven(parse, "without --fixed-pi-sweep (it lists the sweep's pis)", sweepPis);
            bool isQuick = parse.GetValue(quick);
            int[] rs = CheckOvercompleteness(parse.GetValue(overcomplete), isQuick ? [1, 2] : [1, 2, 3, 4]);
            var settings = Settings(isQuick, parse.GetValue(config), parse.GetValue(steps), parse.GetValue(sigma), parse.GetValue(variant), parse.GetValue(epsilon), parse.GetValue(whitening));
            int seedValue = parse.GetValue(seed);
            string outDir = parse.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("out", "reproduce-images"));
            string dataDir = parse.GetValue(data)!;
            var ctx = CliContext.From(parse);

            var images = ImageFolder.Load(dataDir, settings.Preprocessing.PatchSize);
            // every R checked before the first one runs (a K past the step's limit would otherwise fail hours in)
            int patchD = settings.Preprocessing.PatchSize * settings.Preprocessing.PatchSize;
            if (!parse.GetValue(piSweep))
                foreach (int r in rs) ImageExperiment.CheckStartStable(patchD, r * patchD, settings, seedValue);
            if (parse.GetValue(piSweep))
            {
                if (rs.Length != 1 && parse.GetValue(overcomplete) is { Length: > 0 }) throw new InvalidInputException("--fixed-pi-sweep: give one --overcomplete R");
                int r = parse.GetValue(overcomplete) is { Length: > 0 } given ? given[0] : 1;
                double[] pis = parse.GetValue(sweepPis) is { Length: > 0 } gp ? gp : FixedPiSweep.DefaultPis;
                foreach (double pi in pis)
                    if (!(pi > 0 && pi <= 1)) throw new InvalidInputException($"--sweep-pi: each pi must be in (0, 1], got {pi.ToString(Inv)}");
                return RunPiSweep(images, dataDir, r, pis, settings, seedValue, outDir, parse, ctx);
            }
            bool sweep = parse.GetValue(fixedPoint);
            var (pre, runs, fixedPoints) = CliProgress.Run("reproduce images", (progress, ct) =>
            {
                Preprocessing p = PatchPreprocessor.Fit(images, settings.Preprocessing, seedValue);
                var results = new List<ImageRunResult>();
                var sweeps = new List<(IReadOnlyList<PiFixedPoint.Point> Points, double? Crossing)>();
                foreach (int r in rs)
                {
                    var run = ImageExperiment.Run(images, p, r, settings, seedValue, progress, ct);
                    results.Add(run);
                    if (sweep)
                        sweeps.Add(PiFixedPoint.Find(run.Model, new ImagePatchSource(images, p), settings, seedValue * 100_000L + 77_000 + r,
                            PiFixedPoint.DefaultGrid, progress: progress, ct: ct));
                }
                return (p, results, sweeps);
            });

            JsonObject result = ReproduceJson(dataDir, pre, runs, settings);
            if (sweep)
                for (int i = 0; i < runs.Count; i++)
                {
                    var run = (JsonObject)result["runs"]![i]!;
                    run["pi_fixed_point"] = fixedPoints[i].Crossing is { } c ? JsonOutput.Number(c) : null;
                    run["pi_fixed_point_active_units_per_patch"] = fixedPoints[i].Crossing is { } c2 ? JsonOutput.Number(c2 * runs[i].Model.K) : null;
                    run["activity_at_pi"] = new JsonArray(fixedPoints[i].Points.Select(q => (JsonNode?)new JsonObject { ["pi"] = q.Pi, ["activity"] = q.Activity }).ToArray());
                }
            AtomicFile.WriteDirectory(outDir, dir =>
            {
                foreach (var run in runs)
                {
                    int k = run.Model.K, d = run.Model.D;
                    ImagePlots.AtomGrid(Path.Combine(dir, $"atoms_R{run.Overcompleteness}.png"), run.Model.Dictionary.Data, d, k, pre.PatchSize,
                        string.Format(Inv, "R = {0}: K = {1}, pi = {2:F3}, {3:F1} active/patch",
                            run.Overcompleteness, k, run.LearnedPi, run.ActiveUnitsPerPatch),
                        ImageExperiment.OrderByUse(run.PActive));
                    ModelFile.Write(Path.Combine(dir, $"model_R{run.Overcompleteness}.json"), run.Model, Provenance(seedValue, dataDir));
                }
                ImagePlots.PiVersusOvercompleteness(Path.Combine(dir, "pi_vs_overcompleteness.png"),
                    runs.Select(r => new ImagePlots.PiPoint(r.Overcompleteness, r.LearnedPi, r.ActiveUnitsPerPatch)).ToList(),
                    pre.PatchSize * pre.PatchSize, ImageExperiment.PaperPi);
                ImagePlots.PiOverTime(Path.Combine(dir, "pi_over_time.png"), runs.Select(r => new ImagePlots.PiHistory(
                    $"R = {r.Overcompleteness}", r.History.Select(h => h.Time).ToArray(), r.History.Select(h => h.Pi).ToArray())).ToList());
                AtomicFile.WriteAllText(Path.Combine(dir, "result.json"), JsonOutput.ToText(JsonOutput.WithProvenance("reproduce images", seedValue, result, settings.ToJson())));
            });
            JsonOutput.Write(parse.GetValue(json), "reproduce images", seedValue, result, settings.ToJson());

            ctx.Out.WriteLine(PatchPreprocessor.Describe(pre));
            ctx.Out.WriteLine(" R    K   learned pi  paper pi  active/patch  recon MSE  (data mean sq)  seconds    steps  converged  act/pi  dpi/pi  atom 1-cos");
            foreach (var r in runs)
            {
                string paper = ImageExperiment.PaperPi.Where(p => p.R == r.Overcompleteness).Select(p => p.Pi.ToString("F3", Inv)).FirstOrDefault() ?? "  -  ";
                // The convergence measures are NaN when the run had no settling stage to measure them (--quick): print "-".
                static string Measured(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, Inv);
                ctx.Out.WriteLine(string.Format(Inv, "{0,2} {1,4}   {2,10:F3}  {3,8}  {4,12:F1}  {5,9:F3}  {6,14:F3}  {7,7:F0}  {8,7}  {9,9}  {10,6}  {11,6}  {12,10}",
                    r.Overcompleteness, r.Model.K, r.LearnedPi, paper, r.ActiveUnitsPerPatch, r.ReconstructionMse, r.DataMeanSquare, r.Seconds,
                    r.LearningSteps, r.Converged ? "yes" : "no", Measured(r.ActivityOverPi, "F3"), Measured(r.PiChange, "F3"), Measured(r.AtomChange, "F4")));
            }
            if (sweep)
                for (int i = 0; i < runs.Count; i++)
                    ctx.Out.WriteLine(fixedPoints[i].Crossing is { } c
                        ? string.Format(Inv, "R = {0}: with this dictionary held fixed, activity = pi at pi = {1:F3} ({2:F1} active units per patch): where pi learning is heading",
                            runs[i].Overcompleteness, c, c * runs[i].Model.K)
                        : string.Format(Inv, "R = {0}: activity / pi does not cross 1 between {1} and {2}", runs[i].Overcompleteness, PiFixedPoint.DefaultGrid[0], PiFixedPoint.DefaultGrid[^1]));
            ctx.Out.WriteLine($"wrote {outDir}");
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>reproduce images --fixed-pi-sweep: one dictionary per fixed pi, MSE per pi, JSON and a plot.</summary>
    private static int RunPiSweep(IReadOnlyList<GrayImage> images, string dataDir, int r, double[] pis, ImageExperimentSettings settings, int seedValue,
        string outDir, ParseResult parse, CliContext ctx)
    {
        var (pre, runs) = CliProgress.Run("reproduce images --fixed-pi-sweep", (progress, ct) =>
        {
            Preprocessing p = PatchPreprocessor.Fit(images, settings.Preprocessing, seedValue);
            return (p, FixedPiSweep.Run(images, p, r, pis, settings, seedValue, progress, ct));
        });
        var (bestPi, bestMse) = FixedPiSweep.Best(runs);
        var points = new JsonArray();
        foreach (var run in runs)
            points.Add(new JsonObject
            {
                ["pi"] = run.LearnedPi,
                ["reconstruction_mse"] = JsonOutput.Number(run.ReconstructionMse),
                ["data_mean_square"] = JsonOutput.Number(run.DataMeanSquare),
                ["active_units_per_patch"] = JsonOutput.Number(run.ActiveUnitsPerPatch),
                ["median_column_norm"] = JsonOutput.Number(run.MedianColumnNorm),
                ["seconds"] = run.Seconds,
            });
        var result = new JsonObject
        {
            ["experiment"] = "images, fixed-pi sweep",
            ["data"] = dataDir,
            ["preprocessing"] = PatchPreprocessor.Describe(pre),
            ["overcompleteness"] = r,
            ["k"] = runs[0].Model.K,
            ["mse_definition"] = "mean over evaluation samples and pixels of (x - A s)^2, s a posterior sample (T = 1), x preprocessed to a mean square of about 1 per pixel",
            ["paper"] = new JsonObject { ["best_pi"] = FixedPiSweep.PaperBestPi, ["best_mse"] = FixedPiSweep.PaperBestMse },
            ["best_pi"] = bestPi,
            ["best_mse"] = JsonOutput.Number(bestMse),
            ["points"] = points,
        };
        AtomicFile.WriteDirectory(outDir, dir =>
        {
            foreach (var run in runs)
                ImagePlots.AtomGrid(Path.Combine(dir, string.Format(Inv, "atoms_pi{0:0.###}.png", run.LearnedPi)), run.Model.Dictionary.Data, run.Model.D, run.Model.K, pre.PatchSize,
                    string.Format(Inv, "pi fixed at {0:0.###}: K = {1}, {2:F1} active/patch, MSE {3:F3}", run.LearnedPi, run.Model.K, run.ActiveUnitsPerPatch, run.ReconstructionMse),
                    ImageExperiment.OrderByUse(run.PActive));
            FixedPiPlots.MseVersusPi(Path.Combine(dir, "mse_vs_pi.png"), runs.Select(q => (q.LearnedPi, q.ReconstructionMse)).ToList(), runs[0].Model.K,
                FixedPiSweep.PaperBestPi, FixedPiSweep.PaperBestMse);
            AtomicFile.WriteAllText(Path.Combine(dir, "result.json"), JsonOutput.ToText(JsonOutput.WithProvenance("reproduce images --fixed-pi-sweep", seedValue, result, settings.ToJson())));
        });
        JsonOutput.Write(parse.GetValue<FileInfo?>("--json"), "reproduce images --fixed-pi-sweep", seedValue, result, settings.ToJson());
        ctx.Out.WriteLine(PatchPreprocessor.Describe(pre));
        ctx.Out.WriteLine("  pi   recon MSE  (data mean sq)  active/patch  seconds");
        foreach (var run in runs)
            ctx.Out.WriteLine(string.Format(Inv, "{0,5:0.###}  {1,9:F3}  {2,14:F3}  {3,12:F1}  {4,7:F0}", run.LearnedPi, run.ReconstructionMse, run.DataMeanSquare, run.ActiveUnitsPerPatch, run.Seconds));
        ctx.Out.WriteLine(string.Format(Inv, "lowest MSE {0:F3} at pi = {1:0.###} (paper: about {2} near pi = {3})", bestMse, bestPi, FixedPiSweep.PaperBestMse, FixedPiSweep.PaperBestPi));
        ctx.Out.WriteLine($"wrote {outDir}");
        return ExitCodes.Success;
    }

    private static JsonObject ReproduceJson(string dataDir, Preprocessing pre, IReadOnlyList<ImageRunResult> runs, ImageExperimentSettings settings)
    {
        var arr = new JsonArray();
        foreach (var r in runs)
        {
            double? paper = ImageExperiment.PaperPi.Where(p => p.R == r.Overcompleteness).Select(p => (double?)p.Pi).FirstOrDefault();
            var history = new JsonArray();
            foreach (var h in r.History)
                history.Add(new JsonObject { ["time"] = h.Time, ["pi"] = h.Pi, ["activity"] = h.Activity, ["reconstruction_mse"] = h.ReconstructionMse });
            arr.Add(new JsonObject
            {
                ["overcompleteness"] = r.Overcompleteness,
                ["k"] = r.Model.K,
                ["learned_pi"] = JsonOutput.Number(r.LearnedPi),
                ["paper_pi"] = paper,
                ["active_units_per_patch"] = JsonOutput.Number(r.ActiveUnitsPerPatch),
                ["reconstruction_mse"] = JsonOutput.Number(r.ReconstructionMse),
                ["data_mean_square"] = JsonOutput.Number(r.DataMeanSquare),
                ["median_column_norm"] = JsonOutput.Number(r.MedianColumnNorm),
                ["seconds"] = r.Seconds,
                ["learning_steps"] = r.LearningSteps,
                ["converged"] = r.Converged,
                ["activity_over_pi"] = JsonOutput.Number(r.ActivityOverPi),
                ["pi_change"] = JsonOutput.Number(r.PiChange),
                ["atom_change"] = JsonOutput.Number(r.AtomChange),
                ["history"] = history,
            });
        }
        return new JsonObject
        {
            ["experiment"] = "images",
            ["data"] = dataDir,
            ["preprocessing"] = PatchPreprocessor.Describe(pre),
            ["paper"] = new JsonObject { ["active_units_per_patch"] = 18.5, ["pi"] = new JsonArray(ImageExperiment.PaperPi.Select(p => (JsonNode?)new JsonObject { ["overcompleteness"] = p.R, ["pi"] = p.Pi }).ToArray()) },
            ["runs"] = arr,
        };
    }

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Provenance(int seed, string dataDir) =>
    [
        new("seed", seed),
        new("version", JsonOutput.Version),
        new("data", dataDir),
    ];

    // ----- learn --data DIR -----

    /// <summary>
    /// The `learn` verb belongs to the reference (ReferenceCommands, "--data bars"). Its action is
    /// wrapped here, not edited: "--data bars" still goes to the original action, anything else
    /// (a folder, or "images" for the shipped photos) to <see cref="LearnFromImages"/>. The image-only
    /// options are added to the same command so that `learn --help` lists them.
    /// </summary>
    private static void ExtendLearn(Command learn)
    {
        if (learn.Action is not SynchronousCommandLineAction original)
            throw new InvalidOperationException("the learn verb has no synchronous action to extend");
        var overcomplete = new Option<int?>("--overcomplete", "-r") { Description = "Images: overcompleteness R, K = R x 64 units (default 1; --k sets K directly)" };
        var quick = new Option<bool>("--quick") { Description = "Images: short time scales (well under a minute for R = 1)" };
        var sigma = SigmaOption();
        var variant = VariantOption();
        var epsilon = EpsilonOption();
        var whitening = WhiteningOption();
        var objective = new Option<string?>("--objective")
        {
            Description = "Images: how the dictionary is learned. sample: the paper's sampler rule only; map: then an L1 MAP finish " +
                          "(the paper's DSC: pi = 1, T = 0, unit-norm atoms, alpha = 1; 240000 steps at tau_a 2000, --quick 30000 at tau_a 500) and pi learned again by the sampler with that dictionary held " +
                          "(codes held-out patches about as well as scikit-learn, the sampler's own dictionary about 2 dB worse; bench/sklearn/README.md). Default: map",
        };
        foreach (Option o in new Option[] { overcomplete, quick, sigma, variant, epsilon, whitening, objective })
            if (!learn.Options.Any(existing => existing.Name == o.Name)) learn.Add(o);
        learn.Description += "\nImages: edgelangevin learn --data images --out image-model.json --quick " +
            "(a folder of .pgm / .png files, or 'images' for the shipped photos; pi starts at 0.5 unless --pi and is learned; the dictionary is finished by L1 MAP unless --objective sample; the model file carries the preprocessing).";
        learn.SetAction(parse =>
        {
            string data = parse.GetValue<string>("--data") ?? "";
            if (data == "bars") { CommonOptions.RefuseGiven(parse, "with --data bars (they set up image learning; bars have sigma 0.5 and K >= 16)", overcomplete, quick, sigma, variant, epsilon, whitening, objective); return original.Invoke(parse); }
            // map is the default for learn (reproduce keeps the paper's sampler objective): measured on par with scikit-learn.
            bool map = (parse.GetValue(objective) ?? "map") switch
            {
                "sample" => false,
                "map" => true,
                string other => throw new InvalidInputException($"--objective: expected sample or map, got \"{other}\""),
            };
            var settings = Settings(parse.GetValue(quick), parse.GetValue<FileInfo?>("--config"), parse.GetValue<long?>("--steps"), parse.GetValue(sigma), parse.GetValue(variant), parse.GetValue(epsilon), parse.GetValue(whitening), map);
            if (!map) settings = settings with { Map = null };
            if (parse.GetValue<bool>("--normalise")) settings = settings with { Learning = settings.Learning with { Normalise = true } };
            if (parse.GetValue<double?>("--pi") is { } pi)
            {
                if (!(pi > 0 && pi <= 1)) throw new InvalidInputException($"--pi: must be in (0, 1], got {pi.ToString(Inv)}");
                settings = settings with { InitialPi = pi };
            }
            int d = settings.Preprocessing.PatchSize * settings.Preprocessing.PatchSize;
            int? k = parse.GetValue<int?>("--k");
            int? r = parse.GetValue(overcomplete);
            if (k is not null && r is not null) throw new InvalidInputException("give --k or --overcomplete, not both");
            if (k is < 1) throw new InvalidInputException($"--k: must be >= 1, got {k}");
            int units = k ?? CheckOvercompleteness([r ?? 1], [1])[0] * d;
            return LearnFromImages(data, parse.GetValue<FileInfo>("--out")!, units, settings, parse.GetValue<int>("--seed"), parse.GetValue<FileInfo?>("--json"), CliContext.From(parse));
        });
    }

    /// <summary>
    /// The image path of <c>learn</c>: fits the preprocessing on the folder's images, learns, writes the
    /// model file (with "preprocessing", the seed and the version) and the optional --json result.
    /// </summary>
    public static int LearnFromImages(string dataDir, FileInfo outFile, int k, ImageExperimentSettings settings, int seed, FileInfo? json, CliContext ctx)
    {
        if (Directory.Exists(outFile.FullName)) throw new InvalidInputException($"{outFile}: --out expects a file name, this is a folder");
        var images = ImageFolder.Load(dataDir, settings.Preprocessing.PatchSize);
        ImageExperiment.CheckStartStable(settings.Preprocessing.PatchSize * settings.Preprocessing.PatchSize, k, settings, seed);
        var (pre, run) = CliProgress.Run("learn", (progress, ct) =>
        {
            Preprocessing p = PatchPreprocessor.Fit(images, settings.Preprocessing, seed);
            return (p, ImageExperiment.RunUnits(images, p, k, settings, seed, progress, ct));
        });
        ModelFile.Write(outFile.FullName, run.Model, Provenance(seed, dataDir));
        var result = new JsonObject
        {
            ["model"] = outFile.FullName,
            ["data"] = dataDir,
            ["preprocessing"] = PatchPreprocessor.Describe(pre),
            ["k"] = run.Model.K,
            ["learned_pi"] = JsonOutput.Number(run.LearnedPi),
            ["active_units_per_patch"] = JsonOutput.Number(run.ActiveUnitsPerPatch),
            ["reconstruction_mse"] = JsonOutput.Number(run.ReconstructionMse),
            ["seconds"] = run.Seconds,
        };
        JsonOutput.Write(json, "learn", seed, result, settings.ToJson());
        ctx.Out.WriteLine(string.Format(Inv, "learned K = {0} on {1}: pi = {2:F3}, {3:F1} active units per patch, reconstruction MSE {4:F3}",
            run.Model.K, dataDir, run.LearnedPi, run.ActiveUnitsPerPatch, run.ReconstructionMse));
        ctx.Out.WriteLine($"wrote {outFile.FullName}");
        return ExitCodes.Success;
    }
}
