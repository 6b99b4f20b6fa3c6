using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeLangevin.Benchmarks;

// Runs the benchmarks named by --filter; see README.md ("Benchmarks"). Release only.
// In-process (no generated project to build), a short job: 1 launch, 3 warm-ups, 10 iterations.
// `-- --cpu-time` instead times the single-threaded step benchmarks by process CPU time
// (median of 9 rounds of about 0.2 s each, after a 2 s warm-up: 300 steps ended before the tiered JIT
// had installed its final code, measured 1.8x slower): on a machine loaded far past its
// core count, wall time mostly measures the scheduler, CPU time the code. Each case runs in a
// child process of its own (`--cpu-time-case PI METHOD`): the solvers share methods, and the
// tiered JIT's profile-guided code for them depends on which cases ran before in the same
// process (measured: up to 2x on the same case), so one process per case is the fair
// comparison. Ratios are float / case: above 1, the case is faster than the float reference.
string[] cpuCases =
[
    nameof(StepBenchmarks.FloatOneThread), nameof(StepBenchmarks.Fixed), nameof(StepBenchmarks.FixedDense),
    nameof(StepBenchmarks.FixedVector), nameof(StepBenchmarks.FixedVectorDense),
];
if (args.Length > 0 && args[0] == "--step-bias")
{
    StepBiasTable.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 256,
        args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300);
    return;
}
if (args.Length == 3 && args[0] == "--cpu-time-case")
{
    var bench = new StepBenchmarks { Pi = double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) };
    bench.Setup(args[2]);
    var method = typeof(StepBenchmarks).GetMethod(args[2]) ?? throw new ArgumentException($"no benchmark {args[2]}");
    var step = method.CreateDelegate<Action>(bench);
    var attribute = (BenchmarkAttribute)Attribute.GetCustomAttribute(method, typeof(BenchmarkAttribute))!;
    var process = Process.GetCurrentProcess();
    var warm = Stopwatch.StartNew();
    int warmSteps = 0;
    for (; warm.ElapsedMilliseconds < 2000; warmSteps++) step(); // warm-up: 2 s, long enough for the tiered JIT to reach its final code
    int perRound = Math.Max(20, warmSteps / 10); // rounds of about 0.2 s: a short burst of load on the shared core moves one round, not the median
    var rounds = new double[9];
    for (int r = 0; r < rounds.Length; r++)
    {
        process.Refresh();
        var t0 = process.TotalProcessorTime;
        for (int i = 0; i < perRound; i++) step();
        process.Refresh();
        rounds[r] = (process.TotalProcessorTime - t0).TotalMicroseconds / perRound;
    }
    Array.Sort(rounds);
    Console.WriteLine(FormattableString.Invariant($"{rounds[rounds.Length / 2]:F1}\t{attribute.Description}"));
    if (args[2] == nameof(StepBenchmarks.Fixed)) bench.Report();
    return;
}
if (args.Length > 0 && args[0] == "--cpu-time")
{
    foreach (double pi in new[] { 0.1, 1.0 })
    {
        var us = new Dictionary<string, double>();
        foreach (string name in cpuCases)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
                start.ArgumentList.Add(typeof(Program).Assembly.Location); // run through the dotnet host
            foreach (string a in new[] { "--cpu-time-case", pi.ToString(System.Globalization.CultureInfo.InvariantCulture), name }) start.ArgumentList.Add(a);
            using var child = Process.Start(start)!;
            string[] lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            child.WaitForExit();
            if (child.ExitCode != 0 || lines.Length == 0) throw new InvalidOperationException($"case {name} failed (exit {child.ExitCode})");
            string[] fields = lines[0].Split('\t');
            us[name] = double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"pi = {pi}: {fields[1]}: {us[name]:F0} us CPU per step (median of 9), float/this = {us[cpuCases[0]] / us[name]:F2}");
            foreach (string extra in lines.Skip(1)) Console.WriteLine(extra);
        }
        Console.WriteLine($"pi = {pi}: dense / event-driven: scalar kernel {us[nameof(StepBenchmarks.FixedDense)] / us[nameof(StepBenchmarks.Fixed)]:F2}, vector kernel {us[nameof(StepBenchmarks.FixedVectorDense)] / us[nameof(StepBenchmarks.FixedVector)]:F2}");
    }
    return;
}
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
