using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Break-17: `infer --exact` (MALA) and the inference method a --config names. Found: a MALA step so large that every
/// proposal was rejected reported the chains' starting state as the posterior (p_active 0, std 0, standard errors
/// 0.004) with exit 0; `--exact` silently overrode a config's "method": "lca"; `--engine fixed` with "method": "mala"
/// said "(not LCA)" without the file; a config's order 2 with --exact was blamed on the "command line".
/// </summary>
public class ExactModeTests
{
    private static string BarsModel(TempDir tmp)
    {
        string path = Path.Combine(tmp.Path, "bars.json");
        ModelFile.Write(path, new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1.0, Pi = 0.3, Sigma = 0.5, Dictionary = new BarsData(8).TrueDictionary });
        return path;
    }

    /// <summary>One vertical bar of the 8x8 bars, at the bars' pixel value.</summary>
    private static string BarInput(TempDir tmp) =>
        tmp.File("x.json", "{\"inputs\": [[" + string.Join(", ", Enumerable.Range(0, 64).Select(i => i % 8 == 0 ? "0.35" : "0")) + "]]}");

    [Fact]
    public void A_step_at_which_mala_accepts_nothing_is_refused_naming_the_step_and_nothing_is_written()
    {
        using var tmp = new TempDir();
        string json = Path.Combine(tmp.Path, "posterior.json");
        string config = tmp.File("c.json", """{"inference": {"dt": 0.9, "tau_u": 1}}""");
        var run = CliRun.Of("infer", "--model", BarsModel(tmp), "--input", BarInput(tmp), "--exact", "--config", config, "--samples", "200", "--burn-in", "10", "--json", json);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{config}: field 'inference.dt': MALA (--exact) accepted none of its proposals for input 0 at dt = 0.9", run.Err);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void A_step_at_which_mala_accepts_little_is_warned_about_and_the_rate_is_recorded()
    {
        using var tmp = new TempDir();
        string json = Path.Combine(tmp.Path, "posterior.json");
        string model = tmp.File("m.json", """{"format": "edgelangevin-model", "variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.05, "dictionary": {"rows": 2, "cols": 2, "data": [1, 0, 0, 1]}}""");
        string input = tmp.File("x.json", """{"inputs": [[1.2, 0.0]]}""");
        string config = tmp.File("c.json", """{"inference": {"dt": 0.9, "tau_u": 1}}""");
        var run = CliRun.Of("infer", "--model", model, "--input", input, "--exact", "--config", config, "--samples", "500", "--burn-in", "10", "--json", json);
        Assert.True(run.ExitCode == 0, run.ToString());
        double rate = (double)JsonNode.Parse(File.ReadAllText(json))!["results"]![0]!["acceptance_rate"]!;
        Assert.InRange(rate, 1e-9, 0.05);
        Assert.Contains("warning: MALA (--exact) accepted", run.Err);

        // at the model's own step MALA accepts most proposals: no warning
        var ok = CliRun.Of("infer", "--model", model, "--input", input, "--exact", "--samples", "500", "--burn-in", "10", "--json", json);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.DoesNotContain("warning: MALA", ok.Err);
    }

    [Theory]
    [InlineData("""{"inference": {"method": "lca"}}""", "--exact", "field 'inference.method': \"lca\" contradicts --exact (MALA)")]
    [InlineData("""{"inference": {"method": "mala"}}""", "--engine=fixed", "field 'inference.method': \"mala\" is a float-reference method; the fixed-point engine (--engine fixed) runs Langevin dynamics only")]
    [InlineData("""{"inference": {"method": "lca"}}""", "--engine=fixed", "field 'inference.method': \"lca\" is a float-reference method")]
    [InlineData("""{"inference": {"order": 2, "mu": 1}}""", "--exact", "with --exact: field 'order': MALA (the exact mode) is first order only")]
    public void A_method_the_config_names_and_the_command_line_contradict_is_an_error_naming_the_file(string configText, string option, string expected)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", configText);
        string[] args = ["infer", "--model", Fixtures.Model(tmp), "--input", Fixtures.Input(tmp), "--config", config, "--samples", "20", "--burn-in", "5", "--json", Path.Combine(tmp.Path, "o.json"), .. option.Split('=')];
        var run = CliRun.Of(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{config}", run.Err);
        Assert.Contains(expected, run.Err);
        Assert.DoesNotContain("command line", run.Err);
    }
}
