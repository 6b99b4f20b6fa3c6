using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using EdgeLangevin.Core;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// The scalar kernel's cost as the nanoFramework interpreter sees it: IL instructions executed per
/// chain-step, which it runs one at a time. Measured, not estimated: the step runs in a child process
/// whose JIT keeps every method in its instrumented tier (tiered PGO with basic-block counters, no
/// tier-up, no on-stack replacement) and writes the counters at exit (DOTNET_WritePGOData). Each
/// EdgeLangevin.Core method's IL is decoded into its basic blocks, so IL instructions executed =
/// sum over blocks of (times the block ran) x (instructions in it). Two runs that differ only in the
/// number of measured steps are subtracted, which removes setup and burn-in exactly; the difference
/// divided by steps x chains is the count per chain-step. Calls into the base library (Array.Clear) count
/// as their call instruction only: on a board they are native. The board compiles the same C# source
/// (the Core's shared project), so its IL is this IL up to the compiler's choices. The JIT does not put a
/// counter in every block (LangevinSolver.StepChainWith has three); an instruction in an uncounted block
/// is given the count of the counted block before it, which touches only the solver's few per-chain
/// instructions, not the kernel's loops (Fill4's count matches its loop's hand count within 2 %).
/// `-- --scalar-il` prints the total and the per-method split at K = 128, D = 64, pi = 0.1 and 1.
/// </summary>
public static class ScalarIlCount
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The offsets of a method body's IL instructions, in order.</summary>
    public static List<int> InstructionOffsets(byte[] il)
    {
        var offsets = new List<int>();
        int pos = 0;
        while (pos < il.Length)
        {
            offsets.Add(pos);
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            OpCode op = OpCodesByValue[value];
            pos += op.Size + op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos + op.Size),
                _ => 4,
            };
        }
        return offsets;
    }

    /// <summary>Prints the IL instructions per chain-step of the scalar solver (the parent side).</summary>
    public static int Print()
    {
        const int fewer = 20, more = 120; // measured steps of the two runs
        foreach (double pi in new[] { 0.1, 1.0 })
        {
            var a = Run(pi, fewer);
            var b = Run(pi, more);
            double perChainStep = 1.0 / ((more - fewer) * (double)StepBenchmarks.Batch);
            var rows = b.Keys.Select(m => (Method: m, Count: (b[m] - a.GetValueOrDefault(m)) * perChainStep))
                .Where(r => r.Count > 0).OrderByDescending(r => r.Count).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"K x D = 128x64, pi = {pi}: {rows.Sum(r => r.Count):F0} IL instructions per chain-step (scalar kernel, event-driven; basic-block counts of {more} - {fewer} steps of {StepBenchmarks.Batch} chains)"));
            foreach (var (method, count) in rows) Console.WriteLine(FormattableString.Invariant($"  {count,9:F1}  {method}"));
        }
        return 0;
    }

    // Runs the child ("--il-steps PI STEPS") with the instrumented JIT; returns IL instructions executed per Core method.
    private static Dictionary<string, double> Run(double pi, int steps)
    {
        string data = Path.Combine(Path.GetTempPath(), $"edgelangevin-il-{Environment.ProcessId}-{steps}.txt");
        File.Delete(data);
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe") start.ArgumentList.Add(typeof(ScalarIlCount).Assembly.Location);
        foreach (string arg in new[] { "--il-steps", pi.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(arg);
        // Block counters in every method from its first call, exact (not the scalable approximate ones),
        // and nothing ever leaves that tier (no call counting, no on-stack replacement: the runtime reads
        // these numbers in hexadecimal).
        start.Environment["DOTNET_TieredCompilation"] = "1";
        start.Environment["DOTNET_TieredPGO"] = "1";
        start.Environment["DOTNET_TieredPGO_InstrumentOnlyHotCode"] = "0";
        start.Environment["DOTNET_JitEdgeProfiling"] = "0";
        start.Environment["DOTNET_JitScalableProfiling"] = "0";
        start.Environment["DOTNET_JitMinimalJitProfiling"] = "0";
        start.Environment["DOTNET_TC_CallCounting"] = "0";
        start.Environment["DOTNET_OSR_HitLimit"] = "7FFFFFFF";
        start.Environment["DOTNET_TC_OnStackReplacement_InitialCounter"] = "7FFFFFFF";
        start.Environment["DOTNET_ReadyToRun"] = "1";
        start.Environment["DOTNET_WritePGOData"] = "1";
        start.Environment["DOTNET_PGODataPath"] = data;
        using (var child = Process.Start(start)!)
        {
            child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            if (child.ExitCode != 0 || !File.Exists(data)) throw new InvalidOperationException($"the instrumented child failed (exit {child.ExitCode}) or wrote no PGO data");
        }
        var result = Parse(File.ReadAllLines(data));
        File.Delete(data);
        return result;
    }

    // The PGO text: "MethodName: T.M", then "Schema InstrumentationKind 65 ILOffset o Count 1 Other 0" lines,
    // each followed by the block's count. Only EdgeLangevin.Core's methods are kept. The JIT puts no
    // counter in a method without branches (one block: UnitConstants' getters, GaussianNoise.FromWord);
    // such a callee runs once per executed call instruction, so its instructions are added at each call.
    private static Dictionary<string, double> Parse(string[] lines)
    {
        var counted = new Dictionary<MethodBase, SortedDictionary<int, long>>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("@@@", StringComparison.Ordinal)) continue;
            int ilSize = Convert.ToInt32(lines[i].Split(' ')[6], 16);
            string name = lines[i + 1]["MethodName: ".Length..];
            var blocks = new SortedDictionary<int, long>();
            for (int j = i + 3; j + 1 < lines.Length && lines[j].StartsWith("Schema InstrumentationKind 65 ", StringComparison.Ordinal); j += 2)
                blocks[int.Parse(lines[j].Split(' ')[4], CultureInfo.InvariantCulture)] = long.Parse(lines[j + 1], CultureInfo.InvariantCulture);
            if (name.StartsWith("EdgeLangevin.Core.", StringComparison.Ordinal) && blocks.Count > 0) counted[Find(name, ilSize)] = blocks;
        }
        var result = new Dictionary<string, double>();
        void Add(MethodBase m, double n) => result[$"{m.DeclaringType!.Name}.{m.Name}"] = result.GetValueOrDefault($"{m.DeclaringType!.Name}.{m.Name}") + n;
        foreach (var (method, blocks) in counted)
        {
            byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
            var starts = blocks.Keys.ToArray();
            int block = -1;
            foreach (int at in InstructionOffsets(il))
            {
                // Each instruction belongs to the last counted block starting at or before it.
                while (block + 1 < starts.Length && starts[block + 1] <= at) block++;
                if (block < 0) continue;
                long times = blocks[starts[block]];
                Add(method, times);
                MethodBase? callee = Callee(method, il, at);
                if (callee is not null && !counted.ContainsKey(callee) && callee.DeclaringType!.Assembly == method.DeclaringType!.Assembly
                    && callee.GetMethodBody()?.GetILAsByteArray() is { } body && !HasBranch(body))
                    Add(callee, times * (double)InstructionOffsets(body).Count);
            }
        }
        return result;
    }

    // Whether a body has a branch (then, when it runs, the JIT counts its blocks itself).
    private static bool HasBranch(byte[] il) => InstructionOffsets(il).Any(at =>
        OpCodesByValue[il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at]].FlowControl is FlowControl.Branch or FlowControl.Cond_Branch);

    // The method a call, callvirt or newobj at offset at calls, else null.
    private static MethodBase? Callee(MethodBase method, byte[] il, int at)
    {
        if (il[at] != OpCodes.Call.Value && il[at] != OpCodes.Callvirt.Value && il[at] != OpCodes.Newobj.Value) return null;
        return method.Module.ResolveMethod(BitConverter.ToInt32(il, at + 1));
    }

    private static MethodBase Find(string name, int ilSize)
    {
        int dot = name.EndsWith("..ctor", StringComparison.Ordinal) || name.EndsWith("..cctor", StringComparison.Ordinal) ? name.LastIndexOf('.') - 1 : name.LastIndexOf('.');
        string typeName = name[..dot], methodName = name[(dot + 1)..];
        Type type = typeof(LangevinSolver).Assembly.GetType(typeName) ?? throw new InvalidOperationException($"no type {typeName}");
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all))
            .First(m => m.Name == methodName && m.GetMethodBody()?.GetILAsByteArray()?.Length == ilSize);
    }

    /// <summary>The child: builds the scalar solver of the step benchmark (300 burn-in steps) and runs <paramref name="steps"/> more.</summary>
    public static int Child(double pi, int steps)
    {
        var bench = new StepBenchmarks { Pi = pi, Size = "128x64" };
        bench.Setup(nameof(StepBenchmarks.Fixed));
        for (int i = 0; i < steps; i++) bench.Fixed();
        return 0;
    }
}
