using System.Device.Spi;

namespace EdgeLangevin.Firmware.Iot;

/// <summary>
/// A recorded MCP3008 on a simulated SPI bus (the `--replay` mode and the tests): answers each 3-byte
/// conversion request with the next recorded count of the requested channel (wrapping at the end of
/// the recording, never silently: the first wrap of each channel is counted and written to
/// <see cref="Warnings"/>, because from then on that channel repeats with the recording's period,
/// which the noise health tests cannot see), framed as the chip frames it (null bit low, B9 B8 in the second byte, B7..B0 in
/// the third). Faults on demand, for the tests of the error paths. It is a subclass of the real
/// System.Device.Spi.SpiDevice, not a stand-in for it.
/// </summary>
public sealed class RecordedSpiDevice : SpiDevice
{
    private readonly int[][] _channels = new int[Mcp3008.Channels][];
    private readonly int[] _next = new int[Mcp3008.Channels];
    private readonly long[] _wraps = new long[Mcp3008.Channels];
    private readonly string[] _names = new string[Mcp3008.Channels];

    public RecordedSpiDevice(int[] signal, int[] noise, int signalChannel = 0, int noiseChannel = 1, string signalName = "the signal recording", string noiseName = "the noise recording")
    {
        _channels[signalChannel] = signal;
        _channels[noiseChannel] = noise;
        _names[signalChannel] = signalName;
        _names[noiseChannel] = noiseName;
    }

    /// <summary>Where the first wrap of each channel is reported (the console in --replay mode).</summary>
    public TextWriter? Warnings { get; set; }

    /// <summary>How many times <paramref name="channel"/>'s recording has been started over.</summary>
    public long Wraps(int channel) => _wraps[channel];

    /// <summary>Transfers so far.</summary>
    public long Transfers { get; private set; }

    /// <summary>Transfer number (1-based) that throws an IOException, or 0.</summary>
    public long FailAtTransfer { get; set; }

    /// <summary>When set, every answer is 0xFF bytes (MISO floating, no chip).</summary>
    public bool FloatingMiso { get; set; }

    public int Position(int channel) => _next[channel];

    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, 0);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Transfers++;
        if (Transfers == FailAtTransfer) throw new IOException("simulated SPI bus error");
        if (writeBuffer.Length != 3 || readBuffer.Length != 3 || writeBuffer[0] != 0x01 || (writeBuffer[1] & 0x8F) != 0x80)
            throw new InvalidOperationException("not an MCP3008 single-ended conversion request");
        if (FloatingMiso)
        {
            readBuffer.Fill(0xFF);
            return;
        }
        int channel = (writeBuffer[1] >> 4) & 7;
        int[] data = _channels[channel] ?? throw new InvalidOperationException($"nothing recorded on channel {channel}");
        int value = data[_next[channel]];
        _next[channel] = (_next[channel] + 1) % data.Length;
        if (_next[channel] == 0 && _wraps[channel]++ == 0)
            Warnings?.WriteLine($"warning: {_names[channel]} ({data.Length} counts) is used up; replaying it from the start, so channel {channel} now repeats with period {data.Length}");
        readBuffer[0] = 0;
        readBuffer[1] = (byte)((value >> 8) & 3);
        readBuffer[2] = (byte)(value & 0xFF);
    }

    public override void Read(Span<byte> buffer) => throw new NotSupportedException();
    public override byte ReadByte() => throw new NotSupportedException();
    public override void Write(ReadOnlySpan<byte> buffer) => throw new NotSupportedException();
    public override void WriteByte(byte value) => throw new NotSupportedException();
}


/// <summary>Reads a recording: one count per line, lines starting with '#' are comments.</summary>
public static class RecordingFile
{
    /// <summary>
    /// The largest recording read: 64 MiB, some 13 million counts (about 20 minutes of one channel at the MCP3008's
    /// 10 k conversions per second); a larger file is not a recording made for replay.
    /// </summary>
    public const long MaxBytes = 64L << 20;

    public static int[] Read(string path)
    {
        switch (EdgeLangevin.Reference.Io.FileKinds.OfTarget(path, out string? problem))
        {
            case EdgeLangevin.Reference.Io.FileKind.Missing:
                throw new FormatException($"{path}: recording not found{(problem is null ? "" : ": the path is " + problem)}");
            case EdgeLangevin.Reference.Io.FileKind.Directory:
                throw new FormatException($"{path}: is a folder, expected a recording (one count per line)");
            case EdgeLangevin.Reference.Io.FileKind.Special:
                throw new FormatException($"{path}: is a device node, FIFO or socket, expected a recording (a regular file): reading it could wait for a writer or never end");
        }
        var values = new List<int>();
        int line = 0;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxBytes)
                throw new FormatException($"{path}: {length} bytes, more than the {MaxBytes} bytes a recording may be");
            foreach (string text in File.ReadLines(path))
                Parse(text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot read this recording: {e.Message}", e);
        }
        if (values.Count == 0) throw new FormatException($"{path}: no counts");
        return values.ToArray();

        void Parse(string text)
        {
            line++;
            if (text.Length == 0 || text[0] == '#') return;
            if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) || v < 0 || v > Mcp3008.MaxValue)
                throw new FormatException($"{path}, line {line}: expected a count 0 to 1023, got '{(text.Length > 40 ? text[..40] + "..." : text)}'");
            values.Add(v);
        }
    }

    /// <summary>
    /// A noise recording for replay: at least <paramref name="minimumCounts"/> counts (one window of the
    /// health tests), else a short loop would stand in for noise and pass them by repetition.
    /// </summary>
    public static int[] ReadNoise(string path, int minimumCounts)
    {
        int[] counts = Read(path);
        if (counts.Length < minimumCounts)
            throw new FormatException($"{path}: {counts.Length} counts; a noise recording needs at least {minimumCounts} (one health-test window), else it repeats with a period the health tests cannot see");
        return counts;
    }
}
