using System.Globalization;
using EdgeLangevin.Reporting.Plots;
using ScottPlot;

namespace EdgeLangevin.Reporting.Images;

/// <summary>
/// Pictures of what was learned from natural images, written atomically as PNG. The atom grid
/// itself is drawn by <see cref="Charts.DictionaryAtoms"/> (one drawing routine for atoms in the
/// project); this class chooses the order and the words.
/// </summary>
public static class ImagePlots
{
    /// <summary>
    /// The atoms (columns of the D x K row-major <paramref name="dictionary"/>) as a grid of
    /// patchSize x patchSize tiles, in the order <paramref name="order"/> (e.g. most used first).
    /// </summary>
    public static void AtomGrid(string path, double[] dictionary, int d, int k, int patchSize, string title, int[]? order = null)
    {
        if (patchSize * patchSize != d) throw new ArgumentException($"a {patchSize}x{patchSize} patch has {patchSize * patchSize} pixels, the dictionary has {d} rows");
        if (dictionary.Length != d * k) throw new ArgumentException($"dictionary must hold D*K = {d * k} numbers, got {dictionary.Length}");
        order ??= Enumerable.Range(0, k).ToArray();
        if (order.Length != k || order.Distinct().Count() != k || order.Any(j => j < 0 || j >= k))
            throw new ArgumentException("order must be a permutation of the K atoms", nameof(order));
        var sorted = new double[d * k];
        for (int i = 0; i < d; i++)
            for (int t = 0; t < k; t++) sorted[i * k + t] = dictionary[i * k + order[t]];
        Charts.DictionaryAtoms(path, sorted, d, k, title);
    }

    /// <summary>One run's pi over time, for <see cref="PiOverTime"/>; runs may differ in length (each stops when it converges).</summary>
    public readonly record struct PiHistory(string Name, double[] Time, double[] Pi);

    /// <summary>Learned pi against time, one line per run, each on its own time axis.</summary>
    public static void PiOverTime(string path, IReadOnlyList<PiHistory> runs)
    {
        Plot plot = PngWriter.NewPlot("Learned pi during learning", "time (steps x dt)", "pi");
        foreach (var run in runs)
        {
            if (run.Time.Length != run.Pi.Length) throw new ArgumentException($"{run.Name}: {run.Pi.Length} values for {run.Time.Length} times");
            var line = plot.Add.ScatterLine(run.Time, run.Pi);
            line.LineWidth = 2;
            line.LegendText = run.Name;
        }
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    /// <summary>One overcompleteness's learned result, for <see cref="PiVersusOvercompleteness"/>.</summary>
    public readonly record struct PiPoint(double Overcompleteness, double LearnedPi, double ActiveUnitsPerPatch);

    /// <summary>
    /// Two panels: learned pi against overcompleteness R (K = R D) beside the paper's values and the
    /// curve pi = 18.5 / (R D) that a constant 18.5 active units per patch gives; and the measured
    /// active units per patch against the paper's 18.5.
    /// </summary>
    public static void PiVersusOvercompleteness(string path, IReadOnlyList<PiPoint> points, int d, IReadOnlyList<(double R, double Pi)> paper)
    {
        var inv = CultureInfo.InvariantCulture;
        double rMax = Math.Max(points.Count == 0 ? 1 : points.Max(p => p.Overcompleteness), paper.Count == 0 ? 1 : paper.Max(p => p.R));
        double[] curveR = Enumerable.Range(0, 101).Select(i => 0.8 + i * (rMax + 0.2 - 0.8) / 100).ToArray();

        Plot left = PngWriter.NewPlot("Learned pi vs overcompleteness", "overcompleteness R = K / D", "pi = P(s_k != 0)");
        var constant = left.Add.Scatter(curveR, curveR.Select(r => 18.5 / (r * d)).ToArray());
        constant.MarkerSize = 0;
        constant.LinePattern = LinePattern.Dashed;
        constant.Color = Colors.Gray;
        constant.LegendText = string.Format(inv, "18.5 units / patch: pi = 18.5 / ({0} R)", d);
        if (paper.Count > 0)
        {
            var p = left.Add.Scatter(paper.Select(q => q.R).ToArray(), paper.Select(q => q.Pi).ToArray());
            p.LineWidth = 0;
            p.MarkerSize = 14;
            p.MarkerShape = MarkerShape.OpenCircle;
            p.Color = Colors.Black;
            p.LegendText = "paper";
        }
        if (points.Count > 0)
        {
            var learned = left.Add.Scatter(points.Select(q => q.Overcompleteness).ToArray(), points.Select(q => q.LearnedPi).ToArray());
            learned.MarkerSize = 10;
            learned.Color = Colors.C0;
            learned.LegendText = "learned (this run)";
        }
        left.Axes.SetLimits(0.5, rMax + 0.5, 0, 0.6);
        left.ShowLegend(Alignment.UpperRight);

        Plot right = PngWriter.NewPlot("Active units per patch", "overcompleteness R = K / D", "mean number of s_k != 0 per patch");
        var level = right.Add.HorizontalLine(18.5);
        level.LinePattern = LinePattern.Dashed;
        level.Color = Colors.Gray;
        level.LegendText = "paper: about 18.5";
        double yMax = 40;
        if (points.Count > 0)
        {
            var active = right.Add.Scatter(points.Select(q => q.Overcompleteness).ToArray(), points.Select(q => q.ActiveUnitsPerPatch).ToArray());
            active.MarkerSize = 10;
            active.Color = Colors.C1;
            active.LegendText = "measured (this run)";
            yMax = Math.Max(yMax, 1.2 * points.Max(q => q.ActiveUnitsPerPatch));
        }
        right.Axes.SetLimits(0.5, rMax + 0.5, 0, yMax);
        right.ShowLegend(Alignment.LowerRight);

        PngWriter.Save(path, [left, right]);
    }
}

/// <summary>The fixed-pi sweep's picture.</summary>
public static class FixedPiPlots
{
    /// <summary>Reconstruction MSE against the fixed pi, with the paper's minimum (about 0.43 near pi = 0.2) marked.</summary>
    public static void MseVersusPi(string path, IReadOnlyList<(double Pi, double Mse)> points, int k, double paperPi, double paperMse)
    {
        Plot plot = PngWriter.NewPlot($"Reconstruction MSE at fixed pi (K = {k})", "pi (held fixed while the dictionary is learned)", "MSE per pixel (data mean square about 1)");
        var line = plot.Add.Scatter(points.Select(p => p.Pi).ToArray(), points.Select(p => p.Mse).ToArray());
        line.MarkerSize = 10;
        line.Color = Colors.C0;
        line.LegendText = "this run";
        var paper = plot.Add.Scatter(new[] { paperPi }, new[] { paperMse });
        paper.LineWidth = 0;
        paper.MarkerSize = 14;
        paper.MarkerShape = MarkerShape.OpenCircle;
        paper.Color = Colors.Black;
        paper.LegendText = "paper: minimum about 0.43 near pi = 0.2";
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }
}
