using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Experiments;
using EdgeLangevin.Reporting.Reproduce;

namespace EdgeLangevin.Reference.Tests;

public sealed class BarsReproductionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "el-ref-bars-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_tiny_run_has_every_field_the_issue_asks_for_and_writes_the_seven_figures()
    {
        var lengths = new BarsRunLengths(Batch: 4, ActivitySteps: 300, NormSteps: 300, CosineSteps: 300, SweepSteps: 100, BurnIn: 50);
        var result = BarsReproduction.Run(lengths, 5);
        JsonObject json = BarsReproduction.ToJson(result, quick: true, "test");
        Assert.Equal(0.3, (double)json["pi_true"]!);
        Assert.Equal(5, (long)json["seed"]!);
        foreach (string m in new[] { "lsc", "dsc", "lca" })
            foreach (string f in new[] { "activity", "kl_nonzero", "median_column_norm", "cosine", "cosine_normalised", "cosine_time_averaged" })
            {
                double v = (double)json[m]![f]!;
                Assert.True(double.IsFinite(v), $"{m}.{f} = {v}");
            }
        Assert.Equal(BarsReproduction.SweepPis.Length, json["activity_vs_pi_model"]!.AsArray().Count);

        var files = BarsPlots.WriteAll(result, _dir);
        Assert.Equal(7, files.Count);
        foreach (string f in files)
        {
            byte[] png = File.ReadAllBytes(Path.Combine(_dir, f));
            Assert.True(png.Length > 1000, f);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
    }
}
