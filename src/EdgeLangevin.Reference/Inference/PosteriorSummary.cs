namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The posterior of s given one input, summarised per unit k from the samples of every
/// chain run on that input: P(s_k != 0 | x), E[s_k | x] and the standard deviation of s_k.
/// The standard errors come from the spread of the per-chain averages across the
/// independent chains (so they include the autocorrelation within a chain); they are NaN
/// with a single chain. The fixed-point engine returns the same type.
/// </summary>
public sealed record PosteriorSummary
{
    public required double[] PActive { get; init; }
    public required double[] Mean { get; init; }
    public required double[] Std { get; init; }
    public required double[] PActiveStdError { get; init; }
    public required double[] MeanStdError { get; init; }
    /// <summary>Samples pooled per unit (chains x samples per chain).</summary>
    public required long SampleCount { get; init; }
    /// <summary>MALA (the exact mode) only: the fraction of proposals accepted in this input's chains; null otherwise.</summary>
    public double? AcceptanceRate { get; init; }
    public int K => PActive.Length;
}
