using EdgeLangevin.Reference.Parallelism;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// WorkerPool's hand-off: a part its worker has not begun when the caller's own part is done is run by the caller,
/// and every part runs exactly once, before Run returns, whoever runs it. In the thread-count collection (alone):
/// the first test needs the workers idle.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class WorkerPoolTests
{
    [Fact]
    public void The_caller_runs_a_part_whose_worker_has_not_begun()
    {
        // A worker with nothing to do sleeps on its monitor after a few milliseconds of spinning; waking it takes
        // microseconds, far longer than the caller's empty part 0. The old pool waited for the worker every time
        // (part 1 always on the worker's thread); now the caller takes the part. Five tries: the caller can lose the
        // race only if it is descheduled between posting the job and claiming the part.
        int caller = Environment.CurrentManagedThreadId;
        var ranOn = new int[2];
        Action<int> body = part => ranOn[part] = Environment.CurrentManagedThreadId;
        WorkerPool.Run(2, body); // the worker exists
        int byCaller = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Thread.Sleep(300); // the worker stops spinning and sleeps
            ranOn[1] = 0;
            WorkerPool.Run(2, body);
            Assert.NotEqual(0, ranOn[1]);
            if (ranOn[1] == caller) byCaller++;
        }
        Assert.True(byCaller > 0, "the caller never ran part 1: it waited for the sleeping worker every time");
    }

    [Fact]
    public void Every_part_runs_once_before_Run_returns_whoever_runs_it()
    {
        // Jobs of 2 to 5 parts with parts of uneven length (some spin a few microseconds, so that workers and caller
        // race for the parts both ways; some jobs follow a pause in which the workers fall asleep).
        var rng = new System.Random(17);
        for (int job = 0; job < 3000; job++)
        {
            int parts = 2 + rng.Next(4);
            var runs = new int[parts];
            var spins = new int[parts];
            for (int p = 0; p < parts; p++) spins[p] = rng.Next(3) == 0 ? rng.Next(2000) : 0;
            if (job % 500 == 499) Thread.Sleep(50);
            WorkerPool.Run(parts, p =>
            {
                Thread.SpinWait(spins[p]);
                Interlocked.Increment(ref runs[p]);
            });
            for (int p = 0; p < parts; p++) Assert.True(runs[p] == 1, $"job {job}: part {p} of {parts} ran {runs[p]} times");
        }
    }

    [Fact]
    public void A_part_that_throws_is_reported_whoever_runs_it()
    {
        for (int job = 0; job < 200; job++)
        {
            int bad = 1 + job % 2;
            if (job % 50 == 49) Thread.Sleep(50);
            var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(3, p =>
            {
                if (p == bad) throw new InvalidOperationException($"part {p}");
            }));
            Assert.Equal($"part {bad}", e.Message);
        }
        var ran = new int[3];
        WorkerPool.Run(3, p => ran[p]++); // the pool still works
        Assert.Equal(new[] { 1, 1, 1 }, ran);
    }
}
