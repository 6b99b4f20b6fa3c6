namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// The discrete Fourier transform of any length, in place on separate real and imaginary arrays:
/// X_k = sum_n x_n exp(-2 pi i k n / N) (forward), the inverse with +i and 1 / N. Lengths that are powers of two use
/// the iterative radix-2 algorithm; other lengths Bluestein's chirp-z identity (k n = (k^2 + n^2 - (k - n)^2) / 2),
/// which turns the transform into a convolution done with power-of-two transforms. Used to filter whole images
/// (<see cref="OlshausenFieldWhitening"/>), whose sides are arbitrary.
/// </summary>
public static class Fft
{
    public static void Transform(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        if (im.Length != n) throw new ArgumentException("real and imaginary parts differ in length");
        if (n <= 1) return;
        if ((n & (n - 1)) == 0) Radix2(re, im, inverse);
        else Bluestein(re, im, inverse);
        if (inverse)
            for (int i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
    }

    /// <summary>Unscaled radix-2 transform (the caller divides by N for the inverse).</summary>
    private static void Radix2(double[] re, double[] im, bool inverse)
    {
        int n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j |= bit;
            if (i < j) { (re[i], re[j]) = (re[j], re[i]); (im[i], im[j]) = (im[j], im[i]); }
        }
        double sign = inverse ? 1 : -1;
        for (int len = 2; len <= n; len <<= 1)
        {
            int half = len / 2;
            for (int k = 0; k < half; k++)
            {
                // Twiddles from the angle directly (not by repeated multiplication) to keep round-off at one ulp-ish.
                double angle = sign * 2 * Math.PI * k / len, wr = Math.Cos(angle), wi = Math.Sin(angle);
                for (int start = 0; start < n; start += len)
                {
                    int a = start + k, b = a + half;
                    double tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr; im[b] = im[a] - ti;
                    re[a] += tr; im[a] += ti;
                }
            }
        }
    }

    /// <summary>Unscaled transform of any length through a power-of-two circular convolution of length >= 2N - 1.</summary>
    private static void Bluestein(double[] re, double[] im, bool inverse)
    {
        int n = re.Length, m = 1;
        while (m < 2 * n - 1) m <<= 1;
        double sign = inverse ? 1 : -1;
        // chirp w_k = exp(sign i pi k^2 / N); k^2 mod 2N keeps the angle small and exact.
        var cr = new double[n]; var ci = new double[n];
        for (int k = 0; k < n; k++)
        {
            long k2 = (long)k * k % (2L * n);
            double angle = sign * Math.PI * k2 / n;
            cr[k] = Math.Cos(angle); ci[k] = Math.Sin(angle);
        }
        // a_k = x_k w_k, b_k = conj(w_k) on both sides of 0 (circularly), X_k = w_k (a * b)_k.
        var ar = new double[m]; var ai = new double[m];
        for (int k = 0; k < n; k++)
        {
            ar[k] = re[k] * cr[k] - im[k] * ci[k];
            ai[k] = re[k] * ci[k] + im[k] * cr[k];
        }
        var br = new double[m]; var bi = new double[m];
        br[0] = cr[0]; bi[0] = -ci[0];
        for (int k = 1; k < n; k++)
        {
            br[k] = br[m - k] = cr[k];
            bi[k] = bi[m - k] = -ci[k];
        }
        Radix2(ar, ai, false);
        Radix2(br, bi, false);
        for (int k = 0; k < m; k++)
        {
            double r = ar[k] * br[k] - ai[k] * bi[k], i = ar[k] * bi[k] + ai[k] * br[k];
            ar[k] = r; ai[k] = i;
        }
        Radix2(ar, ai, true);
        for (int k = 0; k < n; k++)
        {
            double r = ar[k] / m, i = ai[k] / m;
            re[k] = r * cr[k] - i * ci[k];
            im[k] = r * ci[k] + i * cr[k];
        }
    }
}
