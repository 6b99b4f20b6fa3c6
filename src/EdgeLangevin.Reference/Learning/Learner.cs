using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Learning;

/// <summary>One point of a learning run's history, averaged over the steps since the previous record.</summary>
public sealed record LearningRecord(long Step, double Time, double Activity, double Pi, double[] ColumnNorms, double? Cosine, double ReconstructionMse);

/// <summary>What a learning run produced.</summary>
/// <param name="AveragedDictionary">The dictionary averaged over the steps from averageFrom on (null when not asked):
/// with a finite batch the learned A fluctuates around its fixed point, and the average shows where that point is.</param>
/// <param name="Converged">Whether the run stopped because its <see cref="Convergence"/> criterion held (false: it ran all its steps).</param>
public sealed record LearningResult(SparseCodingModel Model, IReadOnlyList<LearningRecord> History, CodeStatistics Statistics, Matrix? AveragedDictionary = null, bool Converged = false);

/// <summary>
/// Learning simultaneous with inference (shared/MODEL.md "Learning"). Every step:
/// (1) data switching (synchronous: every chain gets a new datum every round(tau_x / dt)
/// steps, starting at step 0; asynchronous: every chain with probability dt / tau_x per step,
/// all chains at step 0); (2) one step of the chains (<see cref="ChainBatch"/>), which leaves
/// s and r = x - A s of the state it started from; (3) from those same s and r:
/// A += (dt / tau_a) (1/sigma^2) mean_b r_b s_b^T, then optional column normalisation;
/// u0 += (dt / tau_u0) (1/sigma^2) sum_{b,k} (a_k . r_b) ds_k/du0, clamped at u0 >= 0 (pi &lt;= 1).
/// Data are drawn on one thread from their own stream, so runs are reproducible whatever the thread count.
/// Cost: the chain step and the dictionary step touch only active units (<see cref="DictionaryUpdate"/>),
/// so a step is about 3 D x (active units) x batch multiply-adds plus K x batch Gaussians; nothing is
/// allocated per step except at data switches and history records. The optional <c>until</c> tracker
/// ends the run at the first history record where its <see cref="Convergence"/> criterion holds.
/// <c>continuing</c>: the initial model was learned at this dt by an earlier stage of the same run
/// (<see cref="StepPolicy.ResolveForLearning"/> says why the all-units-active stability bound is then not enforced).
/// </summary>
public static class Learner
{
    public static LearningResult Run(SparseCodingModel initial, IDataSource data, InferenceSettings inference, LearningSettings learning,
        long seed, Matrix? trueDictionary = null, long statisticsFrom = 0,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, string stage = "learning", long averageFrom = -1,
        Convergence.Tracker? until = null, bool continuing = false, LearningPrecision precision = LearningPrecision.Double)
    {
        inference.Validate();
        learning.Validate(inference);
        inference = StepPolicy.ResolveForLearning(initial, inference, continuing: continuing).Settings;
        if (data.Dimension != initial.D) throw new ArgumentException($"data have {data.Dimension} dimensions, the dictionary {initial.D} rows");
        int chains = learning.Batch, d = initial.D, k = initial.K;
        ILearningBatch batch = precision == LearningPrecision.Single && SingleLearningBatch.Supports(inference)
            ? new SingleLearningBatch(initial, inference, chains, seed)
            : new DoubleLearningBatch(initial, inference, chains, seed);
        var dataRng = new Rng(seed, -1);
        double s2 = initial.Sigma * initial.Sigma;
        double aRate = inference.ResolvedDt / learning.TauA / s2 / chains;
        double u0Rate = inference.ResolvedDt / learning.TauU0 / s2;
        long switchEvery = Math.Max(1, (long)Math.Round(learning.TauX / inference.ResolvedDt));
        double switchP = inference.ResolvedDt / learning.TauX;
        bool signed = initial.Variant == Variant.Signed;
        bool ignoreSign = signed;
        var stats = new CodeStatistics(k);
        var history = new List<LearningRecord>();
        long intervalActive = 0, intervalSamples = 0;
        double intervalSq = 0;
        long reportEvery = Math.Max(1, learning.Steps / 200);
        double[]? average = averageFrom >= 0 && averageFrom < learning.Steps ? new double[k * d] : null;
        Convergence.Tracker? tracker = until;
        bool converged = false;
        long stepsRun = learning.Steps;

        for (long t = 0; t < learning.Steps; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (learning.Switching == DataSwitching.Synchronous ? t % switchEvery == 0 : t == 0)
                for (int b = 0; b < chains; b++) batch.Draw(data, dataRng, b);
            else if (learning.Switching == DataSwitching.Asynchronous)
                for (int b = 0; b < chains; b++)
                    if (dataRng.NextDouble() < switchP) batch.Draw(data, dataRng, b);

            try
            {
                batch.Step();
            }
            catch (Exception e) when (e is ArithmeticException || (e is AggregateException ae && ae.InnerExceptions.Any(x => x is ArithmeticException)))
            {
                // Math.Sign(NaN) in the step: u has blown up. Say why instead of failing deep inside.
                throw Diverged(t, inference, initial.Sigma, e);
            }

            if (learning.LearnDictionary)
            {
                batch.UpdateDictionary(aRate);
                if (learning.Normalise) batch.NormaliseColumns();
            }
            if (learning.LearnPi && inference.Method == InferenceMethod.Langevin)
                batch.U0 = Math.Max(0, batch.U0 + u0Rate * batch.ThresholdDrive(signed));

            for (int b = 0; b < chains; b++)
            {
                intervalActive += batch.ActiveCount(b);
                // A reported metric only (never fed back), so SIMD's different summation order is harmless.
                intervalSq += batch.ResidualSquares(b);
            }
            intervalSamples += chains;
            if (t >= statisticsFrom) batch.AddCodes(stats);
            if (average is not null && t >= averageFrom) batch.AddColumns(average);

            if ((t + 1) % learning.RecordEvery == 0 || t == learning.Steps - 1)
            {
                Matrix a = batch.GetDictionary();
                // pi = exp(-lambda u0) underflowing to 0 is u0 running away (no unit can ever be active again): divergence too.
                if (!double.IsFinite(batch.U0) || !(SparseCodingModel.PiFromU0(batch.U0, initial.Lambda) > 0) || Array.Exists(a.Data, v => !double.IsFinite(v)))
                    throw Diverged(t, inference, initial.Sigma, null);
                double? cos = trueDictionary is null ? null : DictionaryMetrics.MatchedCosine(a, trueDictionary, ignoreSign);
                history.Add(new LearningRecord(t + 1, (t + 1) * inference.ResolvedDt, (double)intervalActive / (intervalSamples * k),
                    SparseCodingModel.PiFromU0(batch.U0, initial.Lambda), DictionaryMetrics.ColumnNorms(a), cos, intervalSq / (intervalSamples * d)));
                intervalActive = 0; intervalSamples = 0; intervalSq = 0;
                if (tracker is not null && tracker.Converged(history, batch.ColumnsAsDouble()))
                {
                    converged = true;
                    stepsRun = t + 1;
                    // Done at the steps actually run (the stage's total shrinks to them), so "done, N in T" and its rate are true.
                    if (progress is not null) progress.Report(new RunProgress(stage, t + 1, t + 1));
                    break;
                }
            }
            if (progress is not null && (t % reportEvery == 0 || t == learning.Steps - 1)) progress.Report(new RunProgress(stage, t + 1, learning.Steps));
        }

        if (!(SparseCodingModel.PiFromU0(batch.U0, initial.Lambda) > 0)) throw Diverged(stepsRun - 1, inference, initial.Sigma, null);
        var model = initial with { Dictionary = batch.GetDictionary(), Pi = SparseCodingModel.PiFromU0(batch.U0, initial.Lambda) };
        Matrix? averaged = null;
        if (average is not null && stepsRun > averageFrom)
        {
            averaged = new Matrix(d, k);
            double n = stepsRun - averageFrom;
            for (int r = 0; r < d; r++)
                for (int c = 0; c < k; c++) averaged[r, c] = average[c * d + r] / n;
        }
        return new LearningResult(model, history, stats, averaged, converged);
    }

    /// <summary>
    /// The explicit step is stable only while eps ||A_active||^2 / sigma^2 stays below about 2 (the data
    /// drive's gain over one step), where A_active holds the columns of the active units; a small sigma, a
    /// large dt / tau_u or many large active atoms break it. Seen: sigma = 0.3, R = 4, eps = 0.05 with
    /// pi starting at 0.5 (about 128 active random atoms) diverged in the first steps.
    /// </summary>
    private static InvalidInputException Diverged(long step, InferenceSettings inference, double sigma, Exception? inner)
    {
        string message = string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "learning diverged at step {0} (u, u0 or the dictionary became NaN or infinite, or u0 grew until pi = exp(-lambda u0) fell to 0): the explicit step is unstable when " +
            "eps x ||A_active||^2 / sigma^2 exceeds about 2 (here eps = dt / tau_u = {1:G4}, sigma = {2:G4}); " +
            "use a larger sigma, a smaller dt or a larger tau_u, a larger tau_u0, or start with a smaller pi", step, inference.Eps, sigma);
        return inner is null ? new InvalidInputException(message) : new InvalidInputException(message, inner);
    }

    public static void NormaliseColumns(double[] columns, int k, int d)
    {
        for (int j = 0; j < k; j++)
        {
            double n = 0;
            for (int i = 0; i < d; i++) n += columns[j * d + i] * columns[j * d + i];
            n = Math.Sqrt(n);
            if (n == 0) continue;
            for (int i = 0; i < d; i++) columns[j * d + i] /= n;
        }
    }

    /// <summary>A random dictionary: i.i.d. Gaussian entries, every column scaled to unit norm.</summary>
    public static Matrix RandomDictionary(int d, int k, long seed)
    {
        // The matrix, a column-major copy and the learner's own copies: a few D x K arrays of doubles.
        MemoryBudget.CheckLength($"a {d} x {k} dictionary", (double)d * k, "give fewer units (K)");
        MemoryBudget.Check($"a {d} x {k} dictionary", 4 * 8.0 * d * k, "give fewer units (K)");
        var rng = new Rng(seed, -2);
        var a = new Matrix(d, k);
        for (int i = 0; i < a.Data.Length; i++) a.Data[i] = rng.NextGaussian();
        var cols = new double[k * d];
        for (int r = 0; r < d; r++) for (int c = 0; c < k; c++) cols[c * d + r] = a[r, c];
        NormaliseColumns(cols, k, d);
        for (int r = 0; r < d; r++) for (int c = 0; c < k; c++) a[r, c] = cols[c * d + r];
        return a;
    }
}

/// <summary>
/// The dictionary step A += rate * sum_b r_b s_b^T, event-driven: only the (chain, unit) pairs with
/// s != 0 cost anything (about D x active units x chains multiply-adds, not D x K x chains), and
/// nothing is allocated per step.
/// <para>
/// The additions happen in a fixed order, whatever the number of threads: the chains are cut into
/// <see cref="ChainBlocks"/> fixed blocks; for every column, each block's sum_b s_bk r_b is formed in
/// chain order (starting from zero), then added, block after block, as rate * sum. The work is shared
/// among threads by columns, which touch disjoint memory, so the learned dictionary is the same to the
/// last bit on every machine. A block in which no chain uses unit k contributes rate * 0 and is skipped.
/// </para>
/// <para>
/// Which chains use unit k is found once per update by one pass over s in memory order (chain by chain):
/// the chains with s_bk != 0 are appended, in increasing b, to unit k's list. Reading s column by column
/// instead (stride K) missed the cache and mispredicted the s != 0 branch on every pair, which was a fifth of
/// a learning step (measured with perf at K = 128, batch 128). The lists hold the chains in the order the
/// column-wise scan met them, so the additions, and the bits, are the same.
/// </para>
/// </summary>
internal sealed class DictionaryUpdate
{
    /// <summary>Fixed number of chain blocks (a constant, not the core count, so results do not depend on the machine).</summary>
    public const int ChainBlocks = 8;

    private readonly int _k, _d, _chains, _blocks, _columnChunks;
    private readonly double[][] _scratch;
    private readonly Action<int> _applyChunk;
    // Unit k's chains with s_bk != 0, increasing: _users[k * chains ..], _userCount[k] of them (rebuilt by every Apply).
    private readonly int[] _users, _userCount, _allUnits;
    // Block blk holds chains [_blockEnd[blk - 1], _blockEnd[blk]) (0 for blk = 0): precomputed, a 64-bit division per
    // block and column was 1-2 % of a learning step (perf annotation at K = 128).
    private readonly int[] _blockEnd;
    private double[] _s = [], _r = [], _columns = [];
    private double _rate;

    public DictionaryUpdate(int k, int d, int chains)
    {
        _k = k;
        _d = d;
        _chains = chains;
        _blocks = Math.Min(chains, ChainBlocks);
        // One column chunk per thread (WorkerPool.Threads, --threads); each owns one D-long accumulator.
        // The bits do not depend on it; the delegate is made once, so an update allocates nothing.
        _columnChunks = Math.Min(k, WorkerPool.Threads);
        _applyChunk = ApplyChunk;
        _scratch = new double[_columnChunks][];
        for (int i = 0; i < _columnChunks; i++) _scratch[i] = new double[d];
        _users = new int[k * chains];
        _userCount = new int[k];
        _allUnits = Enumerable.Range(0, k).ToArray();
        _blockEnd = new int[_blocks];
        for (int blk = 0; blk < _blocks; blk++) _blockEnd[blk] = (int)((long)chains * (blk + 1) / _blocks);
    }

    // One pass over s in memory order, branch-free (an entry is always written, the count moves only when s != 0).
    // Chain b's candidates are the units its step listed (every unit with s != 0 is among them, increasing), or
    // every unit when no batch is given: the same lists either way, without a look at every zero.
    private void ListUsers(double[] s, ChainBatch? batch)
    {
        int k = _k, chains = _chains;
        int[] users = _users, count = _userCount;
        Array.Clear(count);
        for (int b = 0; b < chains; b++)
        {
            int row = b * k;
            foreach (int j in batch is null ? _allUnits : batch.ListedUnits(b))
            {
                int n = count[j];
                users[j * chains + n] = b;
                count[j] = n + (s[row + j] != 0 ? 1 : 0);
            }
        }
    }

    /// <summary>The update from a batch's last step: its S, R and Columns (the chains' listed units say where S may be non-zero).</summary>
    public void Apply(ChainBatch batch, double rate) =>
        Apply(batch.S, batch.R, batch.Columns, rate, batch.Settings.Method == InferenceMethod.Mala ? null : batch); // MALA lists the proposal's units, S is the start's

    /// <summary>columns (a_k at k*D) += rate * sum_b s[b*K + k] r[b*D ..], for every k.</summary>
    public void Apply(double[] s, double[] r, double[] columns, double rate) => Apply(s, r, columns, rate, null);

    private void Apply(double[] s, double[] r, double[] columns, double rate, ChainBatch? batch)
    {
        ListUsers(s, batch);
        if (_columnChunks == 1)
        {
            ApplyColumns(0, _k, s, r, columns, rate, _scratch[0]);
            return;
        }
        (_s, _r, _columns, _rate) = (s, r, columns, rate);
        WorkerPool.Run(_columnChunks, _applyChunk);
    }

    private void ApplyChunk(int c) =>
        ApplyColumns((int)((long)_k * c / _columnChunks), (int)((long)_k * (c + 1) / _columnChunks), _s, _r, _columns, _rate, _scratch[c]);

    private void ApplyColumns(int lo, int hi, double[] s, double[] r, double[] columns, double rate, double[] acc)
    {
        int d = _d, e = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; e + 32 <= d; e += 32) ApplyColumns32(lo, hi, e, s, r, columns, rate);
        if (e < d) ApplyColumnsFrom(lo, hi, e, s, r, columns, rate, acc);
    }

    // Elements [e, e + 32) of columns lo .. hi - 1: element by element the operations of ApplyColumnsFrom (the same
    // additions in the same order, so the same bits), with the block sum and the column's 32 elements held in registers.
    private void ApplyColumns32(int lo, int hi, int e, double[] s, double[] r, double[] columns, double rate)
    {
        int k = _k, d = _d, chains = _chains, blocks = _blocks;
        int[] users = _users, userCount = _userCount, blockEnd = _blockEnd;
        ref double rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref double cRef = ref MemoryMarshal.GetArrayDataReference(columns);
        var rateV = Vector256.Create(rate);
        for (int j = lo; j < hi; j++)
        {
            int u = j * chains, end = u + userCount[j];
            if (u == end) continue;
            nuint o = (nuint)(j * d + e);
            Vector256<double> c0 = Vector256.LoadUnsafe(ref cRef, o), c1 = Vector256.LoadUnsafe(ref cRef, o + 4);
            Vector256<double> c2 = Vector256.LoadUnsafe(ref cRef, o + 8), c3 = Vector256.LoadUnsafe(ref cRef, o + 12);
            Vector256<double> c4 = Vector256.LoadUnsafe(ref cRef, o + 16), c5 = Vector256.LoadUnsafe(ref cRef, o + 20);
            Vector256<double> c6 = Vector256.LoadUnsafe(ref cRef, o + 24), c7 = Vector256.LoadUnsafe(ref cRef, o + 28);
            for (int blk = 0; blk < blocks && u < end; blk++)
            {
                int b1 = blockEnd[blk];
                if (users[u] >= b1) continue; // no chain of this block uses unit j
                Vector256<double> a0 = Vector256<double>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (; u < end && users[u] < b1; u++)
                {
                    int b = users[u];
                    var sb = Vector256.Create(s[b * k + j]);
                    nuint ro = (nuint)(b * d + e);
                    a0 += sb * Vector256.LoadUnsafe(ref rRef, ro);
                    a1 += sb * Vector256.LoadUnsafe(ref rRef, ro + 4);
                    a2 += sb * Vector256.LoadUnsafe(ref rRef, ro + 8);
                    a3 += sb * Vector256.LoadUnsafe(ref rRef, ro + 12);
                    a4 += sb * Vector256.LoadUnsafe(ref rRef, ro + 16);
                    a5 += sb * Vector256.LoadUnsafe(ref rRef, ro + 20);
                    a6 += sb * Vector256.LoadUnsafe(ref rRef, ro + 24);
                    a7 += sb * Vector256.LoadUnsafe(ref rRef, ro + 28);
                }
                c0 += rateV * a0;
                c1 += rateV * a1;
                c2 += rateV * a2;
                c3 += rateV * a3;
                c4 += rateV * a4;
                c5 += rateV * a5;
                c6 += rateV * a6;
                c7 += rateV * a7;
            }
            c0.StoreUnsafe(ref cRef, o);
            c1.StoreUnsafe(ref cRef, o + 4);
            c2.StoreUnsafe(ref cRef, o + 8);
            c3.StoreUnsafe(ref cRef, o + 12);
            c4.StoreUnsafe(ref cRef, o + 16);
            c5.StoreUnsafe(ref cRef, o + 20);
            c6.StoreUnsafe(ref cRef, o + 24);
            c7.StoreUnsafe(ref cRef, o + 28);
        }
    }

    // Elements [e, D) of columns lo .. hi - 1, the block sums formed in acc (at least D - e long).
    private void ApplyColumnsFrom(int lo, int hi, int e, double[] s, double[] r, double[] columns, double rate, double[] acc)
    {
        int k = _k, d = _d, chains = _chains, n = d - e;
        int[] users = _users, blockEnd = _blockEnd;
        Span<double> sum = acc.AsSpan(0, n);
        for (int j = lo; j < hi; j++)
        {
            Span<double> col = columns.AsSpan(j * d + e, n);
            int u = j * chains, end = u + _userCount[j];
            for (int blk = 0; blk < _blocks && u < end; blk++)
            {
                int b1 = blockEnd[blk];
                if (users[u] >= b1) continue; // no chain of this block uses unit j
                sum.Clear();
                for (; u < end && users[u] < b1; u++)
                {
                    int b = users[u];
                    ChainBatch.Axpy(s[b * k + j], r.AsSpan(b * d + e, n), sum);
                }
                ChainBatch.Axpy(rate, sum, col);
            }
        }
    }
}
