using System.Diagnostics;
using System.Globalization;
using EdgeLangevin.Reference;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeLangevin.Cli.Infrastructure;

/// <summary>
/// Runs a long job with progress shown the way the situation calls for, and Ctrl-C turned into
/// cancellation:
/// <list type="bullet">
/// <item>a person at a terminal: Spectre.Console bars on stderr with percentage, rate and time left;</item>
/// <item>stderr redirected, CI set, TERM=dumb, or a test's writer: a plain line every few seconds and one per finished stage;</item>
/// <item>--quiet: only the line per finished stage.</item>
/// </list>
/// The job reports through <see cref="IProgress{RunProgress}"/>; a report only stores the latest numbers
/// (no I/O on the job's thread), and the calling thread draws them. The job's token is the verb's
/// cancellation (<see cref="CliContext.Cancellation"/>), which the first SIGINT (Ctrl-C) or SIGTERM
/// triggers (<see cref="CliApp.RunProcess"/>); work written through AtomicFile is then never
/// half-written and earlier results stay in place. A second signal (more than a second after the first) ends the process at once.
/// </summary>
/// <example>
/// <code>
/// Model m = CliProgress.Run("learn", (progress, ct) => Learner.Run(data, settings, seed, progress, ct));
/// </code>
/// </example>
public static class CliProgress
{
    /// <summary>Seconds between plain progress lines (terminal bars refresh ten times a second).</summary>
    public const double PlainLineIntervalSeconds = 5.0;

    private static readonly AsyncLocal<Tracker?> ActiveTracker = new();

    public static T Run<T>(string title, Func<IProgress<RunProgress>, CancellationToken, T> job) =>
        Run(CliContext.Current, title, job);

    public static void Run(string title, Action<IProgress<RunProgress>, CancellationToken> job) =>
        Run<bool>(CliContext.Current, title, (p, ct) => { job(p, ct); return true; });

    public static T Run<T>(CliContext context, string title, Func<IProgress<RunProgress>, CancellationToken, T> job)
    {
        // A job that itself calls Run (the demo runs other verbs' jobs) reports into the outer display.
        if (ActiveTracker.Value is { } outer)
            return job(new PrefixedProgress(outer, title), outer.Token);

        CancellationToken token = context.Cancellation;
        var tracker = new Tracker(token);
        Task<T> task;
        ActiveTracker.Value = tracker;
        try
        {
            task = Task.Factory.StartNew(() => job(tracker, token), token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            ActiveTracker.Value = null; // the job's thread captured it; this thread draws
        }

        if (context.Interactive) DrawBars(context, title, tracker, task);
        else DrawLines(context, title, tracker, task, periodic: !context.Quiet);

        if (task.IsCanceled) throw new OperationCanceledException(token);
        return task.GetAwaiter().GetResult();
    }

    private static void DrawLines(CliContext context, string title, Tracker tracker, Task task, bool periodic)
    {
        var lastLine = Stopwatch.StartNew();
        int reportedStages = 0;
        while (true)
        {
            bool finished = WaitFor(task, 200);
            StageSnapshot[] stages = tracker.Snapshot();
            // A stage is finished when a later one has started, or when the job has ended.
            int completeCount = finished && task.IsCompletedSuccessfully ? stages.Length : Math.Max(0, stages.Length - 1);
            for (; reportedStages < completeCount; reportedStages++)
                context.Error.WriteLine($"{title}: {Describe(stages[reportedStages], finished: true)}");
            if (finished) break;
            if (periodic && lastLine.Elapsed >= context.PlainLineInterval && stages.Length > reportedStages)
            {
                context.Error.WriteLine($"{title}: {Describe(stages[^1], finished: false)}");
                lastLine.Restart();
            }
        }
        context.Error.Flush();
    }

    private static void DrawBars(CliContext context, string title, Tracker tracker, Task task)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Error) });
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var bars = new List<ProgressTask>();
                while (true)
                {
                    bool finished = WaitFor(task, 100);
                    StageSnapshot[] stages = tracker.Snapshot();
                    for (int i = 0; i < stages.Length; i++)
                    {
                        StageSnapshot s = stages[i];
                        if (i == bars.Count)
                        {
                            if (i > 0) bars[i - 1].Value = bars[i - 1].MaxValue; // a later stage began: the earlier one is done
                            bars.Add(ctx.AddTask(Markup.Escape($"{title}: {s.Stage}"), autoStart: true, maxValue: Math.Max(1, s.Total)));
                        }
                        ProgressTask bar = bars[i];
                        bar.IsIndeterminate = s.Total <= 0;
                        if (s.Total > 0 && bar.MaxValue != s.Total) bar.MaxValue = s.Total;
                        bar.Value = Math.Min(s.Done, Math.Max(1, s.Total));
                    }
                    if (finished)
                    {
                        if (task.IsCompletedSuccessfully)
                            foreach (ProgressTask bar in bars) { bar.IsIndeterminate = false; bar.Value = bar.MaxValue; }
                        foreach (ProgressTask bar in bars) bar.StopTask();
                        ctx.Refresh();
                        break;
                    }
                }
            });
    }

    /// <summary>Waits without throwing: the job's own exception is rethrown, unwrapped, by the caller.</summary>
    private static bool WaitFor(Task task, int milliseconds) => ((IAsyncResult)task).AsyncWaitHandle.WaitOne(milliseconds) || task.IsCompleted;

    /// <summary>"stage: 12000/40000 (30%), 5.1k/s, about 6 s left" or "stage: done, 40000 in 7.8 s (5.1k/s)".</summary>
    internal static string Describe(StageSnapshot s, bool finished)
    {
        double seconds = s.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? s.Done / seconds : 0;
        // A stage of one indivisible piece of work (a tool run, a file) has no meaningful rate or percentage.
        bool single = s.Total is 0 or 1;
        if (finished)
            return single
                ? $"{s.Stage}: done in {FormatSeconds(seconds)}"
                : $"{s.Stage}: done, {s.Done.ToString(CultureInfo.InvariantCulture)} in {FormatSeconds(seconds)} ({FormatRate(rate)})";
        if (single)
            return s.Done > 1 ? $"{s.Stage}: {s.Done.ToString(CultureInfo.InvariantCulture)} so far ({FormatRate(rate)})" : $"{s.Stage}: running for {FormatSeconds(seconds)}";
        double percent = 100.0 * s.Done / s.Total;
        string left = rate > 0 ? $", about {FormatSeconds((s.Total - s.Done) / rate)} left" : "";
        return $"{s.Stage}: {s.Done.ToString(CultureInfo.InvariantCulture)}/{s.Total.ToString(CultureInfo.InvariantCulture)} ({percent.ToString("0", CultureInfo.InvariantCulture)}%), {FormatRate(rate)}{left}";
    }

    internal static string FormatRate(double perSecond) => perSecond switch
    {
        >= 1e6 => (perSecond / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + "M/s",
        >= 1e4 => (perSecond / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k/s",
        >= 1e3 => (perSecond / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k/s",
        _ => perSecond.ToString("0.#", CultureInfo.InvariantCulture) + "/s",
    };

    internal static string FormatSeconds(double seconds) =>
        seconds < 60 ? seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : seconds < 3600 ? $"{(int)(seconds / 60)} min {(int)(seconds % 60)} s"
        : $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60)} min";

    internal readonly record struct StageSnapshot(string Stage, long Done, long Total, TimeSpan Elapsed);

    /// <summary>The latest report of every stage, in the order the stages first appeared.</summary>
    private sealed class Tracker(CancellationToken token) : IProgress<RunProgress>
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(string Stage, long Done, long Total, TimeSpan Start, TimeSpan Last)> _stages = new();

        public CancellationToken Token { get; } = token;

        public void Report(RunProgress value)
        {
            TimeSpan now = _clock.Elapsed;
            lock (_gate)
            {
                int last = _stages.Count - 1;
                if (last >= 0 && _stages[last].Stage == value.Stage)
                    _stages[last] = (value.Stage, value.Done, value.Total, _stages[last].Start, now);
                else
                    _stages.Add((value.Stage, value.Done, value.Total, now, now));
            }
        }

        public StageSnapshot[] Snapshot()
        {
            TimeSpan now = _clock.Elapsed;
            lock (_gate)
            {
                var result = new StageSnapshot[_stages.Count];
                for (int i = 0; i < result.Length; i++)
                {
                    var s = _stages[i];
                    // A finished stage's rate is measured to its last report, the running one's to now.
                    TimeSpan end = i < result.Length - 1 || (s.Total > 0 && s.Done >= s.Total) ? s.Last : now;
                    result[i] = new StageSnapshot(s.Stage, s.Done, s.Total, end - s.Start);
                }
                return result;
            }
        }
    }

    private sealed class PrefixedProgress(IProgress<RunProgress> inner, string prefix) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => inner.Report(value with { Stage = $"{prefix}: {value.Stage}" });
    }

    /// <summary>Units of work per second for a bar (Spectre's own TransferSpeedColumn assumes bytes).</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is double speed ? FormatRate(speed) : "", new Style(Color.Grey));

        public override int? GetColumnWidth(RenderOptions options) => 9;
    }
}
