using System.Buffers.Binary;
using System.IO.Compression;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// A strict reader of PNG images (ISO/IEC 15948, the W3C PNG specification) into the raw integer
/// greyscale samples the patch pipeline uses, so that a folder of photos need not be converted to
/// PGM first.
/// <para>
/// Every PNG colour type and bit depth: greyscale 1/2/4/8/16 bits, palette 1/2/4/8, RGB 8/16,
/// grey + alpha and RGBA 8/16; Adam7 interlacing; all five scanline filters. Greyscale samples are
/// kept as they are (maxval 2^depth - 1, like a PGM of that depth: a 16-bit PNG keeps its 16 bits);
/// colour becomes luma Y' = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, the usual "L" conversion),
/// rounded to the nearest integer in the image's own scale (a palette's entries are 8-bit).
/// Gamma, colour profiles and other ancillary chunks are ignored: the samples are used as stored,
/// as the PGM reader does.
/// </para>
/// <para>
/// Transparency is refused, not guessed at: a pixel whose alpha is below full (alpha channel, a
/// palette's tRNS entry, or the tRNS colour key) has no defined grey value for the learner, so the
/// file is an error that names the first such pixel. Everything malformed (bad signature, a chunk's
/// CRC, an invalid header combination, a missing or misplaced critical chunk, an unknown critical
/// chunk, a truncated or overlong image stream, a bad filter type, a palette index past the palette,
/// data after IEND) is an <see cref="InvalidInputException"/> naming the file and the problem.
/// </para>
/// </summary>
public static class PngReader
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>True when the bytes start with the PNG signature (used to name a mislabelled file).</summary>
    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    public static GrayImage Read(string path)
    {
        return Parse(ReadableFile.ReadAllBytes(path, "PNG file", ReadableFile.MaxDataBytes), path);
    }

    public static GrayImage Parse(byte[] bytes, string name)
    {
        InvalidInputException Error(string problem) => new($"{name}: {problem}");

        if (!HasSignature(bytes))
            throw Error(LooksLikeNetpbm(bytes)
                ? "is a Netpbm file, not a PNG (its name says .png; rename it to .pgm)"
                : "not a PNG file (the 8-byte PNG signature is missing)");

        Header? header = null;
        byte[]? palette = null;       // RGB triples
        byte[]? paletteAlpha = null;  // tRNS for colour type 3
        int[]? colourKey = null;      // tRNS for colour types 0 and 2: the one fully transparent value
        var imageStream = new MemoryStream();
        bool idatSeen = false, idatEnded = false, iendSeen = false;

        int pos = Signature.Length;
        while (!iendSeen)
        {
            if (bytes.Length - pos < 12)
                throw Error(pos == bytes.Length ? "truncated: the file ends before the IEND chunk" : $"truncated chunk at byte {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            string type = ChunkType(bytes.AsSpan(pos + 4, 4));
            if (length > int.MaxValue || length > (uint)(bytes.Length - pos - 12))
                throw Error($"truncated: chunk '{type}' at byte {pos} claims {length} bytes, the file has {bytes.Length - pos - 12} left");
            ReadOnlySpan<byte> data = bytes.AsSpan(pos + 8, (int)length);
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos + 8 + (int)length));
            if (Crc32(bytes.AsSpan(pos + 4, 4 + (int)length)) != storedCrc)
                throw Error($"chunk '{type}' at byte {pos}: CRC mismatch (the file is corrupt)");
            if (header is null && type != "IHDR")
                throw Error($"the first chunk is '{type}', expected IHDR");

            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw Error("a second IHDR chunk");
                    header = ParseHeader(data, Error);
                    break;
                case "PLTE":
                    if (idatSeen) throw Error("PLTE after the image data");
                    if (palette is not null) throw Error("a second PLTE chunk");
                    if (length == 0 || length % 3 != 0 || length / 3 > 256)
                        throw Error($"PLTE has {length} bytes, expected 3 per entry and 1 to 256 entries");
                    if (header!.ColourType == 3 && length / 3 > 1 << header.BitDepth)
                        throw Error($"PLTE has {length / 3} entries, more than a {header.BitDepth}-bit index can reach");
                    if (header.ColourType is 0 or 4) throw Error("PLTE in a greyscale image");
                    palette = data.ToArray();
                    break;
                case "tRNS":
                    if (idatSeen) throw Error("tRNS after the image data");
                    switch (header!.ColourType)
                    {
                        case 3:
                            if (palette is null) throw Error("tRNS before PLTE");
                            if (length > palette.Length / 3) throw Error($"tRNS has {length} entries, the palette {palette.Length / 3}");
                            paletteAlpha = data.ToArray();
                            break;
                        case 0:
                            if (length != 2) throw Error($"tRNS of a greyscale image has {length} bytes, expected 2");
                            colourKey = [BinaryPrimitives.ReadUInt16BigEndian(data)];
                            break;
                        case 2:
                            if (length != 6) throw Error($"tRNS of an RGB image has {length} bytes, expected 6");
                            colourKey = [BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]), BinaryPrimitives.ReadUInt16BigEndian(data[4..])];
                            break;
                        default:
                            throw Error("tRNS in an image that has an alpha channel");
                    }
                    break;
                case "IDAT":
                    if (idatEnded) throw Error("IDAT chunks are not consecutive");
                    if (header!.ColourType == 3 && palette is null) throw Error("a palette image without a PLTE chunk before its data");
                    idatSeen = true;
                    imageStream.Write(data);
                    break;
                case "IEND":
                    iendSeen = true;
                    break;
                default:
                    // Bit 5 of the first letter clear (upper case) marks a chunk a decoder must understand.
                    if ((bytes[pos + 4] & 0x20) == 0) throw Error($"unknown critical chunk '{type}': this image needs a decoder feature this reader does not have");
                    break;
            }
            if (idatSeen && type != "IDAT") idatEnded = true;
            pos += 12 + (int)length;
        }
        if (!idatSeen) throw Error("no image data (IDAT chunk)");
        if (pos != bytes.Length) throw Error($"unexpected data after the IEND chunk at byte {pos}");

        Header h = header!;
        byte[] raw = Inflate(imageStream, h, Error);
        int[] samples = h.Interlaced ? DeinterlaceAdam7(raw, h, Error) : DecodePass(raw, 0, h.Width, h.Height, h, Error, out _);
        return ToGray(samples, h, palette, paletteAlpha, colourKey, name, Error);
    }

    private sealed record Header(int Width, int Height, int BitDepth, int ColourType, bool Interlaced)
    {
        /// <summary>Samples per pixel: grey 1, RGB 3, palette index 1, grey + alpha 2, RGBA 4.</summary>
        public int Channels => ColourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        public int BitsPerPixel => Channels * BitDepth;
        /// <summary>The filter's byte distance to "the pixel to the left": whole bytes per pixel, at least 1.</summary>
        public int FilterStride => Math.Max(1, BitsPerPixel / 8);
        public long RowBytes(int width) => (width * (long)BitsPerPixel + 7) / 8;
    }

    private static Header ParseHeader(ReadOnlySpan<byte> data, Func<string, InvalidInputException> error)
    {
        if (data.Length != 13) throw error($"IHDR has {data.Length} bytes, expected 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int depth = data[8], colour = data[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw error($"image size {width}x{height} is not allowed (1 to 2^31 - 1 each)");
        if ((long)width * height > PgmReader.MaxPixels)
            throw error($"image size {width}x{height} is larger than the {PgmReader.MaxPixels} pixels this reader accepts");
        bool valid = colour switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!valid) throw error($"colour type {colour} with bit depth {depth} is not a valid PNG combination");
        if (data[10] != 0) throw error($"compression method {data[10]} (PNG defines only 0, deflate)");
        if (data[11] != 0) throw error($"filter method {data[11]} (PNG defines only 0)");
        if (data[12] > 1) throw error($"interlace method {data[12]} (PNG defines 0, none, and 1, Adam7)");
        return new Header((int)width, (int)height, depth, colour, data[12] == 1);
    }

    /// <summary>
    /// The zlib stream of all IDAT chunks, inflated to exactly the bytes the header implies (each
    /// pass's rows with their filter byte): a short stream is truncated, a longer one is not this image.
    /// </summary>
    private static byte[] Inflate(MemoryStream compressed, Header h, Func<string, InvalidInputException> error)
    {
        long expected = 0;
        foreach ((int w, int hh) in PassSizes(h)) expected += hh * (1 + h.RowBytes(w));
        if (expected > int.MaxValue) throw error($"image data of {expected} bytes is more than this reader accepts");
        // Deflate expands at most 1032:1 (258-byte matches at 2 bits each), so a header that promises more
        // than the compressed data could ever hold is refused before its buffer is allocated: a 60-byte
        // file must not ask for a gigabyte.
        if (expected > 1032L * compressed.Length + 1032)
            throw error($"truncated image data: {compressed.Length} compressed bytes cannot hold the {expected} bytes a {h.Width}x{h.Height} image needs");
        CheckZlibHeader(compressed, error);
        var raw = new byte[expected];
        compressed.Position = 0;
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            int got = 0;
            while (got < raw.Length)
            {
                int n = z.Read(raw, got, raw.Length - got);
                if (n == 0) throw error($"truncated image data: {got} of {expected} bytes ({h.Width}x{h.Height}, colour type {h.ColourType}, {h.BitDepth}-bit)");
                got += n;
            }
            if (z.Read(new byte[1], 0, 1) != 0) throw error($"the image data holds more than the {expected} bytes a {h.Width}x{h.Height} image needs");
        }
        // zlib reports damaged data as InvalidDataException or, for some corruptions (an unexpected error code from the
        // native inflater), as ZLibException, an IOException; the source is a MemoryStream, so no other I/O can fail here.
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Not the runtime's words: for a damaged stream or a wrong checksum they are "The archive entry was
            // compressed using an unsupported compression method" or "an unexpected error code".
            throw error($"corrupt image data: the compressed stream is damaged or its Adler-32 checksum does not match (the file was cut, changed or badly written)");
        }
        return raw;
    }

    /// <summary>
    /// The two-byte zlib header of the image data (RFC 1950), checked here so that the message says what is wrong:
    /// PNG allows only deflate with a window of at most 32 KiB and no preset dictionary (PNG specification 10.1).
    /// </summary>
    private static void CheckZlibHeader(MemoryStream compressed, Func<string, InvalidInputException> error)
    {
        if (compressed.Length < 2) throw error($"truncated image data: {compressed.Length} compressed bytes, not even a zlib header");
        byte[] data = compressed.GetBuffer();
        int method = data[0] & 0x0F, windowLog2 = (data[0] >> 4) + 8;
        if ((data[0] << 8 | data[1]) % 31 != 0)
            throw error($"corrupt image data: it does not start with a zlib header (check bits of 0x{data[0]:X2}{data[1]:X2} wrong)");
        if (method != 8) throw error($"corrupt image data: zlib compression method {method} (PNG uses 8, deflate)");
        if (windowLog2 > 15) throw error($"corrupt image data: zlib window of 2^{windowLog2} bytes (deflate allows at most 32 KiB)");
        if ((data[1] & 0x20) != 0) throw error("the image data's zlib stream needs a preset dictionary, which PNG does not allow");
    }

    private static IEnumerable<(int Width, int Height)> PassSizes(Header h)
    {
        if (!h.Interlaced)
        {
            yield return (h.Width, h.Height);
            yield break;
        }
        foreach ((int x0, int y0, int dx, int dy) in Adam7)
        {
            int w = h.Width <= x0 ? 0 : (h.Width - x0 + dx - 1) / dx;
            int hh = h.Height <= y0 ? 0 : (h.Height - y0 + dy - 1) / dy;
            // An empty pass has no rows at all, not even filter bytes.
            if (w > 0 && hh > 0) yield return (w, hh);
            else yield return (0, 0);
        }
    }

    // Adam7: (first column, first row, column step, row step) of each of the seven passes.
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static int[] DeinterlaceAdam7(byte[] raw, Header h, Func<string, InvalidInputException> error)
    {
        int channels = h.Channels;
        var samples = new int[(long)h.Width * h.Height * channels];
        int offset = 0, pass = 0;
        foreach ((int w, int hh) in PassSizes(h))
        {
            (int x0, int y0, int dx, int dy) = Adam7[pass++];
            if (w == 0) continue;
            int[] sub = DecodePass(raw, offset, w, hh, h, error, out int used);
            offset += used;
            for (int r = 0; r < hh; r++)
                for (int c = 0; c < w; c++)
                    for (int ch = 0; ch < channels; ch++)
                        samples[((long)(y0 + r * dy) * h.Width + x0 + c * dx) * channels + ch] = sub[((long)r * w + c) * channels + ch];
        }
        return samples;
    }

    /// <summary>Unfilters one pass (or the whole image) and unpacks its samples, channel-interleaved.</summary>
    private static int[] DecodePass(byte[] raw, int offset, int width, int height, Header h, Func<string, InvalidInputException> error, out int used)
    {
        int rowBytes = (int)h.RowBytes(width);
        int stride = h.FilterStride;
        var previous = new byte[rowBytes];
        var row = new byte[rowBytes];
        int channels = h.Channels;
        var samples = new int[(long)width * height * channels];
        int p = offset;
        for (int y = 0; y < height; y++)
        {
            int filter = raw[p++];
            Array.Copy(raw, p, row, 0, rowBytes);
            p += rowBytes;
            Unfilter(filter, row, previous, stride, y, error);
            Unpack(row, samples, (long)y * width * channels, width * channels, h.BitDepth);
            (previous, row) = (row, previous);
        }
        used = p - offset;
        return samples;
    }

    private static void Unfilter(int filter, byte[] row, byte[] previous, int stride, int y, Func<string, InvalidInputException> error)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1: // Sub
                for (int i = stride; i < row.Length; i++) row[i] += row[i - stride];
                break;
            case 2: // Up
                for (int i = 0; i < row.Length; i++) row[i] += previous[i];
                break;
            case 3: // Average
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= stride ? row[i - stride] : 0) + previous[i]) >> 1);
                break;
            case 4: // Paeth
                for (int i = 0; i < row.Length; i++)
                    row[i] += Paeth(i >= stride ? row[i - stride] : (byte)0, previous[i], i >= stride ? previous[i - stride] : (byte)0);
                break;
            default:
                throw error($"row {y} has filter type {filter} (PNG defines 0 to 4)");
        }
    }

    /// <summary>The Paeth predictor: of left, above and upper-left, the one closest to left + above - upper-left (ties in that order).</summary>
    private static byte Paeth(byte left, byte above, byte upperLeft)
    {
        int estimate = left + above - upperLeft;
        int dLeft = Math.Abs(estimate - left), dAbove = Math.Abs(estimate - above), dUpperLeft = Math.Abs(estimate - upperLeft);
        if (dLeft <= dAbove && dLeft <= dUpperLeft) return left;
        return dAbove <= dUpperLeft ? above : upperLeft;
    }

    private static void Unpack(byte[] row, int[] samples, long start, int count, int depth)
    {
        switch (depth)
        {
            case 8:
                for (int i = 0; i < count; i++) samples[start + i] = row[i];
                break;
            case 16:
                for (int i = 0; i < count; i++) samples[start + i] = (row[2 * i] << 8) | row[2 * i + 1];
                break;
            default: // 1, 2, 4: most significant bits first; the row's last byte may be padded
                int perByte = 8 / depth, mask = (1 << depth) - 1;
                for (int i = 0; i < count; i++)
                    samples[start + i] = (row[i / perByte] >> (8 - depth * (i % perByte + 1))) & mask;
                break;
        }
    }

    private static GrayImage ToGray(int[] samples, Header h, byte[]? palette, byte[]? paletteAlpha, int[]? colourKey, string name, Func<string, InvalidInputException> error)
    {
        int n = h.Width * h.Height;
        var gray = new int[n];
        int fullScale = (1 << h.BitDepth) - 1;
        string Where(int i) => $"row {i / h.Width}, column {i % h.Width}";
        InvalidInputException Transparent(int i) =>
            error($"pixel at {Where(i)} is transparent: a learner needs one grey value per pixel; flatten the image onto a background first");
        switch (h.ColourType)
        {
            case 0:
                for (int i = 0; i < n; i++)
                {
                    if (colourKey is not null && samples[i] == colourKey[0]) throw Transparent(i);
                    gray[i] = samples[i];
                }
                return new GrayImage(h.Width, h.Height, fullScale, gray, name);
            case 4:
                for (int i = 0; i < n; i++)
                {
                    if (samples[2 * i + 1] != fullScale) throw Transparent(i);
                    gray[i] = samples[2 * i];
                }
                return new GrayImage(h.Width, h.Height, fullScale, gray, name);
            case 2:
            case 6:
                int channels = h.Channels;
                for (int i = 0; i < n; i++)
                {
                    int r = samples[channels * i], g = samples[channels * i + 1], b = samples[channels * i + 2];
                    if (channels == 4 && samples[4 * i + 3] != fullScale) throw Transparent(i);
                    if (colourKey is not null && r == colourKey[0] && g == colourKey[1] && b == colourKey[2]) throw Transparent(i);
                    gray[i] = Luma(r, g, b);
                }
                return new GrayImage(h.Width, h.Height, fullScale, gray, name);
            default: // 3, palette
                int entries = palette!.Length / 3;
                for (int i = 0; i < n; i++)
                {
                    int k = samples[i];
                    if (k >= entries) throw error($"pixel at {Where(i)} has palette index {k}, the palette has {entries} entries");
                    if (paletteAlpha is not null && k < paletteAlpha.Length && paletteAlpha[k] != 255) throw Transparent(i);
                    gray[i] = Luma(palette[3 * k], palette[3 * k + 1], palette[3 * k + 2]);
                }
                return new GrayImage(h.Width, h.Height, 255, gray, name);
        }
    }

    /// <summary>BT.601 luma in integer arithmetic, rounded half up: (299 R + 587 G + 114 B + 500) / 1000 (at most 65535000, no overflow).</summary>
    public static int Luma(int r, int g, int b) => (299 * r + 587 * g + 114 * b + 500) / 1000;

    private static string ChunkType(ReadOnlySpan<byte> type)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = type[i] is >= 32 and < 127 ? (char)type[i] : '?';
        return new string(c);
    }

    private static bool LooksLikeNetpbm(byte[] bytes) => bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is >= (byte)'1' and <= (byte)'7';

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC-32 PNG stores after each chunk (over its type and data; ISO 3309 polynomial, reflected).</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
