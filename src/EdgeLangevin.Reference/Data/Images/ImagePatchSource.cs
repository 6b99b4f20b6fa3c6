using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Natural-image patches for the learner: each draw takes a fresh patch at a random position
/// (an endless stream, so no patch set is memorised) and applies the stored preprocessing. With
/// Olshausen-Field whitening the images are whitened whole first (<see cref="OlshausenFieldWhitening"/>, with the
/// stored f0) and patches are cut from the whitened images; the per-patch transform then does the rest.
/// </summary>
public sealed class ImagePatchSource : IDataSource
{
    private readonly IReadOnlyList<GrayImage> _images;
    private readonly IReadOnlyList<ImagePlane>? _whitened;
    private readonly PatchTransform _transform;
    private readonly double[] _raw;

    public ImagePatchSource(IReadOnlyList<GrayImage> images, Preprocessing preprocessing, string name = "images")
    {
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        _images = images;
        Preprocessing = preprocessing;
        _transform = new PatchTransform(preprocessing);
        if (preprocessing.Whitening == OlshausenFieldWhitening.Name)
            _whitened = OlshausenFieldWhitening.WhitenAll(images, PatchTransform.F0(preprocessing));
        _raw = new double[_transform.D];
        Name = name;
    }

    public Preprocessing Preprocessing { get; }

    public string Name { get; }

    public int Dimension => _transform.D;

    public void Draw(Rng rng, double[] destination, int offset)
    {
        if (_whitened is not null) PatchSampler.Draw(_whitened, Preprocessing.PatchSize, rng.NextInt, _raw);
        else PatchSampler.Draw(_images, Preprocessing.PatchSize, rng.NextInt, _raw);
        _transform.Apply(_raw, destination.AsSpan(offset, Dimension));
    }
}
