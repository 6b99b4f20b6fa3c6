using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests;

public class MetricsTests
{
    [Fact]
    public void Hungarian_finds_the_optimal_assignment_where_greedy_does_not()
    {
        // Greedy takes (0,0) = 1 first and then must pay 10 for (1,1): total 11. Optimal: (0,1) + (1,0) = 2 + 2 = 4.
        double[,] cost = { { 1, 2 }, { 2, 10 } };
        Assert.Equal([1, 0], Hungarian.Solve(cost));
    }

    [Fact]
    public void Hungarian_matches_brute_force_on_random_matrices()
    {
        var rng = new Rng(9);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = 1 + rng.NextInt(5), m = n + rng.NextInt(2);
            var c = new double[n, m];
            for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) c[i, j] = rng.NextDouble();
            int[] a = Hungarian.Solve(c);
            Assert.Equal(n, a.Distinct().Count());
            double best = BruteForce(c, 0, new bool[m]);
            Assert.Equal(best, Enumerable.Range(0, n).Sum(i => c[i, a[i]]), 1e-12);
        }
    }

    private static double BruteForce(double[,] c, int row, bool[] used)
    {
        if (row == c.GetLength(0)) return 0;
        double best = double.PositiveInfinity;
        for (int j = 0; j < c.GetLength(1); j++)
        {
            if (used[j]) continue;
            used[j] = true;
            best = Math.Min(best, c[row, j] + BruteForce(c, row + 1, used));
            used[j] = false;
        }
        return best;
    }

    [Fact]
    public void A_permuted_and_rescaled_dictionary_has_cosine_one()
    {
        Matrix truth = BarsData.Bars(8);
        var learned = new Matrix(64, 16);
        int[] perm = Enumerable.Range(0, 16).Select(k => (k * 5 + 3) % 16).ToArray();
        for (int d = 0; d < 64; d++) for (int k = 0; k < 16; k++) learned[d, perm[k]] = 2.5 * truth[d, k];
        Assert.Equal(1.0, DictionaryMetrics.MatchedCosine(learned, truth, ignoreSign: false, out int[] a, out _), 12);
        Assert.Equal(perm, a);
    }

    [Fact]
    public void A_negated_atom_counts_only_when_sign_is_ignored()
    {
        Matrix truth = BarsData.Bars(8);
        Matrix learned = truth.Clone();
        for (int d = 0; d < 64; d++) learned[d, 0] = -learned[d, 0];
        Assert.Equal(1.0, DictionaryMetrics.MatchedCosine(learned, truth, ignoreSign: true), 12);
        Assert.True(DictionaryMetrics.MatchedCosine(learned, truth, ignoreSign: false) < 0.95);
    }

    [Fact]
    public void KL_of_a_histogram_with_the_exact_bin_probabilities_is_zero()
    {
        int bins = CodeStatistics.BinCount;
        var hist = new long[bins + 1];
        double w = CodeStatistics.BinWidth;
        const double N = 1e12;
        for (int i = 0; i < bins; i++) hist[i] = (long)Math.Round(N * (Math.Exp(-i * w) - Math.Exp(-(i + 1) * w)));
        hist[bins] = (long)Math.Round(N * Math.Exp(-bins * w));
        Assert.Equal(0.0, Kl.NonZeroVsExponential(hist, w, 1.0), 9);
    }

    [Fact]
    public void KL_of_exponential_samples_is_near_zero_and_of_a_wrong_rate_is_the_analytic_value()
    {
        var rng = new Rng(2);
        var right = new CodeStatistics(1);
        var wrong = new CodeStatistics(1);
        var one = new double[1];
        for (int i = 0; i < 400_000; i++)
        {
            one[0] = rng.NextExponential(1.0);
            right.Add(one, 1);
            one[0] = rng.NextExponential(2.0);
            wrong.Add(one, 1);
        }
        // Histogram bias (bins - 1) / (2 N) = 60 / 8e5 ~ 7.5e-5; sampling noise of the same order.
        Assert.InRange(right.KlNonZero(1.0), 0, 5e-4);
        // The binned KL(Exp(2) || Exp(1)) computed from the bin probabilities (below the continuous ln 2 - 1/2 = 0.193).
        double w = CodeStatistics.BinWidth, exact = 0;
        for (int i = 0; i <= CodeStatistics.BinCount; i++)
        {
            bool last = i == CodeStatistics.BinCount;
            double p = last ? Math.Exp(-2 * i * w) : Math.Exp(-2 * i * w) - Math.Exp(-2 * (i + 1) * w);
            double q = last ? Math.Exp(-i * w) : Math.Exp(-i * w) - Math.Exp(-(i + 1) * w);
            exact += p * Math.Log(p / q);
        }
        Assert.InRange(exact, 0.18, 0.1932);
        // Plug-in estimate: SE = sqrt(Var[ln(p/q)] / N) ~ sqrt(Var[s] / N) = sqrt(0.25 / 4e5) = 7.9e-4; 4 SE plus the bias 7.5e-5.
        Assert.InRange(wrong.KlNonZero(1.0), exact - 0.0032, exact + 0.0033);
    }
}
