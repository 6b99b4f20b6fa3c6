using System.Globalization;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>What to do to image patches before learning; the fitted result is a <see cref="Preprocessing"/>.</summary>
public sealed record PreprocessingOptions
{
    /// <summary>Side of the square patch in pixels.</summary>
    public int PatchSize { get; init; } = 8;

    /// <summary>Remove each patch's own mean (its DC component) before whitening.</summary>
    public bool MeanRemoval { get; init; } = true;

    /// <summary>"zca", "olshausen_field" (whole images, <see cref="OlshausenFieldWhitening"/>) or "none".</summary>
    public string Whitening { get; init; } = PatchPreprocessor.Zca;

    /// <summary>Olshausen-Field whitening only: the roll-off frequency f0 of R(f) = f exp(-(f / f0)^4), cycles per pixel (Nyquist is 0.5).</summary>
    public double F0 { get; init; } = OlshausenFieldWhitening.DefaultF0;

    /// <summary>
    /// ZCA regulariser epsilon as a fraction of the largest eigenvalue of the patch covariance:
    /// W = U diag(1 / sqrt(lambda_i + epsilon)) U^T. Directions with variance well below epsilon
    /// (the highest spatial frequencies, where 8-bit quantisation and resampling dominate) are
    /// attenuated instead of being blown up to unit variance. See <see cref="PatchPreprocessor"/>.
    /// On the shipped images the covariance spectrum spans 0.15 to 1.2e-4 (8-bit quantisation noise is
    /// 1.3e-6), so 1e-2 rolls off roughly the upper half of the 63 directions, like the 1/f filter's
    /// low-pass; with 1e-3 the learned atoms came out visibly noisier (same run, R = 1, 80000 steps).
    /// </summary>
    public double ZcaEpsilonRelative { get; init; } = 1e-2;

    /// <summary>Number of random patches the covariance (and the final scale) is estimated from.</summary>
    public int FitPatches { get; init; } = 20000;

    /// <summary>
    /// The root-mean-square value per pixel of the final data (over all patches and pixels).
    /// The model's sigma is stated relative to this: with 1 here, sigma = 0.5 means a noise
    /// variance a quarter of the data's per-pixel variance.
    /// </summary>
    public double TargetRms { get; init; } = 1.0;

    public void Validate()
    {
        if (PatchSize is < 2 or > 32) throw new ArgumentException($"patch size must be 2..32 pixels, got {PatchSize}");
        if (!PatchPreprocessor.Methods.Contains(Whitening))
            throw new ArgumentException($"whitening must be {PatchPreprocessor.MethodList}, got \"{Whitening}\"");
        if (!(F0 > 0 && F0 <= 1)) throw new ArgumentException($"f0 must be in (0, 1] cycles per pixel, got {F0}");
        if (!(ZcaEpsilonRelative > 0) || !double.IsFinite(ZcaEpsilonRelative)) throw new ArgumentException($"ZCA epsilon must be a positive fraction, got {ZcaEpsilonRelative}");
        if (FitPatches < 10 * PatchSize * PatchSize) throw new ArgumentException($"need at least 10 x D = {10 * PatchSize * PatchSize} patches to estimate a {PatchSize * PatchSize}-pixel covariance, got {FitPatches}");
        if (!(TargetRms > 0) || !double.IsFinite(TargetRms)) throw new ArgumentException($"target RMS must be positive, got {TargetRms}");
    }
}

/// <summary>
/// Fits the patch preprocessing on a set of images and applies it to raw patches.
/// <para>
/// The order, as stored in the model's <see cref="Preprocessing"/> and applied to any new patch:
/// <c>x = Scale * W * (p / PixelDivisor - mean(p / PixelDivisor))</c>, where the mean is removed only
/// when MeanRemoval is set and W is the identity when Whitening is "none".
/// </para>
/// <para>
/// Whitening is ZCA (W = U diag(1/sqrt(lambda + epsilon)) U^T from the second-moment matrix of the
/// mean-removed patches) rather than the 1/f filter of Olshausen and Field. Reasons: (1) ZCA acts
/// on one patch at a time, so a new patch is whitened by one D x D matrix-vector product that the
/// model file carries and a microcontroller can apply; the 1/f filter is defined on whole images
/// (a frequency-domain filter), and applied per patch it suffers from edge effects;
/// (2) the symmetric (zero-phase) form keeps whitened patches local, so the learned atoms stay
/// comparable to pixel space and can be drawn as images; (3) the regulariser epsilon plays the role
/// of the 1/f filter's low-pass roll-off: it stops the high-frequency directions, dominated by 8-bit
/// quantisation and by the resampling of the shipped images, from being amplified to unit variance.
/// epsilon is a fraction of the largest eigenvalue so that it does not depend on image contrast.
/// The second moment (not the covariance about a dataset mean) is used because a per-patch transform
/// has no place for an offset, and after mean removal the ensemble mean of every pixel is zero anyway
/// for stationary images.
/// </para>
/// <para>
/// The alternative "olshausen_field" is the authors' lab convention (Olshausen and Field 1997): whole images are
/// filtered by R(f) = f exp(-(f/f0)^4) and scaled to unit variance (<see cref="OlshausenFieldWhitening"/>), then
/// patches are cut, their mean removed (if set) and scaled as above; the pixel divisor is 1 (the whitened image has
/// unit variance) and there is no matrix. The model stores f0, and <see cref="ImagePatchSource"/> applies the same
/// whitening to the images of any later run, so new data are whitened exactly as the training data were. It is
/// defined on whole images only: a single new patch cannot be whitened on its own.
/// </para>
/// </summary>
public static class PatchPreprocessor
{
    public const string Zca = "zca";
    public const string None = "none";

    /// <summary>Every whitening method's name.</summary>
    public static readonly string[] Methods = [Zca, OlshausenFieldWhitening.Name, None];

    /// <summary>"\"zca\", \"olshausen_field\" or \"none\"", for messages.</summary>
    public static string MethodList => string.Join(", ", Methods.Take(Methods.Length - 1).Select(m => $"\"{m}\"")) + $" or \"{Methods[^1]}\"";

    /// <summary>Fits the transform on <see cref="PreprocessingOptions.FitPatches"/> random patches drawn with <paramref name="seed"/>.</summary>
    public static Preprocessing Fit(IReadOnlyList<GrayImage> images, PreprocessingOptions options, int seed)
    {
        options.Validate();
        if (images.Count == 0) throw new ArgumentException("no images to fit the preprocessing on");
        int d = options.PatchSize * options.PatchSize;
        bool wholeImages = options.Whitening == OlshausenFieldWhitening.Name;
        // Olshausen-Field: patches of the whitened (unit-variance) images, so no pixel divisor.
        var sampler = wholeImages
            ? new PatchSampler(OlshausenFieldWhitening.WhitenAll(images, options.F0), options.PatchSize, seed)
            : new PatchSampler(images, options.PatchSize, seed);
        double[] raw = sampler.NextMany(options.FitPatches);
        double divisor = wholeImages ? 1.0 : images[0].MaxValue;

        // Stage 1: divide and remove the mean; the whitening statistics are taken after it.
        var pre = new Preprocessing
        {
            PatchSize = options.PatchSize, MeanRemoval = options.MeanRemoval, Whitening = None,
            WhiteningMatrix = null, Scale = 1.0, PixelDivisor = divisor,
        };
        var x = new double[raw.Length];
        var transform = new PatchTransform(pre);
        for (int n = 0; n < options.FitPatches; n++) transform.Apply(raw.AsSpan(n * d, d), x.AsSpan(n * d, d));

        Matrix? w = null;
        var parameters = new Dictionary<string, double>
        {
            ["fit_patches"] = options.FitPatches,
            ["fit_seed"] = seed,
        };
        // Pixels are in units of full scale (1 / maxval per level): variance far below one level's is
        // round-off, and whitening or rescaling it would blow it up by ~1e15. Refuse, naming the images.
        double fitMeanSquare = 0;
        foreach (double v in x) fitMeanSquare += v * v;
        fitMeanSquare /= x.Length;
        double oneLevel = 1.0 / images[0].MaxValue;
        if (!wholeImages && !(fitMeanSquare > 1e-6 * oneLevel * oneLevel))
            throw new InvalidInputException(
                $"{string.Join(", ", images.Select(i => i.Source).Take(5))}{(images.Count > 5 ? $" and {images.Count - 5} more" : "")}: " +
                $"the {options.FitPatches} sampled {options.PatchSize}x{options.PatchSize} patches have no variation{(options.MeanRemoval ? " after mean removal" : "")} " +
                $"(mean square {fitMeanSquare.ToString("0.###e0", CultureInfo.InvariantCulture)} of full scale): the images cannot support the preprocessing; use images with texture");
        if (options.Whitening == Zca)
        {
            double[] c = SecondMoment(x, d);
            var (values, vectors) = SymmetricEigen.Decompose(c, d);
            double epsilon = options.ZcaEpsilonRelative * values[0];
            w = new Matrix(d, d);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < d; k++)
                        sum += vectors[i * d + k] * vectors[j * d + k] / Math.Sqrt(Math.Max(values[k], 0) + epsilon);
                    w[i, j] = sum;
                }
            parameters["epsilon_relative"] = options.ZcaEpsilonRelative;
            parameters["epsilon"] = epsilon;
            parameters["largest_eigenvalue"] = values[0];
            parameters["smallest_kept_eigenvalue"] = values[options.MeanRemoval ? d - 2 : d - 1];
            var white = new PatchTransform(pre with { Whitening = Zca, WhiteningMatrix = w });
            for (int n = 0; n < options.FitPatches; n++) white.Apply(raw.AsSpan(n * d, d), x.AsSpan(n * d, d));
        }
        if (wholeImages) parameters[OlshausenFieldWhitening.F0Key] = options.F0;

        double meanSquare = 0;
        foreach (double v in x) meanSquare += v * v;
        meanSquare /= x.Length;
        if (!(meanSquare > 0)) throw new ArgumentException("the image patches have no variance (blank images?)");
        return pre with
        {
            Whitening = options.Whitening,
            WhiteningMatrix = w,
            WhiteningParameters = parameters,
            Scale = options.TargetRms / Math.Sqrt(meanSquare),
        };
    }

    /// <summary>E[x x^T] of the rows of the count x d array <paramref name="x"/>, as a d x d row-major array.</summary>
    public static double[] SecondMoment(double[] x, int d)
    {
        int count = x.Length / d;
        var c = new double[d * d];
        for (int n = 0; n < count; n++)
        {
            int o = n * d;
            for (int i = 0; i < d; i++)
            {
                double xi = x[o + i];
                for (int j = i; j < d; j++) c[i * d + j] += xi * x[o + j];
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++)
            {
                c[i * d + j] /= count;
                c[j * d + i] = c[i * d + j];
            }
        return c;
    }

    /// <summary>A short human description, e.g. for a report.</summary>
    public static string Describe(Preprocessing p)
    {
        var inv = CultureInfo.InvariantCulture;
        string white = p.Whitening == Zca && p.WhiteningParameters.TryGetValue("epsilon_relative", out double e)
            ? string.Format(inv, "ZCA whitening (epsilon = {0:G3} x largest eigenvalue)", e)
            : p.Whitening == OlshausenFieldWhitening.Name && p.WhiteningParameters.TryGetValue(OlshausenFieldWhitening.F0Key, out double f0)
            ? string.Format(inv, "Olshausen-Field whitening of whole images (R(f) = f exp(-(f/f0)^4), f0 = {0:G3} cycles/pixel, unit variance)", f0)
            : p.Whitening == None ? "no whitening" : p.Whitening;
        return string.Format(inv, "{0}x{0} patches, pixels / {1}, {2}, {3}, scale {4:G4}",
            p.PatchSize, p.PixelDivisor, p.MeanRemoval ? "per-patch mean removed" : "mean kept", white, p.Scale);
    }
}

/// <summary>
/// Applies a stored <see cref="Preprocessing"/> to raw patches (the same code for fitting, learning
/// and new data). Owns a scratch buffer: one instance per thread.
/// </summary>
public sealed class PatchTransform
{
    private readonly Preprocessing _p;
    private readonly double[] _scratch;

    public PatchTransform(Preprocessing preprocessing)
    {
        _p = preprocessing;
        D = preprocessing.PatchSize * preprocessing.PatchSize;
        if (preprocessing.WhiteningMatrix is { } w && (w.Rows != D || w.Cols != D))
            throw new ArgumentException($"whitening matrix is {w.Rows}x{w.Cols}, expected {D}x{D} for {preprocessing.PatchSize}x{preprocessing.PatchSize} patches");
        if (preprocessing.Whitening == PatchPreprocessor.Zca && preprocessing.WhiteningMatrix is null)
            throw new ArgumentException("whitening is \"zca\" but no whitening matrix is given");
        if (!PatchPreprocessor.Methods.Contains(preprocessing.Whitening))
            throw new ArgumentException($"unknown whitening \"{preprocessing.Whitening}\" (expected {PatchPreprocessor.MethodList})");
        if (preprocessing.Whitening == OlshausenFieldWhitening.Name)
        {
            if (preprocessing.WhiteningMatrix is not null) throw new ArgumentException("Olshausen-Field whitening acts on whole images: a whitening matrix is not expected");
            F0(preprocessing);
        }
        if (!(preprocessing.PixelDivisor > 0)) throw new ArgumentException($"pixel divisor must be positive, got {preprocessing.PixelDivisor}");
        _scratch = new double[D];
    }

    public int D { get; }

    /// <summary>The stored f0 of Olshausen-Field whitening (whitening_parameters.f0_cycles_per_pixel), checked.</summary>
    public static double F0(Preprocessing p) =>
        p.WhiteningParameters.TryGetValue(OlshausenFieldWhitening.F0Key, out double f0) && f0 > 0 && f0 <= 1 ? f0
        : throw new ArgumentException($"Olshausen-Field whitening needs whitening_parameters.{OlshausenFieldWhitening.F0Key} in (0, 1] cycles per pixel");

    /// <summary>x = Scale * W * (raw / PixelDivisor - mean), as documented on <see cref="PatchPreprocessor"/>.</summary>
    public void Apply(ReadOnlySpan<double> raw, Span<double> x)
    {
        if (raw.Length != D || x.Length != D) throw new ArgumentException($"patches must have {D} pixels, got {raw.Length} in and {x.Length} out");
        double mean = 0;
        for (int i = 0; i < D; i++)
        {
            _scratch[i] = raw[i] / _p.PixelDivisor;
            mean += _scratch[i];
        }
        mean = _p.MeanRemoval ? mean / D : 0;
        for (int i = 0; i < D; i++) _scratch[i] -= mean;
        if (_p.WhiteningMatrix is { } w)
        {
            double[] wd = w.Data;
            for (int i = 0; i < D; i++)
            {
                double sum = 0;
                int o = i * D;
                for (int j = 0; j < D; j++) sum += wd[o + j] * _scratch[j];
                x[i] = _p.Scale * sum;
            }
        }
        else
        {
            for (int i = 0; i < D; i++) x[i] = _p.Scale * _scratch[i];
        }
    }
}
