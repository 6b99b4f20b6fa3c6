namespace EdgeLangevin.Reference.Metrics;

/// <summary>
/// Running statistics of sampled codes s (chains x K per step): how often each unit is
/// non-zero, and the histogram of the non-zero magnitudes |s| for the KL measure.
/// Binning (stated once, here): <see cref="BinCount"/> bins of width <see cref="BinWidth"/>
/// on [0, 6) plus one overflow bin [6, infinity).
/// </summary>
public sealed class CodeStatistics
{
    public const double BinWidth = 0.1;
    public const int BinCount = 60;

    public CodeStatistics(int k)
    {
        K = k;
        ActiveCount = new long[k];
        Histogram = new long[BinCount + 1];
    }

    public int K { get; }
    /// <summary>Samples seen per unit.</summary>
    public long SampleCount { get; private set; }
    /// <summary>Samples in which unit k was non-zero.</summary>
    public long[] ActiveCount { get; }
    /// <summary>Counts of |s| for non-zero s: bin i is [i w, (i+1) w), the last bin is the overflow.</summary>
    public long[] Histogram { get; }
    public long NonZeroCount { get; private set; }
    public double SumNonZero { get; private set; }

    /// <summary>Adds one step of codes: <paramref name="s"/> holds chains x K values.</summary>
    public void Add(double[] s, int chains)
    {
        for (int b = 0; b < chains; b++)
        {
            int o = b * K;
            for (int k = 0; k < K; k++)
            {
                double v = s[o + k];
                if (v == 0) continue;
                double a = Math.Abs(v);
                ActiveCount[k]++;
                NonZeroCount++;
                SumNonZero += a;
                int bin = (int)(a / BinWidth);
                Histogram[bin < BinCount ? bin : BinCount]++;
            }
        }
        SampleCount += chains;
    }

    /// <summary>Mean fraction of units that are non-zero, over units and samples.</summary>
    public double Activity => SampleCount == 0 ? double.NaN : (double)NonZeroCount / (SampleCount * K);

    /// <summary>P(s_k != 0), per unit.</summary>
    public double[] PActive => ActiveCount.Select(c => SampleCount == 0 ? double.NaN : (double)c / SampleCount).ToArray();

    /// <summary>KL divergence of the non-zero magnitudes' histogram from lambda e^(-lambda s) (see <see cref="Kl.NonZeroVsExponential"/>).</summary>
    public double KlNonZero(double lambda) => Kl.NonZeroVsExponential(Histogram, BinWidth, lambda);
}

public static class Kl
{
    /// <summary>
    /// KL(P || Q) = sum_i P_i ln(P_i / Q_i) in nats, P the normalised histogram of the
    /// non-zero |s| (bins of width w, the last an overflow bin [n w, infinity)), Q the same
    /// bins' probabilities under the slab lambda e^(-lambda s): Q_i = e^(-lambda i w) - e^(-lambda (i+1) w).
    /// Empty bins contribute 0. With N samples the estimator's bias is about (bins - 1) / (2 N).
    /// </summary>
    public static double NonZeroVsExponential(long[] histogram, double binWidth, double lambda)
    {
        long n = histogram.Sum();
        if (n == 0) return double.NaN;
        int last = histogram.Length - 1;
        double kl = 0;
        for (int i = 0; i <= last; i++)
        {
            if (histogram[i] == 0) continue;
            double p = (double)histogram[i] / n;
            double q = i < last ? Math.Exp(-lambda * i * binWidth) - Math.Exp(-lambda * (i + 1) * binWidth) : Math.Exp(-lambda * i * binWidth);
            kl += p * Math.Log(p / q);
        }
        return kl;
    }
}
