using System.Device.Spi;
using EdgeLangevin.Firmware.Iot;

namespace EdgeLangevin.Firmware.Tests.Iot;

/// <summary>
/// An MCP3008 on a fake SPI bus: answers each 3-byte conversion request with the next recorded
/// count of the requested channel (wrapping at the end of the recording), exactly as the chip
/// frames it (null bit low, B9 B8 in the second byte, B7..B0 in the third). Faults on demand.
/// </summary>
internal sealed class ReplaySpiDevice : SpiDevice
{
    private readonly int[][] _channels = new int[Mcp3008.Channels][];
    private readonly int[] _next = new int[Mcp3008.Channels];

    public ReplaySpiDevice(int[] signal, int[] noise, int signalChannel = 0, int noiseChannel = 1)
    {
        _channels[signalChannel] = signal;
        _channels[noiseChannel] = noise;
    }

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
        readBuffer[0] = 0;
        readBuffer[1] = (byte)((value >> 8) & 3);
        readBuffer[2] = (byte)(value & 0xFF);
    }

    public override void Read(Span<byte> buffer) => throw new NotSupportedException();
    public override byte ReadByte() => throw new NotSupportedException();
    public override void Write(ReadOnlySpan<byte> buffer) => throw new NotSupportedException();
    public override void WriteByte(byte value) => throw new NotSupportedException();
}

/// <summary>A TextWriter that keeps the last lines in a fixed buffer and allocates nothing per write.</summary>
internal sealed class FixedBufferWriter : TextWriter
{
    private readonly char[] _buffer = new char[1 << 16];
    public int Length { get; private set; }
    public long Written { get; private set; }
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    public override void Write(char value)
    {
        Written++;
        _buffer[Length] = value;
        Length = (Length + 1) % _buffer.Length;
    }
    public override void Write(char[] buffer, int index, int count)
    {
        for (int i = 0; i < count; i++) Write(buffer[index + i]);
    }
    public override string ToString() => new(_buffer, 0, Length);
}
