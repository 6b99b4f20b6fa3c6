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
/// <para>
/// Rare switches: when one state of a unit (active or zero) is rare, the chains visit it in a few excursions whose
/// lengths are heavy-tailed (many short recrossings of |u| = u0, rare long stays), and a run of default length often
/// sees only the short ones or none: the block means then show almost no variation and the estimate above is 0 or
/// tiny although P(s != 0) is uncertain by about the minority mass itself. The posterior sweep
/// (bench/posterior-sweep) found, at default settings, exact 0.9934 reported as 1 +- 0 (second order), 0.9995 +- 0.0004
/// and 0.9999 +- 0.0001 (first order, float and fixed), 15 to 200 standard errors off, MALA (exact) included.
/// The floor: of the B = chains x blocks blocks, m_b contain the minority state; if blocks are roughly independent
/// (1.5 tau_u each at the default lengths, long against one excursion), m_b is binomial with relative spread
/// sqrt((1 - m_b / B) / m_b), and the minority mass, (occupied blocks) x (mass per occupied block), cannot be known
/// better. The mass is taken at least one block's share, 1 / B (what one unseen excursion as long as a block would
/// weigh), and m_b + 1 counts that unseen one: SE(P(s != 0)) &gt;= max(p_min, 1 / B) sqrt((1 - m_b / B) / (m_b + 1)).
/// E[s] = P(s != 0) E[s | s != 0] moves with it: its standard error is at least that floor times |E[s | s != 0]|
/// (the sweep: a missed zero mass of 0.05 left E[s] 10 standard errors off).
/// Well-mixed units have the minority state in nearly every block (m_b -&gt; B), and the floor vanishes;
/// StandardErrorTests checks their z spread is still 1.
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
    private readonly bool _stochastic;
    private readonly int _k;
    private readonly int _chainsPerInput;
    private readonly int _size;
    private readonly long _samplesPerChain;
    private readonly int _blocks;
    private long _samples;
    private int _rowOffset;

    /// <param name="samplesPerChain">Samples each chain will record (<see cref="EndSample"/> calls), which fixes the block boundaries.</param>
    /// <param name="stochastic">The chains sample (T &gt; 0, not LCA): the rare-switch floor applies. Deterministic descents
    /// have no Monte Carlo error to floor.</param>
    public PosteriorAccumulator(int inputs, int chainsPerInput, int k, long samplesPerChain, bool stochastic = true)
    {
        _stochastic = stochastic;
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

    /// <summary>Whether settings make the chains sample (T &gt; 0 and not LCA), for the constructor's stochastic flag.</summary>
    public static bool Samples(Settings.InferenceSettings settings) =>
        settings.Temperature > 0 && settings.Method != Settings.InferenceMethod.Lca;

    /// <summary>
    /// The least standard error of P(s != 0) (the type's remarks, "Rare switches"): with p_min the minority state's mass
    /// and m_b of the <paramref name="blocks"/> chain blocks containing it,
    /// max(p_min, 1 / blocks) sqrt((1 - m_b / blocks) / (m_b + 1)).
    /// </summary>
    public static double RareSwitchFloor(double pActive, int blocksWithActive, int blocksWithZero, int blocks)
    {
        bool zeroIsMinority = pActive >= 0.5;
        double pMin = zeroIsMinority ? 1 - pActive : pActive;
        int m = zeroIsMinority ? blocksWithZero : blocksWithActive;
        return Math.Max(pMin, 1.0 / blocks) * Math.Sqrt(Math.Max(0, 1 - (double)m / blocks) / (m + 1));
    }

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
                int blocksWithActive = 0, blocksWithZero = 0;
                for (int j = 0; j < c; j++)
                {
                    int idx = (i * c + j) * k + u;
                    sq += _sumSq[idx];
                    for (int b = 0; b < nb; b++)
                    {
                        int at = b * _size + idx;
                        active += _blockActive[at];
                        if (_blockActive[at] > 0) blocksWithActive++;
                        if (_blockActive[at] < length[b]) blocksWithZero++;
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
                double floor = _stochastic ? RareSwitchFloor(pa[u], blocksWithActive, blocksWithZero, c * nb) : 0;
                paSe[u] = Math.Max(p.StandardError, floor);
                // E[s] = P(s != 0) E[s | s != 0]: an unseen or undersampled state moves it by the same share of the active mean.
                meanSe[u] = Math.Max(m.StandardError, pa[u] > 0 ? floor * Math.Abs(mean[u] / pa[u]) : 0);
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
