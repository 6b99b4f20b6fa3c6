using BenchmarkDotNet.Running;

// Runs the benchmarks named by --filter; see README.md ("Benchmarks").
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
