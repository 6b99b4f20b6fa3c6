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
    private readonly IReadOnlyList<GrayImage> _images;
    private readonly Rng _rng;

    public PatchSampler(IReadOnlyList<GrayImage> images, int patchSize, int seed)
    {
        if (images.Count == 0) throw new ArgumentException("no images to sample patches from", nameof(images));
        if (patchSize < 1) throw new ArgumentOutOfRangeException(nameof(patchSize), $"patch size must be at least 1, got {patchSize}");
        foreach (var img in images)
            if (img.Width < patchSize || img.Height < patchSize)
                throw new ArgumentException($"{img.Source}: image {img.Width}x{img.Height} is smaller than a {patchSize}x{patchSize} patch", nameof(images));
        _images = images;
        PatchSize = patchSize;
        _rng = new Rng(seed);
    }

    public int PatchSize { get; }
    public int D => PatchSize * PatchSize;

    /// <summary>Writes the next patch's raw samples, row-major, into <paramref name="raw"/> (length D).</summary>
    public void Next(Span<double> raw) => Draw(_images, PatchSize, _rng.NextInt, raw);

    /// <summary>
    /// Draws one patch using <paramref name="nextInt"/>(n), a uniform integer in [0, n), three times:
    /// the image, the top row, the left column. The learner's data source calls this with its own
    /// random stream so that a chain's data depend only on that chain's seed.
    /// </summary>
    public static void Draw(IReadOnlyList<GrayImage> images, int patchSize, Func<int, int> nextInt, Span<double> raw)
    {
        if (raw.Length != patchSize * patchSize) throw new ArgumentException($"patch buffer must hold {patchSize * patchSize} samples, got {raw.Length}", nameof(raw));
        GrayImage img = images[nextInt(images.Count)];
        int row0 = nextInt(img.Height - patchSize + 1);
        int col0 = nextInt(img.Width - patchSize + 1);
        int i = 0;
        for (int r = 0; r < patchSize; r++)
        {
            int offset = (row0 + r) * img.Width + col0;
            for (int c = 0; c < patchSize; c++) raw[i++] = img.Samples[offset + c];
        }
    }

    /// <summary>Draws <paramref name="count"/> raw patches as rows of a count x D array.</summary>
    public double[] NextMany(int count)
    {
        var all = new double[checked(count * D)];
        for (int n = 0; n < count; n++) Next(all.AsSpan(n * D, D));
        return all;
    }
}
