using System.Runtime.CompilerServices;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>A real-valued image (row-major, pixel (row, col) at Samples[row * Width + col]) that patches are cut from.</summary>
public sealed record ImagePlane(int Width, int Height, double[] Samples, string Source);

/// <summary>
/// Olshausen and Field (1997) whitening of whole images: the spectrum is multiplied by R(f) = f exp(-(f / f0)^4),
/// f = sqrt(fx^2 + fy^2) the radial spatial frequency in cycles per pixel. The f factor flattens the roughly 1/f
/// amplitude spectrum of natural images; the exp(-(f/f0)^4) factor rolls off the highest frequencies, where
/// aliasing, quantisation and resampling noise would otherwise be amplified. Then the image is scaled to unit variance.
/// f0 = 0.4 cycles per pixel is the value of the authors' code (f0 = 0.4 N cycles per picture of N pixels, i.e.
/// 200 cycles per picture on their 512 x 512 images).
/// <para>
/// Edges: the transform treats the image as periodic, and an image's opposite borders do not match, so the wrap-around
/// would be a sharp edge that R(f) amplifies into a bright frame. The image is therefore reflected into a 2W x 2H
/// periodic image (the even extension, a discrete cosine transform in effect) before filtering, and the W x H original
/// region is kept. A product of DCT-II basis functions cos(pi kx (x + 1/2) / W) cos(pi ky (y + 1/2) / H) is then an
/// exact eigenfunction, scaled by R at f = sqrt((kx / 2W)^2 + (ky / 2H)^2) (the tests use this).
/// </para>
/// </summary>
public static class OlshausenFieldWhitening
{
    /// <summary>Whitening name in <see cref="Model.Preprocessing.Whitening"/> and the JSON.</summary>
    public const string Name = "olshausen_field";

    /// <summary>The cut-off's key in <see cref="Model.Preprocessing.WhiteningParameters"/>.</summary>
    public const string F0Key = "f0_cycles_per_pixel";

    /// <summary>The authors' f0: 0.4 cycles per pixel.</summary>
    public const double DefaultF0 = 0.4;

    /// <summary>R(f) = f exp(-(f / f0)^4), f in cycles per pixel.</summary>
    public static double Response(double f, double f0) => f * Math.Exp(-Math.Pow(f / f0, 4));

    /// <summary>The filtered image (no rescaling): each frequency of the reflected image multiplied by R(f).</summary>
    public static double[] Filter(int width, int height, ReadOnlySpan<double> samples, double f0)
    {
        if (samples.Length != width * height) throw new ArgumentException($"{width}x{height} image needs {width * height} samples, got {samples.Length}");
        if (!(f0 > 0) || !double.IsFinite(f0)) throw new ArgumentException($"f0 must be a positive number of cycles per pixel, got {f0}");
        int w2 = 2 * width, h2 = 2 * height;
        var re = new double[w2 * h2];
        var im = new double[w2 * h2];
        for (int y = 0; y < h2; y++)
        {
            int sy = y < height ? y : h2 - 1 - y;
            for (int x = 0; x < w2; x++)
            {
                int sx = x < width ? x : w2 - 1 - x;
                re[y * w2 + x] = samples[sy * width + sx];
            }
        }
        Transform2D(re, im, w2, h2, inverse: false);
        for (int y = 0; y < h2; y++)
        {
            double fy = (y <= h2 / 2 ? y : y - h2) / (double)h2;
            for (int x = 0; x < w2; x++)
            {
                double fx = (x <= w2 / 2 ? x : x - w2) / (double)w2;
                double r = Response(Math.Sqrt(fx * fx + fy * fy), f0);
                re[y * w2 + x] *= r;
                im[y * w2 + x] *= r;
            }
        }
        Transform2D(re, im, w2, h2, inverse: true);
        var result = new double[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) result[y * width + x] = re[y * w2 + x];
        return result;
    }

    /// <summary>The whitened image: <see cref="Filter"/> of the raw samples, then scaled to unit variance (about its mean, which R(0) = 0 makes ~0).</summary>
    public static ImagePlane Whiten(GrayImage image, double f0)
    {
        double[] f = Filter(image.Width, image.Height, Array.ConvertAll(image.Samples, v => (double)v), f0);
        double mean = f.Average();
        double variance = f.Sum(v => (v - mean) * (v - mean)) / f.Length;
        if (!(variance > 0)) throw new ArgumentException($"{image.Source}: nothing left after whitening (a constant image?)");
        double scale = 1 / Math.Sqrt(variance);
        for (int i = 0; i < f.Length; i++) f[i] *= scale;
        return new ImagePlane(image.Width, image.Height, f, image.Source);
    }

    // Whitening a 256 x 256 image costs tens of milliseconds; the learners make several patch sources over the same images.
    private static readonly ConditionalWeakTable<GrayImage, Dictionary<double, ImagePlane>> Cache = new();

    /// <summary><see cref="Whiten"/> of every image, remembered per image and f0.</summary>
    public static IReadOnlyList<ImagePlane> WhitenAll(IReadOnlyList<GrayImage> images, double f0)
    {
        var planes = new ImagePlane[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            Dictionary<double, ImagePlane> byF0 = Cache.GetValue(images[i], _ => new Dictionary<double, ImagePlane>());
            lock (byF0)
            {
                if (!byF0.TryGetValue(f0, out ImagePlane? plane)) byF0[f0] = plane = Whiten(images[i], f0);
                planes[i] = plane;
            }
        }
        return planes;
    }

    private static void Transform2D(double[] re, double[] im, int width, int height, bool inverse)
    {
        var rowRe = new double[width]; var rowIm = new double[width];
        for (int y = 0; y < height; y++)
        {
            Array.Copy(re, y * width, rowRe, 0, width); Array.Copy(im, y * width, rowIm, 0, width);
            Fft.Transform(rowRe, rowIm, inverse);
            Array.Copy(rowRe, 0, re, y * width, width); Array.Copy(rowIm, 0, im, y * width, width);
        }
        var colRe = new double[height]; var colIm = new double[height];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++) { colRe[y] = re[y * width + x]; colIm[y] = im[y * width + x]; }
            Fft.Transform(colRe, colIm, inverse);
            for (int y = 0; y < height; y++) { re[y * width + x] = colRe[y]; im[y * width + x] = colIm[y]; }
        }
    }
}
