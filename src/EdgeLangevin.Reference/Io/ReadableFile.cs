namespace EdgeLangevin.Reference.Io;

/// <summary>
/// The one way the tools read a whole input file (model, inputs, config, vectors manifest and its files, images).
/// Before anything is opened the path must lead (through any links) to a regular file no larger than the kind's
/// limit: a FIFO blocked the command forever (even Ctrl-C did not end it), /dev/zero or a multi-gigabyte file read
/// until "out of memory" (exit 1), a loop of links failed with exit 1 and the system's words. Each is now bad input
/// (exit 2) naming the file, as is a file the system refuses to read.
/// </summary>
public static class ReadableFile
{
    /// <summary>
    /// JSON files (models, inputs, configs, manifests): 512 MiB, under .NET's limit on one string (about 1 G
    /// characters); parsing takes several times the file's size besides (<see cref="JsonBytesPerFileByte"/>).
    /// </summary>
    public const long MaxJsonBytes = 512L << 20;

    /// <summary>
    /// Memory a JSON file of one byte costs while it is parsed (the file's bytes, its UTF-16 text, the node tree):
    /// a conservative factor for <see cref="MemoryBudget"/> (a 300 MB file measured 1.9 GB resident before its first token).
    /// </summary>
    public const double JsonBytesPerFileByte = 8;

    /// <summary>
    /// Images and vector files: 1 GiB, above the largest raster the PGM reader accepts (2^28 16-bit pixels, 512 MiB)
    /// and under .NET's 2 GiB array.
    /// </summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>The bytes of <paramref name="path"/>, a <paramref name="kind"/> ("model file", "PNG file", ...) of at most <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, string kind, long maxBytes)
    {
        Check(path, kind, maxBytes);
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, kind, e);
        }
    }

    /// <summary>The text (UTF-8, a byte-order mark dropped) of a JSON <paramref name="kind"/>; its parse must fit the memory budget.</summary>
    public static string ReadJsonText(string path, string kind)
    {
        long length = Check(path, kind, MaxJsonBytes);
        MemoryBudget.Check($"{path}: reading this {kind} of {MemoryBudget.Bytes(length)}", length * JsonBytesPerFileByte, "split it into smaller files");
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, kind, e);
        }
    }

    /// <summary>Refuses (exit 2) anything but a regular file of at most <paramref name="maxBytes"/>; returns its length.</summary>
    public static long Check(string path, string kind, long maxBytes)
    {
        FileKind target = FileKinds.OfTarget(path, out string? problem);
        switch (target)
        {
            case FileKind.Directory:
                throw new InvalidInputException($"{path}: is a folder, expected {Article(kind)} {kind}");
            case FileKind.Missing:
                throw new InvalidInputException(problem is null ? $"{path}: {kind} not found" : $"{path}: {kind} not found: the path is {problem}");
            case FileKind.Special:
                throw new InvalidInputException($"{path}: is a device node, FIFO or socket, expected {Article(kind)} {kind} (a regular file): reading it could wait for a writer or never end");
        }
        long length;
        try { length = new FileInfo(path).Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, kind, e);
        }
        if (length > maxBytes)
            throw new InvalidInputException($"{path}: {MemoryBudget.Bytes(length)} is larger than the {MemoryBudget.Bytes(maxBytes)} {Article(kind)} {kind} may be");
        return length;
    }

    private static InvalidInputException Unreadable(string path, string kind, Exception e) =>
        new($"{path}: cannot read this {kind}: {e.Message}", e);

    private static string Article(string kind) => kind.Length > 0 && "aeiouAEIOU".Contains(kind[0]) ? "an" : "a";
}
