using EdgeLangevin.Reference.Experiments;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reporting.Plots;
using ScottPlot;

namespace EdgeLangevin.Reporting.Reproduce;

/// <summary>
/// The paper's bars figures from a <see cref="BarsReproductionResult"/>: one PNG each, written
/// atomically into a folder. Returns the file names written.
/// </summary>
public static class BarsPlots
{
    private static readonly Color[] MethodColors = [Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c")];

    public static IReadOnlyList<string> WriteAll(BarsReproductionResult r, string folder)
    {
        var files = new List<string>();
        string P(string name) { files.Add(name); return Path.Combine(folder, name); }
        Activity(P("activity.png"), r);
        NonZeroHistograms(P("nonzero_histograms.png"), r);
        ColumnNorms(P("column_norms.png"), r);
        Cosine(P("cosine.png"), r);
        ActivityVsPi(P("activity_vs_pi_model.png"), r);
        foreach (var v in new[] { Variant.Signed, Variant.NonNegative })
        {
            var (samples, grid, density, pZero) = WorkedCase.Run(v, r.Seed);
            Charts.PosteriorMarginal(P($"posterior_worked_case_{v.ToJson()}.png"),
                $"MODEL.md worked case, {v.ToJson()}: x = 1.2, a = 1, sigma = 0.5, pi = 0.3", samples, grid, density, pZero);
        }
        return files;
    }

    private static void Activity(string path, BarsReproductionResult r)
    {
        Plot plot = PngWriter.NewPlot($"Mean activity on bars, true dictionary (data pi = {r.Data.Pi})", "method", "fraction of non-zero units");
        for (int i = 0; i < r.Methods.Count; i++)
        {
            var bar = plot.Add.Bar(i, r.Methods[i].Activity);
            bar.Color = MethodColors[i % MethodColors.Length];
        }
        var h = plot.Add.HorizontalLine(r.Data.Pi);
        h.Color = Colors.Black;
        h.LinePattern = LinePattern.Dashed;
        h.LegendText = $"data pi = {r.Data.Pi}";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, r.Methods.Count).Select(i => (double)i).ToArray(),
            r.Methods.Select(m => $"{m.Name.ToUpperInvariant()}\n{m.Activity:0.000}").ToArray());
        plot.Axes.SetLimits(-0.6, r.Methods.Count - 0.4, 0, 1);
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    private static void NonZeroHistograms(string path, BarsReproductionResult r)
    {
        var panels = new List<Plot>();
        double w = CodeStatistics.BinWidth, lambda = r.Data.Lambda;
        foreach (var m in r.Methods)
        {
            long[] hist = m.Fixed.Statistics.Histogram;
            long n = hist.Sum();
            double top = 5.0;
            int shown = (int)Math.Round(top / w);
            var centers = Enumerable.Range(0, shown).Select(i => (i + 0.5) * w).ToArray();
            var density = Enumerable.Range(0, shown).Select(i => n == 0 ? 0 : hist[i] / (double)n / w).ToArray();
            Plot plot = PngWriter.NewPlot($"{m.Name.ToUpperInvariant()}: KL = {m.KlNonZero:0.0000} nats", "non-zero coefficient |s|", "probability density");
            var bars = plot.Add.Bars(centers, density);
            foreach (var b in bars.Bars) { b.Size = w; b.FillColor = MethodColors[panels.Count % MethodColors.Length].WithAlpha(0.6); b.LineWidth = 0; }
            bars.LegendText = $"non-zero codes ({n:N0})";
            double[] xs = Enumerable.Range(0, 201).Select(i => top * i / 200).ToArray();
            var prior = plot.Add.ScatterLine(xs, xs.Select(s => lambda * Math.Exp(-lambda * s)).ToArray());
            prior.Color = Colors.Black;
            prior.LineWidth = 2.5f;
            prior.LegendText = $"prior slab {lambda}·exp(-{lambda}·s)";
            plot.Axes.SetLimits(0, top, 0, null);
            plot.ShowLegend(Alignment.UpperRight);
            panels.Add(plot);
        }
        PngWriter.Save(path, panels, 600, 450);
    }

    private static void ColumnNorms(string path, BarsReproductionResult r)
    {
        Plot plot = PngWriter.NewPlot("Column norms, learning WITHOUT normalisation (start: true bars)", "time (dt = 1)", "column norm (median, min to max shaded)");
        for (int i = 0; i < r.Methods.Count; i++)
        {
            var m = r.Methods[i];
            double[] time = m.FromTrue.History.Select(h => h.Time).ToArray();
            var color = MethodColors[i % MethodColors.Length];
            var band = plot.Add.FillY(time, m.FromTrue.History.Select(h => h.ColumnNorms.Min()).ToArray(), m.FromTrue.History.Select(h => h.ColumnNorms.Max()).ToArray());
            band.FillColor = color.WithAlpha(0.15);
            band.LineWidth = 0;
            var line = plot.Add.ScatterLine(time, m.FromTrue.History.Select(h => DictionaryMetrics.Median(h.ColumnNorms)).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = $"{m.Name.ToUpperInvariant()} median (end {m.MedianColumnNorm:0.00})";
        }
        var one = plot.Add.HorizontalLine(1.0);
        one.Color = Colors.Black;
        one.LinePattern = LinePattern.Dotted;
        plot.Axes.SetLimits(null, null, 0, null);
        plot.ShowLegend(Alignment.UpperLeft);
        PngWriter.Save(path, plot);
    }

    private static void Cosine(string path, BarsReproductionResult r)
    {
        Plot plot = PngWriter.NewPlot("Learning from a random dictionary: matched cosine to the true bars", "time (dt = 1)", "mean matched cosine");
        for (int i = 0; i < r.Methods.Count; i++)
        {
            var m = r.Methods[i];
            foreach (var (run, normalised) in new[] { (m.FromRandom, false), (m.FromRandomNormalised, true) })
            {
                var line = plot.Add.ScatterLine(run.History.Select(h => h.Time).ToArray(), run.History.Select(h => h.Cosine ?? double.NaN).ToArray());
                line.Color = MethodColors[i % MethodColors.Length];
                line.LineWidth = 2;
                if (normalised) line.LinePattern = LinePattern.Dashed;
                line.LegendText = $"{m.Name.ToUpperInvariant()}, {(normalised ? "normalised" : "no normalisation")} (end {run.History[^1].Cosine:0.000})";
            }
        }
        var one = plot.Add.HorizontalLine(1.0);
        one.Color = Colors.Black;
        one.LinePattern = LinePattern.Dotted;
        plot.Axes.SetLimits(null, null, 0, 1.05);
        plot.ShowLegend(Alignment.LowerRight);
        PngWriter.Save(path, plot);
    }

    private static void ActivityVsPi(string path, BarsReproductionResult r)
    {
        Plot plot = PngWriter.NewPlot($"LSC activity against the model's pi (true dictionary, data pi = {r.Data.Pi})", "pi_model", "mean activity");
        double[] xs = r.PiSweep.Select(p => p.PiModel).ToArray();
        var line = plot.Add.ScatterLine(xs, r.PiSweep.Select(p => p.Activity).ToArray());
        line.LineWidth = 2;
        line.MarkerSize = 8;
        line.LegendText = "measured activity";
        var diag = plot.Add.ScatterLine(new[] { 0.0, 0.5 }, new[] { 0.0, 0.5 });
        diag.Color = Colors.Gray;
        diag.LinePattern = LinePattern.Dotted;
        diag.LegendText = "activity = pi_model";
        var h = plot.Add.HorizontalLine(r.Data.Pi);
        h.Color = Colors.Black;
        h.LinePattern = LinePattern.Dashed;
        h.LegendText = $"data pi = {r.Data.Pi}";
        plot.Axes.SetLimits(0, 0.5, 0, 0.6);
        plot.ShowLegend(Alignment.UpperLeft);
        PngWriter.Save(path, plot);
    }
}
