using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Data;

/// <summary>
/// A stream of data vectors for learning: bars images, natural-image patches, sensor
/// windows. The learner draws from it on one thread (the chains then run in parallel),
/// so an implementation need not be thread-safe.
/// </summary>
public interface IDataSource
{
    /// <summary>A short name recorded in outputs ("bars", "images:...").</summary>
    string Name { get; }

    /// <summary>D, the length of every vector.</summary>
    int Dimension { get; }

    /// <summary>Writes one datum into destination[offset .. offset + Dimension).</summary>
    void Draw(Rng rng, double[] destination, int offset);

    /// <summary>How raw data became these vectors (image patches), stored in a learned model; null for synthetic data.</summary>
    Preprocessing? Preprocessing => null;
}
