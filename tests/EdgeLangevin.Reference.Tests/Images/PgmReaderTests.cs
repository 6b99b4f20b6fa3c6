using System.Text;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reference.Tests.Images;

public class PgmReaderTests
{
    private static byte[] Bytes(string header, params byte[] raster) => [.. Encoding.ASCII.GetBytes(header), .. raster];

    private static InvalidInputException Rejects(byte[] bytes, string expectedProblem)
    {
        var e = Assert.Throws<InvalidInputException>(() => PgmReader.Parse(bytes, "bad.pgm"));
        Assert.StartsWith("bad.pgm: ", e.Message);
        Assert.Contains(expectedProblem, e.Message);
        return e;
    }

    [Fact]
    public void An8BitBinaryPgmWithHeaderCommentsIsReadRowMajor()
    {
        // The raster deliberately starts with a whitespace byte (10): only one separator byte may be skipped.
        var img = PgmReader.Parse(Bytes("P5\n# made by hand\n3 # width\n2\n200\n", 10, 0, 200, 1, 2, 3), "a.pgm");
        Assert.Equal(3, img.Width);
        Assert.Equal(2, img.Height);
        Assert.Equal(200, img.MaxValue);
        Assert.Equal([10, 0, 200, 1, 2, 3], img.Samples);
        Assert.Equal(200, img[0, 2]);
        Assert.Equal(1, img[1, 0]);
    }

    [Fact]
    public void A16BitBinaryPgmIsReadBigEndian()
    {
        var img = PgmReader.Parse(Bytes("P5 2 1 65535\n", 0x01, 0x02, 0xFF, 0xFE), "b.pgm");
        Assert.Equal([0x0102, 0xFFFE], img.Samples);
        Assert.Equal(65535, img.MaxValue);
    }

    [Fact]
    public void APlainTextPgmWithCommentsIsRead()
    {
        var img = PgmReader.Parse(Encoding.ASCII.GetBytes("P2\n# plain\n2 2\n15\n0 15\n# a comment in the raster\n7\t3\n"), "c.pgm");
        Assert.Equal([0, 15, 7, 3], img.Samples);
        Assert.Equal(15, img.MaxValue);
    }

    [Fact]
    public void AFileThatIsNotAPgmIsRejectedNamingTheFile() =>
        Rejects("GIF89a"u8.ToArray(), "not a PGM file");

    [Fact]
    public void AColourPpmIsRejectedAsNotGreyscale() =>
        Rejects(Bytes("P6\n1 1\n255\n", 1, 2, 3), "not a greyscale PGM");

    [Fact]
    public void AnEmptyFileIsRejected() => Rejects([], "not a PGM file");

    [Fact]
    public void ATruncatedBinaryRasterIsRejectedWithTheByteCounts() =>
        Rejects(Bytes("P5\n4 4\n255\n", 1, 2, 3), "truncated: raster has 3 bytes");

    [Fact]
    public void ATruncated16BitRasterIsRejected() =>
        Rejects(Bytes("P5\n2 1\n1000\n", 0, 1, 0), "need 4");

    [Fact]
    public void ATruncatedHeaderIsRejected() => Rejects(Bytes("P5\n4 4\n"), "maxval is missing");

    [Fact]
    public void ATruncatedPlainRasterIsRejected() =>
        Rejects(Encoding.ASCII.GetBytes("P2 2 2 255 1 2 3"), "truncated: raster ends after 3 of 4 pixels");

    [Theory]
    [InlineData("P5\n0 4\n255\n")]
    [InlineData("P5\n4 0\n255\n")]
    public void AZeroSizeIsRejected(string header) => Rejects(Bytes(header), "zero image size");

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    public void AMaxvalOutOfRangeIsRejected(string maxval) =>
        Rejects(Bytes($"P5\n1 1\n{maxval}\n", 0, 0), $"maxval {maxval} out of range");

    [Fact]
    public void ASampleAboveMaxvalIsRejected() =>
        Rejects(Bytes("P5\n2 1\n100\n", 50, 101), "value 101 above maxval 100");

    [Fact]
    public void DataAfterTheRasterIsRejectedButTrailingWhitespaceIsNot()
    {
        Rejects(Bytes("P5\n1 1\n255\n", 7, 8), "unexpected data after the raster");
        Assert.Equal([7], PgmReader.Parse(Bytes("P5\n1 1\n255\n", 7, (byte)'\n'), "ok.pgm").Samples);
    }

    [Fact]
    public void AMalformedHeaderNumberIsRejected() => Rejects(Bytes("P5\n8x 8\n255\n"), "malformed width");

    [Fact]
    public void AMissingFileIsAnInputErrorNamingThePath()
    {
        var e = Assert.Throws<InvalidInputException>(() => PgmReader.Read("/nonexistent/x.pgm"));
        Assert.Contains("/nonexistent/x.pgm", e.Message);
    }

    [Fact]
    public void TheShippedImagesAre256By256EightBit()
    {
        var images = ImageFolder.Load(ImageFolder.ShippedName);
        Assert.Equal(4, images.Count);
        foreach (var img in images)
        {
            Assert.Equal((256, 256, 255), (img.Width, img.Height, img.MaxValue));
            // A real photo uses a good part of the grey range (a blank or all-zero file would not).
            Assert.True(img.Samples.Max() - img.Samples.Min() > 100, img.Source);
        }
    }
}
