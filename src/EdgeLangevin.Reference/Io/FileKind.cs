using System.Runtime.InteropServices;

namespace EdgeLangevin.Reference.Io;

/// <summary>What a path names, without following a final symbolic link.</summary>
public enum FileKind
{
    Missing,
    RegularFile,
    Directory,
    SymbolicLink,
    /// <summary>A device node, FIFO or socket: never something edgelangevin may replace.</summary>
    Special,
}

/// <summary>
/// The kind of a path. .NET reports device nodes and FIFOs as ordinary files (FileAttributes.Normal),
/// so on Linux the type bits come from statx(2), whose layout is the same on every architecture;
/// elsewhere only what FileSystemInfo can tell (links, folders, files).
/// </summary>
public static class FileKinds
{
    public static FileKind Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null) return FileKind.Missing;
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return OperatingSystem.IsLinux() && LinuxTypeBits(path) is int type && type != RegularType ? FileKind.Special : FileKind.RegularFile;
    }

    /// <summary>
    /// What a file to be READ names, following symbolic links to the end: <see cref="FileKind.RegularFile"/>,
    /// <see cref="FileKind.Directory"/>, <see cref="FileKind.Special"/> (a FIFO waits for a writer, /dev/zero never
    /// ends: neither is opened) or <see cref="FileKind.Missing"/>; <paramref name="problem"/> says why a link leads
    /// nowhere ("a loop of symbolic links", "a symbolic link to the missing ...") and is null otherwise.
    /// </summary>
    public static FileKind OfTarget(string path, out string? problem)
    {
        problem = null;
        if (OperatingSystem.IsLinux())
        {
            if (LinuxTypeBits(path, followLinks: true, out int error) is int type)
                return type == RegularType ? FileKind.RegularFile : type == DirectoryType ? FileKind.Directory : FileKind.Special;
            if (error == LoopError)
            {
                problem = "a loop of symbolic links";
                return FileKind.Missing;
            }
        }
        if (Directory.Exists(path)) return FileKind.Directory;
        // File.Exists is true for a link whose target is missing: ask the link first
        if (new FileInfo(path).LinkTarget is string target && !File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, target)))
        {
            problem = $"a symbolic link to the missing {target}";
            return FileKind.Missing;
        }
        if (File.Exists(path)) return FileKind.RegularFile;
        return FileKind.Missing;
    }

    /// <summary>"a symbolic link", "a device node, FIFO or socket", ... for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.RegularFile => "a file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "a device node, FIFO or socket",
    };

    private const int TypeMask = 0xF000;   // S_IFMT
    private const int RegularType = 0x8000; // S_IFREG
    private const int DirectoryType = 0x4000; // S_IFDIR
    private const int LoopError = 40; // ELOOP on Linux
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode

    private static int? LinuxTypeBits(string path) => LinuxTypeBits(path, followLinks: false, out _);

    private static int? LinuxTypeBits(string path, bool followLinks, out int error)
    {
        var buffer = new byte[256];
        error = 0;
        try
        {
            if (statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, buffer) != 0)
            {
                error = Marshal.GetLastPInvokeError();
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null; // a libc without statx (glibc < 2.28): fall back to what .NET reports
        }
        return BitConverter.ToUInt16(buffer, StatxModeOffset) & TypeMask;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mask, byte[] buffer);
}
