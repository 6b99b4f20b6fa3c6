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
    /// Runs body(0) .. body(parts - 1), body(0) on the calling thread and the others on the workers,
    /// and returns when all are done (rethrowing the first exception). One caller at a time: a second
    /// caller waits; a call from inside a body runs its parts inline (no deadlock). Allocates nothing
    /// once the workers exist.
    /// </summary>
    public static void Run(int parts, Action<int> body)
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
            Run(parts, Probe);
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

    /// <summary>One long-lived background thread running part <see cref="_part"/> of each job it is given.</summary>
    private sealed class Worker
    {
        private const int SpinIterations = 2000; // about 10-50 us of spinning before sleeping on the monitor
        private readonly int _part;
        private readonly object _lock = new();
        private Action<int>? _body;
        private volatile bool _done = true;
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
                _done = false;
                _body = body;
                Monitor.Pulse(_lock);
            }
        }

        public Exception? Join()
        {
            var spin = new SpinWait();
            for (int i = 0; i < SpinIterations && !_done; i++) spin.SpinOnce(-1);
            if (!_done)
            {
                lock (_lock)
                {
                    while (!_done) Monitor.Wait(_lock);
                }
            }
            return _error;
        }

        private void Loop()
        {
            _inside = true; // a body that calls Run again runs its parts inline on this thread
            while (true)
            {
                Action<int>? body = Volatile.Read(ref _body);
                var spin = new SpinWait();
                for (int i = 0; i < SpinIterations && body is null; i++)
                {
                    spin.SpinOnce(-1);
                    body = Volatile.Read(ref _body);
                }
                if (body is null)
                {
                    lock (_lock)
                    {
                        while (_body is null) Monitor.Wait(_lock);
                        body = _body;
                    }
                }
                try { body(_part); }
                catch (Exception e) { _error = e; }
                lock (_lock)
                {
                    _body = null;
                    _done = true;
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }
}
