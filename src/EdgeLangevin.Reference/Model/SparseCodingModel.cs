namespace EdgeLangevin.Reference.Model;

/// <summary>
/// A thresholded-Laplacian sparse coding model (shared/MODEL.md): x = A s + N(0, sigma^2 I),
/// s = h(u), u_k ~ Laplace(lambda), threshold u0 = -ln(pi) / lambda.
/// </summary>
public sealed record SparseCodingModel
{
    public required Variant Variant { get; init; }
    /// <summary>Rate of the Laplacian prior on u (and of the exponential slab on s).</summary>
    public required double Lambda { get; init; }
    /// <summary>P(s_k != 0) under the prior; 1 is plain L1 sparse coding.</summary>
    public required double Pi { get; init; }
    /// <summary>Standard deviation of the Gaussian observation noise.</summary>
    public required double Sigma { get; init; }
    /// <summary>The dictionary A, D rows by K columns.</summary>
    public required Matrix Dictionary { get; init; }
    /// <summary>Present when the model was learned from image patches.</summary>
    public Preprocessing? Preprocessing { get; init; }

    public int D => Dictionary.Rows;
    public int K => Dictionary.Cols;

    /// <summary>The threshold u0 = -ln(pi) / lambda (0 when pi = 1).</summary>
    public double U0 => -Math.Log(Pi) / Lambda;

    /// <summary>pi = exp(-lambda u0), the inverse of <see cref="U0"/>.</summary>
    public static double PiFromU0(double u0, double lambda) => Math.Exp(-lambda * u0);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range.</summary>
    public void Validate()
    {
        if (!(Lambda > 0) || double.IsInfinity(Lambda)) throw new ArgumentException($"lambda must be a positive finite number, got {Lambda}");
        if (!(Pi > 0 && Pi <= 1)) throw new ArgumentException($"pi must be in (0, 1], got {Pi}");
        if (!(Sigma > 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be a positive finite number, got {Sigma}");
        foreach (double a in Dictionary.Data)
            if (!double.IsFinite(a)) throw new ArgumentException("dictionary contains a non-finite number (NaN or infinity)");
    }
}
