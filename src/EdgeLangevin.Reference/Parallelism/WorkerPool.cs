namespace EdgeLangevin.Reference.Parallelism;

/// <summary>
/// The process's chain-stepping threads: every verb that runs chains (float and fixed inference,
/// learning) splits its chains (or dictionary columns) into <see cref="Threads"/> parts and runs
/// them here. <see cref="Threads"/> defaults to every core (<see cref="Environment.ProcessorCount"/>,
/// which DOTNET_PROCESSOR_COUNT overrides); the CLI's <c>--threads N</c> sets it. Callers split their
/// work so that the results do not depend on the thread count (each part owns disjoint chains or
/// columns, with its own random streams), and the tests check that.
/// <para>
/// Why not Parallel.For: it allocates a few hundred bytes per call (closures, tasks), which a step
/// of a few tens of microseconds must not. Here the workers are long-lived threads that wait on a
/// monitor between steps, and <see cref="Run"/> takes a delegate the caller created once, so a
/// step allocates nothing. Workers spin briefly before sleeping, because the next step usually
/// follows within microseconds.
/// </para>
/// <para>
/// A part that its worker has not begun by the time the caller has finished its own part is run by the
/// caller (each part is claimed once, by whichever thread gets there first). Why: the worker is not
/// always running beside the caller. Measured (issue-13l, float32 learner K = 128, every hand-off traced
/// with sched_getcpu): the worker sat on the caller's CPU in 100 % of 2000 hand-offs per round, both
/// threads runnable there (it spins, so it never slept: 14 voluntary context switches in a whole run),
/// and began its part only when the caller, done with its own, stopped to wait (3.9 µs of spinning
/// before its first sched_yield): the two halves ran one after the other plus two hand-offs per job.
/// The caller now runs such a part at once, so two threads sharing one CPU cost what one thread costs,
/// and a worker on a CPU of its own still takes its part within a microsecond. Results do not depend on
/// which thread runs a part (parts own disjoint state by part index, not by thread).
/// </para>
/// </summary>
public static class WorkerPool
{
    private static int _threads = Math.Max(1, Environment.ProcessorCount);
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    [ThreadStatic] private static bool _inside;

    /// <summary>Largest thread count accepted by <see cref="Threads"/>.</summary>
    public const int MaxThreads = 256;

    /// <summary>Threads the chain-stepping loops use, 1 to <see cref="MaxThreads"/> (default: the core count).</summary>
    public static int Threads
    {
        get => Volatile.Read(ref _threads);
        set
        {
            if (value < 1 || value > MaxThreads) throw new ArgumentOutOfRangeException(nameof(value), $"threads = {value}: expected 1 to {MaxThreads}");
            Volatile.Write(ref _threads, value);
        }
    }

    /// <summary>
    /// Runs body(0) .. body(parts - 1), body(0) on the calling thread and the others on the workers
    /// (or on the calling thread, when a worker has not begun its part by the time body(0) has returned),
    /// and returns when all are done (rethrowing the first exception). One caller at a time: a second
    /// caller waits; a call from inside a body runs its parts inline (no deadlock). Allocates nothing
    /// once the workers exist.
    /// </summary>
    public static void Run(int parts, Action<int> body) => Run(parts, body, callerMayClaim: true);

    // callerMayClaim false: part p runs on worker p - 1 whatever happens (the allocation probe counts per thread).
    private static void Run(int parts, Action<int> body, bool callerMayClaim)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (parts <= 1 || _inside)
        {
            for (int p = 0; p < parts; p++) body(p);
            return;
        }
        lock (Gate)
        {
            if (_workers.Length < parts - 1)
            {
                var grown = new Worker[parts - 1];
                Array.Copy(_workers, grown, _workers.Length);
                for (int i = _workers.Length; i < grown.Length; i++) grown[i] = new Worker(i + 1);
                _workers = grown;
            }
            Worker[] workers = _workers;
            for (int i = 0; i < parts - 1; i++) workers[i].Start(body);
            Exception? error = null;
            _inside = true;
            try { body(0); }
            catch (Exception e) { error = e; }
            finally { _inside = false; }
            if (callerMayClaim)
                for (int i = 0; i < parts - 1 && error is null; i++)
                {
                    if (!workers[i].TryClaim()) continue;
                    _inside = true;
                    try { body(i + 1); }
                    catch (Exception e) { error = e; }
                    finally { _inside = false; }
                }
            for (int i = 0; i < parts - 1; i++)
            {
                Exception? e = workers[i].Join();
                error ??= e;
            }
            if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private static readonly long[] ProbeBytes = new long[MaxThreads];
    private static readonly Action<int> Probe = p => ProbeBytes[p] = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>
    /// Bytes allocated so far by the threads that run parts 0 .. parts - 1 of <see cref="Run"/> (the
    /// calling thread and the workers; part p always runs on the same thread), summed. The
    /// difference over a run of steps is what those steps allocated on every thread they used,
    /// unlike GC.GetTotalAllocatedBytes, which also counts unrelated threads (progress display,
    /// other tests). Allocates nothing once the workers exist. Between two calls another caller's job may
    /// run on the same workers: to measure one action, use <see cref="AllocatedBytesDuring"/>.
    /// </summary>
    public static long AllocatedBytes(int parts)
    {
        parts = Math.Clamp(parts, 1, MaxThreads);
        lock (Gate)
        {
            Run(parts, Probe, callerMayClaim: false);
            long total = 0;
            for (int p = 0; p < parts; p++) total += ProbeBytes[p];
            return total;
        }
    }

    /// <summary>
    /// Bytes allocated by <paramref name="action"/> on the threads that run parts 0 .. parts - 1 of
    /// <see cref="Run"/>, measured with the pool held: another caller's job cannot run on the workers
    /// between the two counts (it waits), so its allocations are not charged to this action. Two
    /// separate <see cref="AllocatedBytes"/> calls around the action do not give that guarantee: under
    /// a test runner, or any host that steps chains from two threads, they counted another job's bytes
    /// (27 bytes per step were once reported for a step that allocates nothing). Pass a delegate
    /// created once; the call itself allocates nothing once the workers exist.
    /// </summary>
    public static long AllocatedBytesDuring(int parts, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (Gate) // reentrant: the action's own Run calls take it again on this thread
        {
            long before = AllocatedBytes(parts);
            action();
            return AllocatedBytes(parts) - before;
        }
    }

    /// <summary>
    /// One long-lived background thread running part <see cref="_part"/> of each job it is given, unless the
    /// caller claims that part first (<see cref="TryClaim"/>). Jobs are numbered: job n is posted by setting
    /// _posted = n, claimed by moving _claimed from n - 1 to n (one winner), finished when _finished = n.
    /// A job the caller claimed is finished when the caller's body returns; the worker, which may see it
    /// late, only skips it, so the caller never waits for a worker that has not begun.
    /// </summary>
    private sealed class Worker
    {
        private const int SpinIterations = 2000; // about 10-50 us of spinning before sleeping on the monitor
        private readonly int _part;
        private readonly object _lock = new();
        private Action<int>? _body;
        private long _posted, _claimed, _finished; // job numbers (see above); written under _lock or by Interlocked
        private bool _callerClaimed;
        private Exception? _error;

        public Worker(int part)
        {
            _part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"EdgeLangevin worker {part}" };
            thread.Start();
        }

        public void Start(Action<int> body)
        {
            lock (_lock)
            {
                _error = null;
                _callerClaimed = false;
                _body = body;
                Volatile.Write(ref _posted, _posted + 1); // after the body: a worker that sees the number sees the body
                Monitor.Pulse(_lock);
            }
        }

        /// <summary>The caller takes the posted job's part if the worker has not begun it (the caller then runs it).</summary>
        public bool TryClaim()
        {
            long job = _posted; // written by this (the calling) thread
            _callerClaimed = Interlocked.CompareExchange(ref _claimed, job, job - 1) == job - 1;
            return _callerClaimed;
        }

        public Exception? Join()
        {
            if (_callerClaimed)
            {
                Volatile.Write(ref _body, null); // the job is done: do not keep its delegate (and what it holds) alive
                return null; // the caller ran the part (its exception is the caller's)
            }
            long job = _posted;
            var spin = new SpinWait();
            for (int i = 0; i < SpinIterations && Volatile.Read(ref _finished) != job; i++) spin.SpinOnce(-1);
            if (Volatile.Read(ref _finished) != job)
            {
                lock (_lock)
                {
                    while (_finished != job) Monitor.Wait(_lock);
                }
            }
            Volatile.Write(ref _body, null);
            return _error;
        }

        private void Loop()
        {
            _inside = true; // a body that calls Run again runs its parts inline on this thread
            long seen = 0; // the last job number this thread has looked at
            while (true)
            {
                long job = Volatile.Read(ref _posted);
                var spin = new SpinWait();
                for (int i = 0; i < SpinIterations && job == seen; i++)
                {
                    spin.SpinOnce(-1);
                    job = Volatile.Read(ref _posted);
                }
                if (job == seen)
                {
                    lock (_lock)
                    {
                        while (_posted == seen) Monitor.Wait(_lock);
                        job = _posted;
                    }
                }
                seen = job;
                // The body read before the claim is job's: the caller clears it or posts job + 1 only after job is
                // finished, which needs a claim, and this claim succeeds only if nobody has claimed job yet.
                Action<int>? body = Volatile.Read(ref _body);
                if (Interlocked.CompareExchange(ref _claimed, job, job - 1) != job - 1) continue; // the caller took it
                if (body is null) throw new InvalidOperationException("WorkerPool: a claimed job without a body"); // cannot happen (above)
                try { body(_part); }
                catch (Exception e) { _error = e; }
                lock (_lock)
                {
                    _finished = job;
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }
}
