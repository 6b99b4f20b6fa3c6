using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Metrics;

/// <summary>Comparisons of a learned dictionary with the true one, and its column norms.</summary>
public static class DictionaryMetrics
{
    public static double[] ColumnNorms(Matrix a) => Enumerable.Range(0, a.Cols).Select(a.ColumnNorm).ToArray();

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var v = values.OrderBy(x => x).ToArray();
        int n = v.Length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /// <summary>
    /// Mean cosine similarity between each true column and the learned column it is
    /// matched to, the matching being the one-to-one assignment that maximises the total
    /// cosine (Hungarian algorithm, exact). With <paramref name="ignoreSign"/> (signed
    /// variant: a column and its negative are the same atom) |cos| is used.
    /// Requires learned.Cols >= truth.Cols; extra learned columns stay unmatched.
    /// </summary>
    public static double MatchedCosine(Matrix learned, Matrix truth, bool ignoreSign, out int[] assignment, out double[] cosines)
    {
        if (learned.Rows != truth.Rows) throw new ArgumentException($"dictionaries have {learned.Rows} and {truth.Rows} rows");
        if (learned.Cols < truth.Cols) throw new ArgumentException($"learned dictionary has {learned.Cols} columns, fewer than the true {truth.Cols}");
        int n = truth.Cols, m = learned.Cols;
        var cos = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double dot = 0, ni = truth.ColumnNorm(i), nj = learned.ColumnNorm(j);
                for (int d = 0; d < truth.Rows; d++) dot += truth[d, i] * learned[d, j];
                double c = ni == 0 || nj == 0 ? 0 : dot / (ni * nj);
                cos[i, j] = ignoreSign ? Math.Abs(c) : c;
            }
        var cost = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) cost[i, j] = 1 - cos[i, j];
        assignment = Hungarian.Solve(cost);
        cosines = new double[n];
        for (int i = 0; i < n; i++) cosines[i] = cos[i, assignment[i]];
        return cosines.Average();
    }

    public static double MatchedCosine(Matrix learned, Matrix truth, bool ignoreSign) => MatchedCosine(learned, truth, ignoreSign, out _, out _);
}

/// <summary>
/// Minimum-cost assignment of n rows to distinct columns of an n x m cost matrix (n &lt;= m):
/// the O(n^2 m) shortest-augmenting-path form of the Hungarian method with row and column potentials.
/// </summary>
public static class Hungarian
{
    /// <summary>Returns, for every row, the column assigned to it.</summary>
    public static int[] Solve(double[,] cost)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (n > m) throw new ArgumentException("more rows than columns");
        // 1-based arrays; column 0 is a virtual start column.
        var rowPot = new double[n + 1];
        var colPot = new double[m + 1];
        var rowOfCol = new int[m + 1];
        var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOfCol[0] = i;
            int j0 = 0;
            var minv = new double[m + 1];
            var used = new bool[m + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                int i0 = rowOfCol[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1, j - 1] - rowPot[i0] - colPot[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { rowPot[rowOfCol[j]] += delta; colPot[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (rowOfCol[j0] != 0);
            do
            {
                int j1 = way[j0];
                rowOfCol[j0] = rowOfCol[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var result = new int[n];
        for (int j = 1; j <= m; j++)
            if (rowOfCol[j] != 0) result[rowOfCol[j] - 1] = j - 1;
        return result;
    }
}
