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
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode

    private static int? LinuxTypeBits(string path)
    {
        var buffer = new byte[256];
        try
        {
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0) return null;
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
