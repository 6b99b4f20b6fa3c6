using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Cli.Commands;

/// <summary>
/// 'hdl run''s 'G' exchange (issue 16), one place for inference and learning runs with the entropy source: after the run
/// the host reads the generator seed the chip holds and whether the run started from it and from the entropy pool
/// (el_entropy_ctl; <see cref="BoardRunSeed"/>), and the C# run to compare with starts from the seed that says.
/// </summary>
public static partial class HdlCommands
{
    /// <summary>
    /// G's answer in the simulated host's byte stream: 'g' and 5 bytes of 10 UART bit times at the board
    /// testbench's 8 clocks per bit, about 500 clocks; the byte behind it waits this long, because the top loses
    /// a non-entropy command byte that arrives while el_entropy_ctl answers (a host on a port waits for the reply).
    /// </summary>
    private const int SeedReplyClocks = 2000;

    /// <summary>Bytes of G's answer: 'g' and the seed and flags.</summary>
    private const int RunSeedReplyBytes = 1 + BoardRunSeed.ReplyBytes;

    /// <summary>
    /// Appends 'G' to the simulated host's bytes (to go once the run's answer came) and holds the byte after it back
    /// <see cref="SeedReplyClocks"/> clocks (the board testbench's +delay_at / +delay_clks).
    /// </summary>
    private static void RequestRunSeed(List<byte> bytes, List<string> plusargs)
    {
        bytes.AddRange(EntropyProtocol.RunSeed());
        plusargs.Add(FormattableString.Invariant($"+delay_at={bytes.Count}"));
        plusargs.Add(FormattableString.Invariant($"+delay_clks={SeedReplyClocks}"));
    }

    /// <summary>G's answer from the simulated board's reply (<see cref="RunSeedReplyBytes"/> bytes).</summary>
    private static BoardRunSeed ParseRunSeedReply(ReadOnlySpan<byte> reply)
    {
        if (reply.Length != RunSeedReplyBytes || reply[0] != (byte)'g')
            throw new JobFailedException($"the simulated board answered 0x{(reply.Length > 0 ? reply[0] : 0):x2} to 'G', expected 'g' and {BoardRunSeed.ReplyBytes} bytes");
        return BoardRunSeed.Parse(reply[1..]);
    }

    /// <summary>
    /// The generator seed the C# run must start from, after checking what 'G' said of the <paramref name="run"/> by noise
    /// mode: deterministic: the host's seed, which 'G' must name as the last run's and not the pool's; seeded (no 'S'
    /// was sent): the chip's, which the last run must have started from (a run without a pool seed -- health failure,
    /// pool not full yet -- took the reset's seed 1 or the previous one, and the output says so); physical: the host's
    /// (the words are the rings', the seed only matters after a fallback).
    /// </summary>
    private static int GeneratorSeedOfTheRun(NoiseMode mode, BoardRunSeed runSeed, int hostSeed, string run, TextWriter output)
    {
        switch (mode)
        {
            case NoiseMode.Deterministic:
                if (!(runSeed.FromLastRun && !runSeed.FromPool && runSeed.Seed == hostSeed))
                    throw new JobFailedException($"the board says {runSeed}; deterministic mode runs from the host's seed 0x{hostSeed:x8}");
                return hostSeed;
            case NoiseMode.Seeded:
                if (!runSeed.FromLastRun)
                    throw new JobFailedException($"the board says {runSeed}; the {run} must have started from a seed ('G')");
                if (!runSeed.FromPool)
                    output.WriteLine(FormattableString.Invariant($"seeded mode, but the entropy pool gave no seed for this run (its health tests failed or it was not full yet): the generator ran from seed 0x{runSeed.Seed:x8}"));
                return runSeed.Seed;
            default:
                return hostSeed;
        }
    }

    private static JsonObject RunSeedJson(BoardRunSeed s) => new() { ["seed"] = s.Seed, ["from_last_run"] = s.FromLastRun, ["from_pool"] = s.FromPool };
}
