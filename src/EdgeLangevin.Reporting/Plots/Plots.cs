using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace EdgeLangevin.Reporting.Plots;

/// <summary>A named line for <see cref="Charts.TimeSeries"/>.</summary>
public sealed record Series(string Name, double[] Values);

/// <summary>One labelled dictionary (row-major D x K) for <see cref="Charts.DictionaryAtomPanels"/>.</summary>
public sealed record AtomPanel(string Label, double[] DictionaryRowMajor);

/// <summary>
/// The project's plots. Each takes plain arrays and writes one PNG atomically (a crash leaves the
/// previous PNG, or none). Axes are labelled, titles say what is shown, and every reference curve
/// (the prior's slab, the exact posterior, N(0,1), y = x) is drawn in black so the data stand out.
/// </summary>
public static class Charts
{
    private static readonly Color DataColor = Color.FromHex("#1f77b4");
    private static readonly Color SecondColor = Color.FromHex("#d62728");
    private static readonly Color ReferenceColor = Colors.Black;

    /// <summary>
    /// Dictionary atoms (the columns of A, row-major D x K) as a grid of grey images, each scaled
    /// symmetrically so that zero is mid-grey, white positive, black negative. A column of length
    /// D = p*p is shown as p x p pixels; otherwise as a 1 x D strip.
    /// </summary>
    public static void DictionaryAtoms(string path, double[] dictionaryRowMajor, int rows, int cols, string title, int pixelsPerCell = 6) =>
        DictionaryAtomPanels(path, title, [new AtomPanel("", dictionaryRowMajor)], rows, cols, pixelsPerCell);

    /// <summary>
    /// Several dictionaries of the same shape side by side, one labelled atom grid each (as
    /// <see cref="DictionaryAtoms"/>), so that atom j of every panel sits at the same place.
    /// </summary>
    public static void DictionaryAtomPanels(string path, string title, IReadOnlyList<AtomPanel> panels, int rows, int cols, int pixelsPerCell = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if (panels.Count == 0) throw new ArgumentException("nothing to draw", nameof(panels));
        foreach (AtomPanel p in panels)
            if (p.DictionaryRowMajor.Length != rows * cols) throw new ArgumentException($"panel '{p.Label}': expected {rows}*{cols} values, got {p.DictionaryRowMajor.Length}", nameof(panels));
        int side = (int)Math.Round(Math.Sqrt(rows));
        (int atomW, int atomH) = side * side == rows ? (side, side) : (rows, 1);
        int gridCols = (int)Math.Ceiling(Math.Sqrt(cols * (double)atomH / atomW));
        gridCols = Math.Clamp(gridCols, 1, cols);
        int gridRows = (cols + gridCols - 1) / gridCols;
        int cell = Math.Max(1, pixelsPerCell);
        // Small atoms (8x8) need enlarging to be seen; large grids must stay a sensible size.
        while (gridCols * atomW * cell < 360 && cell < 16) cell++;
        int gap = Math.Max(2, cell / 2), margin = 16, titleHeight = 40;
        bool labelled = panels.Any(p => p.Label.Length > 0);
        int labelHeight = labelled ? 24 : 0;
        PlotFonts.EnsureRegistered();
        using var font = new SKFont(PlotFonts.Typeface, 18);
        using var small = new SKFont(PlotFonts.Typeface, 12);
        using var label = new SKFont(PlotFonts.Typeface, 15);
        string footnote = $"{cols} atoms, {atomW}x{atomH} each; grey = 0, white > 0, black < 0 (each scaled to its own max |value|)";
        int gridWidth = gridCols * (atomW * cell + gap) - gap;
        int panelWidth = (int)Math.Ceiling(Math.Max(gridWidth, panels.Max(p => label.MeasureText(p.Label)))) + 2 * margin;
        // Wide enough for the grids and for both lines of text, so nothing is clipped.
        int width = (int)Math.Ceiling(Math.Max(Math.Max(panels.Count * panelWidth, font.MeasureText(title)), small.MeasureText(footnote))) + 2 * margin;
        int height = titleHeight + labelHeight + 2 * margin + gridRows * (atomH * cell + gap) - gap + 20;

        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(new SKColor(235, 235, 235));
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(title, width / 2f, 28, SKTextAlign.Center, font, paint);
        canvas.DrawText(footnote, width / 2f, height - 8, SKTextAlign.Center, small, paint);

        int firstPanel = (width - panels.Count * panelWidth) / 2;
        using var pixel = new SKPaint { IsAntialias = false };
        for (int p = 0; p < panels.Count; p++)
        {
            double[] a = panels[p].DictionaryRowMajor;
            int panelLeft = firstPanel + p * panelWidth;
            if (labelled) canvas.DrawText(panels[p].Label, panelLeft + panelWidth / 2f, titleHeight + 18, SKTextAlign.Center, label, paint);
            int left = panelLeft + (panelWidth - gridWidth) / 2;
            for (int k = 0; k < cols; k++)
            {
                double maxAbs = 0;
                for (int d = 0; d < rows; d++) maxAbs = Math.Max(maxAbs, Math.Abs(a[d * cols + k]));
                int x0 = left + k % gridCols * (atomW * cell + gap);
                int y0 = titleHeight + labelHeight + margin + k / gridCols * (atomH * cell + gap);
                for (int d = 0; d < rows; d++)
                {
                    double v = maxAbs > 0 ? a[d * cols + k] / maxAbs : 0;
                    byte g = (byte)Math.Clamp((int)Math.Round(127.5 + 127.5 * v), 0, 255);
                    pixel.Color = new SKColor(g, g, g);
                    canvas.DrawRect(x0 + d % atomW * cell, y0 + d / atomW * cell, cell, cell, pixel);
                }
            }
        }
        EdgeLangevin.Reference.Io.AtomicFile.WriteAllBytes(path, PngWriter.Encode(surface));
    }

    /// <summary>
    /// Histogram of the non-zero coefficients as a density, against the prior's slab lambda e^(-lambda s)
    /// (the distribution the non-zero coefficients must follow under the L0-sparse model).
    /// <paramref name="coefficients"/> may contain zeros: they are counted in the title's active fraction
    /// and left out of the histogram. Negative values (signed variant) are folded by absolute value.
    /// </summary>
    public static void CoefficientHistogram(string path, double[] coefficients, double lambda, string title, int bins = 40)
    {
        var nonZero = coefficients.Where(c => c != 0).Select(Math.Abs).ToArray();
        double active = coefficients.Length == 0 ? 0 : nonZero.Length / (double)coefficients.Length;
        // Cover the slab to where its density falls below 1 % of its peak (s = ln(100)/lambda), or the data's 99.5th percentile.
        double top = Math.Max(Math.Log(100) / lambda, Quantile(nonZero, 0.995));
        Plot plot = PngWriter.NewPlot(title, "non-zero coefficient |s|", "probability density");
        if (nonZero.Length > 0)
        {
            (double[] centers, double[] density, double width) = Density(nonZero, 0, top, bins);
            var bars = plot.Add.Bars(centers, density);
            foreach (var bar in bars.Bars) { bar.Size = width; bar.FillColor = DataColor.WithAlpha(0.6); bar.LineWidth = 0; }
            bars.LegendText = $"sampled, {nonZero.Length.ToString("N0", CultureInfo.InvariantCulture)} non-zero values";
        }
        double[] xs = Linspace(0, top, 200);
        var prior = plot.Add.ScatterLine(xs, xs.Select(s => lambda * Math.Exp(-lambda * s)).ToArray());
        prior.Color = ReferenceColor;
        prior.LineWidth = 2.5f;
        prior.LegendText = $"prior slab {F(lambda)}·exp(-{F(lambda)}·s)";
        plot.Title($"{title}\nactive fraction {F(active, 3)}");
        plot.Axes.SetLimits(0, top, 0, null);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    /// <summary>
    /// The same comparison from pre-binned counts of non-zero |s| (e.g. a run's CodeStatistics): bin i is
    /// [i w, (i+1) w); a last overflow bin, if <paramref name="lastIsOverflow"/>, counts in the total only.
    /// </summary>
    public static void CoefficientHistogram(string path, long[] histogram, double binWidth, bool lastIsOverflow, double lambda, string title, string? subtitle = null)
    {
        long n = histogram.Sum();
        int bins = lastIsOverflow ? histogram.Length - 1 : histogram.Length;
        double top = Math.Min(bins * binWidth, Math.Max(Math.Log(100) / lambda, 1));
        Plot plot = PngWriter.NewPlot(subtitle is null ? title : $"{title}\n{subtitle}", "non-zero coefficient |s|", "probability density");
        if (n > 0)
        {
            int shown = Math.Min(bins, (int)Math.Ceiling(top / binWidth));
            double[] centers = Enumerable.Range(0, shown).Select(i => (i + 0.5) * binWidth).ToArray();
            double[] density = Enumerable.Range(0, shown).Select(i => histogram[i] / (n * binWidth)).ToArray();
            var bars = plot.Add.Bars(centers, density);
            foreach (var bar in bars.Bars) { bar.Size = binWidth; bar.FillColor = DataColor.WithAlpha(0.6); bar.LineWidth = 0; }
            bars.LegendText = $"sampled, {n.ToString("N0", CultureInfo.InvariantCulture)} non-zero values";
        }
        double[] xs = Linspace(0, top, 200);
        var prior = plot.Add.ScatterLine(xs, xs.Select(s => lambda * Math.Exp(-lambda * s)).ToArray());
        prior.Color = ReferenceColor;
        prior.LineWidth = 2.5f;
        prior.LegendText = $"prior slab {F(lambda)}·exp(-{F(lambda)}·s)";
        plot.Axes.SetLimits(0, top, 0, null);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    /// <summary>Several quantities over time (e.g. activity and learned pi), one line each, shared axes.</summary>
    public static void TimeSeries(string path, string title, string xLabel, string yLabel, double[] time, IReadOnlyList<Series> series, double? referenceLevel = null, string? referenceLabel = null)
    {
        Plot plot = PngWriter.NewPlot(title, xLabel, yLabel);
        foreach (Series s in series)
        {
            if (s.Values.Length != time.Length) throw new ArgumentException($"series '{s.Name}' has {s.Values.Length} values for {time.Length} times");
            var line = plot.Add.ScatterLine(time, s.Values);
            line.LineWidth = 2;
            line.LegendText = s.Name;
        }
        if (referenceLevel is double level)
        {
            var h = plot.Add.HorizontalLine(level);
            h.Color = ReferenceColor;
            h.LinePattern = LinePattern.Dashed;
            h.LegendText = referenceLabel ?? $"reference {F(level)}";
        }
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    /// <summary>
    /// Dictionary column norms over time: the median and the 10-90 % band over columns, and the extremes
    /// (one line per column is unreadable beyond a dozen columns). <paramref name="normsPerRecord"/>[t][k].
    /// </summary>
    public static void ColumnNorms(string path, string title, double[] time, double[][] normsPerRecord)
    {
        if (normsPerRecord.Length != time.Length) throw new ArgumentException($"{normsPerRecord.Length} records for {time.Length} times");
        double[] Q(double q) => normsPerRecord.Select(r => Quantile(r, q)).ToArray();
        Plot plot = PngWriter.NewPlot(title, "time (time units)", "column norm ||a_k||");
        var band = plot.Add.FillY(time, Q(0.1), Q(0.9));
        band.FillColor = DataColor.WithAlpha(0.25);
        band.LineWidth = 0;
        band.LegendText = "10-90 % of columns";
        var min = plot.Add.ScatterLine(time, Q(0));
        min.Color = DataColor.WithAlpha(0.6); min.LinePattern = LinePattern.Dotted; min.LegendText = "min, max";
        var max = plot.Add.ScatterLine(time, Q(1));
        max.Color = DataColor.WithAlpha(0.6); max.LinePattern = LinePattern.Dotted;
        var median = plot.Add.ScatterLine(time, Q(0.5));
        median.Color = DataColor; median.LineWidth = 2.5f; median.LegendText = "median";
        plot.Axes.SetLimitsY(0, Math.Max(1.1, Q(1).DefaultIfEmpty(1).Max() * 1.05));
        plot.ShowLegend(Alignment.UpperLeft);
        PngWriter.Save(path, plot);
    }

    /// <summary>
    /// One unit's posterior marginal of s: a density histogram of the sampled non-zero values (scaled so
    /// its area is the sampled P(s != 0)) against the exact density of the non-zero part (area = exact
    /// P(s != 0)); the point mass at zero is compared in the legend.
    /// </summary>
    public static void PosteriorMarginal(string path, string title, double[] samples, double[] grid, double[] exactDensity, double exactPZero, int bins = 50)
    {
        if (grid.Length != exactDensity.Length) throw new ArgumentException("grid and density lengths differ");
        var nonZero = samples.Where(s => s != 0).ToArray();
        double sampledPZero = samples.Length == 0 ? double.NaN : 1 - nonZero.Length / (double)samples.Length;
        (double lo, double hi) = MarginalRange(nonZero, grid, exactDensity);
        Plot plot = PngWriter.NewPlot(title, "coefficient s", "density of the non-zero part");
        if (nonZero.Length > 0)
        {
            (double[] centers, double[] density, double width) = Density(nonZero, lo, hi, bins);
            double scale = nonZero.Length / (double)samples.Length;
            var bars = plot.Add.Bars(centers, density.Select(d => d * scale).ToArray());
            foreach (var bar in bars.Bars) { bar.Size = width; bar.FillColor = DataColor.WithAlpha(0.6); bar.LineWidth = 0; }
            bars.LegendText = $"Langevin samples, P(s=0) = {F(sampledPZero, 3)}";
        }
        int[] inside = Enumerable.Range(0, grid.Length).Where(i => grid[i] >= lo && grid[i] <= hi).ToArray();
        var exact = plot.Add.ScatterLine(inside.Select(i => grid[i]).ToArray(), inside.Select(i => exactDensity[i]).ToArray());
        exact.Color = ReferenceColor;
        exact.LineWidth = 2.5f;
        exact.LegendText = $"exact posterior, P(s=0) = {F(exactPZero, 3)}";
        plot.Axes.SetLimitsX(lo, hi);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        PngWriter.Save(path, plot);
    }

    /// <summary>
    /// The x range worth showing for a marginal: where the exact density is above 1/1000 of its peak
    /// (a grid integrator's grid reaches far into tails of negligible mass), widened to the 0.1 % and
    /// 99.9 % quantiles of the samples so that a sampler's stray tail is not hidden.
    /// </summary>
    internal static (double Lo, double Hi) MarginalRange(double[] nonZeroSamples, double[] grid, double[] density)
    {
        double peak = density.DefaultIfEmpty(0).Max();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = 0; i < grid.Length; i++)
            if (density[i] > 1e-3 * peak) { lo = Math.Min(lo, grid[i]); hi = Math.Max(hi, grid[i]); }
        if (nonZeroSamples.Length > 0)
        {
            lo = Math.Min(lo, Quantile(nonZeroSamples, 0.001));
            hi = Math.Max(hi, Quantile(nonZeroSamples, 0.999));
        }
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) return (-1, 1);
        if (lo > 0 && lo < 0.25 * (hi - lo)) lo = 0; // start at zero when the slab does, so the gap at the point mass shows
        if (hi < 0 && -hi < 0.25 * (hi - lo)) hi = 0;
        double pad = 0.02 * (hi - lo + 1e-12);
        return (lo - pad, hi + pad);
    }

    /// <summary>Fixed-point against float values of one quantity (e.g. posterior means), with the y = x line.</summary>
    public static void FixedVsFloat(string path, string title, string quantity, double[] floatValues, double[] fixedValues)
    {
        if (floatValues.Length != fixedValues.Length) throw new ArgumentException("float and fixed lengths differ");
        double maxError = floatValues.Zip(fixedValues, (a, b) => Math.Abs(a - b)).DefaultIfEmpty(0).Max();
        double lo = Math.Min(floatValues.DefaultIfEmpty(0).Min(), fixedValues.DefaultIfEmpty(0).Min());
        double hi = Math.Max(floatValues.DefaultIfEmpty(1).Max(), fixedValues.DefaultIfEmpty(1).Max());
        double pad = (hi - lo) * 0.05 + 1e-12;
        Plot plot = PngWriter.NewPlot(title, $"{quantity}, float reference", $"{quantity}, fixed point");
        var identity = plot.Add.ScatterLine(new[] { lo - pad, hi + pad }, new[] { lo - pad, hi + pad });
        identity.Color = ReferenceColor; identity.LinePattern = LinePattern.Dashed; identity.LegendText = "y = x";
        var points = plot.Add.ScatterPoints(floatValues, fixedValues);
        points.Color = DataColor.WithAlpha(0.7);
        points.MarkerSize = 6;
        points.LegendText = $"{floatValues.Length.ToString("N0", CultureInfo.InvariantCulture)} values, max |fixed - float| = {F(maxError, 4)}";
        plot.Axes.SetLimits(lo - pad, hi + pad, lo - pad, hi + pad);
        plot.ShowLegend(Alignment.UpperLeft);
        PngWriter.Save(path, plot);
    }

    /// <summary>
    /// A noise source: the histogram of its samples against the N(0,1) density (left) and its
    /// autocorrelation at lags 1..maxLag with the +-2/sqrt(n) band expected of independent samples (right).
    /// </summary>
    public static void Noise(string path, string title, double[] samples, int maxLag = 20, int bins = 60)
    {
        if (samples.Length < maxLag + 2) throw new ArgumentException($"need more than {maxLag + 1} samples, got {samples.Length}");
        double mean = samples.Average();
        double variance = samples.Sum(x => (x - mean) * (x - mean)) / samples.Length;

        Plot hist = PngWriter.NewPlot($"{title}: distribution", "sample value", "probability density");
        (double[] centers, double[] density, double width) = Density(samples, -5, 5, bins);
        var bars = hist.Add.Bars(centers, density);
        foreach (var bar in bars.Bars) { bar.Size = width; bar.FillColor = DataColor.WithAlpha(0.6); bar.LineWidth = 0; }
        bars.LegendText = $"{samples.Length.ToString("N0", CultureInfo.InvariantCulture)} samples, mean {F(mean, 3)}, var {F(variance, 3)}";
        double[] xs = Linspace(-5, 5, 300);
        var normal = hist.Add.ScatterLine(xs, xs.Select(x => Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI)).ToArray());
        normal.Color = ReferenceColor; normal.LineWidth = 2.5f; normal.LegendText = "N(0, 1)";
        hist.Axes.SetLimitsX(-5, 5);
        hist.Axes.Margins(bottom: 0);
        hist.ShowLegend(Alignment.UpperRight);

        Plot acf = PngWriter.NewPlot($"{title}: autocorrelation", "lag (samples)", "autocorrelation");
        double[] lags = Enumerable.Range(1, maxLag).Select(l => (double)l).ToArray();
        double[] r = lags.Select(l => Autocorrelation(samples, mean, variance, (int)l)).ToArray();
        var stems = acf.Add.Bars(lags, r);
        foreach (var bar in stems.Bars) { bar.Size = 0.5; bar.FillColor = DataColor; bar.LineWidth = 0; }
        stems.LegendText = "sample autocorrelation";
        double bound = 2 / Math.Sqrt(samples.Length);
        var upper = acf.Add.HorizontalLine(bound); upper.Color = ReferenceColor; upper.LinePattern = LinePattern.Dashed;
        upper.LegendText = $"±2/√n = ±{F(bound, 4)} (independent samples)";
        var lower = acf.Add.HorizontalLine(-bound); lower.Color = ReferenceColor; lower.LinePattern = LinePattern.Dashed;
        double span = Math.Max(3 * bound, r.Select(Math.Abs).Max() * 1.2);
        acf.Axes.SetLimits(0, maxLag + 1, -span, span);
        acf.ShowLegend(Alignment.UpperRight);

        PngWriter.Save(path, [hist, acf]);
    }

    /// <summary>Sample autocorrelation at <paramref name="lag"/> (biased estimator: the sum is divided by n, as is usual for ACF plots).</summary>
    public static double Autocorrelation(double[] x, double mean, double variance, int lag)
    {
        double sum = 0;
        for (int i = 0; i + lag < x.Length; i++) sum += (x[i] - mean) * (x[i + lag] - mean);
        return variance > 0 ? sum / x.Length / variance : 0;
    }

    /// <summary>Histogram normalised to a density over [lo, hi]: counts / (n * bin width); values outside are left out of the bars but count in n.</summary>
    internal static (double[] Centers, double[] Density, double Width) Density(double[] values, double lo, double hi, int bins)
    {
        if (!(hi > lo)) hi = lo + 1;
        double width = (hi - lo) / bins;
        var counts = new double[bins];
        foreach (double v in values)
        {
            int b = (int)Math.Floor((v - lo) / width);
            if (b == bins && v == hi) b = bins - 1;
            if (b >= 0 && b < bins) counts[b]++;
        }
        var centers = new double[bins];
        for (int i = 0; i < bins; i++)
        {
            centers[i] = lo + (i + 0.5) * width;
            counts[i] /= values.Length * width;
        }
        return (centers, counts, width);
    }

    internal static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return 0;
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        return i + 1 < sorted.Length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    private static double[] Linspace(double lo, double hi, int n) => Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1)).ToArray();

    private static string F(double v, int digits = 2) => v.ToString("0." + new string('#', digits), CultureInfo.InvariantCulture);
}
