using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// An upper bound on P(s_k = 0 | x), the zero state's posterior mass, known without sampling: in closed form for a unit whose
/// atom is orthogonal to every other atom, and from two convex problems (a clamped MAP) for any unit clearly active at the
/// MAP; +infinity (no bound) for the rest. Used where the error bars otherwise assume that a zero state never seen might
/// still hold an escape time's share of the run (<see cref="PosteriorAccumulator"/>'s remarks, "Rare switches" and
/// "Stays") or a step's bias (<see cref="StepBias"/>): a unit far above its threshold never enters its zero state, and
/// those assumptions gave its E[s] an error bar above the posterior's own spread (main 8958d54, a = 1, sigma 0.3, x = 40,
/// posterior std 0.3: 0.44 first order, 0.20 second order, 0.18 MALA; the bars model's x = 40 bar 0, posterior std 0.5:
/// 1.24 and a run to the budget; ZeroMassBoundTests).
/// <para>
/// Orthogonal atoms. If a_k is orthogonal to every other atom, ||x - A s||^2 = ||x_perp - A_rest s_rest||^2 + ||x_k - a_k s_k||^2
/// (x_k the projection of x on a_k), so the posterior factorises and s_k's is the K = 1 posterior with data drive
/// b = a_k . x / sigma^2 and curvature q = ||a_k||^2 / sigma^2 (shared/MODEL.md's spike and slab: mass 1 - pi at 0, a slab
/// c exp(-lambda |s|) on each allowed sign, c = pi lambda / 2 signed, pi lambda non-negative). Up to one common factor the
/// zero state weighs 1 - pi and the slab on the sign of b weighs
///   c int_0^inf exp(-q t^2 / 2 + beta t) dt = c sqrt(2 pi / q) Phi(beta / sqrt q) exp(beta^2 / (2 q)),  beta = |b| - lambda,
/// and the other sign's slab weighs more than 0. With t = beta / sqrt q &gt;= 0, Phi(t) &gt;= max(1/2, 1 - phi(t) / t) (the
/// Mills ratio: the upper tail is below phi(t) / t), so
///   P(s_k = 0 | x) &lt;= (1 - pi) / (c sqrt(2 pi / q) max(1/2, 1 - phi(t) / t) exp(beta^2 / (2 q))),
/// tight far above threshold (t = 3: within 0.2 %). In posterior standard deviations t is the unit's distance from its
/// threshold: the active state's mean over its standard deviation.
/// Below threshold (beta &lt; 0), or for a non-negative unit driven negative, no bound is given: there the zero state is
/// not rare.
/// </para>
/// <para>
/// Correlated atoms: the unit's own posterior mean and spread say nothing. The same Gaussian tail taken from the unit's
/// own posterior mean and standard deviation was, even doubled, below the exact zero mass in 360 of 640 correlated K = 2
/// cases (bench/posterior-sweep/zerobound_check.py, session 15), by up to 16 orders of magnitude: at D = 1, atoms 1 and
/// 0.5, sigma 0.3, pi 0.05, x = 4, unit 0's active state sits 9.4 standard deviations from 0 yet its zero state holds
/// 0.038, the mass of the other mode where atom 1 explains x alone. So the bound compares the whole zero state with a
/// part of the active one, with L(s) = exp(-||x - A s||^2 / (2 sigma^2)) and the prior P(ds) = prod_j ((1 - pi) delta_0 +
/// c e^{-lambda |s_j|} ds_j); P(s_k = 0 | x) = Z_0 / (Z_0 + Z_1) &lt;= Z_0 / Z_1.
/// Z_0 from above: split e^{-lambda |s|} = e^{-theta lambda |s|} e^{-(1 - theta) lambda |s|} (0 &lt; theta &lt; 1); then
///   Z_0 = (1 - pi) int L(s) [s_k = 0] prod_{j != k} P(ds_j) &lt;= (1 - pi) e^{-F_k(theta)} (1 - pi + pi / (1 - theta))^{K - 1},
///   F_k(theta) = min over s with s_k = 0 (signs allowed by the variant) of ||x - A s||^2 / (2 sigma^2) + theta lambda ||s||_1,
/// since L(s) e^{-theta lambda ||s||_1} &lt;= e^{-F_k} everywhere and each remaining prior factor integrates to
/// 1 - pi + c int e^{-(1 - theta) lambda |s|} ds = 1 - pi + pi / (1 - theta). F_k is a lasso with unit k clamped to 0; only
/// a certified LOWER bound of it is used: the dual value (y . x - ||y||^2 / 2) / sigma^2 of y = alpha (x - A s) for the
/// solver's s, alpha cut so that |a_j . y| &lt;= theta lambda sigma^2 (a_j . y &lt;= ... non-negative) for every j != k
/// (weak duality: ||r||^2 / 2 &gt;= y . r - ||y||^2 / 2), so an unconverged solver loosens the bound, never breaks it.
/// Z_1 from below: the one support S (k in S) and signs of a point m, with a box B = prod [m_i - h_i, m_i + h_i] inside
/// their orthant (h_i &lt;= |m_i|); Jensen's inequality (the mean of e^{-f} over B is at least e^{-mean of f}) gives
///   Z_1 &gt;= (1 - pi)^{K - |S|} c^{|S|} prod_{i in S} 2 h_i exp(-||x - A m||^2 / (2 sigma^2)
///          - sum_{i in S} (||a_i||^2 h_i^2 / (6 sigma^2) + lambda |m_i|)),
/// the mean of the quadratic over the box being its value at the centre plus sum ||a_i||^2 h_i^2 / 3 / (2 sigma^2), and
/// the slab's exponent linear inside the orthant. h_i = min(sqrt 3 sigma / ||a_i||, |m_i|) maximises each factor; m is
/// the lasso MAP min ||x - A s||^2 / (2 sigma^2) + lambda ||s||_1 (no certification needed: any m gives a valid lower
/// bound), with units whose inclusion lowers the bound dropped one by one. Units not in S get no bound. For K = 1 it is
/// within 1 / 0.84 of the exact zero mass far above threshold (the box against the Gaussian, sqrt(2 pi) vs 2 sqrt 3 e^-1/2);
/// for correlated atoms it is loose near threshold (the prior's sparsity left out of Z_0) and tight where it matters,
/// far above threshold, where the energy gap F_k - min E dominates. Checked against exact K = 2 posteriors in
/// ZeroMassBoundTests (never below) and bench/posterior-sweep/zerobound_check.py.
/// </para>
/// </summary>
public static class ZeroMassBound
{
    /// <summary>
    /// |a_k . a_j| at most this times ||a_k|| ||a_j|| counts as orthogonal: the correlation then moves unit k's conditional
    /// mean by at most 1e-9 ||a_j|| |s_j| / sigma of its standard deviations, nothing at any code a model can reach.
    /// </summary>
    public const double OrthogonalTolerance = 1e-9;

    /// <summary>Per input and unit, the bound (the type's remarks); +infinity where none applies.</summary>
    public static double[][] ForInputs(SparseCodingModel model, double[][] inputs) => ForInputs(new LassoMaps(model, inputs));

    /// <summary>
    /// <see cref="ForInputs(SparseCodingModel, double[][])"/> from lasso MAPs already solved (or solved here, once, for
    /// the step policy too: `infer` resolves its step and these bounds from the same <see cref="LassoMaps"/>).
    /// </summary>
    public static double[][] ForInputs(LassoMaps maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        SparseCodingModel model = maps.Model;
        double[][] inputs = maps.Inputs;
        int d = model.D, k = model.K;
        double[] a = model.Dictionary.Data;
        double[] gram = maps.Gram;
        var independent = new bool[k];
        for (int j = 0; j < k; j++)
        {
            independent[j] = gram[j * k + j] > 0;
            for (int other = 0; other < k && independent[j]; other++)
                if (other != j && Math.Abs(gram[j * k + other]) > OrthogonalTolerance * Math.Sqrt(gram[j * k + j] * gram[other * k + other]))
                    independent[j] = false;
        }
        double s2 = model.Sigma * model.Sigma;
        var result = new double[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            int input = i; // read by the closure while this iteration runs
            result[i] = independent.All(v => v) ? new double[k] : new ClampedMap(model, gram, inputs[i]).Bounds(() => maps.Map(input));
            for (int j = 0; j < k; j++)
            {
                if (!independent[j]) continue;
                double dot = 0;
                for (int r = 0; r < d; r++) dot += a[r * k + j] * inputs[i][r];
                result[i][j] = ForUnit(model.Variant, model.Lambda, model.Pi, dot / s2, gram[j * k + j] / s2);
            }
        }
        return result;
    }

    /// <summary>A^T A, K x K row-major.</summary>
    internal static double[] Gram(SparseCodingModel model)
    {
        int d = model.D, k = model.K;
        double[] a = model.Dictionary.Data;
        var gram = new double[k * k];
        for (int j = 0; j < k; j++)
            for (int other = 0; other <= j; other++)
            {
                double dot = 0;
                for (int r = 0; r < d; r++) dot += a[r * k + j] * a[r * k + other];
                gram[j * k + other] = gram[other * k + j] = dot;
            }
        return gram;
    }

    /// <summary>
    /// The lasso MAP of s for input <paramref name="x"/>: min ||x - A s||^2 / (2 sigma^2) + lambda ||s||_1 (s &gt;= 0
    /// non-negative), by the same coordinate descent as the bound (at most its sweeps; <paramref name="gram"/> from <see cref="Gram"/>),
    /// and at it the correlations a_j . (x - A m), computed afresh (not the descent's running copy).
    /// </summary>
    internal static (double[] Map, double[] Correlations) Map(SparseCodingModel model, double[] gram, double[] x)
    {
        var m = new double[model.K];
        var map = new ClampedMap(model, gram, x);
        map.Lasso(m, model.Lambda, -1);
        return (m, map.Correlations(m));
    }

    /// <summary>
    /// Each input's lasso MAP (<see cref="Map"/>), solved the first time it is asked for and kept: `infer` reads it for its
    /// step (<see cref="StepPolicy.ThresholdLayer(LassoMaps)"/>, in the CLI's report and in the engine) and for these
    /// bounds, and solved it three times per input until session 19. Read-only once solved; not for concurrent first use.
    /// </summary>
    public sealed class LassoMaps
    {
        private readonly (double[] Map, double[] Correlations)?[] _solved;

        public LassoMaps(SparseCodingModel model, double[][] inputs)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(inputs);
            Model = model;
            Inputs = inputs;
            Gram = ZeroMassBound.Gram(model);
            _solved = new (double[], double[])?[inputs.Length];
        }

        public SparseCodingModel Model { get; }
        public double[][] Inputs { get; }
        /// <summary>A^T A, K x K row-major.</summary>
        internal double[] Gram { get; }

        /// <summary>Input i's lasso MAP m and the correlations a_j . (x - A m) at it (callers must not write into them).</summary>
        internal (double[] Map, double[] Correlations) Map(int i)
        {
            if (_solved[i] is not { } solved)
            {
                solved = ZeroMassBound.Map(Model, Gram, Inputs[i]);
                _solved[i] = solved;
                Solves++;
            }
            return solved;
        }

        /// <summary>Lassos solved so far (at most one per input).</summary>
        internal int Solves { get; private set; }
    }

    /// <summary>
    /// The bound for correlated atoms (the type's remarks, "Correlated atoms") for one input: a lasso MAP for the active
    /// side, per unit of its support a lasso with that unit clamped to 0 for the zero side.
    /// </summary>
    private sealed class ClampedMap(SparseCodingModel model, double[] gram, double[] x)
    {
        /// <summary>The splits of the slab's exponent tried for Z_0 (the best is taken; each is a valid bound).</summary>
        private static readonly double[] Thetas = [0.5, 0.9];

        /// <summary>Coordinate descent's sweeps at most: stopping early only loosens the bound (its dual value is used).</summary>
        private const int MaxSweeps = 200;

        private readonly int _d = model.D, _k = model.K;
        private readonly double[] _a = model.Dictionary.Data;
        private readonly double _s2 = model.Sigma * model.Sigma;
        private readonly bool _signed = model.Variant == Variant.Signed;
        private readonly double _xx = x.Sum(v => v * v);

        /// <param name="solved">this input's lasso MAP (<see cref="LassoMaps"/>), read lazily: not needed at pi = 1.</param>
        public double[] Bounds(Func<(double[] Map, double[] Correlations)> solved)
        {
            int k = _k;
            var bounds = new double[k];
            if (model.Pi >= 1) return bounds; // no zero state
            Array.Fill(bounds, double.PositiveInfinity);
            double pi = model.Pi, lambda = model.Lambda;
            double logC = Math.Log(_signed ? pi * lambda / 2 : pi * lambda), log1mPi = Math.Log(1 - pi);

            var m = (double[])solved().Map.Clone(); // the same descent from 0 as Lasso(m, lambda, -1) here would run
            // the active side: drop, one by one from the smallest, the units whose box costs more than leaving them at 0
            var inS = new bool[k];
            for (int j = 0; j < k; j++) inS[j] = m[j] != 0;
            double logZ1 = LogActiveLower(m, inS, logC, log1mPi);
            foreach (int j in Enumerable.Range(0, k).Where(j => inS[j]).OrderBy(j => Math.Abs(m[j]) * Math.Sqrt(gram[j * k + j])).ToArray())
            {
                double keep = m[j];
                m[j] = 0; inS[j] = false;
                double dropped = LogActiveLower(m, inS, logC, log1mPi);
                if (dropped > logZ1) logZ1 = dropped;
                else { m[j] = keep; inS[j] = true; }
            }
            if (double.IsNaN(logZ1) || double.IsNegativeInfinity(logZ1)) return bounds;

            var clamped = new double[k];
            for (int unit = 0; unit < k; unit++)
            {
                if (!inS[unit]) continue;
                double best = double.PositiveInfinity;
                foreach (double theta in Thetas)
                {
                    Array.Copy(m, clamped, k);
                    clamped[unit] = 0;
                    double logPrefactor = log1mPi + (k - 1) * Math.Log(1 - pi + pi / (1 - theta));
                    // any point's lasso value is at least F_k: once one gives a bound of 1 or more, none can do better
                    if (!Lasso(clamped, theta * lambda, unit, logPrefactor - logZ1)) continue;
                    best = Math.Min(best, logPrefactor - DualLower(clamped, theta * lambda, unit) - logZ1);
                }
                if (!double.IsNaN(best)) bounds[unit] = Math.Min(1, Math.Exp(best));
            }
            return bounds;
        }

        /// <summary>log of the lower bound on Z_1 from the box around <paramref name="m"/> on the support inS.</summary>
        private double LogActiveLower(double[] m, bool[] inS, double logC, double log1mPi)
        {
            int k = _k;
            double log = 0;
            for (int j = 0; j < k; j++)
            {
                if (!inS[j]) { log += log1mPi; continue; }
                double g = gram[j * k + j];
                double h = Math.Min(Math.Sqrt(3 * _s2 / g), Math.Abs(m[j]));
                log += logC + Math.Log(2 * h) - g * h * h / (6 * _s2) - model.Lambda * Math.Abs(m[j]);
            }
            double[] res = Residual(m);
            double e = 0;
            foreach (double v in res) e += v * v;
            return log - e / (2 * _s2);
        }

        /// <summary>x - A s in the data space (not through the Gram matrix: no cancellation against ||x||^2).</summary>
        /// <summary>a_j . (x - A s) for every unit j.</summary>
        public double[] Correlations(double[] s)
        {
            var g = new double[_k];
            double[] res = Residual(s);
            for (int j = 0; j < _k; j++)
                for (int r = 0; r < _d; r++) g[j] += _a[r * _k + j] * res[r];
            return g;
        }

        private double[] Residual(double[] s)
        {
            var res = (double[])x.Clone();
            for (int r = 0; r < _d; r++)
                for (int j = 0; j < _k; j++)
                    if (s[j] != 0) res[r] -= _a[r * _k + j] * s[j];
            return res;
        }

        /// <summary>
        /// Coordinate descent on ||x - A s||^2 / (2 sigma^2) + mu ||s||_1 (s &gt;= 0 non-negative) from s, in place, unit
        /// <paramref name="skip"/> held at 0 (-1: none). Its optimum is only used through <see cref="DualLower"/>. Returns
        /// false, early, once the objective is at most <paramref name="giveUpAt"/> (the bound from the clamped unit's F_k
        /// would then be 1 or more: not worth the sweeps).
        /// </summary>
        public bool Lasso(double[] s, double mu, int skip, double giveUpAt = double.NegativeInfinity)
        {
            int k = _k;
            double[] g = Correlations(s); // a_j . (x - A s), kept up to date by each coordinate step
            double t = mu * _s2, tol = 1e-12 * model.Sigma * (1 + Math.Sqrt(_xx));
            for (int sweep = 0; sweep < MaxSweeps; sweep++)
            {
                double largest = 0;
                for (int j = 0; j < k; j++)
                {
                    double gjj = gram[j * k + j];
                    if (j == skip || !(gjj > 0)) continue;
                    double z = g[j] + gjj * s[j];
                    double next = z > t ? (z - t) / gjj : _signed && z < -t ? (z + t) / gjj : 0;
                    double step = next - s[j];
                    if (step == 0) continue;
                    s[j] = next;
                    for (int i = 0; i < k; i++) g[i] -= gram[i * k + j] * step;
                    largest = Math.Max(largest, Math.Abs(step) * Math.Sqrt(gjj));
                }
                if (largest <= tol) break;
                if (giveUpAt > double.NegativeInfinity)
                {
                    // ||x - A s||^2 = ||x||^2 - r . s - g . s (g = r - G s), r = A^T x = g + G s; only decides when to stop
                    double rs = 0, gs = 0, l1 = 0;
                    for (int j = 0; j < k; j++)
                    {
                        if (s[j] == 0) continue;
                        double rj = g[j];
                        for (int i = 0; i < k; i++) rj += gram[j * k + i] * s[i];
                        rs += rj * s[j]; gs += g[j] * s[j]; l1 += Math.Abs(s[j]);
                    }
                    if ((_xx - rs - gs) / (2 * _s2) + mu * l1 <= giveUpAt) return false;
                }
            }
            return true;
        }

        /// <summary>
        /// A certified lower bound on min over s (s_skip = 0) of ||x - A s||^2 / (2 sigma^2) + mu ||s||_1: the dual value
        /// of y = alpha (x - A s) with alpha cut to dual feasibility (the type's remarks).
        /// </summary>
        private double DualLower(double[] s, double mu, int skip)
        {
            int k = _k;
            double[] res = Residual(s);
            double xr = 0, rr = 0;
            for (int r = 0; r < _d; r++) { xr += x[r] * res[r]; rr += res[r] * res[r]; }
            double largest = 0;
            for (int j = 0; j < k; j++)
            {
                if (j == skip) continue;
                double dot = 0;
                for (int r = 0; r < _d; r++) dot += _a[r * k + j] * res[r];
                largest = Math.Max(largest, _signed ? Math.Abs(dot) : dot);
            }
            if (!(rr > 0)) return 0; // x = A s exactly: the trivial bound F >= 0
            double alpha = Math.Max(0, xr / rr);
            if (largest > 0) alpha = Math.Min(alpha, mu * _s2 / largest);
            return (alpha * xr - alpha * alpha * rr / 2) / _s2;
        }
    }

    /// <summary>
    /// The bound for one independent unit with data drive <paramref name="drive"/> = a_k . x / sigma^2 and curvature
    /// <paramref name="curvature"/> = ||a_k||^2 / sigma^2 (the type's remarks); +infinity below threshold.
    /// </summary>
    public static double ForUnit(Variant variant, double lambda, double pi, double drive, double curvature)
    {
        if (pi >= 1) return 0; // no zero state
        double beta = (variant == Variant.Signed ? Math.Abs(drive) : drive) - lambda;
        if (!(beta >= 0) || !(curvature > 0)) return double.PositiveInfinity;
        double c = variant == Variant.Signed ? pi * lambda / 2 : pi * lambda;
        double t = beta / Math.Sqrt(curvature);
        double phiLower = t > 0 ? Math.Max(0.5, 1 - Math.Exp(-t * t / 2) / (t * Math.Sqrt(2 * Math.PI))) : 0.5;
        double log = Math.Log(1 - pi) - Math.Log(c) - 0.5 * Math.Log(2 * Math.PI / curvature) - Math.Log(phiLower) - t * t / 2;
        return Math.Min(1, Math.Exp(log));
    }
}
