using System.Globalization;
using System.Text;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>The board's answer to 'H' (el_entropy_ctl): the health tests' state and counts.</summary>
public sealed record BoardHealth(NoiseHealthStatus Status, int Mode, int Failures, long RawBitsTested, long FaultRawBit, int FaultMeasure, int LastLag1Q15)
{
    /// <summary>Bytes after the 'h'.</summary>
    public const int ReplyBytes = 16;

    public static BoardHealth Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length != ReplyBytes) throw new ArgumentException($"expected {ReplyBytes} bytes after 'h', got {b.Length}");
        return new BoardHealth((NoiseHealthStatus)b[0], b[1], BitConverter.ToUInt16(b[2..4]), BitConverter.ToUInt32(b[4..8]),
            BitConverter.ToUInt32(b[8..12]), BitConverter.ToInt16(b[12..14]), BitConverter.ToInt16(b[14..16]));
    }

    public string ModeName => Mode switch { 0 => "deterministic", 1 => "seeded", 2 => "physical", _ => $"unknown ({Mode})" };

    public override string ToString() =>
        FormattableString.Invariant($"entropy source: {NoiseHealth.Describe(Status)}; noise mode {ModeName}; {RawBitsTested} raw bits tested, {Failures} failures") +
        (Status == NoiseHealthStatus.Ok ? "" : FormattableString.Invariant($", the failure at raw bit {FaultRawBit} (measure {FaultMeasure})")) +
        FormattableString.Invariant($"; last window's lag-1 correlation {LastLag1Q15 / 32768.0:0.000}");
}

/// <summary>
/// The board's answer to 'G' (el_entropy_ctl): the generator seed the top holds, whether the last run started
/// from it (loaded into the generator at the run's start, no 'S' since) and whether it came from the entropy pool.
/// </summary>
public sealed record BoardRunSeed(int Seed, bool FromLastRun, bool FromPool)
{
    /// <summary>Bytes after the 'g'.</summary>
    public const int ReplyBytes = 5;

    public static BoardRunSeed Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length != ReplyBytes) throw new ArgumentException($"expected {ReplyBytes} bytes after 'g', got {b.Length}");
        return new BoardRunSeed(BitConverter.ToInt32(b[..4]), (b[4] & 1) != 0, (b[4] & 2) != 0);
    }

    public override string ToString() => !FromLastRun
        ? FormattableString.Invariant($"generator seed 0x{Seed:x8}, not the last run's (it did not start from a seed, or an 'S' came since)")
        : FromPool
            ? FormattableString.Invariant($"the run's generator seed 0x{Seed:x8} came from the entropy pool")
            : FormattableString.Invariant($"the run's generator seed 0x{Seed:x8} is the host's or the reset's (not the entropy pool's)");
}

/// <summary>The entropy commands of the board protocol: 'N' mode, 'H' health, 'E' raw bits, 'G' the run's seed.</summary>
public static class EntropyProtocol
{
    /// <summary>Most bytes one 'E' returns (the board's capture buffer).</summary>
    public const int MaxRawBytesPerRead = 512;

    public static byte[] Health() => [(byte)'H'];

    /// <summary>'G': the generator seed of the last run (<see cref="BoardRunSeed"/>).</summary>
    public static byte[] RunSeed() => [(byte)'G'];

    public static byte[] Mode(int mode, bool clearFailure) => [(byte)'N', (byte)(mode | (clearFailure ? 0x80 : 0))];

    public static byte[] ReadRaw(int bytes)
    {
        if (bytes < 1 || bytes > MaxRawBytesPerRead) throw new ArgumentOutOfRangeException(nameof(bytes), $"1 to {MaxRawBytesPerRead} bytes per 'E'");
        return [(byte)'E', (byte)bytes, (byte)(bytes >> 8)];
    }

    /// <summary>The raw bits of an 'E' reply, in sampling order (bit 0 of each byte first).</summary>
    public static int[] UnpackBits(ReadOnlySpan<byte> bytes)
    {
        var bits = new int[8 * bytes.Length];
        for (int i = 0; i < bits.Length; i++) bits[i] = (bytes[i >> 3] >> (i & 7)) & 1;
        return bits;
    }

    /// <summary>
    /// The raw-sample file the replay and health tooling read (the firmware tests' Recordings format:
    /// '#' comment lines, then one sample per line): one line per raw bit, a comment before each
    /// block of consecutive bits (blocks are consecutive inside, not between each other).
    /// </summary>
    public static string RawFileText(IReadOnlyList<int[]> blocks, string source)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(source).Append(": raw bits of the ring-oscillator entropy source, ")
          .Append(blocks.Sum(b => b.Length).ToString(CultureInfo.InvariantCulture)).Append(" bits in ")
          .Append(blocks.Count.ToString(CultureInfo.InvariantCulture)).Append(" blocks of consecutive samples\n");
        for (int i = 0; i < blocks.Count; i++)
        {
            sb.Append("# block ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (int b in blocks[i]) sb.Append(b == 0 ? "0\n" : "1\n");
        }
        return sb.ToString();
    }
}

/// <summary>
/// SP 800-90B section 6.3.1, the most common value estimate: with p = (count of the most common
/// value) / L, the upper 99 % bound p_u = min(1, p + 2.576 sqrt(p (1 - p) / (L - 1))), and the
/// min-entropy per sample -log2(p_u).
/// </summary>
public static class MinEntropy
{
    public static (double PHat, double PUpper, double BitsPerSample, int MostCommon) MostCommonValue(IReadOnlyList<int> samples)
    {
        if (samples.Count < 2) throw new InvalidInputException($"the most common value estimate needs at least 2 samples, got {samples.Count}");
        var counts = new Dictionary<int, int>();
        foreach (int s in samples) counts[s] = counts.GetValueOrDefault(s) + 1;
        var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First();
        double p = best.Value / (double)samples.Count;
        double pu = UpperBound(p, samples.Count);
        return (p, pu, -Math.Log2(pu), best.Key);
    }

    /// <summary>The upper 99 % bound p_u = min(1, p + 2.576 sqrt(p (1 - p) / (L - 1))) of a most common value seen with frequency <paramref name="p"/> in <paramref name="samples"/> = L samples.</summary>
    public static double UpperBound(double p, int samples) => Math.Min(1.0, p + 2.576 * Math.Sqrt(p * (1 - p) / (samples - 1)));

    /// <summary>
    /// The most a perfect binary source can show in <paramref name="samples"/> samples: its most common value still has
    /// p = ceil(L / 2) / L at best, and the bound adds to that.
    /// </summary>
    public static double PerfectBinaryBits(int samples) => -Math.Log2(UpperBound(Math.Ceiling(samples / 2.0) / samples, samples));

    /// <summary>
    /// The fewest binary samples with which <see cref="MostCommonValue"/> can show <paramref name="claimedBits"/> per sample
    /// at all: even a perfect source's most common value has p >= 1/2, and the 99 % bound adds 2.576 sqrt(p (1 - p) /
    /// (L - 1)), so fewer samples cannot reach the claim whatever they are; null when no finite sample can (a claim of
    /// 1 bit: the bound stays above 1/2).
    /// </summary>
    public static int? BinarySamplesToShow(double claimedBits)
    {
        double target = Math.Pow(2, -claimedBits) - 0.5;
        if (!(target > 0)) return null;
        // L - 1 >= (2.576 / 2 / target)^2 at p = 1/2; an odd L has p = (L + 1) / 2L, so step on until one shows it
        double first = 1 + Math.Ceiling(Math.Pow(1.288 / target, 2));
        if (first > 1 << 26) return null;
        for (int l = Math.Max(2, (int)first - 2); l < (int)first + 64; l++)
            if (PerfectBinaryBits(l) >= claimedBits) return l;
        return null;
    }
}

/// <summary>Talks the entropy commands over the board's byte stream.</summary>
public sealed class EntropyLink(Stream stream)
{
    public BoardHealth Health()
    {
        Send(EntropyProtocol.Health(), 'h');
        return BoardHealth.Parse(Read(BoardHealth.ReplyBytes));
    }

    public BoardRunSeed RunSeed()
    {
        Send(EntropyProtocol.RunSeed(), 'g');
        return BoardRunSeed.Parse(Read(BoardRunSeed.ReplyBytes));
    }

    /// <summary>Selects the noise mode (0 deterministic, 1 seeded), optionally clearing a latched failure; returns the mode in effect.</summary>
    public int Mode(int mode, bool clearFailure)
    {
        Send(EntropyProtocol.Mode(mode, clearFailure), 'n');
        return Read(1)[0];
    }

    /// <summary>Reads <paramref name="bytes"/> bytes of raw bits in blocks of at most 512 (each block consecutive).</summary>
    public List<int[]> ReadRaw(int bytes)
    {
        var blocks = new List<int[]>();
        while (bytes > 0)
        {
            int n = Math.Min(bytes, EntropyProtocol.MaxRawBytesPerRead);
            Send(EntropyProtocol.ReadRaw(n), 'e');
            blocks.Add(EntropyProtocol.UnpackBits(Read(n)));
            bytes -= n;
        }
        return blocks;
    }

    private void Send(byte[] command, char ack)
    {
        stream.Write(command);
        stream.Flush();
        int got = stream.ReadByte();
        if (got < 0) throw new HdlToolException("no answer from the board (timeout): is the bitstream built with hdl.entropy.enabled loaded?");
        if (got != ack) throw new HdlToolException($"the board answered 0x{got:x2} to '{(char)command[0]}', expected '{ack}' (a bitstream without the entropy source answers '?')");
    }

    private byte[] Read(int n)
    {
        var b = new byte[n];
        int got = 0;
        while (got < n)
        {
            int r = stream.Read(b, got, n - got);
            if (r <= 0) throw new HdlToolException($"the board stopped answering after {got} of {n} bytes");
            got += r;
        }
        return b;
    }
}
