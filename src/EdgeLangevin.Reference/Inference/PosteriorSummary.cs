namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The posterior of s given one input, summarised per unit k from the samples of every
/// chain run on that input: P(s_k != 0 | x), E[s_k | x] and the standard deviation of s_k.
/// The standard errors are Monte Carlo standard errors from an effective sample size that counts the
/// autocorrelation within each chain and any disagreement between the chains (<see cref="PosteriorAccumulator"/>,
/// <see cref="EffectiveSampleSize"/>); 0 when every sample of the quantity was the same. The fixed-point engine
/// returns the same type.
/// </summary>
public sealed record PosteriorSummary
{
    public required double[] PActive { get; init; }
    public required double[] Mean { get; init; }
    public required double[] Std { get; init; }
    public required double[] PActiveStdError { get; init; }
    public required double[] MeanStdError { get; init; }
    /// <summary>Effective sample size of P(s_k != 0 | x): p (1 - p) / SE^2, the number of independent samples worth as much; NaN when every sample was the same.</summary>
    public required double[] PActiveEss { get; init; }
    /// <summary>Effective sample size of E[s_k | x]: std^2 / SE^2; NaN when every sample was the same.</summary>
    public required double[] MeanEss { get; init; }
    /// <summary>
    /// The Monte Carlo part of <see cref="PActiveStdError"/> alone when <see cref="StepBias.Include"/> added the step's
    /// bias to it (what the run-length policy reads); null when the standard errors are Monte Carlo only.
    /// </summary>
    public double[]? PActiveMonteCarloStdError { get; init; }
    /// <summary>The Monte Carlo part of <see cref="MeanStdError"/> (see <see cref="PActiveMonteCarloStdError"/>).</summary>
    public double[]? MeanMonteCarloStdError { get; init; }
    /// <summary>
    /// Entries into the zero state (s = 0 after s != 0) pooled over the input's chains, per unit; a stay that began
    /// before the first sample is not counted. The zero state's mean stay is (1 - P(s != 0)) x samples / entries
    /// (<see cref="PosteriorAccumulator"/>'s remarks, "Stays"). Empty when not counted.
    /// </summary>
    public long[] ZeroEntries { get; init; } = [];
    /// <summary>
    /// Per unit, an upper bound on P(s_k = 0 | x) known without sampling (<see cref="Inference.ZeroMassBound"/>; +infinity
    /// where none is known). Empty when not computed.
    /// </summary>
    public double[] ZeroMassBound { get; init; } = [];
    /// <summary>
    /// Per unit, the skewness of the E[s_k] estimate itself (<see cref="PosteriorAccumulator.EstimateSkewness"/>: the
    /// block means' skewness over the square root of their effective number), which the run-length policy reads
    /// (<see cref="RunLengthPolicy"/>'s remarks, "Skewed estimates"). Empty when not computed.
    /// </summary>
    public double[] MeanEstimateSkewness { get; init; } = [];
    /// <summary>The same for P(s_k != 0 | x).</summary>
    public double[] PActiveEstimateSkewness { get; init; } = [];
    /// <summary>Samples pooled per unit (chains x samples per chain).</summary>
    public required long SampleCount { get; init; }
    /// <summary>MALA (the exact mode) only: the fraction of proposals accepted in this input's chains; null otherwise.</summary>
    public double? AcceptanceRate { get; init; }
    public int K => PActive.Length;
}
