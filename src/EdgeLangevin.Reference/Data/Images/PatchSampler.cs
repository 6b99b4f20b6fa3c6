using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Draws square patches at uniformly random positions: first an image (uniformly, so small and
/// large images count alike), then a top-left corner inside it. Deterministic from the seed
/// (System.Random with a seed is a fixed algorithm across .NET versions).
/// Raw samples are returned; <see cref="PatchPreprocessor"/> turns them into data vectors.
/// </summary>
public sealed class PatchSampler
{
    private readonly IReadOnlyList<GrayImage>? _images;
    private readonly IReadOnlyList<ImagePlane>? _planes;
    private readonly Rng _rng;

    public PatchSampler(IReadOnlyList<GrayImage> images, int patchSize, int seed)
        : this(images.Select(i => (i.Width, i.Height, i.Source)).ToList(), patchSize, seed) => _images = images;

    /// <summary>Patches of real-valued images (e.g. whitened ones, <see cref="OlshausenFieldWhitening"/>), drawn in the same way.</summary>
    public PatchSampler(IReadOnlyList<ImagePlane> planes, int patchSize, int seed)
        : this(planes.Select(i => (i.Width, i.Height, i.Source)).ToList(), patchSize, seed) => _planes = planes;

    private PatchSampler(List<(int Width, int Height, string Source)> sizes, int patchSize, int seed)
    {
        if (sizes.Count == 0) throw new ArgumentException("no images to sample patches from", "images");
        if (patchSize < 1) throw new ArgumentOutOfRangeException(nameof(patchSize), $"patch size must be at least 1, got {patchSize}");
        foreach (var (w, h, source) in sizes)
            if (w < patchSize || h < patchSize)
                throw new ArgumentException($"{source}: image {w}x{h} is smaller than a {patchSize}x{patchSize} patch", "images");
        PatchSize = patchSize;
        _rng = new Rng(seed);
    }

    public int PatchSize { get; }
    public int D => PatchSize * PatchSize;

    /// <summary>Writes the next patch's raw samples, row-major, into <paramref name="raw"/> (length D).</summary>
    public void Next(Span<double> raw)
    {
        if (_planes is not null) Draw(_planes, PatchSize, _rng.NextInt, raw);
        else Draw(_images!, PatchSize, _rng.NextInt, raw);
    }

    /// <summary>
    /// Draws one patch using <paramref name="nextInt"/>(n), a uniform integer in [0, n), three times:
    /// the image, the top row, the left column. The learner's data source calls this with its own
    /// random stream so that a chain's data depend only on that chain's seed.
    /// </summary>
    public static void Draw(IReadOnlyList<GrayImage> images, int patchSize, Func<int, int> nextInt, Span<double> raw)
    {
        CheckBuffer(patchSize, raw);
        GrayImage img = images[nextInt(images.Count)];
        int offset = Corner(img.Width, img.Height, patchSize, nextInt);
        for (int r = 0, i = 0; r < patchSize; r++, offset += img.Width)
            for (int c = 0; c < patchSize; c++) raw[i++] = img.Samples[offset + c];
    }

    /// <summary>The same draw (same random numbers, same positions) from real-valued images.</summary>
    public static void Draw(IReadOnlyList<ImagePlane> planes, int patchSize, Func<int, int> nextInt, Span<double> raw)
    {
        CheckBuffer(patchSize, raw);
        ImagePlane img = planes[nextInt(planes.Count)];
        int offset = Corner(img.Width, img.Height, patchSize, nextInt);
        for (int r = 0, i = 0; r < patchSize; r++, offset += img.Width)
            for (int c = 0; c < patchSize; c++) raw[i++] = img.Samples[offset + c];
    }

    private static void CheckBuffer(int patchSize, Span<double> raw)
    {
        if (raw.Length != patchSize * patchSize) throw new ArgumentException($"patch buffer must hold {patchSize * patchSize} samples, got {raw.Length}", nameof(raw));
    }

    /// <summary>Index of a random top-left corner: the top row first, then the left column.</summary>
    private static int Corner(int width, int height, int patchSize, Func<int, int> nextInt)
    {
        int row0 = nextInt(height - patchSize + 1);
        int col0 = nextInt(width - patchSize + 1);
        return row0 * width + col0;
    }

    /// <summary>Draws <paramref name="count"/> raw patches as rows of a count x D array.</summary>
    public double[] NextMany(int count)
    {
        var all = new double[checked(count * D)];
        for (int n = 0; n < count; n++) Next(all.AsSpan(n * D, D));
        return all;
    }
}
