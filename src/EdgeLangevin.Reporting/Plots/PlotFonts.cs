using SkiaSharp;

namespace EdgeLangevin.Reporting.Plots;

/// <summary>
/// The font every plot uses. The SkiaSharp native build shipped for Linux here
/// (SkiaSharp.NativeAssets.Linux.NoDependencies) has no fontconfig, so it cannot look fonts up by
/// family name: text would silently be missing. We therefore load a TrueType file by path, once:
/// $EDGELANGEVIN_FONT if set, else the first of a few common sans fonts under /usr/share/fonts
/// (Debian: fonts-dejavu-core), else any .ttf found there. <see cref="Warning"/> says what to install
/// when nothing is found.
/// </summary>
public static class PlotFonts
{
    public const string FamilyName = "EdgeLangevin Sans";

    private static readonly string[] Preferred =
    [
        "DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Lato-Regular.ttf", "FreeSans.ttf", "Arial.ttf", "arial.ttf",
    ];

    private static readonly string[] SearchRoots = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts", @"C:\Windows\Fonts"];

    private static readonly Lazy<(string? Path, SKTypeface Typeface)> Loaded = new(Load);
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>The font file in use, or null when none was found (plots then have no text).</summary>
    public static string? FontPath => Loaded.Value.Path;

    public static SKTypeface Typeface => Loaded.Value.Typeface;

    /// <summary>A message for the user when no font was found, else null.</summary>
    public static string? Warning => FontPath is null
        ? "no TrueType font found for plot text (set EDGELANGEVIN_FONT=/path/to/font.ttf, or on Debian/Ubuntu: apt-get install fonts-dejavu-core)"
        : null;

    /// <summary>Makes ScottPlot use the font; called before any plot is drawn.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            _registered = true;
            if (FontPath is { } path)
            {
                ScottPlot.Fonts.AddFontFile(FamilyName, path, false, false);
                // Bold titles are drawn with the same file (a synthetic weight would need a second file).
                ScottPlot.Fonts.AddFontFile(FamilyName, path, true, false);
                ScottPlot.Fonts.Default = FamilyName;
            }
        }
    }

    internal static string? FindFontFile()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("EDGELANGEVIN_FONT");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment)) return fromEnvironment;
        var found = new List<string>();
        foreach (string root in SearchRoots)
        {
            if (!Directory.Exists(root)) continue;
            try
            {
                found.AddRange(Directory.EnumerateFiles(root, "*.ttf", SearchOption.AllDirectories));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable font folder is not worth failing a plot over; try the next root.
            }
        }
        foreach (string name in Preferred)
            foreach (string f in found)
                if (string.Equals(Path.GetFileName(f), name, StringComparison.Ordinal)) return f;
        found.Sort(StringComparer.Ordinal); // deterministic choice among the rest
        return found.Count > 0 ? found[0] : null;
    }

    private static (string?, SKTypeface) Load()
    {
        string? path = FindFontFile();
        SKTypeface? typeface = path is null ? null : SKTypeface.FromFile(path);
        return typeface is null ? (null, SKTypeface.Default) : (path, typeface);
    }
}
