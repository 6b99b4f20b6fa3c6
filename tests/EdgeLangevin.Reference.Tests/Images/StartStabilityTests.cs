using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Tests.Images;

/// <summary>
/// ImageExperiment.CheckStartStable: a K whose random start dictionary is past the learning step's stability limit is
/// refused up front, naming K, the largest K that starts stably and the dt that would let this K start. The numbers
/// in the message are checked against lambda_max computed here by power iteration (not the code's eigen-solver).
/// </summary>
public sealed class StartStabilityTests
{
    private static readonly ImageExperimentSettings Settings = ImageExperimentSettings.Quick; // dt 1, tau_u 20, sigma 0.5: limit 40

    private static double LambdaMaxByPowerIteration(int d, int k, long seed)
    {
        double[] a = ImageExperiment.StartDictionary(d, k, seed).Data; // row-major d x k
        var v = Enumerable.Repeat(1.0, d).ToArray();
        double lambda = 0;
        for (int it = 0; it < 3000; it++)
        {
            var atv = new double[k];
            for (int r = 0; r < d; r++) for (int c = 0; c < k; c++) atv[c] += a[r * k + c] * v[r];
            var w = new double[d];
            for (int r = 0; r < d; r++) for (int c = 0; c < k; c++) w[r] += a[r * k + c] * atv[c];
            lambda = Math.Sqrt(w.Sum(x => x * x));
            for (int r = 0; r < d; r++) v[r] = w[r] / lambda;
        }
        return lambda;
    }

    [Fact]
    public void The_paper_overcompleteness_up_to_four_starts()
    {
        foreach (int r in new[] { 1, 2, 3, 4 }) ImageExperiment.CheckStartStable(64, 64 * r, Settings, seed: 1);
    }

    [Theory]
    [InlineData(320, 1)]
    [InlineData(512, 1)]
    [InlineData(512, 7)]
    public void A_k_past_the_limit_is_refused_naming_the_largest_stable_k_and_the_dt_that_would_start(int k, long seed)
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageExperiment.CheckStartStable(64, k, Settings, seed));
        Assert.StartsWith($"K = {k} (", e.Message);
        double sigma2 = Settings.Sigma * Settings.Sigma, eps = 1.0 / Settings.Inference.TauU;
        double curvature = LambdaMaxByPowerIteration(64, k, seed) / sigma2;
        Assert.True(curvature >= 2 / eps, $"curvature {curvature}: the case is not past the limit");
        // the stated dt limit is 2 sigma^2 / lambda_max * tau_u
        double dtLimit = 2 / curvature * Settings.Inference.TauU;
        Assert.Contains($"set inference.dt below {dtLimit.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} in --config", e.Message);
        // the stated largest stable K does start (checked by power iteration), and it is below k
        string tail = e.Message[(e.Message.IndexOf("up to K = ", StringComparison.Ordinal) + "up to K = ".Length)..];
        int stable = int.Parse(tail[..tail.IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(stable, 256, k - 1);
        Assert.True(LambdaMaxByPowerIteration(64, stable, seed) / sigma2 < 2 / eps);
        ImageExperiment.CheckStartStable(64, stable, Settings, seed);
    }
}
