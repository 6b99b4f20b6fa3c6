using EdgeLangevin.Reporting.Plots;
using SkiaSharp;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Every chart is drawn from known data into bin/.../plots (kept, so a person can look at them) and
/// checked as a picture: it decodes as a PNG of the expected size, and it is not blank.
/// </summary>
public class PlotTests
{
    private static readonly string Dir = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "plots")).FullName;

    private static SKBitmap Decode(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        return SKBitmap.Decode(path) ?? throw new Xunit.Sdk.XunitException($"{path} is not a decodable image");
    }

    /// <summary>Fraction of pixels in a rectangle that are dark (text, lines, axes).</summary>
    private static double DarkFraction(SKBitmap bmp, int x0, int y0, int x1, int y1)
    {
        int dark = 0, all = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++, all++)
            {
                SKColor c = bmp.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 100) dark++;
            }
        return dark / (double)all;
    }

    private static double[] Bars8x8()
    {
        // 16 unit-norm bars: 8 horizontal, 8 vertical; D = 64 rows, K = 16 columns, row-major.
        var a = new double[64 * 16];
        double v = 1 / Math.Sqrt(8);
        for (int k = 0; k < 8; k++)
            for (int j = 0; j < 8; j++)
            {
                a[(k * 8 + j) * 16 + k] = v;         // horizontal bar k: row k
                a[(j * 8 + k) * 16 + 8 + k] = v;     // vertical bar k: column k
            }
        return a;
    }

    [Fact]
    public void Plot_text_has_a_font_on_this_machine()
    {
        Assert.True(PlotFonts.FontPath is not null, PlotFonts.Warning);
        Assert.True(PlotFonts.Typeface.ContainsGlyphs("Langevin posterior 0123456789"), $"{PlotFonts.FontPath} lacks Latin glyphs");
    }

    [Fact]
    public void The_dictionary_grid_shows_each_bar_as_a_white_line_on_grey()
    {
        string path = Path.Combine(Dir, "atoms_bars.png");
        Charts.DictionaryAtoms(path, Bars8x8(), 64, 16, "True bars dictionary (16 atoms)");
        using SKBitmap bmp = Decode(path);
        int white = 0, grey = 0;
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++)
            {
                SKColor c = bmp.GetPixel(x, y);
                if (c.Red == 255 && c.Green == 255) white++;
                else if (c.Red is 127 or 128) grey++;
            }
        // Each atom is 8 of 64 pixels at +max (white) and 56 at zero (mid-grey): white/grey = 8/56 exactly.
        Assert.True(white > 0 && grey > 0);
        Assert.Equal(8.0 / 56, white / (double)grey, 3);
        Assert.True(DarkFraction(bmp, 0, 0, bmp.Width, 40) > 0.005, "the title is missing");
    }

    [Fact]
    public void The_coefficient_histogram_is_drawn_with_its_title_and_axes()
    {
        var rng = new Random(7);
        var s = new double[20000];
        for (int i = 0; i < s.Length; i++) s[i] = rng.NextDouble() < 0.3 ? -Math.Log(1 - rng.NextDouble()) : 0;
        string path = Path.Combine(Dir, "coefficients.png");
        Charts.CoefficientHistogram(path, s, 1.0, "Non-zero coefficients vs the prior slab (bars, LSC)");
        using SKBitmap bmp = Decode(path);
        Assert.Equal((PngWriter.Width, PngWriter.Height), (bmp.Width, bmp.Height));
        Assert.True(DarkFraction(bmp, 0, 0, bmp.Width, 50) > 0.005, "the title is missing");
        Assert.True(DarkFraction(bmp, 0, 0, 60, bmp.Height) > 0.005, "the y label and ticks are missing");
    }

    [Fact]
    public void Time_series_column_norms_marginals_scatter_and_noise_plots_are_written()
    {
        var rng = new Random(3);
        double[] t = Enumerable.Range(0, 200).Select(i => i * 100.0).ToArray();
        double[] activity = t.Select(x => 0.3 + 0.2 * Math.Exp(-x / 3000) + 0.01 * (rng.NextDouble() - 0.5)).ToArray();
        double[] pi = t.Select(x => 0.5 - 0.2 * (1 - Math.Exp(-x / 5000))).ToArray();
        Charts.TimeSeries(Path.Combine(Dir, "activity_pi.png"), "Mean activity and learned pi during learning", "time (time units)", "fraction of units active",
            t, [new Series("mean activity", activity), new Series("learned pi", pi)], 0.3, "pi of the data = 0.3");

        double[][] norms = t.Select(x => Enumerable.Range(0, 16).Select(k => 0.8 + 0.1 * Math.Sin(k) + 0.3 * x / t[^1] * (k % 3 == 0 ? 1 : 0)).ToArray()).ToArray();
        Charts.ColumnNorms(Path.Combine(Dir, "column_norms.png"), "Column norms during learning, no normalisation", t, norms);

        // A K = 1 posterior with P(s = 0) = 0.382 and an exponential-times-Gaussian non-zero part.
        double[] grid = Enumerable.Range(0, 301).Select(i => i * 0.01).ToArray();
        double[] unnorm = grid.Select(s => Math.Exp(-s - (1.2 - s) * (1.2 - s) / (2 * 0.25))).ToArray();
        double area = unnorm.Sum() * 0.01;
        double[] exact = unnorm.Select(v => v / area * (1 - 0.382)).ToArray();
        var samples = new double[40000];
        for (int i = 0; i < samples.Length; i++)
        {
            if (rng.NextDouble() < 0.382) continue;
            double s;
            // Rejection sampling under the envelope exp(-0.95 - 0.125), the maximum at s = 0.95.
            do s = rng.NextDouble() * 3; while (rng.NextDouble() > Math.Exp(-s - (1.2 - s) * (1.2 - s) / 0.5) / Math.Exp(-0.95 - 0.125));
            samples[i] = s;
        }
        Charts.PosteriorMarginal(Path.Combine(Dir, "posterior_marginal.png"), "Posterior of s (K = 1, x = 1.2, sigma = 0.5, pi = 0.3)", samples, grid, exact, 0.382);

        double[] f = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 1.5).ToArray();
        double[] q = f.Select(v => v + 0.01 * (rng.NextDouble() - 0.5)).ToArray();
        Charts.FixedVsFloat(Path.Combine(Dir, "fixed_vs_float.png"), "Posterior means: fixed point (Q16 dictionary) vs float", "E[s | x]", f, q);

        var noise = new double[100000];
        for (int i = 0; i < noise.Length; i++) noise[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        Charts.Noise(Path.Combine(Dir, "noise.png"), "Gaussian noise generator", noise);

        foreach (string name in new[] { "activity_pi", "column_norms", "posterior_marginal", "fixed_vs_float" })
        {
            using SKBitmap bmp = Decode(Path.Combine(Dir, name + ".png"));
            Assert.Equal((PngWriter.Width, PngWriter.Height), (bmp.Width, bmp.Height));
            Assert.True(DarkFraction(bmp, 0, 0, bmp.Width, 50) > 0.005, $"{name}: the title is missing");
        }
        using SKBitmap both = Decode(Path.Combine(Dir, "noise.png"));
        Assert.Equal((2 * PngWriter.Width, PngWriter.Height), (both.Width, both.Height));
        // Both panels drawn (a plot clears the canvas it renders into, which once blanked the left one).
        Assert.True(DarkFraction(both, 0, 0, PngWriter.Width, 50) > 0.005, "noise: the left panel's title is missing");
        Assert.True(DarkFraction(both, PngWriter.Width, 0, 2 * PngWriter.Width, 50) > 0.005, "noise: the right panel's title is missing");
    }

    [Fact]
    public void The_autocorrelation_of_independent_samples_is_near_zero_and_of_a_repeated_signal_is_one()
    {
        var rng = new Random(11);
        double[] x = Enumerable.Range(0, 10000).Select(_ => rng.NextDouble()).ToArray();
        double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        // Standard error of a lag-1 autocorrelation of n independent samples is 1/sqrt(n) = 0.01; allow 4 of them.
        Assert.InRange(Charts.Autocorrelation(x, mean, variance, 1), -0.04, 0.04);
        double[] pairs = Enumerable.Range(0, 10000).Select(i => x[i / 2]).ToArray(); // each value twice: lag-1 correlation 1/2
        double pm = pairs.Average(), pv = pairs.Sum(v => (v - pm) * (v - pm)) / pairs.Length;
        Assert.InRange(Charts.Autocorrelation(pairs, pm, pv, 1), 0.5 - 0.04, 0.5 + 0.04);
    }

    [Fact]
    public void A_marginal_plot_shows_where_the_mass_is_not_the_whole_integration_grid()
    {
        // A grid to +-50 around a non-negative slab concentrated on (0, 2]: the plot must not span +-50.
        double[] grid = Enumerable.Range(0, 1001).Select(i => -50 + i * 0.1).ToArray();
        double[] density = grid.Select(s => s > 0 ? Math.Exp(-(s - 1) * (s - 1) / (2 * 0.09)) : 0).ToArray();
        var (lo, hi) = Charts.MarginalRange([0.5, 1.0, 1.5], grid, density);
        Assert.InRange(lo, -0.1, 0.2);   // starts at zero (the slab's edge), not -50
        Assert.InRange(hi, 1.9, 2.2);    // 1 + sqrt(2 ln 1000) * 0.3 = 2.1, padded slightly
    }

    [Fact]
    public void A_density_histogram_integrates_to_the_fraction_inside_its_range()
    {
        double[] values = [0.1, 0.2, 0.3, 0.9, 5.0]; // 5.0 is outside [0, 1]
        var (_, density, width) = Charts.Density(values, 0, 1, 10);
        Assert.Equal(4.0 / 5, density.Sum() * width, 12);
    }
}
