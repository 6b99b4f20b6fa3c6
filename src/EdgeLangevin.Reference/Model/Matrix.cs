namespace EdgeLangevin.Reference.Model;

/// <summary>A dense row-major matrix of doubles: element (r, c) is Data[r * Cols + c].</summary>
public sealed class Matrix
{
    public Matrix(int rows, int cols) : this(rows, cols, Allocate(rows, cols)) { }

    /// <summary>Sizes often come from the user (--k): one that cannot be allocated is bad input with the numbers, not an overflow.</summary>
    private static double[] Allocate(int rows, int cols)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"matrix must be at least 1x1, got {rows}x{cols}");
        EdgeLangevin.Reference.Io.MemoryBudget.CheckLength($"a {rows} x {cols} matrix", (double)rows * cols, "give smaller sizes (fewer units K)");
        EdgeLangevin.Reference.Io.MemoryBudget.Check($"a {rows} x {cols} matrix", 8.0 * rows * cols, "give smaller sizes (fewer units K)");
        return new double[rows * cols];
    }

    public Matrix(int rows, int cols, double[] data)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"matrix must be at least 1x1, got {rows}x{cols}");
        if (data.Length != rows * cols) throw new ArgumentException($"matrix {rows}x{cols} needs {rows * cols} numbers, got {data.Length}", nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public int Rows { get; }
    public int Cols { get; }
    public double[] Data { get; }

    public double this[int r, int c]
    {
        get => Data[r * Cols + c];
        set => Data[r * Cols + c] = value;
    }

    public Matrix Clone() => new(Rows, Cols, (double[])Data.Clone());

    /// <summary>The Euclidean norm of column <paramref name="c"/>.</summary>
    public double ColumnNorm(int c)
    {
        double sum = 0;
        for (int r = 0; r < Rows; r++) sum += Data[r * Cols + c] * Data[r * Cols + c];
        return Math.Sqrt(sum);
    }
}
