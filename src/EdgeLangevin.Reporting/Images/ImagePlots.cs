using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace EdgeLangevin.Reporting.Images;

/// <summary>
/// Pictures of what was learned from natural images. Every function returns PNG bytes; the caller
/// writes them (atomically, with EdgeLangevin.Reference.Io.AtomicFile).
/// </summary>
public static class ImagePlots
{
    /// <summary>
    /// The dictionary's atoms as a grid of patches: column k of the D x K row-major
    /// <paramref name="dictionary"/> is drawn as a patchSize x patchSize tile, mid grey = 0, white
    /// positive, black negative. Each tile is scaled by its own largest |a_ik| so that weak and
    /// strong atoms are equally readable (the shapes matter here, the norms are reported elsewhere).
    /// Tiles are drawn in the order <paramref name="order"/> (default 0..K-1), separated by a dark line.
    /// </summary>
    public static byte[] AtomGridPng(double[] dictionary, int d, int k, int patchSize, int zoom = 6, int[]? order = null)
    {
        if (patchSize * patchSize != d) throw new ArgumentException($"a {patchSize}x{patchSize} patch has {patchSize * patchSize} pixels, the dictionary has {d} rows");
        if (dictionary.Length != d * k) throw new ArgumentException($"dictionary must hold D*K = {d * k} numbers, got {dictionary.Length}");
        if (zoom < 1) throw new ArgumentOutOfRangeException(nameof(zoom));
        order ??= Enumerable.Range(0, k).ToArray();
        int cols = (int)Math.Ceiling(Math.Sqrt(k));
        int rows = (k + cols - 1) / cols;
        int tile = patchSize * zoom, gap = Math.Max(1, zoom / 2);
        int width = cols * (tile + gap) + gap, height = rows * (tile + gap) + gap;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(40, 40, 90));
        for (int t = 0; t < order.Length; t++)
        {
            int atom = order[t];
            double max = 0;
            for (int i = 0; i < d; i++) max = Math.Max(max, Math.Abs(dictionary[i * k + atom]));
            int x0 = gap + (t % cols) * (tile + gap), y0 = gap + (t / cols) * (tile + gap);
            for (int pr = 0; pr < patchSize; pr++)
                for (int pc = 0; pc < patchSize; pc++)
                {
                    double v = max > 0 ? dictionary[(pr * patchSize + pc) * k + atom] / max : 0;
                    byte g = (byte)Math.Clamp(Math.Round(127.5 + 127.5 * v), 0, 255);
                    var colour = new SKColor(g, g, g);
                    for (int zy = 0; zy < zoom; zy++)
                        for (int zx = 0; zx < zoom; zx++) bitmap.SetPixel(x0 + pc * zoom + zx, y0 + pr * zoom + zy, colour);
                }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>One overcompleteness's learned result, for <see cref="PiVersusOvercompletenessPng"/>.</summary>
    public readonly record struct PiPoint(double Overcompleteness, double LearnedPi, double ActiveUnitsPerPatch);

    /// <summary>
    /// Learned pi against overcompleteness R (K = R D), beside the paper's values and the curve
    /// pi = 18.5 / (R D) that a constant 18.5 active units per patch would give; a second panel
    /// shows the active units per patch themselves.
    /// </summary>
    public static byte[] PiVersusOvercompletenessPng(IReadOnlyList<PiPoint> points, int d, IReadOnlyList<(double R, double Pi)> paper, int width = 1000, int height = 450)
    {
        var inv = CultureInfo.InvariantCulture;
        var multi = new Multiplot();
        multi.AddPlots(2);
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Plot left = multi.GetPlot(0), right = multi.GetPlot(1);

        double rMax = Math.Max(points.Count == 0 ? 1 : points.Max(p => p.Overcompleteness), paper.Count == 0 ? 1 : paper.Max(p => p.R));
        var curveR = Enumerable.Range(0, 101).Select(i => 0.8 + i * (rMax + 0.2 - 0.8) / 100).ToArray();
        var constant = left.Add.Scatter(curveR, curveR.Select(r => 18.5 / (r * d)).ToArray());
        constant.MarkerSize = 0;
        constant.LinePattern = LinePattern.Dashed;
        constant.Color = Colors.Gray;
        constant.LegendText = string.Format(inv, "18.5 active units / patch: pi = 18.5 / ({0} R)", d);
        if (paper.Count > 0)
        {
            var p = left.Add.Scatter(paper.Select(q => q.R).ToArray(), paper.Select(q => q.Pi).ToArray());
            p.LineWidth = 0;
            p.MarkerSize = 12;
            p.MarkerShape = MarkerShape.OpenCircle;
            p.Color = Colors.Black;
            p.LegendText = "paper";
        }
        if (points.Count > 0)
        {
            var learned = left.Add.Scatter(points.Select(q => q.Overcompleteness).ToArray(), points.Select(q => q.LearnedPi).ToArray());
            learned.MarkerSize = 9;
            learned.Color = Colors.C0;
            learned.LegendText = "learned (this run)";
        }
        left.Title("Learned pi vs overcompleteness");
        left.XLabel("overcompleteness R = K / D");
        left.YLabel("pi = P(s_k != 0)");
        left.Axes.SetLimitsY(0, 0.6);
        left.ShowLegend(Alignment.UpperRight);

        if (points.Count > 0)
        {
            var active = right.Add.Scatter(points.Select(q => q.Overcompleteness).ToArray(), points.Select(q => q.ActiveUnitsPerPatch).ToArray());
            active.MarkerSize = 9;
            active.Color = Colors.C1;
            active.LegendText = "measured (this run)";
        }
        var ref185 = right.Add.HorizontalLine(18.5);
        ref185.LinePattern = LinePattern.Dashed;
        ref185.Color = Colors.Gray;
        ref185.LegendText = "paper: about 18.5";
        right.Title("Active units per patch");
        right.XLabel("overcompleteness R = K / D");
        right.YLabel("mean number of s_k != 0 per patch");
        right.Axes.SetLimitsY(0, Math.Max(40, points.Count == 0 ? 0 : points.Max(q => q.ActiveUnitsPerPatch) * 1.2));
        right.ShowLegend(Alignment.LowerRight);
        foreach (var plot in new[] { left, right }) plot.Axes.SetLimitsX(0.5, rMax + 0.5);

        return multi.Render(width, height).GetImageBytes(ImageFormat.Png);
    }
}
