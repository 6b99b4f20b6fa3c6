using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// An upper bound on P(s_k = 0 | x), the zero state's posterior mass, for a unit whose atom is orthogonal to every other
/// atom; +infinity (no bound) for any other unit. Used where the error bars otherwise assume that a zero state never
/// seen might still hold an escape time's share of the run (<see cref="PosteriorAccumulator"/>'s remarks, "Rare switches"
/// and "Stays") or a step's bias (<see cref="StepBias"/>): a unit far above its threshold never enters its zero state,
/// and those assumptions gave its E[s] an error bar above the posterior's own spread (main 8958d54, a = 1, sigma 0.3,
/// x = 40, posterior std 0.3: 0.44 first order, 0.20 second order, 0.18 MALA; ZeroMassBoundTests).
/// Not covered: the bars model (its horizontal and vertical bars share a pixel, so no bar is orthogonal to the others),
/// whose x = 40 bar 0 still reports E[s_0] 112.83 +- 1.24 for a posterior std of 0.5.
/// <para>
/// Derivation. If a_k is orthogonal to every other atom, ||x - A s||^2 = ||x_perp - A_rest s_rest||^2 + ||x_k - a_k s_k||^2
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
/// Why orthogonal atoms only: for a unit correlated with another atom the same quantity, taken from the unit's own
/// posterior mean and standard deviation, is no bound at all. Against exact K = 2 posteriors
/// (bench/posterior-sweep/zerobound_check.py, a direct quadrature over s) it was, even doubled, below the exact zero mass
/// in 360 of 640 correlated cases, in every correlated geometry tried (cosine 0.7, 0.9, -0.95, parallel atoms,
/// K = 2 &gt; D = 1), by up to 16 orders of magnitude, and in none of the 183 K = 1 and orthogonal ones: at D = 1, atoms 1 and 0.5, sigma 0.3,
/// pi 0.05, x = 4, unit 0's active state sits 9.4 standard deviations from 0 yet its zero state holds 0.038, the mass of
/// the other mode where atom 1 explains x alone. A chain that never visited that mode cannot see it in its own samples.
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
    public static double[][] ForInputs(SparseCodingModel model, double[][] inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        int d = model.D, k = model.K;
        double[] a = model.Dictionary.Data;
        var norm2 = new double[k];
        var independent = new bool[k];
        for (int j = 0; j < k; j++)
            for (int r = 0; r < d; r++) norm2[j] += a[r * k + j] * a[r * k + j];
        for (int j = 0; j < k; j++)
        {
            independent[j] = norm2[j] > 0;
            for (int other = 0; other < k && independent[j]; other++)
            {
                if (other == j) continue;
                double dot = 0;
                for (int r = 0; r < d; r++) dot += a[r * k + j] * a[r * k + other];
                if (Math.Abs(dot) > OrthogonalTolerance * Math.Sqrt(norm2[j] * norm2[other])) independent[j] = false;
            }
        }
        double s2 = model.Sigma * model.Sigma;
        var result = new double[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            result[i] = new double[k];
            for (int j = 0; j < k; j++)
            {
                if (!independent[j]) { result[i][j] = double.PositiveInfinity; continue; }
                double dot = 0;
                for (int r = 0; r < d; r++) dot += a[r * k + j] * inputs[i][r];
                result[i][j] = ForUnit(model.Variant, model.Lambda, model.Pi, dot / s2, norm2[j] / s2);
            }
        }
        return result;
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
