namespace EdgeLangevin.Reference.Learning;

/// <summary>
/// When a learning run of pi and the dictionary may stop: checked at every history record, over the
/// last <see cref="Window"/> records. All three must hold:
/// (1) activity near pi: |mean activity / mean pi - 1| &lt; <see cref="ActivityTolerance"/>. This guards
///     against the short-tau_x artefact (units below threshold cannot cross within a presentation, so
///     activity is underestimated and pi keeps falling), but it is not exact at the fixed point: the u0
///     rule is the likelihood gradient for u0 (u0 is in neither the prior nor the likelihood's
///     normaliser), and in continuous time at T = 1 its zero is where the data-averaged posterior
///     density of u_k at 0 (averaged over the units) equals the prior's, lambda / 2 (Ito's formula for |u_k|, both variants).
///     Activity equals pi there only when the aggregate posterior of u is the Laplace prior, i.e.
///     when the model fits the data. The Euler-Maruyama step adds its own bias, which is most of
///     what is measured: 1.03 to 1.04 on bars with the true dictionary at eps = 0.05; on images,
///     non-negative at sigma 0.3, 1.05 to 1.08 at eps = 0.05 and 1.02 to 1.03 at eps = 0.025;
///     signed at sigma 0.5, eps = 0.05, 1.03;
/// (2) pi has stopped moving: |pi(last) - pi(first)| / pi(last) &lt; <see cref="PiTolerance"/>;
/// (3) the atoms are stable: the mean over atoms of 1 - cos(a_k now, a_k a window ago) &lt; <see cref="AtomTolerance"/>.
/// Never before <see cref="MinSteps"/>. The window should span many data periods (tau_x), or the
/// sampling noise of one period decides.
/// </summary>
public sealed record Convergence
{
    public int Window { get; init; } = 10;
    public double ActivityTolerance { get; init; } = 0.03;
    public double PiTolerance { get; init; } = 0.03;
    public double AtomTolerance { get; init; } = 0.01;
    public long MinSteps { get; init; }

    /// <summary>Fills <see cref="Tracker"/> state; one instance per run.</summary>
    public Tracker Start(int k, int d) => new(this, k, d);

    /// <summary>The running check: remembers the dictionary at every record of the current window.</summary>
    public sealed class Tracker
    {
        private readonly Convergence _c;
        private readonly int _k, _d;
        private readonly Queue<double[]> _snapshots = new();

        internal Tracker(Convergence c, int k, int d)
        {
            _c = c;
            _k = k;
            _d = d;
        }

        /// <summary>What the last check measured (NaN before a full window).</summary>
        public double ActivityRatio { get; private set; } = double.NaN;
        public double PiChange { get; private set; } = double.NaN;
        public double AtomChange { get; private set; } = double.NaN;

        /// <summary>Call after each record with the history so far and the current dictionary (a_k at k*D).</summary>
        public bool Converged(IReadOnlyList<LearningRecord> history, double[] columns)
        {
            _snapshots.Enqueue((double[])columns.Clone());
            if (_snapshots.Count > _c.Window + 1) _snapshots.Dequeue();
            if (history.Count < _c.Window + 1) return false;
            int n = history.Count;
            double act = 0, pi = 0;
            for (int i = n - _c.Window; i < n; i++)
            {
                act += history[i].Activity;
                pi += history[i].Pi;
            }
            ActivityRatio = act / pi;
            double piLast = history[n - 1].Pi, piFirst = history[n - 1 - _c.Window].Pi;
            PiChange = Math.Abs(piLast - piFirst) / piLast;
            AtomChange = MeanAtomChange(_snapshots.Peek(), columns);
            return history[n - 1].Step >= _c.MinSteps
                && Math.Abs(ActivityRatio - 1) < _c.ActivityTolerance
                && PiChange < _c.PiTolerance
                && AtomChange < _c.AtomTolerance;
        }

        private double MeanAtomChange(double[] then, double[] now)
        {
            double sum = 0;
            for (int j = 0; j < _k; j++)
            {
                double dot = 0, a = 0, b = 0;
                for (int i = j * _d; i < (j + 1) * _d; i++)
                {
                    dot += then[i] * now[i];
                    a += then[i] * then[i];
                    b += now[i] * now[i];
                }
                sum += a > 0 && b > 0 ? 1 - dot / Math.Sqrt(a * b) : 1;
            }
            return sum / _k;
        }
    }
}
