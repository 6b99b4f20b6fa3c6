namespace EdgeLangevin.Reference.Model;

/// <summary>
/// How image patches were turned into data vectors, stored with a model learned from
/// images so that the same transform can be applied to new inputs (on a desktop or a board).
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Side of the square patch in pixels (D = PatchSize^2).</summary>
    public required int PatchSize { get; init; }
    /// <summary>Whether each patch had its own mean (DC) removed.</summary>
    public required bool MeanRemoval { get; init; }
    /// <summary>"none", or the whitening method's name (e.g. "zca").</summary>
    public required string Whitening { get; init; }
    /// <summary>Whitening parameters (method specific, e.g. the regulariser); empty when none.</summary>
    public IReadOnlyDictionary<string, double> WhiteningParameters { get; init; } = new Dictionary<string, double>();
    /// <summary>Whitening matrix D x D (row-major) applied after mean removal, or null.</summary>
    public Matrix? WhiteningMatrix { get; init; }
    /// <summary>Multiplier applied last (after whitening), e.g. to give unit variance per pixel.</summary>
    public required double Scale { get; init; }
    /// <summary>Pixel values are divided by this before everything else (255 for 8-bit images).</summary>
    public double PixelDivisor { get; init; } = 255.0;
}
