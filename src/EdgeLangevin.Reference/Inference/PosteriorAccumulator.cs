namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Accumulates samples of s for many chains (chain-major: index = chain * K + k) and turns
/// them into one <see cref="PosteriorSummary"/> per input, where input i owns chains
/// i * chainsPerInput .. (i + 1) * chainsPerInput - 1. The one place where the float and
/// the fixed-point engines compute P(s != 0 | x), E[s | x], the std and their standard errors,
/// so the two can only differ by their samples.
/// </summary>
public sealed class PosteriorAccumulator
{
    private readonly long[] _countActive;
    private readonly double[] _sum;
    private readonly double[] _sumSq;
    private readonly int _k;
    private readonly int _chainsPerInput;
    private long _samples;

    public PosteriorAccumulator(int inputs, int chainsPerInput, int k)
    {
        _k = k;
        _chainsPerInput = chainsPerInput;
        int size = checked(inputs * chainsPerInput * k);
        _countActive = new long[size];
        _sum = new double[size];
        _sumSq = new double[size];
    }

    /// <summary>Records the value of s at <paramref name="index"/> (chain * K + k) for the current sample.</summary>
    public void Add(int index, double value)
    {
        if (value == 0) return;
        _countActive[index]++;
        _sum[index] += value;
        _sumSq[index] += value * value;
    }

    /// <summary>Marks the end of one sample of every chain.</summary>
    public void EndSample() => _samples++;

    public PosteriorSummary[] Summarise()
    {
        int c = _chainsPerInput, k = _k, n = _countActive.Length / (c * k);
        double ns = _samples;
        var result = new PosteriorSummary[n];
        for (int i = 0; i < n; i++)
        {
            var pa = new double[k]; var mean = new double[k]; var std = new double[k];
            var paSe = new double[k]; var meanSe = new double[k];
            for (int u = 0; u < k; u++)
            {
                double pSum = 0, pSq = 0, mSum = 0, mSq = 0, sq = 0;
                for (int j = 0; j < c; j++)
                {
                    int idx = (i * c + j) * k + u;
                    double p = _countActive[idx] / ns, m = _sum[idx] / ns;
                    pSum += p; pSq += p * p; mSum += m; mSq += m * m; sq += _sumSq[idx] / ns;
                }
                pa[u] = pSum / c;
                mean[u] = mSum / c;
                std[u] = Math.Sqrt(Math.Max(0, sq / c - mean[u] * mean[u]));
                // Standard errors from the spread of the per-chain averages across independent chains.
                paSe[u] = c > 1 ? Math.Sqrt(Math.Max(0, (pSq - c * pa[u] * pa[u]) / (c - 1)) / c) : double.NaN;
                meanSe[u] = c > 1 ? Math.Sqrt(Math.Max(0, (mSq - c * mean[u] * mean[u]) / (c - 1)) / c) : double.NaN;
            }
            result[i] = new PosteriorSummary { PActive = pa, Mean = mean, Std = std, PActiveStdError = paSe, MeanStdError = meanSe, SampleCount = c * _samples };
        }
        return result;
    }
}
