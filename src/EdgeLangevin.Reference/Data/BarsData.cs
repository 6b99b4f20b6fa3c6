using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Data;

/// <summary>
/// The bars data of the paper: side x side images (8 x 8), K = 2 side unit-norm bars
/// (columns 0..side-1 horizontal, row r lit; side..2 side-1 vertical, column c lit), every
/// lit pixel 1/sqrt(side). A datum is x = A s + N(0, sigma^2 I) with s_k independently
/// 0 with probability 1 - pi and Exponential(lambda) otherwise (the spike-and-slab
/// prior the thresholded Laplacian induces, so the model is exactly right for these data).
/// </summary>
public sealed class BarsData : IDataSource
{
    public BarsData(int side = 8, double pi = 0.3, double lambda = 1.0, double sigma = 0.5)
    {
        if (side < 2) throw new ArgumentOutOfRangeException(nameof(side), "bars need a side of at least 2");
        if (!(pi > 0 && pi <= 1)) throw new ArgumentOutOfRangeException(nameof(pi), $"pi must be in (0, 1], got {pi}");
        if (!(lambda > 0)) throw new ArgumentOutOfRangeException(nameof(lambda));
        if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigma));
        Side = side;
        Pi = pi;
        Lambda = lambda;
        Sigma = sigma;
        TrueDictionary = Bars(side);
    }

    public int Side { get; }
    public double Pi { get; }
    public double Lambda { get; }
    public double Sigma { get; }
    public Matrix TrueDictionary { get; }

    public string Name => "bars";
    public int Dimension => Side * Side;
    public int K => 2 * Side;

    /// <summary>The true model the data come from (non-negative variant, since the coefficients are non-negative).</summary>
    public SparseCodingModel TrueModel(double? piModel = null) => new()
    {
        Variant = Variant.NonNegative,
        Lambda = Lambda,
        Pi = piModel ?? Pi,
        Sigma = Sigma,
        Dictionary = TrueDictionary.Clone(),
    };

    /// <summary>The 2 side bars as a D x K matrix (D = side^2), each column of unit norm.</summary>
    public static Matrix Bars(int side)
    {
        var a = new Matrix(side * side, 2 * side);
        double v = 1 / Math.Sqrt(side);
        for (int i = 0; i < side; i++)
            for (int j = 0; j < side; j++)
            {
                a[i * side + j, i] = v;          // horizontal bar i: row i of the image
                a[j * side + i, side + i] = v;   // vertical bar i: column i of the image
            }
        return a;
    }

    public void Draw(Rng rng, double[] destination, int offset) => Draw(rng, destination, offset, null, 0);

    /// <summary>Draws one datum and, when <paramref name="codes"/> is given, the true coefficients s (K of them at codesOffset).</summary>
    public void Draw(Rng rng, double[] destination, int offset, double[]? codes, int codesOffset)
    {
        int d = Dimension, k = K;
        for (int i = 0; i < d; i++) destination[offset + i] = Sigma * rng.NextGaussian();
        double[] a = TrueDictionary.Data;
        for (int j = 0; j < k; j++)
        {
            double s = rng.NextDouble() < Pi ? rng.NextExponential(Lambda) : 0.0;
            if (codes is not null) codes[codesOffset + j] = s;
            if (s == 0) continue;
            for (int i = 0; i < d; i++) destination[offset + i] += a[i * k + j] * s;
        }
    }
}
