using EdgeLangevin.Reference.Io;
using ScottPlot;
using SkiaSharp;

namespace EdgeLangevin.Reporting.Plots;

/// <summary>Turns ScottPlot plots (one, or several side by side) into PNG files, written atomically.</summary>
public static class PngWriter
{
    /// <summary>Default size of one panel, pixels: readable at a glance, small enough for a Markdown report.</summary>
    public const int Width = 800, Height = 500;

    /// <summary>A new plot with the project's font and readable sizes.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        plot.Title(title, 18);
        plot.XLabel(xLabel, 15);
        plot.YLabel(yLabel, 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        return plot;
    }

    public static void Save(string path, Plot plot, int width = Width, int height = Height) => Save(path, [plot], width, height);

    /// <summary>Draws <paramref name="panels"/> left to right, each <paramref name="width"/> x <paramref name="height"/>, into one PNG.</summary>
    public static void Save(string path, IReadOnlyList<Plot> panels, int width = Width, int height = Height)
    {
        byte[] png = Render(panels, width, height);
        AtomicFile.WriteAllBytes(path, png);
    }

    public static byte[] Render(IReadOnlyList<Plot> panels, int width, int height)
    {
        if (panels.Count == 0) throw new ArgumentException("nothing to draw", nameof(panels));
        var info = new SKImageInfo(width * panels.Count, height);
        using SKSurface surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        // Each panel gets its own surface: a plot clears the whole canvas it is given before drawing.
        for (int i = 0; i < panels.Count; i++)
        {
            using SKSurface panel = SKSurface.Create(new SKImageInfo(width, height));
            panels[i].Render(panel);
            using SKImage image = panel.Snapshot();
            surface.Canvas.DrawImage(image, i * width, 0);
        }
        surface.Canvas.Flush();
        return Encode(surface);
    }

    internal static byte[] Encode(SKSurface surface)
    {
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
