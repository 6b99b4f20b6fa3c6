namespace EdgeLangevin.Firmware.Tests;

/// <summary>The repository root, found by walking up from the test binaries to EdgeLangevin.sln.</summary>
internal static class SourceTree
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeLangevin.sln"))) return dir.FullName;
        throw new InvalidOperationException("EdgeLangevin.sln not found above " + AppContext.BaseDirectory);
    }
}
