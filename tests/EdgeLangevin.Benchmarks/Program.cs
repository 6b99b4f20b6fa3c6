using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeLangevin.Benchmarks;

// Runs the benchmarks named by --filter; see README.md ("Benchmarks"). Release only.
// In-process (no generated project to build), a short job: 1 launch, 3 warm-ups, 10 iterations.
// `-- --cpu-time` instead times the single-threaded step benchmarks by process CPU time
// (median of 9 rounds of 20 steps): on a machine loaded far past its core count, wall
// time mostly measures the scheduler, CPU time the code.
if (args.Length > 0 && args[0] == "--cpu-time")
{
    foreach (double pi in new[] { 0.1, 1.0 })
    {
        var bench = new StepBenchmarks { Pi = pi };
        bench.Setup();
        var cases = new (string Name, Action Step)[]
        {
            ("float reference (1 thread)", bench.FloatOneThread),
            ("fixed point, scalar kernel, event-driven (1 thread)", bench.Fixed),
            ("fixed point, scalar kernel, dense (1 thread)", bench.FixedDense),
            ("fixed point, vector kernel, event-driven (1 thread)", bench.FixedVector),
            ("fixed point, vector kernel, dense (1 thread)", bench.FixedVectorDense),
        };
        var process = Process.GetCurrentProcess();
        var medians = new double[cases.Length];
        for (int c = 0; c < cases.Length; c++)
        {
            Action step = cases[c].Step;
            for (int i = 0; i < 20; i++) step(); // warm-up (tiered JIT)
            var rounds = new double[9];
            for (int r = 0; r < rounds.Length; r++)
            {
                process.Refresh();
                var t0 = process.TotalProcessorTime;
                for (int i = 0; i < 20; i++) step();
                process.Refresh();
                rounds[r] = (process.TotalProcessorTime - t0).TotalMicroseconds / 20;
            }
            Array.Sort(rounds);
            medians[c] = rounds[rounds.Length / 2];
            // float / this: above 1 means this case is faster than the float reference.
            Console.WriteLine($"pi = {pi}: {cases[c].Name}: {medians[c]:F0} us CPU per step (median of {rounds.Length}), float/this = {medians[0] / medians[c]:F2}");
        }
        bench.Report();
    }
    return;
}
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
