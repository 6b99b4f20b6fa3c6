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

        var key = KeyNumbers(pipeline.Metrics).ToList();
        if (key.Count > 0)
            md.Heading("Key numbers", 2).Table(["quantity", "value", "for comparison"], key);

        if (pipeline.Plots.Count > 0)
        {
            md.Heading("Plots", 2);
            foreach (ReportPlot p in pipeline.Plots)
                md.Heading(p.Title, 3).Paragraph(p.Caption).Image(p.File, p.Title);
        }

        md.Heading("Files", 2).Bullets(
        [
            "`README.md`: this page",
            "`summary.json`: every number above, with the seed, version and configuration",
            "`model_float.json`: the learned model (dictionary, pi, preprocessing), readable by `edgelangevin infer --model`",
            "`plots/`: the PNGs above",
        ]);
        return md.ToString();
    }

    private static IEnumerable<IReadOnlyList<string>> KeyNumbers(JsonObject m)
    {
        string N(JsonNode? v, int digits = 3) => v is null ? "n/a" : MarkdownReport.Number((double)v, digits);
        if (m["learn_float"] is JsonObject lf)
        {
            yield return ["learned pi (float)", N(lf["learned_pi"]), "paper, overcompleteness 1: 0.28"];
            yield return ["active units per patch (float)", N(lf["active_units_per_patch"]), "paper: about 18.5 at any overcompleteness"];
            yield return ["reconstruction MSE (float, whitened units)", N(lf["reconstruction_mse"]), "paper: about 0.43 near pi = 0.2"];
            yield return ["KL of non-zero coefficients vs slab", N(lf["kl_nonzero"]), "0 when the codes follow the prior"];
        }
        if (m["posterior_float"] is JsonObject pf)
            yield return ["expected active units per held-out patch", N(pf["expected_active_units_per_patch"]), "posterior mean of the number of non-zero s"];
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
