namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The step's bias in the error bars `infer` reports. The unadjusted Langevin step (first or second order, float or
/// fixed engine) samples a distribution that differs from the posterior by an amount that shrinks with the step, not
/// with the run length, while the Monte Carlo standard error shrinks as 1 / sqrt(run): a long run's error bar alone
/// would claim a precision the step does not have (main 1c91f88: a D = 3 model reported P(s != 0) 0.99898 +- 0.00098
/// for exact 0.99344, z 5.6; StepBiasTests; part of such misses is Monte Carlo error in a rare zero state that the
/// standard error under-counts, RESULTS.md, which the bound then also covers up to its size). So the reported standard
/// error is sqrt(MC^2 + b^2) with b the step policy's bias bound (<see cref="StepPolicy.ExpectedBias"/>: 0.25 h first order, 0.2 h^2 second order, 0 for MALA),
/// treating the bias as one more standard deviation's worth of uncertainty of known scale: |error| &lt;= 2 to 3 SE
/// still reads as "consistent".
/// <para>
/// On E[s] the bias is mostly P's: E[s] = P(s != 0) E[s | s != 0], and a step that moves the zero region's mass by b
/// moves E[s] by b |E[s | s != 0]| (the sweep's k1-a1 x = 1.2 at 16 chains: P off +0.0054, E[s] +0.0046,
/// E[s | s != 0] = 1.11), plus the bias of the active state's spread, b std(s) at most. So b_E = b max(std(s), |E[s]| / P(s != 0)).
/// </para>
/// <para>
/// Bounded zero mass (session 15): the step moves P(s != 0) by moving mass into or out of the zero state, so the chain's
/// zero mass p0' and the posterior's p0 differ by at most max(p0', p0) &lt;= (1 - P) + q, where 1 - P is the run's
/// estimate of p0' (its Monte Carlo error is in the Monte Carlo part) and q a bound on p0 known without sampling
/// (<see cref="ZeroMassBound"/>: units orthogonal to the other atoms in closed form, others active at the MAP from a clamped
/// MAP). For a unit far above threshold both are about 0,
/// and its E[s] keeps only the spread part, b std(s): before, a = 1, sigma 0.3, x = 40 reported E[s] +- 0.4 of bias
/// alone (0.01 x 39.9) for a posterior std of 0.3, although a Gaussian mode's mean barely moves under the step
/// (ZeroMassBoundTests; the bars model's x = 40 bar 0 since session 16: 0.01 x 113 there before).
/// </para>
/// <para>
/// Measured (bench/posterior-sweep/RESULTS.md, session 13): at the default first-order step (h = 0.04, b = 0.01) the
/// bias on P(s != 0) was at most about 0.005 where measured (dt against dt / 2 at 16 chains; the first-order chain's
/// exact stationary law on a grid for K = 1), so b is an upper bound, about 2 to 3 times the bias seen. It is half the
/// run-length policy's P target (<see cref="RunLengthPolicy.TargetPActiveStdError"/>), so at the target the Monte Carlo
/// part still dominates the error bar.
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
                double bk = UnitBias(b, r, k);
                pSe[k] = Hypot(r.PActiveStdError[k], bk);
                mSe[k] = Hypot(r.MeanStdError[k], Math.Max(b * r.Std[k], bk * (r.PActive[k] > 0 ? Math.Abs(r.Mean[k]) / r.PActive[k] : 0)));
            }
            result[i] = r with
            {
                PActiveStdError = pSe, MeanStdError = mSe,
                PActiveMonteCarloStdError = r.PActiveStdError, MeanMonteCarloStdError = r.MeanStdError,
            };
        }
        return result;
    }

    /// <summary>
    /// The bias bound on unit k's P(s != 0): <paramref name="b"/>, or, when the unit's zero state is the minority and its
    /// mass has a bound q (<see cref="PosteriorSummary.ZeroMassBound"/>), at most (1 - P) + q (the type's remarks,
    /// "Bounded zero mass").
    /// </summary>
    public static double UnitBias(double b, PosteriorSummary r, int k)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.ZeroMassBound.Length == 0 || r.PActive[k] < 0.5) return b;
        return Math.Min(b, 1 - r.PActive[k] + r.ZeroMassBound[k]);
    }

    private static double Hypot(double a, double b) => b == 0 ? a : Math.Sqrt(a * a + b * b);
}
