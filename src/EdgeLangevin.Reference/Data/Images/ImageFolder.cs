using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Loads the training images: every *.pgm and *.png in a folder (extension in any case), in ordinal
/// file-name order (so a seed means the same patches everywhere).
/// </summary>
public static class ImageFolder
{
    /// <summary>The name that stands for the images shipped with the project (Data/images beside the assembly).</summary>
    public const string ShippedName = "images";

    /// <summary>The folder of shipped images in the build output.</summary>
    public static string ShippedPath => Path.Combine(AppContext.BaseDirectory, "Data", "images");

    /// <summary>
    /// <paramref name="dir"/> itself when it is an existing folder; otherwise the shipped images
    /// when it is the word "images". A folder named "images" in the current directory wins.
    /// </summary>
    public static string Resolve(string dir)
    {
        if (Directory.Exists(dir)) return dir;
        if (dir == ShippedName && Directory.Exists(ShippedPath)) return ShippedPath;
        throw new InvalidInputException($"{dir}: image folder not found (give a folder of .pgm or .png files, or '{ShippedName}' for the shipped ones)");
    }

    private static readonly string[] OtherImageExtensions = [".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pnm", ".heic"];

    /// <summary>The file types a folder of training images may hold (compared without regard to case).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".pgm", ".png"];

    /// <summary>
    /// All *.pgm and *.png files of the folder. The stored preprocessing has a single pixel divisor that new data will be
    /// divided by, so the images are brought to one maxval: the largest, when every other maxval divides it (an 8-bit
    /// PNG's 255 divides a 16-bit one's 65535: a sample v becomes v * 257, the PNG specification's own widening of 8-bit
    /// samples, and keeps its fraction of full scale); other mixtures (a PGM of maxval 4095 beside 8-bit images) are
    /// refused. macOS's AppleDouble companions ("._name.png", written beside every file copied to a FAT or network
    /// volume) are metadata, not images, and are skipped.
    /// </summary>
    public static IReadOnlyList<GrayImage> Load(string dir, int minSide = 1)
    {
        string path = Resolve(dir);
        string[] files = Array.FindAll(Directory.GetFiles(path), f => IsImageFile(f) && !IsAppleDouble(f));
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            // Photos often come as JPEG: say what was found and what to do, rather than only "none".
            string[] other = Array.FindAll(Directory.GetFiles(path), f => OtherImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()));
            throw new InvalidInputException(other.Length == 0
                ? $"{path}: no .pgm or .png files in this folder"
                : $"{path}: no .pgm or .png files in this folder, but {other.Length} other image file(s) ({Path.GetFileName(other[0])}{(other.Length > 1 ? ", ..." : "")}) this tool does not read; convert them to PNG (lossless) first");
        }
        var images = new List<GrayImage>(files.Length);
        foreach (string f in files)
        {
            GrayImage img = Read(f);
            if (img.Width < minSide || img.Height < minSide)
                throw new InvalidInputException($"{f}: image is {img.Width}x{img.Height}, smaller than one {minSide}x{minSide} patch");
            // A blank image has nothing to learn and its patches only add round-off to the whitening statistics.
            if (Array.TrueForAll(img.Samples, v => v == img.Samples[0]))
                throw new InvalidInputException($"{f}: every pixel is {img.Samples[0]}: an image without variation cannot be learned from; remove it from the folder");
            images.Add(img);
        }
        images = ToCommonMaxValue(images);
        // One patch position means one patch, drawn again and again: every atom learns that same vector and the
        // dictionary's curvature grows until the chains diverge (an 8x8 image ended in a stability error about a
        // dt the user never set). Two positions already learn (a 12x9 crop, ten positions, is a tested case), so
        // this is the one count refused.
        long positions = images.Sum(i => (long)(i.Width - minSide + 1) * (i.Height - minSide + 1));
        if (minSide > 1 && positions < 2)
            throw new InvalidInputException($"{path}: the images hold a single {minSide}x{minSide} patch position (each image is exactly one patch): "
                + "learning needs more than one distinct patch; add images or larger ones");
        return images;
    }

    /// <summary>
    /// The images at the largest maxval among them, each sample multiplied by largest / its own maxval; refused (naming
    /// both files) when that ratio is not a whole number, since the samples could then not keep their exact values.
    /// </summary>
    private static List<GrayImage> ToCommonMaxValue(List<GrayImage> images)
    {
        GrayImage widest = images.MaxBy(i => i.MaxValue)!;
        int max = widest.MaxValue;
        var result = new List<GrayImage>(images.Count);
        foreach (GrayImage img in images)
        {
            if (img.MaxValue == max) { result.Add(img); continue; }
            if (max % img.MaxValue != 0)
                throw new InvalidInputException($"{img.Source}: maxval {img.MaxValue} cannot be brought exactly to the maxval {max} of {widest.Source} ({max} is not a multiple of {img.MaxValue}); training images share one pixel scale: convert them to one bit depth");
            int factor = max / img.MaxValue;
            result.Add(new GrayImage(img.Width, img.Height, max, Array.ConvertAll(img.Samples, v => v * factor), img.Source));
        }
        return result;
    }

    /// <summary>
    /// A macOS AppleDouble file ("._" before the name, starting with the AppleDouble magic 00 05 16 07): the resource
    /// fork and attributes of the file of that name, which macOS writes beside it on volumes that cannot hold them.
    /// </summary>
    public static bool IsAppleDouble(string path)
    {
        if (!Path.GetFileName(path).StartsWith("._", StringComparison.Ordinal) || FileKinds.Of(path) != FileKind.RegularFile) return false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> magic = stackalloc byte[4];
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual(AppleDoubleMagic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // not readable: reading it as an image says why
        }
    }

    private static ReadOnlySpan<byte> AppleDoubleMagic => [0x00, 0x05, 0x16, 0x07];

    /// <summary>True for a file name ending in .pgm or .png, in any case.</summary>
    public static bool IsImageFile(string path) =>
        Extensions.Any(e => Path.GetExtension(path).Equals(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads one image file by its extension (.pgm: <see cref="PgmReader"/>, .png: <see cref="PngReader"/>).</summary>
    public static GrayImage Read(string path) =>
        Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase) ? PngReader.Read(path) : PgmReader.Read(path);
}
