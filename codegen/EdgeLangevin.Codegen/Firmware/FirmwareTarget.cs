using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Firmware;

/// <summary>The boards the firmware export knows, each with the RAM it may spend on one model.</summary>
public enum FirmwareTarget
{
    /// <summary>.NET nanoFramework on an ESP32 (WROOM-32, 520 KB SRAM, no PSRAM).</summary>
    NanoFramework,
    /// <summary>Meadow F7 Feather v2 (STM32F7, 32 MB SDRAM shared with Meadow.OS).</summary>
    Meadow,
    /// <summary>.NET IoT on a Linux single-board computer (Raspberry Pi class, 512 MB or more).</summary>
    Iot,
}

/// <summary>
/// Per-target RAM budgets and the RAM a model needs on the board. The budget is what the model
/// tables, the solver and the loop may take of the managed heap, leaving the rest to the runtime:
/// <list type="bullet">
/// <item>nanoframework: 64 KiB. nanoCLR on an ESP32-WROOM-32 leaves roughly 100 to 150 KB of managed heap
/// to the application (the interpreter, Wi-Fi and the native drivers take the rest of the 520 KB SRAM).</item>
/// <item>meadow: 4 MiB of the F7 Feather's 32 MB SDRAM, which Meadow.OS and the Mono runtime share.</item>
/// <item>iot: 256 MiB, half of the smallest Raspberry Pi with 512 MB.</item>
/// </list>
/// </summary>
public static class FirmwareTargets
{
    /// <summary>Bytes of heap per array on the smallest runtime (nanoFramework: block header, type and length).</summary>
    public const int ArrayOverheadBytes = 16;

    public static string Name(FirmwareTarget target) => target switch
    {
        FirmwareTarget.NanoFramework => "nanoframework",
        FirmwareTarget.Meadow => "meadow",
        FirmwareTarget.Iot => "iot",
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    public static FirmwareTarget Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "nanoframework" => FirmwareTarget.NanoFramework,
        "meadow" => FirmwareTarget.Meadow,
        "iot" => FirmwareTarget.Iot,
        _ => throw InvalidInputException.Field(null, "--target", $"unknown target '{text}', expected nanoframework, meadow or iot"),
    };

    /// <summary>RAM the model, its solver and the loop may use on <paramref name="target"/>, in bytes.</summary>
    public static long BudgetBytes(FirmwareTarget target) => target switch
    {
        FirmwareTarget.NanoFramework => 64L * 1024,
        FirmwareTarget.Meadow => 4L * 1024 * 1024,
        FirmwareTarget.Iot => 256L * 1024 * 1024,
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>
    /// Peak heap of the firmware for a D x K model with <paramref name="chains"/> chains and a golden
    /// run of <paramref name="goldenSteps"/> steps, counted array by array from the core's
    /// constructors (LangevinSolver, SolverWorkspace, GaussianNoise) and the shared firmware code:
    /// the exported dictionary (2DK) and the solver's column-major copy (2DK); per chain u, m, s_m,
    /// the active list and g_m (5 x 4K) and x, r, r_m (3 x 4D); the step scratch (drive 4K, flags K,
    /// accumulators 8D, clip counts 56, noise state 4B); the golden vector (4K + 4D + 4 steps + 4K); the
    /// loop's count and x windows (2 x 4D); the health and line buffers (1 KB); plus
    /// <see cref="ArrayOverheadBytes"/> per array; with learning, the learner's accumulators (8DK) and
    /// switching flags (one per chain). The self-test's solver is gone before the loop's is built.
    /// </summary>
    public static long EstimateRamBytes(int d, int k, int chains, int goldenSteps, bool learning)
    {
        long dk = (long)d * k;
        long bytes = 2 * dk + 2 * dk
            + chains * (5L * 4 * k + 3L * 4 * d) + 4L * chains + 4L * chains
            + 4L * k + k + 8L * d + 56
            + 4L * k + 4L * d + 4L * goldenSteps + 4L * k
            + 2 * 4L * d
            + 1024;
        int arrays = 23;
        if (learning)
        {
            bytes += 8L * dk + chains;
            arrays += 2;
        }
        return bytes + arrays * ArrayOverheadBytes;
    }
}
