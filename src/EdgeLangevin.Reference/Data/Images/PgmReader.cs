using System.Globalization;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// A strict reader of Netpbm greyscale images (PGM): binary P5 with 8-bit (maxval &lt; 256)
/// or 16-bit big-endian (maxval 256..65535) samples, and plain-text P2.
/// <para>
/// Header: magic, width, height, maxval separated by whitespace, with '#' comments running to
/// the end of a line anywhere before the maxval; for P5 exactly one whitespace byte follows the
/// maxval and then the raster. Everything that does not fit (not a PGM, zero or absurd size,
/// maxval outside 1..65535, a truncated raster, a sample above maxval, data after the raster)
/// is an <see cref="InvalidInputException"/> that names the file and the problem. Only trailing
/// whitespace may follow the raster: files holding several images are rejected, not half read.
/// </para>
/// </summary>
public static class PgmReader
{
    /// <summary>Images larger than this many pixels are refused (a corrupt header, not a photo).</summary>
    public const long MaxPixels = 1L << 28;

    public static GrayImage Read(string path)
    {
        return Parse(ReadableFile.ReadAllBytes(path, "PGM file", ReadableFile.MaxDataBytes), path);
    }

    public static GrayImage Parse(byte[] bytes, string name)
    {
        var cursor = new Cursor(bytes, name);
        if (bytes.Length < 2 || bytes[0] != (byte)'P' || (bytes[1] != (byte)'5' && bytes[1] != (byte)'2'))
            throw cursor.Error(bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is (byte)'1' or (byte)'3' or (byte)'4' or (byte)'6'
                ? $"is a Netpbm P{(char)bytes[1]} file, not a greyscale PGM (expected magic P5 or P2)"
                : PngReader.HasSignature(bytes)
                    ? "is a PNG file, not a PGM (its name says .pgm; rename it to .png)"
                    : "not a PGM file (expected magic number P5 or P2 at the start)");
        bool binary = bytes[1] == (byte)'5';
        cursor.Position = 2;
        if (!cursor.AtWhitespaceOrComment())
            throw cursor.Error("not a PGM file (the magic number must be followed by whitespace)");

        int width = cursor.HeaderInt("width");
        int height = cursor.HeaderInt("height");
        int maxValue = cursor.HeaderInt("maxval");
        if (width == 0 || height == 0) throw cursor.Error($"zero image size {width}x{height}");
        if ((long)width * height > MaxPixels) throw cursor.Error($"image size {width}x{height} is larger than the {MaxPixels} pixels this reader accepts");
        if (maxValue is < 1 or > 65535) throw cursor.Error($"maxval {maxValue} out of range (expected 1..65535)");

        // The raster must be there before its array is allocated: a corrupt header in a 20-byte file
        // would otherwise ask for up to 1 GB. Binary: the exact byte count (checked below); plain:
        // at least one byte per pixel.
        long pixels = (long)width * height;
        if (!binary && bytes.Length - cursor.Position < pixels)
            throw cursor.Error($"truncated: {bytes.Length - cursor.Position} bytes after the header cannot hold {width}x{height} = {pixels} plain-text pixels");
        int[] samples;
        if (binary)
        {
            // Exactly one whitespace byte separates maxval from the raster; the raster may begin
            // with bytes that look like whitespace, so no more may be skipped.
            if (cursor.Position >= bytes.Length) throw cursor.Error($"truncated: no raster after the header (expected {(long)width * height} pixels)");
            if (!IsWhitespace(bytes[cursor.Position])) throw cursor.Error("expected a single whitespace byte after maxval");
            cursor.Position++;
            int bytesPerSample = maxValue < 256 ? 1 : 2;
            long needed = pixels * bytesPerSample;
            long available = bytes.Length - cursor.Position;
            if (available < needed)
                throw cursor.Error($"truncated: raster has {available} bytes, {width}x{height} pixels at {bytesPerSample} byte(s) each need {needed}");
            samples = new int[pixels];
            int p = cursor.Position;
            for (int i = 0; i < samples.Length; i++)
            {
                int v = bytesPerSample == 1 ? bytes[p++] : (bytes[p++] << 8) | bytes[p++];
                if (v > maxValue) throw cursor.Error($"pixel {i} (row {i / width}, column {i % width}) has value {v} above maxval {maxValue}");
                samples[i] = v;
            }
            cursor.Position = p;
        }
        else
        {
            samples = new int[pixels];
            for (int i = 0; i < samples.Length; i++)
            {
                if (!cursor.SkipWhitespaceAndComments())
                    throw cursor.Error($"truncated: raster ends after {i} of {samples.Length} pixels ({width}x{height})");
                long v = cursor.ReadUnsigned($"pixel {i}");
                if (v > maxValue) throw cursor.Error($"pixel {i} (row {i / width}, column {i % width}) has value {v} above maxval {maxValue}");
                samples[i] = (int)v;
            }
        }
        for (int p = cursor.Position; p < bytes.Length; p++)
            if (!IsWhitespace(bytes[p]))
                throw cursor.Error($"unexpected data after the raster at byte {p} (files with several images are not supported)");
        return new GrayImage(width, height, maxValue, samples, name);
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private sealed class Cursor(byte[] bytes, string name)
    {
        public int Position;

        public InvalidInputException Error(string problem) => new($"{name}: {problem}");

        public bool AtWhitespaceOrComment() => Position < bytes.Length && (IsWhitespace(bytes[Position]) || bytes[Position] == (byte)'#');

        /// <summary>Skips whitespace and '#' comments; false when the data ends.</summary>
        public bool SkipWhitespaceAndComments()
        {
            while (Position < bytes.Length)
            {
                byte b = bytes[Position];
                if (IsWhitespace(b)) Position++;
                else if (b == (byte)'#')
                {
                    while (Position < bytes.Length && bytes[Position] != (byte)'\n' && bytes[Position] != (byte)'\r') Position++;
                }
                else return true;
            }
            return false;
        }

        public int HeaderInt(string field)
        {
            if (!SkipWhitespaceAndComments()) throw Error($"truncated header: {field} is missing");
            long v = ReadUnsigned(field);
            if (v > int.MaxValue) throw Error($"{field} {v} is too large");
            // A header number ends at whitespace or a comment; "256x" is malformed, not 256.
            if (Position < bytes.Length && !AtWhitespaceOrComment())
                throw Error($"malformed {field}: unexpected character '{(char)bytes[Position]}' after the number");
            return (int)v;
        }

        public long ReadUnsigned(string field)
        {
            if (!IsDigit(bytes[Position]))
                throw Error($"malformed {field}: expected a decimal number, found '{Printable(bytes[Position])}'");
            long v = 0;
            while (Position < bytes.Length && IsDigit(bytes[Position]))
            {
                v = v * 10 + (bytes[Position] - '0');
                if (v > 1L << 40) throw Error($"{field} is absurdly large");
                Position++;
            }
            return v;
        }

        private static string Printable(byte b) => b is >= 32 and < 127 ? ((char)b).ToString() : "0x" + b.ToString("X2", CultureInfo.InvariantCulture);
    }
}
