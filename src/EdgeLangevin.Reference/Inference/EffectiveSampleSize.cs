namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// The Monte Carlo standard error of a mean estimated from several chains' correlated series, through the effective
/// sample size: Var(grand mean) = Var / ESS with ESS = (chains x length) / tau and tau = 1 + 2 sum_t rho_t the integrated
/// autocorrelation time.
/// <para>
/// Var is the multi-chain variance estimate (Gelman et al., BDA3, ch. 11: the within-chain variance W plus the spread of
/// the chain means), so chains that have not mixed (different means) make the error larger, not smaller. rho_t is the
/// autocorrelation at lag t combined over the chains the same way (1 - (W - mean autocovariance_t) / Var), so a
/// disagreement between chains counts as correlation. The sum over lags is Geyer's (1992) initial positive sequence:
/// the lags are paired (rho_2m + rho_2m+1, which is positive for a reversible chain), the sum stops at the first pair
/// that is not positive, and the pairs are made non-increasing, which keeps the noisy tail of the estimate out.
/// </para>
/// </summary>
public static class EffectiveSampleSize
{
    /// <summary>
    /// The estimate for one quantity. <see cref="Tau"/> is the integrated autocorrelation time in units of the series'
    /// step (NaN when every value was the same); <see cref="StandardError"/> the Monte Carlo standard error of the
    /// grand mean (0 when every value was the same).
    /// </summary>
    public readonly record struct Estimate(double Variance, double Tau, int Count)
    {
        /// <summary>Effective number of independent values: Count / Tau (NaN when every value was the same).</summary>
        public double Ess => Count / Tau;

        public double StandardError => Variance == 0 ? 0 : Math.Sqrt(Variance * Tau / Count);
    }

    /// <summary>
    /// Estimates tau and the variance from <paramref name="chains"/> series of <paramref name="length"/> values each,
    /// chain j's at series[j * length .. (j + 1) * length). Needs at least 2 values in all; a single value per chain
    /// treats the chains' values as independent.
    /// </summary>
    public static Estimate Analyse(ReadOnlySpan<double> series, int chains, int length)
    {
        if (chains < 1 || length < 1 || series.Length != chains * length)
            throw new ArgumentException($"series of {series.Length} values is not {chains} chains x {length}");
        int count = chains * length;
        if (count < 2) return new Estimate(double.NaN, double.NaN, count);
        if (length == 1) return new Estimate(Variance(series), 1, count);

        Span<double> means = chains <= 256 ? stackalloc double[chains] : new double[chains];
        double within = 0; // W: the mean over chains of the within-chain variance (n - 1 denominator)
        for (int j = 0; j < chains; j++)
        {
            ReadOnlySpan<double> chain = series.Slice(j * length, length);
            double m = 0;
            foreach (double v in chain) m += v;
            m /= length;
            means[j] = m;
            double ss = 0;
            foreach (double v in chain) ss += (v - m) * (v - m);
            within += ss / (length - 1);
        }
        within /= chains;
        double between = chains > 1 ? Variance(means) : 0; // B / n: the variance of the chain means
        double variance = (length - 1.0) / length * within + between;
        if (!(variance > 0)) return new Estimate(0, double.NaN, count);

        // rho_0 = 1; pairs P_m = rho_2m + rho_2m+1 while positive, each at most the one before.
        double sum = 0, previousPair = double.PositiveInfinity;
        for (int lag = 0; lag + 1 < length; lag += 2)
        {
            double pair = (lag == 0 ? 1 : Rho(series, means, chains, length, lag, within, variance))
                          + Rho(series, means, chains, length, lag + 1, within, variance);
            if (!(pair > 0)) break;
            pair = Math.Min(pair, previousPair);
            sum += pair;
            previousPair = pair;
        }
        double tau = Math.Max(-1 + 2 * sum, MinimumTau(count));
        return new Estimate(variance, tau, count);
    }

    /// <summary>
    /// A floor on tau (so on the standard error) for anti-correlated series, whose estimated tau can come out
    /// arbitrarily small from a short series: 1 / log10(count), the same floor as Stan's.
    /// </summary>
    private static double MinimumTau(int count) => 1 / Math.Log10(Math.Max(count, 10));

    private static double Rho(ReadOnlySpan<double> series, ReadOnlySpan<double> means, int chains, int length, int lag, double within, double variance)
    {
        double autocovariance = 0;
        for (int j = 0; j < chains; j++)
        {
            ReadOnlySpan<double> chain = series.Slice(j * length, length);
            double m = means[j], acc = 0;
            for (int i = 0; i + lag < length; i++) acc += (chain[i] - m) * (chain[i + lag] - m);
            autocovariance += acc / length;
        }
        autocovariance /= chains;
        return 1 - (within - autocovariance) / variance;
    }

    private static double Variance(ReadOnlySpan<double> values)
    {
        double m = 0;
        foreach (double v in values) m += v;
        m /= values.Length;
        double ss = 0;
        foreach (double v in values) ss += (v - m) * (v - m);
        return ss / (values.Length - 1);
    }
}
