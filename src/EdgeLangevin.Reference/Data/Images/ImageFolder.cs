using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>Loads the training images: every *.pgm in a folder, in ordinal file-name order (so a seed means the same patches everywhere).</summary>
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
        throw new InvalidInputException($"{dir}: image folder not found (give a folder of .pgm files, or '{ShippedName}' for the shipped ones)");
    }

    /// <summary>
    /// All *.pgm files of the folder. They must share one maxval, because the stored preprocessing
    /// has a single pixel divisor that new data will be divided by.
    /// </summary>
    public static IReadOnlyList<GrayImage> Load(string dir, int minSide = 1)
    {
        string path = Resolve(dir);
        string[] files = Directory.GetFiles(path, "*.pgm");
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0) throw new InvalidInputException($"{path}: no .pgm files in this folder");
        var images = new List<GrayImage>(files.Length);
        foreach (string f in files)
        {
            GrayImage img = PgmReader.Read(f);
            if (img.Width < minSide || img.Height < minSide)
                throw new InvalidInputException($"{f}: image is {img.Width}x{img.Height}, smaller than one {minSide}x{minSide} patch");
            if (images.Count > 0 && img.MaxValue != images[0].MaxValue)
                throw new InvalidInputException($"{f}: maxval {img.MaxValue} differs from {images[0].MaxValue} in {images[0].Source}; all training images must share one bit depth");
            // A blank image has nothing to learn and its patches only add round-off to the whitening statistics.
            if (Array.TrueForAll(img.Samples, v => v == img.Samples[0]))
                throw new InvalidInputException($"{f}: every pixel is {img.Samples[0]}: an image without variation cannot be learned from; remove it from the folder");
            images.Add(img);
        }
        return images;
    }
}
