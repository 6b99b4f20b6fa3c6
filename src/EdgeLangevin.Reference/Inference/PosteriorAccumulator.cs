namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Accumulates samples of s for many chains (chain-major: index = chain * K + k) and turns
/// them into one <see cref="PosteriorSummary"/> per input, where input i owns chains
/// i * chainsPerInput .. (i + 1) * chainsPerInput - 1. The one place where the float and
/// the fixed-point engines compute P(s != 0 | x), E[s | x], the std and their standard errors,
/// so the two can only differ by their samples.
/// <para>
/// Standard errors: each chain's samples are split into <see cref="Blocks"/> consecutive blocks of (nearly) equal
/// length and only the block sums are kept (memory: K x chains x blocks, whatever the run length). The block means of
/// all the input's chains go through <see cref="EffectiveSampleSize"/> (multi-chain variance, Geyer's initial positive
/// sequence over the block means' autocorrelation): when blocks are much longer than the autocorrelation time this is
/// the classic batch-means estimate, and when they are not, the correlation between neighbouring blocks is counted.
/// The effective sample size reported per quantity is the per-sample variance over the squared standard error.
/// </para>
/// </summary>
public sealed class PosteriorAccumulator
{
    /// <summary>Blocks per chain (fewer when a chain has fewer samples). 64: enough block means per chain to see their
    /// correlation, and blocks long enough (1.5 tau_u at the default 100 tau_u of samples) that few lags matter.</summary>
    public const int Blocks = 64;

    // Block sums, block-major: [block * size + chain * K + k], so one sample writes one contiguous row.
    private readonly int[] _blockActive;
    private readonly double[] _blockSum;
    private readonly double[] _sumSq;
    private readonly int _k;
    private readonly int _chainsPerInput;
    private readonly int _size;
    private readonly long _samplesPerChain;
    private readonly int _blocks;
    private long _samples;
    private int _rowOffset;

    /// <param name="samplesPerChain">Samples each chain will record (<see cref="EndSample"/> calls), which fixes the block boundaries.</param>
    public PosteriorAccumulator(int inputs, int chainsPerInput, int k, long samplesPerChain)
    {
        if (samplesPerChain < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerChain), "at least one sample");
        if (samplesPerChain > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(samplesPerChain), "block counts are ints");
        _k = k;
        _chainsPerInput = chainsPerInput;
        _size = checked(inputs * chainsPerInput * k);
        _samplesPerChain = samplesPerChain;
        _blocks = (int)Math.Min(Blocks, samplesPerChain);
        _blockActive = new int[checked(_size * _blocks)];
        _blockSum = new double[_size * _blocks];
        _sumSq = new double[_size];
    }

    /// <summary>Bytes per chain and unit that the accumulator keeps (for memory estimates): block counts and sums, and a sum of squares.</summary>
    public const int BytesPerChainUnit = Blocks * (4 + 8) + 8;

    /// <summary>Records the value of s at <paramref name="index"/> (chain * K + k) for the current sample.</summary>
    public void Add(int index, double value)
    {
        if (value == 0) return;
        int at = _rowOffset + index;
        _blockActive[at]++;
        _blockSum[at] += value;
        _sumSq[index] += value * value;
    }

    /// <summary>Marks the end of one sample of every chain.</summary>
    public void EndSample()
    {
        if (_samples >= _samplesPerChain) throw new InvalidOperationException($"more than the {_samplesPerChain} samples per chain announced");
        _samples++;
        _rowOffset = Block(Math.Min(_samples, _samplesPerChain - 1)) * _size;
    }

    /// <summary>The block of sample t (0-based): blocks split the run into nearly equal consecutive parts.</summary>
    private int Block(long t) => (int)(t * _blocks / _samplesPerChain);

    /// <summary>Samples in block b.</summary>
    private long BlockLength(int b) => FirstSample(b + 1) - FirstSample(b);

    private long FirstSample(int b) => (b * _samplesPerChain + _blocks - 1) / _blocks;

    public PosteriorSummary[] Summarise()
    {
        if (_samples != _samplesPerChain) throw new InvalidOperationException($"{_samples} samples per chain recorded, {_samplesPerChain} announced");
        int c = _chainsPerInput, k = _k, n = _size / (c * k), nb = _blocks;
        double ns = _samples;
        var length = new double[nb];
        for (int b = 0; b < nb; b++) length[b] = BlockLength(b);
        var pSeries = new double[c * nb];
        var mSeries = new double[c * nb];
        var result = new PosteriorSummary[n];
        for (int i = 0; i < n; i++)
        {
            var pa = new double[k]; var mean = new double[k]; var std = new double[k];
            var paSe = new double[k]; var meanSe = new double[k]; var paEss = new double[k]; var meanEss = new double[k];
            for (int u = 0; u < k; u++)
            {
                double active = 0, sum = 0, sq = 0;
                for (int j = 0; j < c; j++)
                {
                    int idx = (i * c + j) * k + u;
                    sq += _sumSq[idx];
                    for (int b = 0; b < nb; b++)
                    {
                        int at = b * _size + idx;
                        active += _blockActive[at];
                        sum += _blockSum[at];
                        pSeries[j * nb + b] = _blockActive[at] / length[b];
                        mSeries[j * nb + b] = _blockSum[at] / length[b];
                    }
                }
                double total = c * ns;
                pa[u] = active / total;
                mean[u] = sum / total;
                double variance = Math.Max(0, sq / total - mean[u] * mean[u]);
                std[u] = Math.Sqrt(variance);
                // Per-block means, so the standard error of the mean of all the block means; the blocks' lengths differ
                // by at most one sample, which makes that mean the pooled mean to within 1 / (samples per block).
                EffectiveSampleSize.Estimate p = EffectiveSampleSize.Analyse(pSeries, c, nb), m = EffectiveSampleSize.Analyse(mSeries, c, nb);
                paSe[u] = p.StandardError;
                meanSe[u] = m.StandardError;
                paEss[u] = SampleEss(pa[u] * (1 - pa[u]), paSe[u]);
                meanEss[u] = SampleEss(variance, meanSe[u]);
            }
            result[i] = new PosteriorSummary
            {
                PActive = pa, Mean = mean, Std = std, PActiveStdError = paSe, MeanStdError = meanSe,
                PActiveEss = paEss, MeanEss = meanEss, SampleCount = c * _samples,
            };
        }
        return result;
    }

    /// <summary>Effective number of independent samples: per-sample variance / SE^2; NaN when the samples never varied.</summary>
    private static double SampleEss(double perSampleVariance, double standardError) =>
        standardError > 0 && perSampleVariance > 0 ? perSampleVariance / (standardError * standardError) : double.NaN;
}
