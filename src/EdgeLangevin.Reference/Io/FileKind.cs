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
        // On Linux one statx call answers: the several questions below, asked while another run renames a folder at
        // this path, could each see a different moment (a folder was once reported as "a device node, FIFO or socket").
        if (OperatingSystem.IsLinux())
        {
            if (LinuxTypeBits(path, followLinks: false, out int error) is int bits)
                return bits switch { RegularType => FileKind.RegularFile, DirectoryType => FileKind.Directory, LinkType => FileKind.SymbolicLink, _ => FileKind.Special };
            if (error is NoEntryError or NotDirectoryError) return FileKind.Missing;
        }
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
    private const int LinkType = 0xA000; // S_IFLNK
    private const int LoopError = 40; // ELOOP on Linux
    private const int NoEntryError = 2; // ENOENT
    private const int NotDirectoryError = 20; // ENOTDIR: a path "through" a file names nothing
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

    /// <summary>
    /// Null when this user may create and remove entries in <paramref name="folder"/> (or it is gone: another run may
    /// have moved it, and a missing path is the caller's to judge), else why not. On Linux access(2),
    /// which creates nothing (a probe file there raced with another run deleting the folder), and sees read-only mounts,
    /// access-control lists and root's privileges; elsewhere a probe file.
    /// </summary>
    public static string? WhyNotWritable(string folder)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (access(folder, WriteOk | ExecuteOk) == 0) return null;
                int error = Marshal.GetLastPInvokeError();
                return error is NoEntryError or NotDirectoryError ? null : Marshal.GetPInvokeErrorMessage(error);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // no libc access(): the probe below
            }
        }
        string probe = Path.Combine(folder, $".edgelangevin-write-check.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return e.Message.Replace(probe, folder); // the probe's name means nothing to the user
        }
    }

    private const int WriteOk = 2, ExecuteOk = 1; // W_OK, X_OK

    [DllImport("libc", SetLastError = true)]
    private static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mask, byte[] buffer);
}
