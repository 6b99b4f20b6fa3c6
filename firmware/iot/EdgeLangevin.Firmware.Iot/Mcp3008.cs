using System.Device.Spi;

namespace EdgeLangevin.Firmware.Iot;

/// <summary>An SPI read that failed: the bus threw, or the MCP3008's answer was not plausible.</summary>
public sealed class SpiReadException(int channel, string problem, Exception? inner = null)
    : Exception($"MCP3008 channel {channel}: {problem}", inner)
{
    public int Channel { get; } = channel;
}

/// <summary>
/// The MCP3008 10-bit ADC over SPI (mode 0, at most 1.35 MHz at 3.3 V). One single-ended
/// conversion is one 3-byte full-duplex transfer: send 0x01 (start bit), 0x80 | channel &lt;&lt; 4
/// (single-ended, channel), 0x00; the result is ((rx[1] &amp; 3) &lt;&lt; 8) | rx[2]. The buffers are
/// allocated once, so a read allocates nothing.
/// </summary>
public sealed class Mcp3008
{
    public const int Channels = 8;
    public const int MaxValue = 1023;

    private readonly SpiDevice _spi;
    private readonly byte[] _tx = new byte[3];
    private readonly byte[] _rx = new byte[3];

    public Mcp3008(SpiDevice spi)
    {
        ArgumentNullException.ThrowIfNull(spi);
        _spi = spi;
    }

    /// <summary>
    /// One conversion of <paramref name="channel"/> (0 to 7), 0 to 1023. Throws
    /// <see cref="SpiReadException"/> when the transfer fails or the null bit (bit 2 of the second
    /// byte, driven low by the chip before B9) is high, which is what a floating MISO line or an
    /// absent chip returns (0xFF bytes).
    /// </summary>
    public int Read(int channel)
    {
        if ((uint)channel >= Channels) throw new ArgumentOutOfRangeException(nameof(channel), $"MCP3008 channel must be 0 to 7, got {channel}");
        _tx[0] = 0x01;
        _tx[1] = (byte)(0x80 | (channel << 4));
        _tx[2] = 0x00;
        try
        {
            _spi.TransferFullDuplex(_tx, _rx);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or TimeoutException)
        {
            throw new SpiReadException(channel, "SPI transfer failed: " + e.Message, e);
        }
        if ((_rx[1] & 0x04) != 0) throw new SpiReadException(channel, "null bit high (MISO floating or no MCP3008 on this chip select?)");
        return ((_rx[1] & 3) << 8) | _rx[2];
    }
}
