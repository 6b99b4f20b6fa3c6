namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The step's bias in the error bars `infer` reports. The unadjusted Langevin step (first or second order, float or
/// fixed engine) samples a distribution that differs from the posterior by an amount that shrinks with the step, not
/// with the run length: a Monte Carlo standard error alone says "+- 0.0006" for a P(s != 0) that is 0.005 off
/// (bench/posterior-sweep/RESULTS.md, session 13: k1-a1 sigma 0.3, x = 1.2, exact 0.9934, 16 chains at the default
/// step), and longer runs only make that worse. So the reported standard error is sqrt(MC^2 + b^2) with b the step
/// policy's bias bound (<see cref="StepPolicy.ExpectedBias"/>: 0.25 h first order, 0.2 h^2 second order, 0 for MALA),
/// treating the bias as one more standard deviation's worth of uncertainty of known scale: a careful reader can still
/// read |error| &lt;= 2 to 3 SE as "consistent".
/// <para>
/// On E[s] the bias is mostly P's: E[s] = P(s != 0) E[s | s != 0], and a step that moves the zero region's mass by b
/// moves E[s] by b |E[s | s != 0]| (measured: P off +0.0054, E[s] +0.0046 with E[s | s != 0] = 1.11), plus the bias of
/// the active state's spread, b std(s) at most. So b_E = b max(std(s), |E[s]| / P(s != 0)).
/// </para>
/// <para>
/// Measured bias (same seed, 16 chains, dt and dt / 2 against exact.py; RESULTS.md): first order at the default h = 0.04
/// at most about 0.005 on P across the grid and beyond it, under the bound 0.01; the bound is half the run-length
/// policy's P target (<see cref="RunLengthPolicy.TargetPActiveStdError"/>), so at the target the Monte Carlo part still
/// dominates the error bar.
/// </para>
/// </summary>
public static class StepBias
{
    /// <summary>
    /// The summaries with the step's bias bound <paramref name="biasPActive"/> (on P(s != 0)) added in quadrature to the
    /// standard errors; the Monte Carlo parts are kept in <see cref="PosteriorSummary.PActiveMonteCarloStdError"/> and
    /// <see cref="PosteriorSummary.MeanMonteCarloStdError"/>. The effective sample sizes stay the Monte Carlo ones.
    /// </summary>
    public static PosteriorSummary[] Include(PosteriorSummary[] summaries, double biasPActive)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        if (!(biasPActive >= 0)) throw new ArgumentOutOfRangeException(nameof(biasPActive), "a bias bound is >= 0");
        // a probability is never more than 1 off
        double b = Math.Min(biasPActive, 1);
        var result = new PosteriorSummary[summaries.Length];
        for (int i = 0; i < summaries.Length; i++)
        {
            PosteriorSummary r = summaries[i];
            var pSe = new double[r.K];
            var mSe = new double[r.K];
            for (int k = 0; k < r.K; k++)
            {
                pSe[k] = Hypot(r.PActiveStdError[k], b);
                mSe[k] = Hypot(r.MeanStdError[k], b * MeanBiasScale(r.PActive[k], r.Mean[k], r.Std[k]));
            }
            result[i] = r with
            {
                PActiveStdError = pSe, MeanStdError = mSe,
                PActiveMonteCarloStdError = r.PActiveStdError, MeanMonteCarloStdError = r.MeanStdError,
            };
        }
        return result;
    }

    /// <summary>What a bias b on P(s != 0) moves E[s] by, per unit of b: max(std(s), |E[s]| / P(s != 0)) (the type's remarks).</summary>
    public static double MeanBiasScale(double pActive, double mean, double std) =>
        Math.Max(std, pActive > 0 ? Math.Abs(mean) / pActive : 0);

    private static double Hypot(double a, double b) => b == 0 ? a : Math.Sqrt(a * a + b * b);
}
