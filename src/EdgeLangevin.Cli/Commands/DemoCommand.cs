using System.CommandLine;
using System.Diagnostics;
using EdgeLangevin.Cli.Demo;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reporting.Plots;

namespace EdgeLangevin.Cli.Commands;

/// <summary>`edgelangevin demo`: the whole product on built-in defaults, ending in a report folder.</summary>
public static class DemoCommand
{
    public const string DefaultOut = "edgelangevin-demo";

    public static void Add(RootCommand root) => root.Subcommands.Add(Build());

    public static Command Build()
    {
        var quick = new Option<bool>("--quick") { Description = "Short run lengths: well under a minute on two cores" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Report folder (replaced whole, atomically, when the run completes)", DefaultValueFactory = _ => new DirectoryInfo(DefaultOut), HelpName = "DIR" };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var config = CommonOptions.Config();
        config.Description = "JSON with optional sections \"demo\" (overcomplete, batch, learn_steps, tau_x, tau_a, tau_u0, map_steps, map_tau_a, map_pi_steps, evaluation_steps, learn_fixed, posterior_patches, posterior_samples, compare_patches, compare_chains, exact_chains, exact_samples, noise_samples, hdl_steps, simulators, synthesis, chip_steps, chip_config) and \"inference\" (order, dt, tau_u, temperature, mu, chains, samples, burn_in)";
        var cmd = new Command("demo",
            "Run the whole pipeline on built-in defaults: learn a dictionary on the shipped natural images (float and fixed point), sample posteriors, " +
            "compare fixed point against float, generate the Verilog, verify it in the simulators and synthesise it; write a report folder " +
            "(README.md with the key numbers, PNG plots, summary.json). Stages that cannot run here say why.\n" +
            "Example: edgelangevin demo --quick --out report --seed 1")
        { quick, output, seed, json, config };
        cmd.SetAction(parse => Run(parse.GetValue(quick), parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(json), parse.GetValue(config)));
        return cmd;
    }

    private static int Run(bool quick, DirectoryInfo output, int seed, FileInfo? jsonFile, FileInfo? configFile)
    {
        CliContext context = CliContext.Current;
        ConfigFile config = ConfigFile.LoadOrEmpty(configFile, "demo", "inference");
        DemoSettings settings = config.Section("demo", quick ? DemoSettings.Quick : DemoSettings.Full, (s, f) => s.Validate(f));
        InferenceSettings inference = config.Section("inference", InferenceSettings.Default, (s, f) =>
        {
            s.Validate(f);
            // The demo learns at learning's dt (1 unless set): check that step here too, before minutes of work.
            (s with { Dt = StepPolicy.LearningDt(s) }).Validate(f);
            // Checked here, not after minutes of float learning: the fixed-point core and the Verilog run Langevin dynamics only.
            if (s.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(f, "method", "the demo runs Langevin dynamics (\"langevin\"); LCA has no fixed-point or hardware version");
        });
        if (PlotFonts.Warning is { } fontWarning) context.Error.WriteLine($"warning: {fontWarning}");

        string folder = output.FullName;
        var clock = Stopwatch.StartNew();
        var pipeline = new DemoPipeline(settings, inference, seed);
        var configuration = new System.Text.Json.Nodes.JsonObject
        {
            ["demo"] = SettingsJson.ToJson(settings),
            ["inference"] = inference.ToJson(),
            ["config_file"] = configFile?.ToString(),
        };
        System.Text.Json.Nodes.JsonObject? result = null;
        CliProgress.Run("demo", (progress, ct) =>
        {
            AtomicFile.WriteDirectory(folder, temp =>
            {
                pipeline.Run(temp, progress, ct);
                result = DemoReport.Result(pipeline, folder, quick, clock.Elapsed.TotalSeconds);
                AtomicFile.WriteAllText(Path.Combine(temp, "summary.json"), JsonOutput.ToText(JsonOutput.WithProvenance("demo", seed, result, configuration)));
                AtomicFile.WriteAllText(Path.Combine(temp, "README.md"), DemoReport.Markdown(pipeline, result, seed, quick));
            });
        });

        TextWriter o = JsonOutput.HumanWriter(jsonFile);
        foreach (StageOutcome s in pipeline.Stages)
            o.WriteLine($"  {s.Status switch { StageStatus.Done => "done   ", StageStatus.Skipped => "skipped", _ => "FAILED " }} {s.Title}: {s.Detail}");
        o.WriteLine($"report: {Path.Combine(folder, "README.md")} ({pipeline.Plots.Count} plots in {Path.Combine(folder, "plots")}, {clock.Elapsed.TotalSeconds:0} s)");
        JsonOutput.Write(jsonFile, "demo", seed, result!, configuration);

        var failed = pipeline.Stages.Where(s => s.Status == StageStatus.Failed).ToArray();
        if (failed.Length > 0)
            throw new JobFailedException($"{failed.Length} stage(s) failed: {string.Join("; ", failed.Select(f => $"{f.Title}: {f.Detail}"))} (the report was written)");
        return ExitCodes.Success;
    }
}
