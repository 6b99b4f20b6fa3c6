using System.Diagnostics;
using System.Globalization;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The iCEBreaker top's byte protocol (documented in el_top_icebreaker.v.sbn and README):
/// 'A' + D*K 2-byte words -> 'a'; 'X' + D 4-byte words -> 'x'; 'U' + K 4-byte words -> 'u';
/// 'S' + 4-byte generator state -> 's'; 'R' + 2-byte steps -> 'r', K codes, K states (4 bytes each).
/// Learning: 'D' + N*D 4-byte words (the data memory) -> 'd'; 'U' takes B*K words (chain-major);
/// 'L' + 2-byte steps -> 'l' when done ('!' refused: a health failure with fallback "halt"); 'Q' -> 'q', D*K 2-byte dictionary words (row-major), u0 (4 bytes).
/// Multi-byte words are little-endian two's complement.
/// </summary>
public static class BoardProtocol
{
    public static byte[] LoadDictionary(IReadOnlyList<short> rowMajor)
    {
        var b = new byte[1 + 2 * rowMajor.Count];
        b[0] = (byte)'A';
        for (int i = 0; i < rowMajor.Count; i++) { b[1 + 2 * i] = (byte)rowMajor[i]; b[2 + 2 * i] = (byte)(rowMajor[i] >> 8); }
        return b;
    }

    public static byte[] LoadX(IReadOnlyList<int> x) => Words((byte)'X', x);
    /// <summary>'D': the data memory, datum n at n*D + d.</summary>
    public static byte[] LoadData(IReadOnlyList<int> data) => Words((byte)'D', data);
    /// <summary>'Q': read back the dictionary and u0.</summary>
    public static byte[] Query() => [(byte)'Q'];

    /// <summary>'L': run learning steps (the answer 'l' comes when they are done).</summary>
    public static byte[] Learn(int steps)
    {
        if (steps < 1 || steps > 65535) throw InvalidInputException.Field(null, "--steps", $"expected 1 to 65535, got {steps}");
        return [(byte)'L', (byte)steps, (byte)(steps >> 8)];
    }

    /// <summary>Bytes of the reply to 'Q' after the 'q': D*K dictionary words of 2 bytes, u0 in 4.</summary>
    public static int QueryBytes(int d, int k) => 2 * d * k + 4;

    /// <summary>Decodes a 'Q' reply: the dictionary row-major and u0.</summary>
    public static (short[] RowMajor, int U0) ParseQuery(ReadOnlySpan<byte> reply, int d, int k)
    {
        if (reply.Length != QueryBytes(d, k)) throw new ArgumentException($"expected {QueryBytes(d, k)} reply bytes, got {reply.Length}");
        var a = new short[d * k];
        for (int i = 0; i < a.Length; i++) a[i] = BitConverter.ToInt16(reply.Slice(2 * i, 2));
        return (a, BitConverter.ToInt32(reply.Slice(2 * a.Length, 4)));
    }
    public static byte[] LoadU(IReadOnlyList<int> u) => Words((byte)'U', u);
    public static byte[] Seed(int generatorState) => Words((byte)'S', [generatorState]);

    public static byte[] Run(int steps)
    {
        if (steps < 1 || steps > 65535) throw InvalidInputException.Field(null, "--steps", $"expected 1 to 65535, got {steps}");
        return [(byte)'R', (byte)steps, (byte)(steps >> 8)];
    }

    /// <summary>Bytes of the reply to 'R' after the 'r': K codes then K states.</summary>
    public static int ReplyBytes(int k) => 8 * k;

    /// <summary>Decodes the K codes and K states of a run's reply.</summary>
    public static (int[] Codes, int[] States) ParseReply(ReadOnlySpan<byte> reply, int k)
    {
        if (reply.Length != ReplyBytes(k)) throw new ArgumentException($"expected {ReplyBytes(k)} reply bytes, got {reply.Length}");
        var codes = new int[k];
        var states = new int[k];
        for (int i = 0; i < k; i++)
        {
            codes[i] = BitConverter.ToInt32(reply.Slice(4 * i, 4));
            states[i] = BitConverter.ToInt32(reply.Slice(4 * (k + i), 4));
        }
        return (codes, states);
    }

    private static byte[] Words(byte command, IReadOnlyList<int> words)
    {
        var b = new byte[1 + 4 * words.Count];
        b[0] = command;
        for (int i = 0; i < words.Count; i++) BitConverter.TryWriteBytes(b.AsSpan(1 + 4 * i, 4), words[i]);
        return b;
    }
}

/// <summary>Talks the protocol over a byte stream (the serial device, or a test double).</summary>
public sealed class BoardLink(Stream stream)
{
    public void Send(byte[] command, char ack)
    {
        stream.Write(command);
        stream.Flush();
        int got = ReadByte();
        if (got != ack) throw new HdlToolException($"the board answered 0x{got:x2} to '{(char)command[0]}', expected '{ack}'");
    }

    public (int[] Codes, int[] States) Run(int steps, int k)
    {
        Send(BoardProtocol.Run(steps), 'r');
        var reply = new byte[BoardProtocol.ReplyBytes(k)];
        int n = 0;
        while (n < reply.Length)
        {
            int r = stream.Read(reply, n, reply.Length - n);
            if (r <= 0) throw new HdlToolException($"the board stopped answering after {n} of {reply.Length} reply bytes");
            n += r;
        }
        return BoardProtocol.ParseReply(reply, k);
    }

    /// <summary>
    /// 'L': learning steps; the 'l' comes when they are done, so the wait is long. False when the board refused the
    /// run ('!': its entropy source failed a health test and the fallback is "halt").
    /// </summary>
    public bool Learn(int steps)
    {
        stream.Write(BoardProtocol.Learn(steps));
        stream.Flush();
        // a read times out after 5 s; a learning step takes well under a millisecond
        int got = -1;
        for (int tries = 0; tries < 10 + steps / 1000 && got < 0; tries++) got = stream.ReadByte();
        if (got == '!') return false;
        if (got != 'l') throw new HdlToolException(got < 0 ? "no answer from the board to 'L'" : $"the board answered 0x{got:x2} to 'L', expected 'l'");
        return true;
    }

    /// <summary>'Q': the dictionary (row-major) and u0.</summary>
    public (short[] RowMajor, int U0) Query(int d, int k)
    {
        Send(BoardProtocol.Query(), 'q');
        var reply = new byte[BoardProtocol.QueryBytes(d, k)];
        ReadAll(reply);
        return BoardProtocol.ParseQuery(reply, d, k);
    }

    private void ReadAll(byte[] reply)
    {
        int n = 0;
        while (n < reply.Length)
        {
            int r = stream.Read(reply, n, reply.Length - n);
            if (r <= 0) throw new HdlToolException($"the board stopped answering after {n} of {reply.Length} reply bytes");
            n += r;
        }
    }

    private int ReadByte()
    {
        int b = stream.ReadByte();
        if (b < 0) throw new HdlToolException("no answer from the board (timeout): is the bitstream loaded and the port right?");
        return b;
    }
}

/// <summary>
/// Opens a serial device as a plain file after setting it up with stty (raw 8N1, reads time out
/// after 5 s). System.IO.Ports is not used: its package is not served here, and the device file
/// is all the protocol needs on Linux and macOS.
/// </summary>
public static class SerialDevice
{
    public static FileStream Open(string path, int baud)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new InvalidInputException($"{path}: serial device not found (the iCEBreaker's UART is usually /dev/ttyUSB1)");
        // A port given by mistake (a config, a recording) is the user's input, not a failed tool: refuse it before stty
        // (whose "Inappropriate ioctl for device" was exit 1). /dev/serial/by-id links are followed.
        string device = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        FileKind kind = FileKinds.Of(device);
        if (kind is FileKind.RegularFile or FileKind.Directory)
            throw new InvalidInputException($"{path}: is {FileKinds.Describe(kind)}, not a serial device (the iCEBreaker's UART is usually /dev/ttyUSB1; --port sim simulates the board)");
        var psi = new ProcessStartInfo("stty") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-F", path, baud.ToString(CultureInfo.InvariantCulture), "raw", "-echo", "-ixon", "-ixoff", "-crtscts", "cs8", "-cstopb", "-parenb", "min", "0", "time", "50" })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi) ?? throw new HdlToolException("stty could not be started"))
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 && err.Contains("Inappropriate ioctl", StringComparison.Ordinal))
                throw new InvalidInputException($"{path}: not a serial device (stty: {err.Trim()}); the iCEBreaker's UART is usually /dev/ttyUSB1");
            if (p.ExitCode != 0) throw new HdlToolException($"stty could not set up {path}: {err.Trim()}");
        }
        return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
    }
}
