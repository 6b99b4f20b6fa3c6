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
            try
            {
                using (var stream = CreateTemporary(path, temp, full, () => new FileStream(temp, FileMode.CreateNew, FileAccess.Write)))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException))
            {
                // Inside a folder not yet in place, the folder's own message says what was kept.
                throw NotWritten(path, NotAnOutput ? null : "the previous file was left as it was", e, temp, full);
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

    /// <summary>
    /// A failed write (a full disk, an I/O error) named by the output the user asked for: the system's message names the
    /// hidden temporary file, which the user never gave and which is gone by the time the message is read.
    /// </summary>
    private static NotWrittenException NotWritten(string path, string? previous, IOException e, string temp, string full)
    {
        // A file of the folder being filled has already said what it could not write: only the folder's temporary path is mended.
        string what = e is NotWrittenException ? e.Message.Replace(temp, full) : $"{path}: could not be written ({e.Message.Replace($" : '{temp}'", "")})";
        return new NotWrittenException(previous is null ? what : $"{what}; {previous}", e);
    }

    /// <summary>
    /// Creates the hidden temporary through <paramref name="create"/>; a folder that refuses it is reported at the output
    /// the user gave. The system's own message names the temporary ("Access to the path '/x/.r.json.123.abc.tmp' is
    /// denied"), a path the user never gave: break-21 found it for a folder where access(2) allows writing but creating
    /// fails (/proc, /sys as root), and it is the same for a folder made read-only or removed while the verb worked.
    /// Permission and a missing folder stay what they were for the exit code (2: the output path is the problem);
    /// other failures are a write that failed (1).
    /// </summary>
    private static T CreateTemporary<T>(string path, string temp, string full, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e.Message.Replace(temp, full);
            string message = $"{path}: cannot be written: the folder {Path.GetDirectoryName(full)} did not let a new file be created there ({why})";
            throw e switch
            {
                UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
                FileNotFoundException or DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
                _ => new NotWrittenException(message, e), // Write adds what was kept, as for any failed write
            };
        }
    }

    private sealed class NotWrittenException(string message, Exception inner) : IOException(message, inner);

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Builds a whole output folder at a temporary sibling and moves it into place only
    /// when <paramref name="fill"/> returns; a previous folder of that name is replaced
    /// only then. On failure the temporary folder is removed and the old one is untouched.
    /// Several runs may write the same folder at once: the last one to finish wins, each run's
    /// folder is whole, and no run fails for the others or leaves a moved-aside folder behind.
    /// </summary>
    public static void WriteDirectory(string path, Action<string> fill)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        CheckReplaceable(full, folder: true);
        CheckRemovable(full, path);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string temp = TemporaryName(parent, full);
        var asides = new List<string>();
        bool placed = false;
        CreateTemporary(path, temp, full, () => Directory.CreateDirectory(temp));
        bool wasInside = InsideTemporaryFolder.Value;
        try
        {
            InsideTemporaryFolder.Value = true;
            try { fill(temp); }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException))
            {
                throw NotWritten(path, "the previous folder was left as it was", e, temp, full);
            }
            finally { InsideTemporaryFolder.Value = wasInside; }
            BeforeCommit(full);
            CheckReplaceable(full, folder: true);
            PutInPlace(temp, full, asides);
            placed = true;
            Committed(full);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (!placed)
            {
                // The previous folder goes back, unless another run has put its own folder there meanwhile;
                // anything else moved aside was another run's folder, replaced since.
                if (asides.Count > 0 && !Directory.Exists(full))
                {
                    MoveFolder(asides[0], full);
                    asides.RemoveAt(0);
                }
                foreach (string aside in asides)
                {
                    try { Directory.Delete(aside, recursive: true); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the failure being reported matters more */ }
                }
            }
        }
        RemoveAsides(path, asides);
    }

    /// <summary>
    /// Moves whatever folder is at <paramref name="full"/> aside and <paramref name="temp"/> into its place. Another run
    /// writing the same folder may move that folder away or put its own there between the two renames; each case is
    /// retried, so the last run to commit wins instead of failing with the system's words.
    /// What is at <paramref name="full"/> is judged by looking (one statx), never by the exception of a failed rename:
    /// renaming a folder that is not there used to be this method's normal path (the first write of every output and
    /// of every HDL cache folder), and once, in a fresh-clone CI, that failed rename surfaced as "IOException: Unknown
    /// error 203" instead of DirectoryNotFoundException. Directory.Move (.NET 10, Unix) throws an IOException carrying
    /// strerror(errno) for any errno other than ENOENT / ENOTDIR / EACCES; 203 is no Linux errno but Win32's
    /// ERROR_ENVVAR_NOT_FOUND, which the runtime's own platform layer stores in errno (its "last error") when an
    /// environment lookup misses. The likely story (read, not reproduced: 3.7 million failed renames under GC, JIT and
    /// thread load all gave DirectoryNotFoundException) is that the thread's errno was overwritten inside the runtime
    /// between the failed rename and its read; the folder did not exist (a fresh per-clone work folder, written under
    /// a per-folder lock).
    /// </summary>
    private static void PutInPlace(string temp, string full, List<string> asides)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (FileKinds.Of(full) == FileKind.Directory)
            {
                string aside = $"{temp}.old{attempt}";
                try
                {
                    MoveFolder(full, aside);
                    asides.Add(aside);
                }
                catch (IOException) when (attempt < MaxPlaceAttempts)
                {
                    // another run moved or replaced it in between, or the rename failed for good: look again (the
                    // last attempt reports the failure)
                    continue;
                }
            }
            try
            {
                MoveFolder(temp, full);
                return;
            }
            catch (IOException) when (FileKinds.Of(full) != FileKind.Missing && FileKinds.Of(temp) == FileKind.Directory && attempt < MaxPlaceAttempts)
            {
                // another run put its folder in place between the two renames: move that one aside too and try again
            }
        }
    }

    private static void MoveFolder(string from, string to) => (FolderMoveForTests.Value ?? Directory.Move)(from, to);

    /// <summary>Tests replace the folder rename (in their own async flow) to fail it the ways the system has.</summary>
    internal static readonly AsyncLocal<Action<string, string>?> FolderMoveForTests = new();

    private const int MaxPlaceAttempts = 100;

    /// <summary>Deletes the replaced folders once the new one is in place; a failure says where what is left lies.</summary>
    private static void RemoveAsides(string path, List<string> asides)
    {
        foreach (string aside in asides)
        {
            try { Directory.Delete(aside, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{path}: the new folder is in place, but the previous one could not be removed ({e.Message}); what is left of it is in {aside}", e);
            }
        }
    }

    /// <summary>
    /// Refuses (exit 2) to replace an existing folder whose contents this user cannot remove: a sub-folder it cannot write
    /// or read. The new folder would be put in place after all the work and the old one then fail to delete, leaving both.
    /// <paramref name="given"/> and <paramref name="option"/> name the output as the user gave it.
    /// </summary>
    public static void CheckRemovable(string full, string given, string? option = null)
    {
        if (FileKinds.Of(full) != FileKind.Directory) return;
        var pending = new Stack<string>();
        pending.Push(full);
        while (pending.Count > 0)
        {
            string folder = pending.Pop();
            string? why = FileKinds.WhyNotWritable(folder);
            string[] subfolders = [];
            if (why is null)
            {
                try { subfolders = Directory.GetDirectories(folder); }
                catch (DirectoryNotFoundException) { continue; } // another run replaced the folder meanwhile
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { why = e.Message; }
            }
            if (why is not null)
            {
                string inside = folder == full ? "" : $" holds {folder}, which";
                throw new InvalidInputException($"{given}: {option ?? "output"} is a folder that is replaced whole, and it{inside} cannot be emptied by this user ({why}): remove it yourself or choose another path");
            }
            foreach (string sub in subfolders)
                if (FileKinds.Of(sub) == FileKind.Directory) pending.Push(sub); // a link is removed, not followed
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
