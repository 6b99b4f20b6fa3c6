namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// A greyscale image as read from a PGM file: raw integer samples (0..<see cref="MaxValue"/>),
/// row-major, pixel (row, col) at Samples[row * Width + col]. Kept raw so that the stored
/// preprocessing (pixel divisor first) can be re-applied to new data bit for bit.
/// </summary>
public sealed class GrayImage
{
    public GrayImage(int width, int height, int maxValue, int[] samples, string source)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image must be at least 1x1, got {width}x{height}");
        if (maxValue is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(maxValue), $"maxval must be 1..65535, got {maxValue}");
        if (samples.Length != (long)width * height) throw new ArgumentException($"{width}x{height} image needs {(long)width * height} samples, got {samples.Length}", nameof(samples));
        Width = width;
        Height = height;
        MaxValue = maxValue;
        Samples = samples;
        Source = source;
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>The PGM maxval: the sample value that means white.</summary>
    public int MaxValue { get; }
    public int[] Samples { get; }
    /// <summary>Where the image came from (a file path), for error messages and provenance.</summary>
    public string Source { get; }

    public int this[int row, int col] => Samples[row * Width + col];
}
