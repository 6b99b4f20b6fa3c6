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
/// <para>
/// An unseen excursion is not always as short as a block: below threshold a unit has no data drive, so a chain that
/// enters the zero region stays there for the prior's escape time (<see cref="StepPolicy.ZeroRegionEscapeTauU"/>:
/// 16 tau_u at pi = 0.05, 13 at lambda = 0.3, against 1.1 at lambda = 1, pi = 0.3). The sweep found weak priors and
/// small pi, whose chains entered the zero state once or never in a default run, off by 0.3 to 0.43 with standard
/// errors 30 times smaller. So the unseen excursion's weight is at least that escape time's share of the pooled run,
/// escape / (chains x samples) (<c>escapeSamples</c>), not only 1 / B.
/// </para>
/// <para>
/// Stays (session 14): the floors above count blocks, and a block touched by a short recrossing of |u| = u0 counts as
/// much as one inside a long stay deep in the zero region. Far above threshold, where the zero state holds 1 to 5 % of
/// the mass, the chains enter it a few times per run in stays of about the escape time, and those few stays carry the
/// whole uncertainty: bench/posterior-sweep/rare.py (20 seeds of single `infer` runs) found MALA at a = 3, lambda 0.3
/// report 0.997 to 0.9995 +- 0.0015 for exact 0.977 on 3 of 20 seeds (z 14 to 15; their short recrossings had touched
/// most blocks, no deep stay was seen), and float2 at sigma 1 a spread over seeds of 0.0117 against a median error bar
/// of 0.0067 (35 % of seeds beyond 3). So the accumulator also keeps, per chain and unit, the renewal cycles of the zero state (a cycle: one entry
/// into s = 0 up to the next; Z its zero samples, C its length; the part before the first entry and the open cycle at
/// the end count as cycles) and bounds SE(P(s != 0)) below by the regenerative estimate
/// sqrt(sum (Z - p0 C)^2) / T (p0 = 1 - P(s != 0), T the pooled samples), the variance of a ratio of sums over
/// roughly independent cycles: n long stays of length L give about p0 sqrt(2 / n), whatever the short recrossings
/// between them. While the zero state is the minority one unseen stay of the escape time is added (variance
/// 2 escape^2, an exponential stay's), so a run that happened to see no long stay does not report the precision of
/// one that saw many (the "n + 1" of a Poisson count). Only sums are kept (memory: 7 numbers per chain and unit), a
/// sample with s = 0 costs nothing, and the order of the sums is fixed per chain, so the bits do not depend on the
/// thread count.
/// </para>
/// <para>
/// Bounded zero mass (session 15): the unseen excursion above is a guess about a state the run did not see, and for a
/// unit far above its threshold the state is known to hold almost nothing: with its atom orthogonal to the others, the
/// zero mass has a closed-form bound (<see cref="ZeroMassBound"/>; about e^-8800 for a = 1, sigma 0.3, x = 40). Both
/// floors then weigh the unseen excursion at most that bound (<see cref="ZeroMassBounds"/>): before, such a unit's
/// standard error of P(s != 0) stayed at about one block's or escape time's share of the run (0.0045), its E[s]'s at that
/// times E[s] / P (0.18 at x = 40, for a posterior std of 0.3), and an input with such a unit ran to the budget.
/// Units correlated with another atom (session 16) get a bound from a clamped MAP (<see cref="ZeroMassBound"/>'s remarks:
/// another mode can hold their zero state however far their own samples sit from it, so it compares the best fit with
/// the unit at 0 against the best fit with it active; bars x = 40 bar 0: E[s_0] +- 1.24 and the budget before, +- 0.014
/// and 200 tau_u after, first order).
/// </para>
/// <para>
/// Growing runs (<see cref="Growing"/>, the run-length policy's: samples left unset): the run length is not known in
/// advance, so blocks have one length L for the whole run; when all <see cref="Blocks"/> are full, neighbouring pairs are
/// merged (32 blocks of 2 L) and filling goes on. <see cref="AtCheckpoint"/> says when the samples so far are a whole
/// number of blocks, at least 32 and a multiple of 8: the run can be summarised there at 1, 1.25, 1.5, 1.75, 2, 2.5, ...
/// times its first length, so a run stopped at the first checkpoint that meets a target overshoots it by 25 % at most.
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
    // Growing runs only: every block holds _blockLength samples; _filled blocks are complete.
    private readonly bool _growing;
    private long _blockLength;
    private int _filled;
    private long _inBlock;
    // Zero stays, per chain and unit (the type's remarks, "Stays"): the last sample at which the unit was active (-1: not
    // yet), where its current cycle began, the zero samples in that cycle, and over the closed cycles the count and the
    // sums of Z^2, Z C and C^2 (Z the cycle's zero samples, C its length).
    private readonly long[] _lastActive;
    private readonly long[] _cycleStart;
    private readonly long[] _cycleZero;
    private readonly long[] _entries;
    private readonly double[] _zz, _zc, _cc;

    /// <param name="samplesPerChain">Samples each chain will record (<see cref="EndSample"/> calls), which fixes the block boundaries.</param>
    /// <param name="stochastic">The chains sample (T &gt; 0, not LCA): the rare-switch floor applies. Deterministic descents
    /// have no Monte Carlo error to floor.</param>
    /// <param name="escapeSamples">The prior's escape time from the zero region in samples (<see cref="StepPolicy.ZeroRegionEscapeTauU"/> / eps):
    /// the least length of an unseen excursion in the rare-switch floor (the type's remarks); 0: one block.</param>
    public PosteriorAccumulator(int inputs, int chainsPerInput, int k, long samplesPerChain, bool stochastic = true, double escapeSamples = 0)
        : this(inputs, chainsPerInput, k, samplesPerChain, stochastic, escapeSamples, growing: false)
    {
    }

    private PosteriorAccumulator(int inputs, int chainsPerInput, int k, long samplesPerChain, bool stochastic, double escapeSamples, bool growing)
    {
        _stochastic = stochastic;
        if (samplesPerChain < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerChain), "at least one sample");
        if (samplesPerChain > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(samplesPerChain), "block counts are ints");
        _k = k;
        _chainsPerInput = chainsPerInput;
        _size = checked(inputs * chainsPerInput * k);
        _samplesPerChain = samplesPerChain;
        EscapeSamples = escapeSamples;
        _growing = growing;
        _blocks = growing ? Blocks : (int)Math.Min(Blocks, samplesPerChain);
        _blockLength = growing ? Math.Max(1, (samplesPerChain + Blocks - 1) / Blocks) : 0;
        _blockActive = new int[checked(_size * _blocks)];
        _blockSum = new double[_size * _blocks];
        _sumSq = new double[_size];
        _lastActive = new long[_size];
        Array.Fill(_lastActive, -1L);
        _cycleStart = new long[_size];
        _cycleZero = new long[_size];
        _entries = new long[_size];
        _zz = new double[_size];
        _zc = new double[_size];
        _cc = new double[_size];
    }

    /// <summary>
    /// An accumulator for a run whose length is decided while it runs (the type's remarks, "Growing runs"): blocks of
    /// firstSamples / <see cref="Blocks"/> samples, doubled whenever all blocks are full, so the first length is a checkpoint.
    /// </summary>
    public static PosteriorAccumulator Growing(int inputs, int chainsPerInput, int k, long firstSamples, bool stochastic, double escapeSamples) =>
        new(inputs, chainsPerInput, k, firstSamples, stochastic, escapeSamples, growing: true);

    /// <summary>The least length of an unseen excursion in samples (the zero region's escape time; the type's remarks), set
    /// when the engine has measured it during burn-in.</summary>
    public double EscapeSamples { get => _escapeSamples; set => _escapeSamples = Math.Max(0, value); }
    private double _escapeSamples;

    /// <summary>
    /// Per input and unit, an upper bound on the zero state's posterior mass (<see cref="ZeroMassBound"/>; +infinity where
    /// none is known), or null: an unseen stay in the zero state never weighs more than the state can hold (the type's
    /// remarks, "Bounded zero mass").
    /// </summary>
    public double[][]? ZeroMassBounds { get; set; }

    /// <summary>Samples per chain recorded so far.</summary>
    public long SampleCount => _samples;

    /// <summary>Growing runs: the samples so far fill a whole number of blocks (at least half of <see cref="Blocks"/>, a multiple of 8), so <see cref="Summarise"/> may be called.</summary>
    public bool AtCheckpoint => _growing && _inBlock == 0 && _filled >= Blocks / 2 && _filled % 8 == 0;

    /// <summary>Growing runs: samples per chain at the next checkpoint.</summary>
    public long NextCheckpoint => _samples + (8 - _filled % 8) * _blockLength;

    /// <summary>Bytes per chain and unit that the accumulator keeps (for memory estimates): block counts and sums, and a sum of squares.</summary>
    public const int BytesPerChainUnit = Blocks * (4 + 8) + 8 + 7 * 8;

    /// <summary>Records the value of s at <paramref name="index"/> (chain * K + k) for the current sample (a zero may be left out).</summary>
    public void Add(int index, double value)
    {
        if (value == 0) return;
        long t = _samples, last = _lastActive[index], gap = t - last - 1;
        if (gap > 0)
        {
            // a zero stay of gap samples ends here: if the unit was active before it, the stay began a new cycle
            if (last >= 0)
            {
                CloseCycle(index, last + 1);
                _cycleStart[index] = last + 1;
                _cycleZero[index] = gap;
            }
            else _cycleZero[index] += gap; // the run began in the zero state: part of the first cycle, no entry seen
        }
        _lastActive[index] = t;
        int at = _rowOffset + index;
        _blockActive[at]++;
        _blockSum[at] += value;
        _sumSq[index] += value * value;
    }

    /// <summary>The cycle of <paramref name="index"/> that began at its cycle start ends before sample <paramref name="end"/>: count it.</summary>
    private void CloseCycle(int index, long end)
    {
        double z = _cycleZero[index], c = end - _cycleStart[index];
        _entries[index]++;
        _zz[index] += z * z;
        _zc[index] += z * c;
        _cc[index] += c * c;
    }

    /// <summary>
    /// One chain and unit's cycles up to now, the open ones included (the type's remarks, "Stays"): entries into the zero
    /// state and the sums of Z^2, Z C, C^2 over the cycles.
    /// </summary>
    private (long Entries, double Zz, double Zc, double Cc) Cycles(int index)
    {
        long n = _samples, last = _lastActive[index], entries = _entries[index];
        double zz = _zz[index], zc = _zc[index], cc = _cc[index];
        if (last < 0) return (entries, zz + (double)n * n, zc + (double)n * n, cc + (double)n * n); // never active: one cycle, all zero
        long tail = n - last - 1, start = _cycleStart[index];
        double z = _cycleZero[index];
        if (tail > 0)
        {
            // entered the zero state at last + 1 and still there: the open cycle closes there, a new one is open
            double c = last + 1 - start;
            zz += z * z; zc += z * c; cc += c * c;
            entries++;
            z = tail;
            start = last + 1;
        }
        double open = n - start;
        return (entries, zz + z * z, zc + z * open, cc + open * open);
    }

    /// <summary>Marks the end of one sample of every chain.</summary>
    public void EndSample()
    {
        if (_growing)
        {
            _samples++;
            if (++_inBlock < _blockLength) return;
            _inBlock = 0;
            if (++_filled == _blocks) MergePairs();
            _rowOffset = _filled * _size;
            return;
        }
        if (_samples >= _samplesPerChain) throw new InvalidOperationException($"more than the {_samplesPerChain} samples per chain announced");
        _samples++;
        _rowOffset = Block(Math.Min(_samples, _samplesPerChain - 1)) * _size;
    }

    /// <summary>Growing runs, all blocks full: blocks 2b and 2b + 1 become block b (sums add, so nothing is lost), and the block length doubles.</summary>
    private void MergePairs()
    {
        if (_blockLength > int.MaxValue / 2) throw new InvalidOperationException("block counts are ints");
        int half = _blocks / 2;
        for (int b = 0; b < half; b++)
        {
            int to = b * _size, from = 2 * b * _size, next = (2 * b + 1) * _size;
            for (int i = 0; i < _size; i++)
            {
                _blockActive[to + i] = _blockActive[from + i] + _blockActive[next + i];
                _blockSum[to + i] = _blockSum[from + i] + _blockSum[next + i];
            }
        }
        Array.Clear(_blockActive, half * _size, (_blocks - half) * _size);
        Array.Clear(_blockSum, half * _size, (_blocks - half) * _size);
        _filled = half;
        _blockLength *= 2;
    }

    /// <summary>The block of sample t (0-based): blocks split the run into nearly equal consecutive parts.</summary>
    private int Block(long t) => (int)(t * _blocks / _samplesPerChain);

    /// <summary>Samples in block b.</summary>
    private long BlockLength(int b) => FirstSample(b + 1) - FirstSample(b);

    private long FirstSample(int b) => (b * _samplesPerChain + _blocks - 1) / _blocks;

    /// <summary>
    /// The largest standard error P(s != 0) can have: the standard deviation of a quantity in [0, 1] is at most 1/2 (all
    /// its mass at 0 and 1). A run shorter than the zero region's escape time gave the floors far more (break-18: bars,
    /// --samples 50, 1.3; pi = 1e-12, 1.8e8; pi = 1e-300 overflowed to a null error bar with the step's bias added).
    /// </summary>
    public const double MaxPActiveStdError = 0.5;

    /// <summary>
    /// The least standard error of P(s != 0) (the type's remarks, "Rare switches"): with p_min the minority state's mass
    /// and m_b of the <paramref name="blocks"/> chain blocks containing it,
    /// max(p_min, 1 / blocks) sqrt((1 - m_b / blocks) / (m_b + 1)).
    /// </summary>
    public static double RareSwitchFloor(double pActive, int blocksWithActive, int blocksWithZero, int blocks) =>
        RareSwitchFloor(pActive, blocksWithActive, blocksWithZero, blocks, 1.0 / blocks);

    /// <summary>
    /// <see cref="RareSwitchFloor(double, int, int, int)"/> with the unseen excursion's weight given: the minority mass is
    /// taken at least <paramref name="unseenWeight"/> (the larger of one block's share and the zero region's escape time's
    /// share of the pooled run, the type's remarks).
    /// </summary>
    public static double RareSwitchFloor(double pActive, int blocksWithActive, int blocksWithZero, int blocks, double unseenWeight) =>
        RareSwitchFloor(pActive, blocksWithActive, blocksWithZero, blocks, unseenWeight, double.PositiveInfinity);

    /// <summary>
    /// <see cref="RareSwitchFloor(double, int, int, int, double)"/> for a unit whose zero state holds at most
    /// <paramref name="zeroMassBound"/> (<see cref="ZeroMassBound"/>): while the zero state is the minority, an unseen
    /// excursion into it weighs at most that (the type's remarks, "Bounded zero mass").
    /// </summary>
    public static double RareSwitchFloor(double pActive, int blocksWithActive, int blocksWithZero, int blocks, double unseenWeight, double zeroMassBound)
    {
        bool zeroIsMinority = pActive >= 0.5;
        double pMin = zeroIsMinority ? 1 - pActive : pActive;
        int m = zeroIsMinority ? blocksWithZero : blocksWithActive;
        double unseen = Math.Max(unseenWeight, 1.0 / blocks);
        if (zeroIsMinority) unseen = Math.Min(unseen, zeroMassBound);
        return Math.Max(pMin, unseen) * Math.Sqrt(Math.Max(0, 1 - (double)m / blocks) / (m + 1));
    }

    /// <summary>
    /// The standard error of P(s != 0) from the zero stays (the type's remarks, "Stays"): the regenerative estimate
    /// sqrt(sum over cycles (Z - p0 C)^2) / T, p0 = 1 - <paramref name="pActive"/>, T the pooled samples, with one unseen
    /// stay of the escape time (variance 2 escape^2, an exponential stay's second moment) added when the zero state is the
    /// minority.
    /// </summary>
    /// <param name="zz">Sum over the cycles of Z^2 (Z: a cycle's zero samples).</param>
    /// <param name="zc">Sum of Z C (C: a cycle's length).</param>
    /// <param name="cc">Sum of C^2.</param>
    public static double StayStandardError(double pActive, double zz, double zc, double cc, double pooledSamples, double escapeSamples) =>
        StayStandardError(pActive, zz, zc, cc, pooledSamples, escapeSamples, double.PositiveInfinity);

    /// <summary>
    /// <see cref="StayStandardError(double, double, double, double, double, double)"/> for a unit whose zero state holds at
    /// most <paramref name="zeroMassBound"/>: the unseen stays are then a Poisson count of mean at most
    /// bound x pooled samples / escape (the mass the state can hold, in stays of the escape time), and one "n + 1" stay when
    /// that mean is 1 or more: variance 2 escape^2 min(1, bound T / escape) (the type's remarks, "Bounded zero mass").
    /// </summary>
    public static double StayStandardError(double pActive, double zz, double zc, double cc, double pooledSamples, double escapeSamples, double zeroMassBound)
    {
        double p0 = 1 - pActive;
        double spread = Math.Max(0, zz - 2 * p0 * zc + p0 * p0 * cc);
        double unseen = 0;
        if (pActive >= 0.5 && escapeSamples > 0)
            unseen = 2 * escapeSamples * escapeSamples * Math.Min(1, zeroMassBound * pooledSamples / escapeSamples);
        return Math.Sqrt(spread + unseen) / pooledSamples;
    }

    public PosteriorSummary[] Summarise()
    {
        if (_growing && !AtCheckpoint) throw new InvalidOperationException($"a growing run is summarised at its checkpoints only ({_samples} samples per chain recorded)");
        if (!_growing && _samples != _samplesPerChain) throw new InvalidOperationException($"{_samples} samples per chain recorded, {_samplesPerChain} announced");
        int c = _chainsPerInput, k = _k, n = _size / (c * k), nb = _growing ? _filled : _blocks;
        double ns = _samples;
        var length = new double[nb];
        for (int b = 0; b < nb; b++) length[b] = _growing ? _blockLength : BlockLength(b);
        // an unseen excursion weighs at least one block, or the zero region's escape time, of the pooled run
        double unseenWeight = Math.Max(1.0 / (c * nb), _escapeSamples / (c * ns));
        var pSeries = new double[c * nb];
        var mSeries = new double[c * nb];
        var result = new PosteriorSummary[n];
        for (int i = 0; i < n; i++)
        {
            var pa = new double[k]; var mean = new double[k]; var std = new double[k];
            var paSe = new double[k]; var meanSe = new double[k]; var paEss = new double[k]; var meanEss = new double[k];
            var zeroEntries = new long[k];
            var meanSkew = new double[k]; var paSkew = new double[k];
            double[] zeroBound = ZeroMassBounds?[i] ?? Enumerable.Repeat(double.PositiveInfinity, k).ToArray();
            for (int u = 0; u < k; u++)
            {
                double active = 0, sum = 0, sq = 0;
                int blocksWithActive = 0, blocksWithZero = 0;
                long entries = 0;
                double zz = 0, zc = 0, cc = 0;
                for (int j = 0; j < c; j++)
                {
                    int idx = (i * c + j) * k + u;
                    sq += _sumSq[idx];
                    (long e, double z2, double zcj, double c2) = Cycles(idx);
                    entries += e; zz += z2; zc += zcj; cc += c2;
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
                double bound = zeroBound[u];
                double floor = _stochastic
                    ? Math.Max(RareSwitchFloor(pa[u], blocksWithActive, blocksWithZero, c * nb, unseenWeight, bound),
                               StayStandardError(pa[u], zz, zc, cc, total, _escapeSamples, bound))
                    : 0;
                zeroEntries[u] = entries;
                meanSkew[u] = EstimateSkewness(mSeries, m);
                paSkew[u] = EstimateSkewness(pSeries, p);
                // A floor is a guess about states the run did not see; once it passes what nothing-known means for a
                // probability (MaxPActiveStdError) it only says that in other units.
                floor = Math.Min(floor, MaxPActiveStdError);
                paSe[u] = Math.Min(Math.Max(p.StandardError, floor), MaxPActiveStdError);
                // E[s] = P(s != 0) E[s | s != 0]: an unseen or undersampled state moves it by the same share of the active mean.
                meanSe[u] = Math.Max(m.StandardError, pa[u] > 0 ? floor * Math.Abs(mean[u] / pa[u]) : 0);
                paEss[u] = SampleEss(pa[u] * (1 - pa[u]), paSe[u]);
                meanEss[u] = SampleEss(variance, meanSe[u]);
            }
            result[i] = new PosteriorSummary
            {
                PActive = pa, Mean = mean, Std = std, PActiveStdError = paSe, MeanStdError = meanSe,
                PActiveEss = paEss, MeanEss = meanEss, SampleCount = c * _samples, ZeroEntries = zeroEntries,
                ZeroMassBound = (double[])zeroBound.Clone(), MeanEstimateSkewness = meanSkew, PActiveEstimateSkewness = paSkew,
            };
        }
        return result;
    }

    /// <summary>
    /// The skewness of the grand mean of <paramref name="series"/> (the block means of all the input's chains): their own
    /// skewness over the square root of their effective number (<paramref name="estimate"/>.Ess); 0 when they never varied.
    /// </summary>
    public static double EstimateSkewness(ReadOnlySpan<double> series, EffectiveSampleSize.Estimate estimate)
    {
        int n = series.Length;
        double mean = 0;
        foreach (double v in series) mean += v;
        mean /= n;
        double m2 = 0, m3 = 0;
        foreach (double v in series)
        {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= n; m3 /= n;
        if (!(m2 > 0) || !(estimate.Ess > 0)) return 0;
        return m3 / (m2 * Math.Sqrt(m2)) / Math.Sqrt(estimate.Ess);
    }

    /// <summary>Effective number of independent samples: per-sample variance / SE^2; NaN when the samples never varied.</summary>
    private static double SampleEss(double perSampleVariance, double standardError) =>
        standardError > 0 && perSampleVariance > 0 ? perSampleVariance / (standardError * standardError) : double.NaN;
}
