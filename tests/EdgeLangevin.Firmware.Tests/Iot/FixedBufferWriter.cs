namespace EdgeLangevin.Firmware.Tests.Iot;

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
