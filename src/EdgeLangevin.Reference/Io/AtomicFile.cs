using System.Collections.Concurrent;

namespace EdgeLangevin.Reference.Io;

/// <summary>
/// Writes that never leave a half-written result: the content goes to a temporary
/// name beside the destination and is renamed into place only when complete, so an
/// exception or Ctrl-C leaves the previous file (or no file) where it was.
/// Only a regular file (or a new path) is ever replaced by a file, only a real folder (or a new
/// path) by a folder: a device node, FIFO, socket or symbolic link at the destination is refused
/// (<see cref="InvalidInputException"/>) before anything is written, because the rename would
/// destroy something the tool did not create.
/// Inside a <see cref="BeginSession"/> scope (the command line opens one per verb) every rename
/// first checks the session's cancellation, so a signal that arrives while outputs are being
/// written leaves the previous results, and the session records what was already put in place.
/// </summary>
public static class AtomicFile
{
    private static readonly AsyncLocal<Session?> CurrentSession = new();
    // True while a WriteDirectory fill runs: files written into its temporary folder are not outputs yet.
    private static readonly AsyncLocal<bool> InsideTemporaryFolder = new();
    // True inside CacheWrites: files put in place there are a cache, not the verb's outputs.
    private static readonly AsyncLocal<bool> InsideCache = new();

    /// <summary>
    /// A scope whose writes are a cache (the HDL work folder's generated sources and vectors), not the verb's
    /// outputs: still atomic and still stopped by an interruption, but an interruption's message does not name
    /// them as results already written (the cache is rebuilt whenever an entry is missing), and the test hook
    /// does not hold them.
    /// </summary>
    public static IDisposable CacheWrites()
    {
        bool was = InsideCache.Value;
        InsideCache.Value = true;
        return new CacheScope(was);
    }

    private sealed class CacheScope(bool previous) : IDisposable
    {
        public void Dispose() => InsideCache.Value = previous;
    }

    /// <summary>Writes here are not the verb's outputs: inside a folder not yet in place, or a cache.</summary>
    private static bool NotAnOutput => InsideTemporaryFolder.Value || InsideCache.Value;

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        if (Path.GetFileName(full).Length == 0) throw new InvalidInputException($"{path}: output must be a file name, this names a folder");
        CheckReplaceable(full, folder: false);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = TemporaryName(dir, full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            BeforeCommit(full);
            CheckReplaceable(full, folder: false); // again: the destination may have changed during the work
            File.Move(temp, full, overwrite: true);
            Committed(full);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Builds a whole output folder at a temporary sibling and moves it into place only
    /// when <paramref name="fill"/> returns; a previous folder of that name is replaced
    /// only then. On failure the temporary folder is removed and the old one is untouched.
    /// </summary>
    public static void WriteDirectory(string path, Action<string> fill)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        CheckReplaceable(full, folder: true);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string temp = TemporaryName(parent, full);
        string old = temp + ".old";
        Directory.CreateDirectory(temp);
        bool wasInside = InsideTemporaryFolder.Value;
        try
        {
            InsideTemporaryFolder.Value = true;
            try { fill(temp); }
            finally { InsideTemporaryFolder.Value = wasInside; }
            BeforeCommit(full);
            CheckReplaceable(full, folder: true);
            if (Directory.Exists(full)) Directory.Move(full, old);
            Directory.Move(temp, full);
            Committed(full);
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (Directory.Exists(old) && !Directory.Exists(full)) Directory.Move(old, full);
        }
    }

    /// <summary>
    /// A hidden sibling name for the work in progress. The destination's name is cut to 64 characters so
    /// that a long (valid) name does not make the temporary one exceed the file system's 255-byte limit.
    /// </summary>
    private static string TemporaryName(string dir, string full)
    {
        string name = Path.GetFileName(full);
        return Path.Combine(dir, $".{(name.Length > 64 ? name[..64] : name)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Refuses a destination that a file (or, with <paramref name="folder"/>, a folder) written here
    /// would destroy without having created it: a symbolic link, a device node, FIFO or socket, or
    /// the other of file and folder. A missing path is fine.
    /// </summary>
    public static void CheckReplaceable(string path, bool folder, string? option = null)
    {
        FileKind kind = FileKinds.Of(path);
        FileKind expected = folder ? FileKind.Directory : FileKind.RegularFile;
        if (kind == FileKind.Missing || kind == expected) return;
        string who = option is null ? "output" : option;
        string wanted = folder ? "a folder (or a new path)" : "a regular file (or a new path)";
        string why = kind switch
        {
            FileKind.SymbolicLink => "; it is not replaced through a link: give the path it points to, or remove the link",
            FileKind.Special => "; it is not replaced",
            _ => "",
        };
        throw new InvalidInputException($"{path}: {who} must be {wanted}, this is {FileKinds.Describe(kind)}{why}");
    }

    /// <summary>
    /// Opens the scope of one command: renames check <paramref name="cancellation"/> first (after
    /// waiting <paramref name="commitDelay"/>, which tests use to signal a process "while writing"),
    /// and the outputs put in place are recorded in <see cref="Session.Written"/>.
    /// <paramref name="announce"/>, when given, gets a line "committing PATH" before each wait.
    /// </summary>
    public static Session BeginSession(CancellationToken cancellation, TimeSpan commitDelay = default, TextWriter? announce = null)
    {
        var session = new Session(cancellation, commitDelay, announce, CurrentSession.Value);
        CurrentSession.Value = session;
        return session;
    }

    private static void BeforeCommit(string full)
    {
        if (CurrentSession.Value is not { } session) return;
        if (!NotAnOutput && session.CommitDelay > TimeSpan.Zero)
        {
            session.Announce?.WriteLine($"committing {full}");
            session.Announce?.Flush();
            session.Cancellation.WaitHandle.WaitOne(session.CommitDelay);
        }
        session.Cancellation.ThrowIfCancellationRequested();
    }

    private static void Committed(string full)
    {
        if (!NotAnOutput) CurrentSession.Value?.Record(full);
    }

    /// <summary>One command's writes; dispose to end the scope.</summary>
    public sealed class Session : IDisposable
    {
        private readonly ConcurrentQueue<string> _written = new();
        private readonly Session? _previous;

        internal Session(CancellationToken cancellation, TimeSpan commitDelay, TextWriter? announce, Session? previous)
        {
            Cancellation = cancellation;
            CommitDelay = commitDelay;
            Announce = announce;
            _previous = previous;
        }

        public CancellationToken Cancellation { get; }
        internal TimeSpan CommitDelay { get; }
        internal TextWriter? Announce { get; }

        /// <summary>Full paths of the outputs put in place so far, in order.</summary>
        public IReadOnlyList<string> Written => _written.ToArray();

        internal void Record(string full) => _written.Enqueue(full);

        public void Dispose() => CurrentSession.Value = _previous;
    }
}
