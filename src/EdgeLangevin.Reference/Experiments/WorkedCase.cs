using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Experiments;

/// <summary>
/// The worked case of shared/MODEL.md (one unit, a = 1, x = 1.2, sigma = 0.5, lambda = 1, pi = 0.3):
/// Langevin samples of s beside the exact grid posterior, for a figure.
/// </summary>
public static class WorkedCase
{
    public const double X = 1.2;

    public static SparseCodingModel Model(Variant variant) =>
        new() { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(1, 1, [1.0]) };

    /// <summary>
    /// Samples of s from 200 first-order chains at eps = 0.005 (dt = 0.1; see the exact-posterior tests
    /// for the step-size bias), one sample every 20 steps after 10000 steps of burn-in; and the exact
    /// posterior. The exact density is cut where it falls below 1e-4 of its peak, for plotting.
    /// </summary>
    public static (double[] Samples, double[] Grid, double[] ExactDensity, double ExactPZero) Run(Variant variant, long seed, int samplesPerChain = 400)
    {
        var model = Model(variant);
        var settings = new InferenceSettings { Dt = 0.1 };
        const int chains = 200, thin = 20, burnIn = 10_000;
        var batch = new ChainBatch(model, settings, chains, seed);
        for (int b = 0; b < chains; b++) batch.SetInput(b, [X]);
        for (int t = 0; t < burnIn; t++) batch.Step();
        var samples = new double[chains * samplesPerChain];
        var one = new double[1];
        for (int n = 0; n < samplesPerChain; n++)
        {
            for (int t = 0; t < thin; t++) batch.Step();
            for (int b = 0; b < chains; b++)
            {
                batch.CurrentCodes(b, one, 0);
                samples[n * chains + b] = one[0];
            }
        }
        var exact = new ExactPosterior(model, [X]);
        var (grid, density) = exact.MarginalDensity(0);
        double peak = density.Max();
        var keep = Enumerable.Range(0, grid.Length).Where(i => density[i] > 1e-4 * peak).ToArray();
        return (samples, keep.Select(i => grid[i]).ToArray(), keep.Select(i => density[i]).ToArray(), exact.PZero[0]);
    }
}
