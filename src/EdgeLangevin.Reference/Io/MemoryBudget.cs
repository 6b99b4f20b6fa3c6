using System.Globalization;

namespace EdgeLangevin.Reference.Io;

/// <summary>
/// Sizes from the user (chains, inputs, units) are turned into an estimate of the memory they need
/// before anything is allocated; a size that cannot fit is bad input (exit 2) with the numbers, not
/// an OutOfMemoryException or an overflow half-way through allocating. Estimates count the large
/// arrays (8 bytes a double, 4 an int, about 64 bytes of generator state per chain); the limit is
/// most of the memory this process may use (GC's view: physical memory or the container's limit).
/// </summary>
public static class MemoryBudget
{
    /// <summary>Fraction of the available memory one run may plan to use (the rest: the runtime, the inputs, the results).</summary>
    public const double UsableFraction = 0.75;

    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Throws <see cref="InvalidInputException"/> when <paramref name="bytes"/> exceeds the usable memory.
    /// <paramref name="what"/> says what was asked for ("2 inputs x 200000000 chains at K = 16, D = 64"),
    /// <paramref name="remedy"/> what to give instead ("fewer chains").
    /// </summary>
    public static void Check(string what, double bytes, string remedy)
    {
        double limit = UsableFraction * AvailableBytes;
        if (bytes > limit)
            throw new InvalidInputException($"{what} needs about {Bytes(bytes)} of memory; this process may use about {Bytes(limit)}: {remedy}");
    }

    /// <summary>
    /// An array of <paramref name="elements"/> must exist at all (.NET arrays hold at most
    /// <see cref="Array.MaxLength"/> elements), whatever the memory: checked first, so that a product of
    /// sizes that overflows an int is reported rather than wrapped.
    /// </summary>
    public static void CheckLength(string what, double elements, string remedy)
    {
        if (elements > Array.MaxLength)
            throw new InvalidInputException($"{what} needs arrays of {elements.ToString("0.###e0", CultureInfo.InvariantCulture)} elements, more than the {Array.MaxLength.ToString(CultureInfo.InvariantCulture)} .NET allows: {remedy}");
    }

    /// <summary>
    /// The double-precision and fixed-point samplers: <paramref name="chains"/> chains of K units over
    /// D dimensions, each with data, residual (2 D) and u, m, s, drive (4 K) doubles, an active list (K ints),
    /// a generator, and for inference the posterior's block sums (<see cref="Inference.PosteriorAccumulator.BytesPerChainUnit"/> per unit).
    /// </summary>
    public static void CheckChains(string what, double chains, int d, int k, bool posterior, string remedy)
    {
        CheckLength(what, chains * Math.Max(d, k), remedy);
        if (posterior) CheckLength(what, chains * k * Inference.PosteriorAccumulator.Blocks, remedy);
        double perChain = 8.0 * (2 * d + 4 * k) + 4.0 * (k + 1) + 64 + (posterior ? (double)Inference.PosteriorAccumulator.BytesPerChainUnit * k : 0);
        Check(what, chains * perChain, remedy);
    }

    internal static string Bytes(double bytes) =>
        bytes >= 1e9 ? (bytes / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " GB"
        : bytes >= 1e6 ? (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB";
}
