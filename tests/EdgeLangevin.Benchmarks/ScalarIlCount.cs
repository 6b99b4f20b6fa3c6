using System.Reflection;
using System.Reflection.Emit;
using EdgeLangevin.Core;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// The scalar kernel's cost as the nanoFramework interpreter sees it: IL instructions, which it
/// executes one at a time. For each method of a step it decodes the compiled IL, finds the
/// loops (a backward branch from B to T makes [T, B] one loop: body plus condition) and prints
/// every loop's static instruction count per iteration. Both arms of an if inside a loop are
/// counted, so a count is an upper bound on what one iteration executes. `-- --scalar-il` prints
/// them; the per-step total for K = 128, D = 64, n active units combines them with the trip counts.
/// </summary>
public static class ScalarIlCount
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Loops of a method as (start offset, end offset, instructions in [start, end]), innermost first by size.</summary>
    public static List<(int Start, int End, int Instructions)> Loops(MethodInfo method, out int total)
    {
        byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
        var offsets = new List<int>();
        var loops = new List<(int, int)>();
        int pos = 0;
        while (pos < il.Length)
        {
            int at = pos;
            offsets.Add(at);
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            OpCode op = OpCodesByValue[value];
            pos += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
                _ => 4,
            };
            if (op.OperandType == OperandType.ShortInlineBrTarget)
            {
                int target = pos + 1 + (sbyte)il[pos];
                if (target <= at) loops.Add((target, at));
            }
            else if (op.OperandType == OperandType.InlineBrTarget)
            {
                int target = pos + 4 + BitConverter.ToInt32(il, pos);
                if (target <= at) loops.Add((target, at));
            }
            pos += operand;
        }
        total = offsets.Count;
        return loops.Select(l => (l.Item1, l.Item2, offsets.Count(o => o >= l.Item1 && o <= l.Item2))).OrderBy(l => l.Item3).ToList();
    }

    public static void Print()
    {
        var methods = new (Type Type, string Name)[]
        {
            (typeof(GaussianNoise), nameof(GaussianNoise.Fill4)),
            (typeof(ScalarStepKernel), nameof(ScalarStepKernel.Threshold)),
            (typeof(ScalarStepKernel), nameof(ScalarStepKernel.Reconstruct)),
            (typeof(ScalarStepKernel), nameof(ScalarStepKernel.Residual)),
            (typeof(ScalarStepKernel), nameof(ScalarStepKernel.Correlate)),
            (typeof(ScalarStepKernel), nameof(ScalarStepKernel.UpdateFirstOrder)),
        };
        foreach (var (type, name) in methods)
        {
            MethodInfo method = type.GetMethod(name)!;
            var loops = Loops(method, out int total);
            Console.WriteLine($"{type.Name}.{name}: {total} IL instructions; loops (IL instructions per iteration, body and condition): "
                + string.Join(", ", loops.Select(l => $"[{l.Start:X4}-{l.End:X4}] {l.Instructions}")));
        }
    }
}
