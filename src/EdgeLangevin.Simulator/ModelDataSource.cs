using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Data drawn from a model itself: s_k = 0 with probability 1 - pi, else Exponential(lambda)
/// (with a random sign for the signed variant), x = A s + N(0, sigma^2 I). For comparing
/// engines on a user's model when no data come with it.
/// </summary>
public sealed class ModelDataSource(SparseCodingModel model) : IDataSource
{
    public string Name => "model";
    public int Dimension => model.D;

    public void Draw(Rng rng, double[] destination, int offset)
    {
        int d = model.D, k = model.K;
        double[] a = model.Dictionary.Data;
        for (int i = 0; i < d; i++) destination[offset + i] = model.Sigma * rng.NextGaussian();
        for (int j = 0; j < k; j++)
        {
            if (rng.NextDouble() >= model.Pi) continue;
            double s = rng.NextExponential(model.Lambda);
            if (model.Variant == Variant.Signed && rng.NextDouble() < 0.5) s = -s;
            for (int i = 0; i < d; i++) destination[offset + i] += a[i * k + j] * s;
        }
    }
}
