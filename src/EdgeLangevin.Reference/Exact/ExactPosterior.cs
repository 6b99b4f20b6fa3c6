using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Exact;

/// <summary>
/// The exact posterior of a K = 1 or K = 2 model given one input, by integrating
/// exp(-E(u)) over u on a grid (shared/MODEL.md, E(u) = ||x - A h(u)||^2 / (2 sigma^2) + lambda sum |u_k|).
/// <para>
/// Each axis is cut at -L, -u0, 0, u0, L, where the integrand has kinks (the threshold and
/// |u|); on each piece it is smooth and composite Simpson's rule with
/// <see cref="PointsPerPiece"/> intervals is used, so the error falls as h^4. L = u0 + a
/// half-width that leaves less than e^-40 of the mass outside (see <see cref="HalfWidth"/>).
/// P(s_k = 0 | x) is the mass of |u_k| &lt;= u0; E[s_k | x] and E[s_k^2 | x] are integrals of h(u).
/// </para>
/// </summary>
public sealed class ExactPosterior
{
    public const int DefaultPointsPerPiece = 400;

    private readonly double[] _nodes;
    private readonly bool[] _inside;
    private readonly double[] _logWeights;
    private readonly double[][] _marginalU;

    public ExactPosterior(SparseCodingModel model, double[] x, int pointsPerPiece = DefaultPointsPerPiece)
    {
        model.Validate();
        if (model.K is < 1 or > 2) throw new ArgumentException($"the grid posterior handles K = 1 or 2, got K = {model.K}");
        if (x.Length != model.D) throw new ArgumentException($"x has {x.Length} numbers, the dictionary {model.D} rows");
        if (pointsPerPiece < 2 || pointsPerPiece % 2 != 0) throw new ArgumentException("points per piece must be even and >= 2");
        Model = model;
        PointsPerPiece = pointsPerPiece;
        int k = model.K, dim = model.D;
        double u0 = model.U0, lambda = model.Lambda, s2 = model.Sigma * model.Sigma;
        double L = u0 + HalfWidth(model, x);
        (_nodes, double[] w, _inside) = AxisRule(u0, Math.Min(L, u0 + Reach(model, x)), L, pointsPerPiece);
        _logWeights = w.Select(v => Math.Log(v)).ToArray();
        int n = _nodes.Length;
        var h = new double[n];
        for (int i = 0; i < n; i++) h[i] = H(model.Variant, _nodes[i], u0);
        double[] a = model.Dictionary.Data;

        double LogDensity(double s0, double s1, double u0Abs)
        {
            double e = 0;
            for (int d = 0; d < dim; d++)
            {
                double r = x[d] - a[d * k] * s0 - (k == 2 ? a[d * k + 1] * s1 : 0);
                e += r * r;
            }
            return -e / (2 * s2) - lambda * u0Abs;
        }

        // log of (weight x density) on the grid, then normalised with the largest term factored out.
        int total = k == 1 ? n : n * n;
        var logf = new double[total];
        double max = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            if (k == 1)
            {
                logf[i] = _logWeights[i] + LogDensity(h[i], 0, Math.Abs(_nodes[i]));
                max = Math.Max(max, logf[i]);
                continue;
            }
            for (int j = 0; j < n; j++)
            {
                double v = _logWeights[i] + _logWeights[j] + LogDensity(h[i], h[j], Math.Abs(_nodes[i]) + Math.Abs(_nodes[j]));
                logf[i * n + j] = v;
                if (v > max) max = v;
            }
        }
        double z = 0;
        var f = new double[total];
        for (int i = 0; i < total; i++) { f[i] = Math.Exp(logf[i] - max); z += f[i]; }

        PZero = new double[k];
        Mean = new double[k];
        SecondMoment = new double[k];
        _marginalU = new double[k][];
        for (int c = 0; c < k; c++) _marginalU[c] = new double[n];
        for (int i = 0; i < total; i++)
        {
            double p = f[i] / z;
            int i0 = k == 1 ? i : i / n;
            int i1 = k == 1 ? 0 : i % n;
            Accumulate(0, i0, p);
            if (k == 2) Accumulate(1, i1, p);
        }

        void Accumulate(int c, int node, double p)
        {
            if (_inside[node]) PZero[c] += p;
            Mean[c] += p * h[node];
            SecondMoment[c] += p * h[node] * h[node];
            _marginalU[c][node] += p;
        }
    }

    public SparseCodingModel Model { get; }
    public int PointsPerPiece { get; }
    /// <summary>P(s_k = 0 | x).</summary>
    public double[] PZero { get; }
    /// <summary>P(s_k != 0 | x).</summary>
    public double[] PActive => PZero.Select(p => 1 - p).ToArray();
    /// <summary>E[s_k | x].</summary>
    public double[] Mean { get; }
    /// <summary>E[s_k^2 | x].</summary>
    public double[] SecondMoment { get; }
    /// <summary>Standard deviation of s_k given x.</summary>
    public double[] Std => Mean.Select((m, i) => Math.Sqrt(Math.Max(0, SecondMoment[i] - m * m))).ToArray();

    /// <summary>
    /// The continuous part of the marginal of s_k given x, for plots: points (s, density)
    /// with density integrating to P(s_k != 0 | x) (the rest is the point mass at 0).
    /// </summary>
    public (double[] S, double[] Density) MarginalDensity(int unit)
    {
        double u0 = Model.U0;
        int n = _nodes.Length;
        var s = new List<double>();
        var density = new List<double>();
        // mass / weight = density of u at the node (the weight is the node's share of the axis).
        double Dens(int i) => _marginalU[unit][i] / Math.Exp(_logWeights[i]);
        for (int i = 0; i < n; i++)
        {
            if (_inside[i]) continue;
            double u = _nodes[i];
            if (Model.Variant == Variant.NonNegative)
            {
                // The axis rule is symmetric, node i mirrors node n-1-i: both tails give the same s = |u| - u0.
                if (u < 0) continue;
                s.Add(u - u0);
                density.Add(Dens(i) + Dens(n - 1 - i));
            }
            else
            {
                // The outer copy of a cut node at |u| = u0 carries the limit s -> 0 from its side; keep
                // the two sides apart (-epsilon sorts just below +0).
                double v = H(Model.Variant, u, u0);
                s.Add(v == 0 && u < 0 ? -double.Epsilon : v);
                density.Add(Dens(i));
            }
        }
        return (s.ToArray(), density.ToArray());
    }

    /// <summary>s = h(u) for the variant.</summary>
    public static double H(Variant variant, double u, double u0)
    {
        double a = Math.Abs(u) - u0;
        if (a <= 0) return 0;
        return variant == Variant.Signed && u < 0 ? -a : a;
    }

    /// <summary>
    /// How far beyond u0 the grid reaches. Beyond the likelihood's plausible range
    /// (K (||x|| + 12 sigma) / min |a_k|: any mean of s plus twelve Gaussian widths) the
    /// posterior falls at least as fast as the prior's e^(-lambda s), so another 40 / lambda
    /// leaves less than e^-40 of the mass outside.
    /// </summary>
    public static double HalfWidth(SparseCodingModel model, double[] x) => Reach(model, x) + 40 / model.Lambda;

    /// <summary>
    /// The likelihood's plausible range of s beyond u0, K (||x|| + 12 sigma) / min |a_k|; the grid
    /// is cut there too so that most nodes sit where the posterior has its shape.
    /// </summary>
    public static double Reach(SparseCodingModel model, double[] x)
    {
        double xn = Math.Sqrt(x.Sum(v => v * v));
        double minNorm = double.PositiveInfinity;
        for (int c = 0; c < model.K; c++) minNorm = Math.Min(minNorm, model.Dictionary.ColumnNorm(c));
        if (minNorm == 0) return 0;
        return model.K * (xn + 12 * model.Sigma) / minNorm;
    }

    /// <summary>
    /// Simpson nodes and weights on [-L, L] cut at -u0, 0, u0. A cut point appears once per
    /// piece it ends (each copy with its own piece's weight) so that the mass of the pieces
    /// inside |u| &lt;= u0 is exactly their own integral; Inside marks those nodes.
    /// </summary>
    private static (double[] Nodes, double[] Weights, bool[] Inside) AxisRule(double u0, double near, double l, int n)
    {
        var cuts = new List<double> { -l };
        if (near < l) cuts.Add(-near);
        if (u0 > 0) cuts.Add(-u0);
        cuts.Add(0);
        if (u0 > 0) cuts.Add(u0);
        if (near < l) cuts.Add(near);
        cuts.Add(l);
        var nodes = new List<double>();
        var weights = new List<double>();
        var inside = new List<bool>();
        for (int p = 0; p + 1 < cuts.Count; p++)
        {
            double a = cuts[p], b = cuts[p + 1], step = (b - a) / n;
            bool zeroPiece = Math.Max(Math.Abs(a), Math.Abs(b)) <= u0;
            for (int i = 0; i <= n; i++)
            {
                nodes.Add(i == n ? b : a + i * step);
                weights.Add(step / 3 * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2));
                inside.Add(zeroPiece);
            }
        }
        return (nodes.ToArray(), weights.ToArray(), inside.ToArray());
    }
}
