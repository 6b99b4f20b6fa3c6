using System.Buffers.Binary;
using System.IO.Compression;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using SkiaSharp;

namespace EdgeLangevin.Reference.Tests.Images;

/// <summary>
/// The PNG reader against two encoders it shares no code with: SkiaSharp's (libpng's filters and
/// zlib, the files a photo tool writes) and a small encoder below written from the specification
/// (every colour type and bit depth, each filter type forced, Adam7 laid out pass by pass), plus
/// every corruption class the reader promises to name.
/// </summary>
public sealed class PngReaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgelangevin-png-" + Guid.NewGuid().ToString("N"));

    public PngReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- files from SkiaSharp's encoder ----

    [Fact]
    public void A_greyscale_png_from_skia_reads_back_every_sample()
    {
        var rng = new System.Random(3);
        const int w = 37, h = 23;
        var expected = new int[w * h];
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int i = 0; i < expected.Length; i++) expected[i] = rng.Next(256);
        Span<byte> pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                pixels[y * bitmap.RowBytes + x] = (byte)expected[y * w + x];
        GrayImage img = PngReader.Parse(EncodeWithSkia(bitmap), "skia-gray.png");
        Assert.Equal((w, h, 255), (img.Width, img.Height, img.MaxValue));
        Assert.Equal(expected, img.Samples);
    }

    [Fact]
    public void A_colour_png_from_skia_reads_as_bt601_luma_rounded_to_nearest()
    {
        var rng = new System.Random(5);
        const int w = 29, h = 17;
        var rgb = new (int R, int G, int B)[w * h];
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Span<byte> pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var c = (R: rng.Next(256), G: rng.Next(256), B: rng.Next(256));
                rgb[y * w + x] = c;
                int o = y * bitmap.RowBytes + 4 * x;
                (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3]) = ((byte)c.R, (byte)c.G, (byte)c.B, 255);
            }
        GrayImage img = PngReader.Parse(EncodeWithSkia(bitmap), "skia-rgb.png");
        // Expected in exact decimal arithmetic, independent of the reader's integer formula.
        int[] expected = rgb.Select(c => (int)Math.Floor(0.299m * c.R + 0.587m * c.G + 0.114m * c.B + 0.5m)).ToArray();
        Assert.Equal(255, img.MaxValue);
        Assert.Equal(expected, img.Samples);
    }

    [Fact]
    public void A_transparent_pixel_is_an_error_naming_it()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(6, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(10, 20, 30, 255));
        bitmap.SetPixel(5, 2, new SKColor(10, 20, 30, 128));
        var e = Assert.Throws<InvalidInputException>(() => PngReader.Parse(EncodeWithSkia(bitmap), "alpha.png"));
        Assert.Contains("alpha.png", e.Message);
        Assert.Contains("row 2, column 5 is transparent", e.Message);
    }

    [Fact]
    public void The_shipped_photos_saved_as_png_load_with_the_same_samples_as_the_pgm_files()
    {
        IReadOnlyList<GrayImage> pgm = ImageFolder.Load(ImageFolder.ShippedName);
        foreach (GrayImage img in pgm)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(img.Width, img.Height, SKColorType.Gray8, SKAlphaType.Opaque));
            Span<byte> pixels = bitmap.GetPixelSpan();
            for (int y = 0; y < img.Height; y++)
                for (int x = 0; x < img.Width; x++)
                    pixels[y * bitmap.RowBytes + x] = (byte)img[y, x];
            File.WriteAllBytes(Path.Combine(_dir, Path.GetFileNameWithoutExtension(img.Source) + ".png"), EncodeWithSkia(bitmap));
        }
        IReadOnlyList<GrayImage> png = ImageFolder.Load(_dir);
        Assert.Equal(pgm.Count, png.Count);
        for (int i = 0; i < pgm.Count; i++)
        {
            Assert.Equal(Path.GetFileNameWithoutExtension(pgm[i].Source), Path.GetFileNameWithoutExtension(png[i].Source));
            Assert.Equal(pgm[i].MaxValue, png[i].MaxValue);
            Assert.Equal(pgm[i].Samples, png[i].Samples);
        }
    }

    private static byte[] EncodeWithSkia(SKBitmap bitmap)
    {
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    // ---- files from the encoder below: every colour type, bit depth, filter and Adam7 ----

    public static TheoryData<int, int, int, bool> Layouts()
    {
        var data = new TheoryData<int, int, int, bool>();
        (int Colour, int Depth)[] kinds = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)];
        foreach ((int colour, int depth) in kinds)
            for (int filter = 0; filter <= 4; filter++)
                foreach (bool interlaced in new[] { false, true })
                    data.Add(colour, depth, filter, interlaced);
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_colour_type_depth_filter_and_interlace_reads_back(int colour, int depth, int filter, bool interlaced)
    {
        // Odd sizes so that Adam7's passes are ragged and sub-byte rows are padded.
        const int w = 13, h = 11;
        var rng = new System.Random(colour * 1000 + depth * 10 + filter);
        int max = (1 << depth) - 1;
        int channels = colour switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        byte[]? palette = null;
        if (colour == 3)
        {
            palette = new byte[3 * (1 << depth)];
            rng.NextBytes(palette);
        }
        var samples = new int[w * h * channels];
        var expected = new int[w * h];
        for (int i = 0; i < w * h; i++)
        {
            for (int c = 0; c < channels; c++) samples[i * channels + c] = rng.Next(max + 1);
            if (colour is 4 or 6) samples[i * channels + channels - 1] = max; // opaque
            expected[i] = colour switch
            {
                0 or 4 => samples[i * channels],
                3 => LumaDecimal(palette![3 * samples[i]], palette[3 * samples[i] + 1], palette[3 * samples[i] + 2]),
                _ => LumaDecimal(samples[i * channels], samples[i * channels + 1], samples[i * channels + 2]),
            };
        }
        byte[] file = TestPng.Encode(w, h, colour, depth, samples, palette, filter, interlaced);
        GrayImage img = PngReader.Parse(file, "t.png");
        Assert.Equal(colour == 3 ? 255 : max, img.MaxValue);
        Assert.Equal(expected, img.Samples);
    }

    private static int LumaDecimal(int r, int g, int b) => (int)Math.Floor(0.299m * r + 0.587m * g + 0.114m * b + 0.5m);

    [Fact]
    public void A_one_pixel_interlaced_image_leaves_six_passes_empty()
    {
        byte[] file = TestPng.Encode(1, 1, 0, 16, [51234], null, 0, interlaced: true);
        Assert.Equal([51234], PngReader.Parse(file, "one.png").Samples);
    }

    // ---- corrupt files: each names the file and the problem ----

    private static byte[] Small() => TestPng.Encode(4, 3, 0, 8, Enumerable.Range(0, 12).Select(i => i * 20).ToArray(), null, 1, false);

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "signature", "not a PNG file" },
        { "crc", "CRC mismatch" },
        { "truncated", "truncated" },
        { "no-iend", "ends before the IEND chunk" },
        { "after-iend", "unexpected data after the IEND chunk" },
        { "ihdr-combination", "colour type 2 with bit depth 4 is not a valid PNG combination" },
        { "zero-width", "image size 0x3 is not allowed" },
        { "huge", "larger than the" },
        { "bad-filter", "row 0 has filter type 7" },
        { "short-data", "truncated image data" },
        { "long-data", "holds more than the" },
        { "not-zlib", "corrupt image data" },
        { "critical-chunk", "unknown critical chunk 'ABCD'" },
        { "no-idat", "no image data" },
        { "first-not-ihdr", "the first chunk is 'IDAT', expected IHDR" },
        { "palette-index", "palette index 3, the palette has 2 entries" },
        { "palette-missing", "without a PLTE chunk" },
        { "trns-key", "row 0, column 1 is transparent" },
        { "pgm-named-png", "is a Netpbm file, not a PNG" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_file_is_an_error_naming_the_file_and_the_problem(string corruption, string message)
    {
        byte[] file = corruption switch
        {
            "signature" => [.. "GIF89a"u8, 0, 0, 0, 0],
            "crc" => Flip(Small(), 8 + 8 + 5),                          // a byte inside IHDR's data
            "truncated" => Small()[..40],
            "no-iend" => Small()[..^12],
            "after-iend" => [.. Small(), 0],
            "ihdr-combination" => TestPng.WithChunks(TestPng.Ihdr(4, 3, 4, 2, 0), TestPng.Idat(new byte[3 * 4])),
            "zero-width" => TestPng.WithChunks(TestPng.Ihdr(0, 3, 8, 0, 0), TestPng.Idat(new byte[3])),
            "huge" => TestPng.WithChunks(TestPng.Ihdr(1 << 16, 1 << 16, 8, 0, 0), TestPng.Idat(new byte[1])),
            "bad-filter" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0), TestPng.Idat([7, 1, 2])),
            "short-data" => TestPng.WithChunks(TestPng.Ihdr(2, 2, 8, 0, 0), TestPng.Idat([0, 1, 2, 0, 3])),
            "long-data" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0), TestPng.Idat([0, 1, 2, 0, 3, 4])),
            "not-zlib" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0), TestPng.Chunk("IDAT", [1, 2, 3, 4, 5, 6, 7])),
            "critical-chunk" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0), TestPng.Chunk("ABCD", [1]), TestPng.Idat([0, 1, 2])),
            "no-idat" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0)),
            "first-not-ihdr" => TestPng.WithChunks(TestPng.Idat([0, 1, 2]), TestPng.Ihdr(2, 1, 8, 0, 0)),
            "palette-index" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 3, 0), TestPng.Chunk("PLTE", [0, 0, 0, 9, 9, 9]), TestPng.Idat([0, 1, 3])),
            "palette-missing" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 3, 0), TestPng.Idat([0, 0, 0])),
            "trns-key" => TestPng.WithChunks(TestPng.Ihdr(2, 1, 8, 0, 0), TestPng.Chunk("tRNS", [0, 42]), TestPng.Idat([0, 41, 42])),
            "pgm-named-png" => [.. "P5\n1 1\n255\n"u8, 7],
            _ => throw new ArgumentException(corruption),
        };
        var e = Assert.Throws<InvalidInputException>(() => PngReader.Parse(file, "bad.png"));
        Assert.StartsWith("bad.png: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    public static TheoryData<string, string> BadZlibStreams => new()
    {
        { "checksum", "the compressed stream is damaged or its Adler-32 checksum does not match" },
        { "damaged", "the compressed stream is damaged or its Adler-32 checksum does not match" },
        { "raw-deflate", "it does not start with a zlib header" },
        { "method-15", "zlib compression method 15 (PNG uses 8, deflate)" },
        { "window-64k", "zlib window of 2^16 bytes" },
        { "dictionary", "needs a preset dictionary, which PNG does not allow" },
        { "empty", "0 compressed bytes, not even a zlib header" },
    };

    /// <summary>
    /// The image data's zlib stream damaged in each way its header or body can be. The old messages were the runtime's:
    /// "The archive entry was compressed using an unsupported compression method" for a wrong checksum, a damaged body, a
    /// header-less stream or another method, "The underlying compression routine returned an unexpected error code" for a
    /// preset dictionary.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadZlibStreams))]
    public void A_bad_zlib_stream_is_refused_saying_what_is_wrong_with_it(string damage, string message)
    {
        byte[] raw = [0, 1, 2, 0, 3, 4]; // 2 x 2 grey, filter 0
        var z = new MemoryStream();
        using (var s = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) s.Write(raw);
        byte[] good = z.ToArray();
        var d = new MemoryStream();
        using (var s = new DeflateStream(d, CompressionLevel.Optimal, leaveOpen: true)) s.Write(raw);
        byte[] deflate = d.ToArray();
        // A header with valid check bits (RFC 1950: CMF * 256 + FLG a multiple of 31) around the same deflate body.
        static byte[] Header(int cmf, bool dictionary)
        {
            int flg = dictionary ? 0x20 : 0;
            flg += 31 - (cmf * 256 + flg) % 31;
            return [(byte)cmf, (byte)flg];
        }
        byte[] stream = damage switch
        {
            "checksum" => [.. good[..^1], (byte)(good[^1] ^ 1)],
            "damaged" => [.. good[..2], 0xFF, 0xFF, 0xFF, .. good[5..]],
            "raw-deflate" => deflate,
            "method-15" => [.. Header(0x7F, false), .. deflate],
            "window-64k" => [.. Header(0x88, false), .. deflate],
            "dictionary" => [.. Header(0x78, true), 0, 0, 0, 1, .. deflate],
            "empty" => [],
            _ => throw new ArgumentException(damage),
        };
        byte[] file = TestPng.WithChunks(TestPng.Ihdr(2, 2, 8, 0, 0), TestPng.Chunk("IDAT", stream));
        var e = Assert.Throws<InvalidInputException>(() => PngReader.Parse(file, "bad.png"));
        Assert.StartsWith("bad.png: ", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("archive entry", e.Message);
    }

    [Fact]
    public void Ancillary_chunks_are_skipped_and_a_suggested_palette_in_an_rgb_image_is_ignored()
    {
        byte[] file = TestPng.WithChunks(
            TestPng.Ihdr(1, 1, 8, 2, 0), TestPng.Chunk("gAMA", [0, 0, 0xB1, 0x8F]), TestPng.Chunk("PLTE", [1, 2, 3]),
            TestPng.Chunk("tEXt", [.. "Comment\0hi"u8]), TestPng.Idat([0, 100, 150, 200]));
        Assert.Equal([LumaDecimal(100, 150, 200)], PngReader.Parse(file, "anc.png").Samples);
    }

    [Fact]
    public void A_png_named_pgm_says_so()
    {
        var e = Assert.Throws<InvalidInputException>(() => PgmReader.Parse(Small(), "photo.pgm"));
        Assert.Contains("is a PNG file, not a PGM", e.Message);
    }

    [Fact]
    public void A_folder_takes_pgm_and_png_in_any_case_in_ordinal_name_order()
    {
        File.WriteAllBytes(Path.Combine(_dir, "b.PNG"), TestPng.Encode(2, 2, 0, 8, [1, 2, 3, 4], null, 0, false));
        File.WriteAllBytes(Path.Combine(_dir, "a.pgm"), [.. "P5\n2 2\n255\n"u8, 5, 6, 7, 8]);
        File.WriteAllBytes(Path.Combine(_dir, "c.png"), TestPng.Encode(2, 2, 0, 8, [9, 10, 11, 12], null, 2, false));
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not an image");
        IReadOnlyList<GrayImage> images = ImageFolder.Load(_dir);
        Assert.Equal(["a.pgm", "b.PNG", "c.png"], images.Select(i => Path.GetFileName(i.Source)));
        Assert.Equal([5, 6, 7, 8], images[0].Samples);
        Assert.Equal([1, 2, 3, 4], images[1].Samples);
        Assert.Equal([9, 10, 11, 12], images[2].Samples);
    }

    [Fact]
    public void A_folder_of_jpeg_photos_says_what_it_found_and_what_to_do()
    {
        File.WriteAllBytes(Path.Combine(_dir, "holiday.JPG"), [0xFF, 0xD8, 0xFF, 0xE0]);
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir));
        Assert.Contains("no .pgm or .png files in this folder, but 1 other image file(s) (holiday.JPG)", e.Message);
        Assert.Contains("convert them to PNG", e.Message);
    }

    [Fact]
    public void A_16_bit_png_beside_8_bit_images_is_read_with_the_8_bit_samples_widened_as_png_widens_them()
    {
        // Was refused ("maxval 65535 differs from 255"). PNG widens an 8-bit sample v to 16 bits by repeating its byte:
        // v * 257 (255 -> 65535), so every pixel keeps its fraction of full scale and one pixel divisor serves both.
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), TestPng.Encode(2, 2, 0, 8, [0, 1, 128, 255], null, 0, false));
        File.WriteAllBytes(Path.Combine(_dir, "b.png"), TestPng.Encode(2, 2, 0, 16, [1, 2, 3, 65535], null, 0, false));
        File.WriteAllBytes(Path.Combine(_dir, "c.pgm"), [.. "P5\n2 2\n255\n"u8, 5, 6, 7, 8]);
        IReadOnlyList<GrayImage> images = ImageFolder.Load(_dir);
        Assert.All(images, i => Assert.Equal(65535, i.MaxValue));
        Assert.Equal([0, 257, 32896, 65535], images[0].Samples);
        Assert.Equal([1, 2, 3, 65535], images[1].Samples);
        Assert.Equal([1285, 1542, 1799, 2056], images[2].Samples);
    }

    [Fact]
    public void Bit_depths_that_cannot_be_brought_to_one_scale_exactly_are_refused_naming_both_files()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), TestPng.Encode(2, 2, 0, 8, [1, 2, 3, 4], null, 0, false));
        File.WriteAllBytes(Path.Combine(_dir, "b.pgm"), [.. "P5\n2 2\n4095\n"u8, 0, 1, 0, 2, 0, 3, 15, 255]);
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir));
        Assert.Contains(Path.Combine(_dir, "a.png"), e.Message);
        Assert.Contains($"maxval 255 cannot be brought exactly to the maxval 4095 of {Path.Combine(_dir, "b.pgm")}", e.Message);
    }

    [Fact]
    public void A_macos_appledouble_companion_beside_an_image_is_skipped_but_a_damaged_image_of_that_name_is_not()
    {
        // Copying photos from a Mac to a USB stick leaves "._name.png" beside each: resource forks (magic 00 05 16 07),
        // which were refused as "not a PNG file".
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), TestPng.Encode(2, 2, 0, 8, [1, 2, 3, 4], null, 0, false));
        File.WriteAllBytes(Path.Combine(_dir, "._a.png"), [0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00, .. new byte[4000]]);
        IReadOnlyList<GrayImage> images = ImageFolder.Load(_dir);
        Assert.Equal(["a.png"], images.Select(i => Path.GetFileName(i.Source)));
        File.WriteAllBytes(Path.Combine(_dir, "._b.png"), [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir));
        Assert.Contains("._b.png", e.Message);
        Assert.Contains("not a PNG file", e.Message);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        bytes[at] ^= 0x40;
        return bytes;
    }

    /// <summary>A PNG encoder written from the specification for these tests: it forces one filter type on every row.</summary>
    private static class TestPng
    {
        public static byte[] Encode(int w, int h, int colour, int depth, int[] samples, byte[]? palette, int filter, bool interlaced)
        {
            int channels = colour switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
            var raw = new List<byte>();
            if (!interlaced)
                AppendImage(raw, w, h, (x, y, c) => samples[(y * w + x) * channels + c], channels, depth, filter);
            else
            {
                // Adam7 passes: starting column/row and steps, from the specification's pass table.
                int[] sx = [0, 4, 0, 2, 0, 1, 0], sy = [0, 0, 4, 0, 2, 0, 1], dx = [8, 8, 4, 4, 2, 2, 1], dy = [8, 8, 8, 4, 4, 2, 2];
                for (int p = 0; p < 7; p++)
                {
                    var xs = Enumerable.Range(0, w).Where(x => x >= sx[p] && (x - sx[p]) % dx[p] == 0).ToArray();
                    var ys = Enumerable.Range(0, h).Where(y => y >= sy[p] && (y - sy[p]) % dy[p] == 0).ToArray();
                    if (xs.Length == 0 || ys.Length == 0) continue;
                    AppendImage(raw, xs.Length, ys.Length, (x, y, c) => samples[(ys[y] * w + xs[x]) * channels + c], channels, depth, filter);
                }
            }
            var chunks = new List<byte[]> { Ihdr(w, h, depth, colour, interlaced ? 1 : 0) };
            if (palette is not null) chunks.Add(Chunk("PLTE", palette));
            chunks.Add(Idat(raw.ToArray()));
            return WithChunks([.. chunks]);
        }

        private static void AppendImage(List<byte> raw, int w, int h, Func<int, int, int, int> sample, int channels, int depth, int filter)
        {
            int bitsPerPixel = channels * depth, rowBytes = (w * bitsPerPixel + 7) / 8, bpp = Math.Max(1, bitsPerPixel / 8);
            var previous = new byte[rowBytes];
            for (int y = 0; y < h; y++)
            {
                var row = new byte[rowBytes];
                int bit = 0;
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        int v = sample(x, y, c);
                        if (depth == 16) { row[bit / 8] = (byte)(v >> 8); row[bit / 8 + 1] = (byte)v; }
                        else if (depth == 8) row[bit / 8] = (byte)v;
                        else row[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                        bit += depth;
                    }
                raw.Add((byte)filter);
                for (int i = 0; i < rowBytes; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
                    int predicted = filter switch
                    {
                        0 => 0,
                        1 => a,
                        2 => b,
                        3 => (a + b) / 2,
                        _ => PaethFromSpec(a, b, c),
                    };
                    raw.Add((byte)(row[i] - predicted));
                }
                previous = row;
            }
        }

        private static int PaethFromSpec(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }

        public static byte[] Ihdr(int w, int h, int depth, int colour, int interlace)
        {
            var d = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(d, w);
            BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(4), h);
            (d[8], d[9], d[12]) = ((byte)depth, (byte)colour, (byte)interlace);
            return Chunk("IHDR", d);
        }

        public static byte[] Idat(byte[] raw)
        {
            var z = new MemoryStream();
            using (var s = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) s.Write(raw);
            return Chunk("IDAT", z.ToArray());
        }

        public static byte[] Chunk(string type, byte[] data)
        {
            var c = new byte[12 + data.Length];
            BinaryPrimitives.WriteInt32BigEndian(c, data.Length);
            for (int i = 0; i < 4; i++) c[4 + i] = (byte)type[i];
            data.CopyTo(c, 8);
            BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), BitwiseCrc(c.AsSpan(4, 4 + data.Length)));
            return c;
        }

        public static byte[] WithChunks(params byte[][] chunks) =>
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. chunks.SelectMany(c => c), .. Chunk("IEND", [])];

        // The CRC bit by bit (no table), as the specification's sample code defines it.
        private static uint BitwiseCrc(ReadOnlySpan<byte> bytes)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in bytes)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320 & (uint)-(int)(crc & 1));
            }
            return ~crc;
        }
    }
}
