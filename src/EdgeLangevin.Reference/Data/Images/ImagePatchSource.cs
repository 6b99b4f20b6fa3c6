using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Natural-image patches for the learner: each draw takes a fresh patch at a random position
/// (an endless stream, so no patch set is memorised) and applies the stored preprocessing.
/// </summary>
public sealed class ImagePatchSource : IDataSource
{
    private readonly IReadOnlyList<GrayImage> _images;
    private readonly PatchTransform _transform;
    private readonly double[] _raw;

    public ImagePatchSource(IReadOnlyList<GrayImage> images, Preprocessing preprocessing, string name = "images")
    {
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        _images = images;
        Preprocessing = preprocessing;
        _transform = new PatchTransform(preprocessing);
        _raw = new double[_transform.D];
        Name = name;
    }

    public Preprocessing Preprocessing { get; }

    public string Name { get; }

    public int Dimension => _transform.D;

    public void Draw(Rng rng, double[] destination, int offset)
    {
        PatchSampler.Draw(_images, Preprocessing.PatchSize, rng.NextInt, _raw);
        _transform.Apply(_raw, destination.AsSpan(offset, Dimension));
    }
}
