using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeLangevin.Benchmarks;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Simulator;

// Runs the benchmarks named by --filter; see README.md ("Benchmarks"). Release only.
// In-process (no generated project to build), a short job: 1 launch, 3 warm-ups, 10 iterations.
//
// `-- --peers` is the one-command comparison with the peers (bench/peers/peer_bench.py: PyTorch and
// numpy, installed by bench/peers/install.sh): it runs the peer script and our cases in the same run
// and prints one table of chain-steps per second with our ratio against PyTorch on one thread.
// One-thread cases (ours and the peers') are timed by process CPU time, two-thread cases by wall
// clock (which on a loaded machine also measures the other jobs).
//
// `-- --cpu-time` times the single-threaded step benchmarks by process CPU time: on a machine
// loaded far past its core count, wall time mostly measures the scheduler, CPU time the code.
//
// Both run each case in a child process of its own (`--case ...`) after a 2 s warm-up (300 steps
// ended before the tiered JIT had installed its final code, measured 1.8x slower), median of 9
// rounds of about 0.2 s: the solvers share methods, and the tiered JIT's profile-guided code for
// them depends on which cases ran before in the same process (measured: up to 2x on the same case).
var invariant = CultureInfo.InvariantCulture;
string[] sizes = ["128x64", "512x256"];
double[] pis = [0.1, 1.0];

if (args.Length >= 1 && args[0] == "--case")
{
    // Child: "--case step PI SIZE METHOD CLOCK THREADS" or "--case learn K CLOCK THREADS [double|single]", CLOCK wall or cpu.
    // Prints "microseconds per step<TAB>description", then any report lines.
    bool learn = args[1] == "learn";
    bool wall = args[learn ? 3 : 5] == "wall";
    WorkerPool.Threads = int.Parse(args[learn ? 4 : 6], invariant);
    if (learn)
    {
        var precision = args.Length > 5 ? Enum.Parse<EdgeLangevin.Reference.Learning.LearningPrecision>(args[5], ignoreCase: true) : EdgeLangevin.Reference.Learning.LearningPrecision.Double;
        var learner = new LearnerBenchmarks { K = int.Parse(args[2], invariant), Precision = precision };
        learner.Setup();
        learner.LearningStep(); // JIT
        const int perCall = 2000; // LearnerBenchmarks' steps per invocation
        // EDGELANGEVIN_BENCH_ROUNDS: more rounds for A/B comparisons with EDGELANGEVIN_BENCH_STAT=min (default 3).
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("EDGELANGEVIN_BENCH_ROUNDS"), invariant, out int n) && n > 0 ? n : 3;
        double us = Measure(() => learner.LearningStep(), wall, 0, rounds, 1) / perCall;
        Console.WriteLine(FormattableString.Invariant($"{us:F2}\tlearning step, batch 128, {precision}"));
        // The run's result, to compare code changes that must keep the same bits (the invocation is deterministic).
        var result = learner.Run();
        Console.WriteLine(FormattableString.Invariant(
            $"// learned dictionary and pi: hash {LearnerBenchmarks.Fingerprint(result.Model):X16}, active fraction {result.History[^1].Activity:F3}"));
        return 0;
    }
    var bench = new StepBenchmarks { Pi = double.Parse(args[2], invariant), Size = args[3] };
    var method = typeof(StepBenchmarks).GetMethod(args[4]) ?? throw new ArgumentException($"no benchmark {args[4]}");
    bench.Setup(args[4]);
    var step = method.CreateDelegate<Action>(bench);
    var attribute = (BenchmarkAttribute)Attribute.GetCustomAttribute(method, typeof(BenchmarkAttribute))!;
    // EDGELANGEVIN_BENCH_ROUNDS: rounds of about 0.2 s (default 9; more for a profile to sample).
    int stepRounds = int.TryParse(Environment.GetEnvironmentVariable("EDGELANGEVIN_BENCH_ROUNDS"), invariant, out int r) && r > 0 ? r : 9;
    double perStep = Measure(step, wall, 2000, stepRounds, 20);
    Console.WriteLine(FormattableString.Invariant($"{perStep:F1}\t{attribute.Description}"));
    if (args[4] == nameof(StepBenchmarks.Fixed)) bench.Report();
    return 0;
}

if (args.Length > 0 && args[0] == "--cpu-time")
{
    string[] cases = [nameof(StepBenchmarks.Float), nameof(StepBenchmarks.Fixed), nameof(StepBenchmarks.FixedDense),
        nameof(StepBenchmarks.FixedAvx2), nameof(StepBenchmarks.FixedAvx512), nameof(StepBenchmarks.FixedVectorDense)];
    foreach (string size in sizes)
    foreach (double pi in pis)
    {
        var us = new Dictionary<string, double>();
        foreach (string name in cases)
        {
            if (name == nameof(StepBenchmarks.FixedAvx512) && !VectorStepKernel.Avx512Supported) continue;
            var (time, description, extra) = RunCase(["step", pi.ToString(invariant), size, name, "cpu", "1"]);
            us[name] = time;
            Console.WriteLine($"K x D = {size}, pi = {pi}: {description}: {time:F0} us CPU per step (median of 9), float/this = {us[cases[0]] / time:F2}");
            foreach (string line in extra) Console.WriteLine(line);
        }
    }
    return 0;
}

if (args.Length > 0 && args[0] == "--ziggurat")
{
    // The float sampler's noise alone: 128 streams x K = 128 draws per "step" (a learning step's noise), the streams
    // advanced one or four side by side; CPU time per step (median of 9 rounds, EDGELANGEVIN_BENCH_STAT=min: the
    // fastest, for A/B under load: medians misled here). An A/B tool for the generator.
    const int k = 128, chains = 128;
    var rngs = Enumerable.Range(0, chains).Select(b => new EdgeLangevin.Reference.Random.Rng(13, b)).ToArray();
    var buffer = new double[4 * k];
    Action one = () => { foreach (var r in rngs) r.FillGaussianZiggurat(buffer.AsSpan(0, k)); };
    Action four = () =>
    {
        for (int b = 0; b < chains; b += 4)
            EdgeLangevin.Reference.Random.Rng.FillGaussianZiggurat4(rngs[b], rngs[b + 1], rngs[b + 2], rngs[b + 3],
                buffer.AsSpan(0, k), buffer.AsSpan(k, k), buffer.AsSpan(2 * k, k), buffer.AsSpan(3 * k, k));
    };
    foreach (var (name, fill) in new[] { ("1 lane", one), ("4 lanes", four) })
        Console.WriteLine(FormattableString.Invariant($"{name}: {Measure(fill, false, 1000, 9, 20):F1} us CPU per 128 x 128 draws"));
    return 0;
}

if (args.Length > 0 && args[0] == "--scalar-il") return ScalarIlCount.Print();
if (args.Length == 3 && args[0] == "--il-steps") return ScalarIlCount.Child(double.Parse(args[1], invariant), int.Parse(args[2], invariant));

if (args.Length > 0 && args[0] == "--peers")
{
    // --peers [--seconds S] [--learning]: --learning runs the learning rows only (ours and PyTorch's), a few minutes.
    double seconds = 2;
    bool learningOnly = false;
    for (int i = 1; i < args.Length; i++)
    {
        if (args[i] == "--seconds" && i + 1 < args.Length) seconds = double.Parse(args[++i], invariant);
        else if (args[i] == "--learning") learningOnly = true;
        else
        {
            Console.Error.WriteLine($"error: unknown --peers option '{args[i]}' (expected --seconds S or --learning)");
            return 2;
        }
    }
    return Peers(seconds, learningOnly);
}

var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;

// Median time per call of `step` in microseconds (wall or process CPU time) over `rounds` rounds.
static double Measure(Action step, bool wall, int warmMilliseconds, int rounds, int minPerRound)
{
    var process = Process.GetCurrentProcess();
    var warm = Stopwatch.StartNew();
    int warmSteps = 0;
    // Timed by CPU: the warm-up is CPU time too. On a machine loaded far past its cores, 2 s of wall
    // clock gave a case a fraction of that on the CPU, and it was measured before the tiered JIT had
    // installed its final code (seen: instrumented-tier code in the profile, the same case 1.3x slower).
    TimeSpan cpuStart = process.TotalProcessorTime;
    while (wall ? warm.ElapsedMilliseconds < warmMilliseconds : CpuSince(process, cpuStart) < warmMilliseconds)
        for (int i = 0; i < 10; i++, warmSteps++) step();
    int perRound = Math.Max(minPerRound, warmSteps / 10); // rounds of about 0.2 s (of the warm-up's clock): a burst of load moves one round, not the median
    var times = new double[rounds];
    for (int r = 0; r < rounds; r++)
    {
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < perRound; i++) step();
        process.Refresh();
        times[r] = (wall ? clock.Elapsed : process.TotalProcessorTime - cpu0).TotalMicroseconds / perRound;
    }
    Array.Sort(times);
    // EDGELANGEVIN_BENCH_STAT=min: the fastest round, the code's cost with the least interference
    // (for A/B comparisons on a machine loaded past its cores; the tables report the median).
    return Environment.GetEnvironmentVariable("EDGELANGEVIN_BENCH_STAT") == "min" ? times[0] : times[rounds / 2];
}

static double CpuSince(Process process, TimeSpan start)
{
    process.Refresh();
    return (process.TotalProcessorTime - start).TotalMilliseconds;
}

// Runs one case in a child process (see "--case"): its time in microseconds, description and extra lines.
static (double Microseconds, string Description, string[] Extra) RunCase(string[] caseArgs)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
        start.ArgumentList.Add(typeof(Program).Assembly.Location); // run through the dotnet host
    start.ArgumentList.Add("--case");
    foreach (string a in caseArgs) start.ArgumentList.Add(a);
    using var child = Process.Start(start)!;
    string[] lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    child.WaitForExit();
    if (child.ExitCode != 0 || lines.Length == 0) throw new InvalidOperationException($"case {string.Join(' ', caseArgs)} failed (exit {child.ExitCode})");
    string[] fields = lines[0].Split('\t');
    return (double.Parse(fields[0], CultureInfo.InvariantCulture), fields[1], lines[1..]);
}

// The peer comparison: bench/peers/peer_bench.py on 1 and 2 threads, then our cases, one table.
static int Peers(double seconds, bool learningOnly)
{
    var invariant = CultureInfo.InvariantCulture;
    string? script = null;
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null && script is null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "bench", "peers", "peer_bench.py"))) script = Path.Combine(dir.FullName, "bench", "peers", "peer_bench.py");
    if (script is null)
    {
        Console.Error.WriteLine("error: bench/peers/peer_bench.py not found above the current directory; run from the repository");
        return 2;
    }
    // cell key: framework/case, threads, K, D, pi -> chain-steps per second (inference) or learning steps per second.
    var results = new Dictionary<(string Name, int Threads, int K, int D, double Pi), double>();
    foreach (int threads in new[] { 1, 2 })
    {
        string clock = Clock(threads);
        Console.WriteLine($"// peers: {script} --threads {threads} --clock {clock} ...");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
        foreach (string a in new[] { script, "--json", "--threads", threads.ToString(invariant), "--seconds", seconds.ToString(invariant), "--clock", clock })
            start.ArgumentList.Add(a);
        if (learningOnly) foreach (string a in new[] { "--only", "torch", "--cases", "learning" }) start.ArgumentList.Add(a);
        using var python = Process.Start(start)!;
        string output = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        if (python.ExitCode != 0)
        {
            Console.Error.WriteLine($"error: the peer benchmark failed (exit {python.ExitCode}); install it with: bash bench/peers/install.sh");
            return 1;
        }
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var row = doc.RootElement;
            string name = row.GetProperty("framework").GetString()! + (row.GetProperty("case").GetString() == "learning" ? " learning" : "");
            double pi = row.GetProperty("pi").ValueKind == JsonValueKind.Null ? 0 : row.GetProperty("pi").GetDouble();
            double rate = row.TryGetProperty("chain_steps_per_second", out var c) ? c.GetDouble() : row.GetProperty("steps_per_second").GetDouble();
            results[(name, threads, row.GetProperty("K").GetInt32(), row.GetProperty("D").GetInt32(), pi)] = rate;
            if (name == "torch" && threads == 1 && !row.GetProperty("blas").GetString()!.Contains("openblas", StringComparison.Ordinal))
                Console.WriteLine("// warning: torch did not load OpenBLAS");
        }
    }
    (string Method, string Label, int Threads)[] ours =
    [
        (nameof(StepBenchmarks.Float), "float reference (double)", 1),
        (nameof(StepBenchmarks.FloatTwoThreads), "float reference (double)", 2),
        (nameof(StepBenchmarks.FloatSingle), "float reference (float32, --precision single)", 1),
        (nameof(StepBenchmarks.Fixed), "fixed, scalar kernel (the boards' code)", 1),
        (nameof(StepBenchmarks.FixedAvx2), "fixed, AVX2 kernel", 1),
        (nameof(StepBenchmarks.FixedAvx512), "fixed, AVX-512 kernel", 1),
        (nameof(StepBenchmarks.FixedTwoThreads), $"fixed, {VectorStepKernel.BestIsa} kernel", 2),
    ];
    string[] sizes = ["128x64", "512x256"];
    double[] pis = [0.1, 1.0];
    foreach (var (method, label, threads) in learningOnly ? [] : ours)
    {
        if (method == nameof(StepBenchmarks.FixedAvx512) && !VectorStepKernel.Avx512Supported) continue;
        foreach (string size in sizes)
        foreach (double pi in pis)
        {
            var (us, _, _) = RunCase(["step", pi.ToString(invariant), size, method, Clock(threads), threads.ToString(invariant)]);
            int k = int.Parse(size.Split('x')[0], invariant), d = int.Parse(size.Split('x')[1], invariant);
            results[(label, threads, k, d, pi)] = StepBenchmarks.Batch * 1e6 / us;
            Console.WriteLine(FormattableString.Invariant($"// {label}, {threads} thread(s), K x D = {size}, pi = {pi}: {us:F1} us per step of {StepBenchmarks.Batch} chains"));
        }
    }
    // Each learning case first learns 20000 steps (LearnerBenchmarks). Both number formats of the learner's hot loops
    // (LearningPrecision: double, the default of `learn` and `reproduce bars`; single, what `reproduce images` learns in).
    string[] learners = ["double learning", "float32 learning"];
    foreach (int threads in new[] { 1, 2 })
    foreach (int k in new[] { 64, 128 })
    foreach (string learner in learners)
    {
        string precision = learner.StartsWith("double", StringComparison.Ordinal) ? "double" : "single";
        var (us, _, _) = RunCase(["learn", k.ToString(invariant), Clock(threads), threads.ToString(invariant), precision]);
        results[(learner, threads, k, 64, 0)] = 1e6 / us;
        Console.WriteLine(FormattableString.Invariant($"// {learner}, {threads} thread(s), K = {k}: {us:F1} us per learning step"));
    }

    if (!learningOnly) // the inference table
    {
        Console.WriteLine();
        Console.WriteLine($"Chain-steps per second (128 chains per step, one run; 1 thread: per second of process CPU time, 2 threads: per second of wall clock; ratio = this / PyTorch on 1 thread in the same column). {Environment.ProcessorCount} cores, load average at the end {LoadAverage()}.");
        Console.WriteLine();
        var columns = new List<(int K, int D, double Pi)>();
        foreach (string size in sizes)
            foreach (double pi in pis) columns.Add((int.Parse(size.Split('x')[0], invariant), int.Parse(size.Split('x')[1], invariant), pi));
        Console.WriteLine("| | threads | " + string.Join(" | ", columns.Select(c => FormattableString.Invariant($"K={c.K} D={c.D} pi={c.Pi}"))) + " |");
        Console.WriteLine("|---|---|" + string.Concat(columns.Select(_ => "---|")));
        var rows = new List<(string Name, int Threads)> { ("torch", 1), ("torch", 2), ("numpy", 1), ("numpy", 2) };
        rows.AddRange(ours.Select(o => (o.Label, o.Threads)));
        foreach (var (name, threads) in rows)
        {
            var cells = columns.Select(c =>
            {
                if (!results.TryGetValue((name, threads, c.K, c.D, c.Pi), out double rate)) return "-";
                double torch = results[("torch", 1, c.K, c.D, c.Pi)];
                return FormattableString.Invariant($"{Rate(rate)} ({rate / torch:F1}x)");
            });
            Console.WriteLine($"| {name} | {threads} | " + string.Join(" | ", cells) + " |");
        }
    }
    Console.WriteLine();
    Console.WriteLine($"Learning steps per second (dictionary and pi learned, batch 128, D = 64; 1 thread: per second of process CPU time, 2 threads: of wall clock; ratio = this / PyTorch on 1 thread). {Environment.ProcessorCount} cores, load average at the end {LoadAverage()}.");
    Console.WriteLine();
    Console.WriteLine("| | threads | K=64 | K=128 |");
    Console.WriteLine("|---|---|---|---|");
    foreach (string name in learners.Prepend("torch learning"))
    foreach (int threads in new[] { 1, 2 })
    {
        var cells = new[] { 64, 128 }.Select(k =>
            results.TryGetValue((name, threads, k, 64, 0), out double rate)
                ? FormattableString.Invariant($"{rate:F0} ({rate / results[("torch learning", 1, k, 64, 0)]:F2}x)") : "-");
        Console.WriteLine($"| {name} | {threads} | " + string.Join(" | ", cells) + " |");
    }
    return 0;
}

// One thread: CPU time (the code's cost, whatever else runs); two threads: wall clock (the speed-up).
static string Clock(int threads) => threads == 1 ? "cpu" : "wall";

static string Rate(double perSecond) => perSecond >= 1e6
    ? FormattableString.Invariant($"{perSecond / 1e6:F2}M")
    : FormattableString.Invariant($"{perSecond / 1e3:F0}k");

static string LoadAverage()
{
    try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
    catch (IOException) { return "unknown"; }
}
