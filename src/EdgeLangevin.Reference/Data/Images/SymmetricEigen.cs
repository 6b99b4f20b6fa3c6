namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: C = V diag(w) V^T.
/// Chosen for the whitening matrix (D = 64 for 8x8 patches) because it is short, needs no
/// library, and is accurate for the tiny eigenvalues that the regulariser then has to tame.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>
    /// Decomposes the n x n row-major symmetric <paramref name="c"/>. Returns the eigenvalues
    /// (descending) and the eigenvectors as the columns of a row-major n x n array.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(double[] c, int n)
    {
        if (c.Length != n * n) throw new ArgumentException($"expected {n}x{n} = {n * n} numbers, got {c.Length}", nameof(c));
        var a = (double[])c.Clone();
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;

        double scale = 0;
        for (int i = 0; i < n * n; i++) scale = Math.Max(scale, Math.Abs(a[i]));
        if (scale == 0) return (new double[n], v);

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (Math.Sqrt(off) <= 1e-15 * scale) break;

            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (Math.Abs(apq) <= 1e-300) continue;
                    double app = a[p * n + p], aqq = a[q * n + q];
                    // The rotation angle that zeroes a_pq, in the numerically stable form.
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double cs = 1 / Math.Sqrt(t * t + 1), sn = t * cs;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = cs * akp - sn * akq;
                        a[k * n + q] = sn * akp + cs * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = cs * apk - sn * aqk;
                        a[q * n + k] = sn * apk + cs * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = cs * vkp - sn * vkq;
                        v[k * n + q] = sn * vkp + cs * vkq;
                    }
                }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i * n + i]).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            values[j] = a[order[j] * n + order[j]];
            for (int k = 0; k < n; k++) vectors[k * n + j] = v[k * n + order[j]];
        }
        return (values, vectors);
    }
}
