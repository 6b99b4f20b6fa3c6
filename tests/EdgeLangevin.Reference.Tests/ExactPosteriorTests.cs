using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Tests;

public class ExactPosteriorTests
{
    private static SparseCodingModel OneUnit(Variant v, double a = 1, double pi = 0.3) =>
        new() { Variant = v, Lambda = 1, Pi = pi, Sigma = 0.5, Dictionary = new Matrix(1, 1, [a]) };

    /// <summary>erf by its Taylor series (independent of the grid integrator; accurate to ~1e-13 for |z| &lt; 4).</summary>
    private static double Erf(double z)
    {
        double sum = 0, term = z;
        for (int n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static double Phi(double z) => 0.5 * (1 + Erf(z / Math.Sqrt(2)));

    /// <summary>
    /// Closed form for K = 1, a = 1: the zero region gives e^(-x^2/2 sigma^2) 2 (1 - e^(-lambda u0)) / lambda; each
    /// tail |u| > u0 is a Gaussian in s times e^(-lambda s), integrated by completing the square.
    /// </summary>
    private static (double PZero, double Mean) ClosedForm(Variant v, double x, double sigma, double lambda, double pi)
    {
        double u0 = -Math.Log(pi) / lambda, s2 = sigma * sigma, c = sigma * Math.Sqrt(2 * Math.PI);
        double phi(double z) => Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);
        double zero = Math.Exp(-x * x / (2 * s2)) * 2 * (1 - Math.Exp(-lambda * u0)) / lambda;
        double mp = x - lambda * s2, mn = x + lambda * s2;
        double kp = Math.Exp(-lambda * u0) * Math.Exp(-lambda * x + lambda * lambda * s2 / 2) * c;
        double kn = Math.Exp(-lambda * u0) * Math.Exp(lambda * x + lambda * lambda * s2 / 2) * c;
        double pos = kp * Phi(mp / sigma), posMean = kp * (mp * Phi(mp / sigma) + sigma * phi(mp / sigma));
        if (v == Variant.NonNegative)
        {
            // u < -u0 gives the same s = |u| - u0 > 0 with the same density as u > u0.
            double z2 = zero + 2 * pos;
            return (zero / z2, 2 * posMean / z2);
        }
        double neg = kn * Phi(-mn / sigma), negMean = kn * (mn * Phi(-mn / sigma) - sigma * phi(mn / sigma));
        double z = zero + pos + neg;
        return (zero / z, (posMean + negMean) / z);
    }

    [Theory]
    [InlineData(Variant.Signed, 0.382, 0.594)]
    [InlineData(Variant.NonNegative, 0.240, 0.748)]
    public void Grid_reproduces_the_worked_case_of_MODEL_md(Variant v, double pZero, double mean)
    {
        var post = new ExactPosterior(OneUnit(v), [1.2]);
        // MODEL.md gives three decimals: agreement to rounding (half a unit in the last place).
        Assert.InRange(post.PZero[0], pZero - 0.0005, pZero + 0.0005);
        Assert.InRange(post.Mean[0], mean - 0.0005, mean + 0.0005);
    }

    [Theory]
    [InlineData(Variant.Signed, 1.2, 0.3)]
    [InlineData(Variant.NonNegative, 1.2, 0.3)]
    [InlineData(Variant.Signed, -0.7, 0.1)]
    [InlineData(Variant.NonNegative, 2.5, 0.6)]
    [InlineData(Variant.Signed, 0.4, 1.0)]
    public void Grid_agrees_with_the_closed_form_for_one_unit(Variant v, double x, double pi)
    {
        var post = new ExactPosterior(OneUnit(v, pi: pi), [x]);
        var (pz, mean) = ClosedForm(v, x, 0.5, 1, pi);
        // Simpson with 400 intervals per piece: error far below 1e-5 (measured ~1e-6); the bound leaves room for none of the MC tests' noise.
        Assert.Equal(pz, post.PZero[0], 1e-5);
        Assert.Equal(mean, post.Mean[0], 1e-5);
    }

    [Fact]
    public void Two_orthogonal_units_factorise_into_two_one_unit_posteriors()
    {
        // A = [[1, 0], [0, 2]]: the likelihood separates, so the 2-D grid must equal two 1-D grids.
        var two = new SparseCodingModel { Variant = Variant.NonNegative, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(2, 2, [1, 0, 0, 2]) };
        var post = new ExactPosterior(two, [1.2, 0.9]);
        var a = new ExactPosterior(OneUnit(Variant.NonNegative), [1.2]);
        var b = new ExactPosterior(OneUnit(Variant.NonNegative, a: 2), [0.9]);
        // The grids differ (the 2-D one reaches further); each is within 1e-5 of the truth (closed-form test), so 2e-5.
        Assert.Equal(a.PZero[0], post.PZero[0], 2e-5);
        Assert.Equal(b.PZero[0], post.PZero[1], 2e-5);
        Assert.Equal(a.Mean[0], post.Mean[0], 2e-5);
        Assert.Equal(b.Mean[0], post.Mean[1], 2e-5);
    }

    [Theory]
    [InlineData(Variant.Signed)]
    [InlineData(Variant.NonNegative)]
    public void Marginal_density_integrates_to_the_active_probability(Variant v)
    {
        var post = new ExactPosterior(OneUnit(v), [1.2]);
        var (s, dens) = post.MarginalDensity(0);
        double integral = 0;
        for (int i = 1; i < s.Length; i++)
            if ((s[i] >= 0) == (s[i - 1] >= 0)) integral += 0.5 * (dens[i] + dens[i - 1]) * (s[i] - s[i - 1]);
        // Trapezoid over the grid nodes: the rule's error at this spacing is below 1e-3.
        Assert.Equal(1 - post.PZero[0], integral, 1e-3);
    }

    [Fact]
    public void Non_negative_marginal_density_is_smooth_where_the_posterior_is()
    {
        // Both tails of u map to the same s; a density that keeps only one tail at some nodes zigzags.
        var (s, dens) = new ExactPosterior(OneUnit(Variant.NonNegative), [1.2]).MarginalDensity(0);
        for (int i = 1; i + 1 < s.Length && s[i + 1] < 2.0; i++)
        {
            double mid = 0.5 * (dens[i - 1] + dens[i + 1]);
            Assert.True(Math.Abs(dens[i] - mid) < 0.01, $"density at s = {s[i]}: {dens[i]} vs neighbours' mean {mid}");
        }
    }
}
