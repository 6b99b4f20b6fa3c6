using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.Iot;

/// <summary>
/// Raw noise from one MCP3008 channel wired to a noise source (a reverse-biased transistor junction
/// and an amplifier, or a resistor's thermal noise amplified; see README.md). Returns the full 10-bit
/// conversion: the health tests and the calibration want the source as it is.
/// </summary>
public sealed class AdcNoiseSource(Mcp3008 adc, int channel, int minEntropyEighths) : RawNoiseSource
{
    public override int BitsPerSample => 10;

    public override int MinEntropyEighths => minEntropyEighths;

    public override int ReadRaw() => adc.Read(channel);
}

/// <summary>
/// The kernel's hardware RNG (/dev/hwrng on a Raspberry Pi: the BCM2835 RNG), one byte per sample.
/// Reads 64 bytes at a time into a buffer allocated once. A failed or short read throws, which the
/// health layer reports as a source error. The claimed min-entropy defaults to 6 of 8 bits: the
/// kernel driver passes the hardware's bits through unconditioned and unassessed.
/// </summary>
public sealed class HwRngSource : RawNoiseSource, IDisposable
{
    public const string DefaultPath = "/dev/hwrng";

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64];
    private readonly int _entropyEighths;
    private int _next;
    private int _count;

    public HwRngSource(Stream stream, int minEntropyEighths = 48)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _entropyEighths = minEntropyEighths;
    }

    /// <summary>Opens <paramref name="path"/> (normally /dev/hwrng; reading it needs root or the 'hwrng' group).</summary>
    public static HwRngSource Open(string path = DefaultPath) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));

    public override int BitsPerSample => 8;

    public override int MinEntropyEighths => _entropyEighths;

    public override int ReadRaw()
    {
        if (_next == _count)
        {
            _count = _stream.Read(_buffer, 0, _buffer.Length);
            _next = 0;
            if (_count <= 0) throw new EndOfStreamException("the hardware RNG returned no bytes");
        }
        return _buffer[_next++];
    }

    public void Dispose() => _stream.Dispose();
}
