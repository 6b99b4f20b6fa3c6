using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reporting;

namespace EdgeLangevin.Cli.Demo;

/// <summary>The demo's report: README.md (the summary a person reads) and summary.json (the numbers behind it).</summary>
public static class DemoReport
{
    public static JsonObject Result(DemoPipeline pipeline, string folder, bool quick, double seconds) => new()
    {
        ["out"] = folder,
        ["quick"] = quick,
        ["seconds"] = Math.Round(seconds, 1),
        ["stages"] = new JsonArray(pipeline.Stages.Select(s => (JsonNode?)new JsonObject
        {
            ["id"] = s.Id,
            ["title"] = s.Title,
            ["status"] = s.Status.ToString().ToLowerInvariant(),
            ["detail"] = s.Detail,
            ["seconds"] = Math.Round(s.Seconds, 2),
        }).ToArray()),
        ["metrics"] = pipeline.Metrics.DeepClone(),
        ["plots"] = new JsonArray(pipeline.Plots.Select(p => (JsonNode?)JsonValue.Create(p.File)).ToArray()),
    };

    public static string Markdown(DemoPipeline pipeline, JsonObject summary, int seed, bool quick)
    {
        var md = new MarkdownReport()
            .Heading("EdgeLangevin demo report")
            .Paragraph($"Langevin sparse coding learned on the shipped natural images, sampled, checked against the exact posterior and carried towards hardware. " +
                       $"Command: `edgelangevin {string.Join(' ', CliContext.Current.Arguments)}`; seed {seed}; version {JsonOutput.Version}; " +
                       $"{(quick ? "--quick run lengths" : "full run lengths")}; {summary["seconds"]} s. The numbers behind this page are in `summary.json`.");

        var failedStages = pipeline.Stages.Where(s => s.Status == StageStatus.Failed).ToList();
        if (failedStages.Count > 0)
            md.Paragraph($"**{failedStages.Count} stage(s) failed:** " + string.Join("; ", failedStages.Select(f => $"{f.Title}: {f.Detail}")));

        var key = KeyNumbers(pipeline.Metrics).ToList();
        if (key.Count > 0)
            md.Heading("Key numbers", 2).Table(["quantity", "value", "for comparison"], key);

        int done = pipeline.Stages.Count(s => s.Status == StageStatus.Done);
        int skipped = pipeline.Stages.Count(s => s.Status == StageStatus.Skipped);
        int failed = pipeline.Stages.Count(s => s.Status == StageStatus.Failed);
        md.Heading("Stages", 2)
          .Paragraph($"{done} done, {skipped} skipped, {failed} failed. A skipped stage did not run; its line says why.")
          .Table(["stage", "status", "result", "seconds"], pipeline.Stages.Select(s => (IReadOnlyList<string>)
          [
              s.Title,
              s.Status switch { StageStatus.Done => "done", StageStatus.Skipped => "skipped", _ => "**FAILED**" },
              s.Status == StageStatus.Skipped ? $"skipped: {s.Detail}" : s.Detail,
              s.Seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
          ]));

        if (pipeline.Plots.Count > 0)
        {
            md.Heading("Plots", 2);
            foreach (ReportPlot p in pipeline.Plots)
                md.Heading(p.Title, 3).Paragraph(p.Caption).Image(p.File, p.Title);
        }

        md.Heading("Next steps", 2).Bullets(
        [
            "Sample the posterior of your own patches: `edgelangevin infer --model model_float.json --input x.json --engine fixed --json posterior.json` (x.json: `{\"inputs\": [[64 numbers, preprocessed as in the model's preprocessing field]]}`)",
            "Put the model on a board: `edgelangevin firmware export --model model_fixed.json --target iot --out fw` (or nanoframework, meadow)",
            "Synthesise and verify the hardware with other settings: `edgelangevin hdl synth --model model_float.json --config hdl.json`, `edgelangevin hdl verify --model model_float.json --steps 2000`",
            "The paper's experiments in full: `edgelangevin reproduce bars`, `edgelangevin reproduce images`",
        ]);

        md.Heading("Files", 2).Bullets(
        [
            "`README.md`: this page",
            "`summary.json`: every number above, with the seed, version and configuration",
            "`model_float.json`, `model_fixed.json`: the learned models (dictionary, pi, preprocessing), readable by `edgelangevin infer --model` and `edgelangevin hdl generate --model`",
            "`hdl/`: the generated Verilog (datapath, iCEBreaker top, testbench, memory images); `hdl_config.json`: the settings it was generated with",
            "`chip_dictionary.hex` (as the testbench wrote it from the RTL's memories), `chip_dictionary.json`: the dictionary the simulated chip learned, the C# learner's and the initial one, as 16-bit words",
            "`plots/`: the PNGs above",
        ]);
        return md.ToString();
    }

    private static IEnumerable<IReadOnlyList<string>> KeyNumbers(JsonObject m)
    {
        string N(JsonNode? v, int digits = 3) => v is null ? "n/a" : MarkdownReport.Number((double)v, digits);
        if (m["learn_float"] is JsonObject lf)
        {
            yield return ["learned pi (float)", N(lf["learned_pi"]), lf["learned_pi_sampler_stage"] is null
                ? "paper, overcompleteness 1: 0.28"
                : $"refitted by the sampler for the MAP-finished dictionary; sampler stage: {N(lf["learned_pi_sampler_stage"])}; paper, overcompleteness 1: 0.28"];
            yield return ["active units per patch (float)", N(lf["active_units_per_patch"]), "paper: about 18.5 at any overcompleteness"];
            yield return ["reconstruction MSE per pixel (float)", N(lf["reconstruction_mse"]), $"data mean square {N(lf["data_mean_square"])}; paper: about 0.43 near pi = 0.2"];
        }
        if (m["learn_fixed"] is JsonObject lx)
        {
            yield return ["learned pi (fixed point)", N(lx["learned_pi"]), $"float (sampler stage): {N(lx["learned_pi_float"])}"];
            yield return ["fixed-point dictionary vs float dictionary, sampler stage (matched cosine)", N(lx["matched_cosine_to_float_dictionary"]), "1 = the same atoms"];
            yield return ["fixed-point saturations / bytes allocated per step", $"{lx["saturation_count"]} / {N(lx["allocated_bytes_per_step"])}", "0 / 0"];
        }
        if (m["posterior_float"] is JsonObject pf)
        {
            yield return ["expected active units per held-out patch", N(pf["expected_active_units_per_patch"]), "posterior mean of the number of non-zero s"];
            yield return ["KL of non-zero coefficients vs the slab (nats)", N(pf["kl_nonzero"]), "0 when the codes follow the prior; paper on bars: LSC about 0"];
        }
        if (m["compare"] is JsonObject cp)
        {
            string Share(JsonNode? v) => v is null ? "" : $" ({MarkdownReport.Number(100 * Math.Min(1, (double)v), 3)} % of the mean square is Monte Carlo noise)";
            yield return ["P(s != 0 | x): max / RMS |fixed - float|", $"{N(cp["p_active_max_abs_error"])} / {N(cp["p_active_rms_error"])}", $"Monte Carlo RMS {N(cp["p_active_rms_monte_carlo_error"])}{Share(cp["p_active_monte_carlo_share"])}"];
            yield return ["E[s | x]: max / RMS |fixed - float|", $"{N(cp["mean_max_abs_error"])} / {N(cp["mean_rms_error"])}", $"Monte Carlo RMS {N(cp["mean_rms_monte_carlo_error"])}{Share(cp["mean_monte_carlo_share"])}"];
        }
        if (m["hdl_verify"] is JsonObject hv)
            yield return ["Verilog vs C# core, bit for bit", (bool?)hv["passed"] == true ? "match" : "MISMATCH", $"{hv["steps"]} steps, every state word"];
        if (m["hdl_synth"] is JsonObject hs)
            yield return ["iCE40 UP5K: fmax, logic cells, DSP, BRAM", $"{N(hs["fmax_mhz"], 4)} MHz (clock {N(hs["target_mhz"], 4)}), {hs["logic_cells"]}, {hs["dsp"]}, {hs["bram"]}", "5280 logic cells, 8 DSP, 30 BRAM on the device"];
        if (m["chip_learn"] is JsonObject cl)
        {
            yield return ["bars learned on the simulated chip: matched cosine to the true bars", N(cl["matched_cosine_chip"]),
                $"{cl["steps"]} steps from {N(cl["matched_cosine_initial"])}; 0.95 is the issue's target for the long run"];
            yield return ["chip dictionary vs C# learner's, word for word", (bool?)cl["chip_equals_learner"] == true ? "equal" : "DIFFERENT",
                $"{cl["dictionary_words_moved"]} words moved; {N(cl["simulated_steps_per_second"], 4)} simulated steps/s ({cl["simulator"]})"];
        }
        if (m["exact_check"] is JsonObject ec)
        {
            foreach (string run in new[] { "small_step", "configured_step" })
                if (ec[run] is JsonObject r)
                {
                    yield return [$"P(s=0 | x), Langevin, K = 1, eps = {N(r["eps"], 3)}", $"{N(r["p_zero"])} ± {N(r["p_zero_standard_error"], 2)}", $"exact {N(ec["p_zero_exact"])}"];
                    yield return [$"E[s | x], Langevin, K = 1, eps = {N(r["eps"], 3)}", $"{N(r["mean"])} ± {N(r["mean_standard_error"], 2)}", $"exact {N(ec["mean_exact"])}"];
                }
        }
        if (m["noise"] is JsonObject nz)
            yield return ["noise generator mean / variance / lag-1", $"{N(nz["mean"])} / {N(nz["variance"], 4)} / {N(nz["lag1_autocorrelation"], 2)}", "0 / 1 / 0"];
    }
}
