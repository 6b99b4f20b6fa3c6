using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Learning;

/// <summary>
/// The number format of the learner's hot loops (the chain step and the dictionary update).
/// <para>
/// Double: <see cref="ChainBatch"/> and <see cref="DictionaryUpdate"/>, every method and order, the bits of
/// earlier sessions. The default of <see cref="Learner.Run"/>, `learn` and `reproduce bars`.
/// </para>
/// <para>
/// Single: <see cref="SingleLearningBatch"/>, float32 state, dictionary and arithmetic, about 1.45x faster (measured)
/// (half the bytes per column: a K = 128, D = 64 dictionary is 32 kB and stays in L1; eight lanes per AVX2
/// vector instead of four). First-order Langevin at T &gt; 0 only; anything else runs in double whatever is
/// asked. `reproduce images` learns in it (its learning, settling and averaging stages; evaluation and the MAP
/// finish stay double).
/// </para>
/// </summary>
public enum LearningPrecision
{
    Double,
    Single,
}

/// <summary>What <see cref="Learner.Run"/> needs from a batch of chains plus its dictionary update, in either precision.</summary>
internal interface ILearningBatch
{
    /// <summary>The threshold u0 (moved by the learner when pi is learned).</summary>
    double U0 { get; set; }

    /// <summary>Chain b gets a new datum from data (drawn from rng).</summary>
    void Draw(IDataSource data, Rng rng, int b);

    /// <summary>One step of every chain (codes and residual of the state it started from kept for the updates below).</summary>
    void Step();

    /// <summary>A += rate sum_b r_b s_b^T from the last step's codes and residuals.</summary>
    void UpdateDictionary(double rate);

    void NormaliseColumns();

    /// <summary>sum over the chains' active units of (a_k . r_b) ds_k/du0 (ds/du0 = -sign(s) signed, -1 non-negative).</summary>
    double ThresholdDrive(bool signed);

    /// <summary>Active units of chain b at the state the last step started from.</summary>
    int ActiveCount(int b);

    /// <summary>||r_b||^2 at the state the last step started from (a reported metric).</summary>
    double ResidualSquares(int b);

    /// <summary>Adds the last step's codes of every chain to stats.</summary>
    void AddCodes(CodeStatistics stats);

    /// <summary>sum[k * D + d] += A[d, k].</summary>
    void AddColumns(double[] sum);

    /// <summary>The dictionary column by column (a_k at k * D), as doubles; valid until the next update.</summary>
    double[] ColumnsAsDouble();

    Matrix GetDictionary();
}

/// <summary>The double-precision learning batch: <see cref="ChainBatch"/> and <see cref="DictionaryUpdate"/> (the learner's bits of earlier sessions).</summary>
internal sealed class DoubleLearningBatch : ILearningBatch
{
    private readonly ChainBatch _batch;
    private readonly DictionaryUpdate _update;

    public DoubleLearningBatch(SparseCodingModel initial, InferenceSettings inference, int chains, long seed)
    {
        _batch = new ChainBatch(initial, inference, chains, seed);
        _update = new DictionaryUpdate(initial.K, initial.D, chains);
    }

    public double U0 { get => _batch.U0; set => _batch.U0 = value; }

    public void Draw(IDataSource data, Rng rng, int b) => data.Draw(rng, _batch.X, b * _batch.D);

    public void Step() => _batch.Step();

    public void UpdateDictionary(double rate) => _update.Apply(_batch, rate);

    public void NormaliseColumns() => Learner.NormaliseColumns(_batch.Columns, _batch.K, _batch.D);

    public double ThresholdDrive(bool signed)
    {
        double[] s = _batch.S, g = _batch.G;
        int k = _batch.K;
        double sum = 0;
        long signOf = signed ? long.MinValue : 0; // the sign bit of s, or nothing
        // Over each chain's listed units (every unit with s != 0 is listed, in increasing k), so the
        // terms are added in the order of a pass over all of s, skipping the zeros: the same sum,
        // without a test of every unit (a mispredicted branch on a good share of them).
        for (int b = 0; b < _batch.Chains; b++)
        {
            int row = b * k;
            foreach (int unit in _batch.ListedUnits(b))
            {
                int i = row + unit;
                if (s[i] == 0) continue;
                // ds/du0 = -sign(u) (signed; sign(s) = sign(u)) or -1 (non-negative), active units only.
                // sign(s) g as s's sign bit copied onto g's (signed; s != 0 here): no branch on the sign,
                // which is as good as random. A NaN s reaches u0 (its g is NaN too), which the record check reports.
                sum -= BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(g[i]) ^ (BitConverter.DoubleToInt64Bits(s[i]) & signOf));
            }
        }
        return sum;
    }

    public int ActiveCount(int b) => _batch.ActiveCount(b);

    public double ResidualSquares(int b)
    {
        int d = _batch.D;
        return ChainBatch.Dot(_batch.R.AsSpan(b * d, d), _batch.R.AsSpan(b * d, d));
    }

    public void AddCodes(CodeStatistics stats) => stats.Add(_batch.S, _batch.Chains);

    public void AddColumns(double[] sum)
    {
        double[] cols = _batch.Columns;
        for (int i = 0; i < cols.Length; i++) sum[i] += cols[i];
    }

    public double[] ColumnsAsDouble() => _batch.Columns;

    public Matrix GetDictionary() => _batch.GetDictionary();
}
