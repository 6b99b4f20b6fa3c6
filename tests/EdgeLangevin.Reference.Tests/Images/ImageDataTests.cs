using System.Text;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests.Images;

public sealed class ImageDataTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgelangevin-images-" + Guid.NewGuid().ToString("N"));

    public ImageDataTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WritePgm(string name, int width, int height, int maxval, Func<int, int, int> pixel)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes($"P5\n{width} {height}\n{maxval}\n"));
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
            {
                int v = pixel(r, c);
                if (maxval > 255) bytes.Add((byte)(v >> 8));
                bytes.Add((byte)v);
            }
        File.WriteAllBytes(Path.Combine(_dir, name), bytes.ToArray());
    }

    [Fact]
    public void AMissingFolderIsAnInputErrorNamingIt()
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public void AFolderWithoutPgmFilesIsAnInputError()
    {
        File.WriteAllText(Path.Combine(_dir, "readme.txt"), "no images here");
        Assert.Contains("no .pgm or .png files", Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir)).Message);
    }

    [Fact]
    public void ABrokenPgmInTheFolderIsReportedByName()
    {
        WritePgm("a.pgm", 16, 16, 255, (r, c) => r + c);
        File.WriteAllBytes(Path.Combine(_dir, "b.pgm"), Encoding.ASCII.GetBytes("P5\n16 16\n255\n"));
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir));
        Assert.Contains("b.pgm", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ImagesWhoseBitDepthsCannotShareOneScaleExactlyAreRefused()
    {
        // 4095 is not a multiple of 255: the 8-bit samples cannot be brought to 12 bits exactly (8 and 16 bits can: PngReaderTests).
        WritePgm("a.pgm", 16, 16, 255, (r, c) => r + c);
        WritePgm("b.pgm", 16, 16, 4095, (r, c) => 16 * (r + c));
        Assert.Contains("maxval 255 cannot be brought exactly to the maxval 4095", Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir)).Message);
    }

    [Fact]
    public void AnImageSmallerThanAPatchIsRefused()
    {
        WritePgm("tiny.pgm", 5, 12, 255, (r, c) => r);
        Assert.Contains("smaller than one 8x8 patch", Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir, 8)).Message);
    }

    [Fact]
    public void A_folder_whose_only_image_is_exactly_one_patch_is_refused()
    {
        WritePgm("one-patch.pgm", 8, 8, 255, (r, c) => (r * 31 + c * 17) % 256);
        var e = Assert.Throws<InvalidInputException>(() => ImageFolder.Load(_dir, 8));
        Assert.Contains("a single 8x8 patch position", e.Message);
        // A second position (one more column) is data, however little.
        WritePgm("one-patch.pgm", 9, 8, 255, (r, c) => (r * 31 + c * 17) % 256);
        Assert.Single(ImageFolder.Load(_dir, 8));
    }

    [Fact]
    public void SixteenBitImagesAreDividedByTheirOwnMaxval()
    {
        // Two images, one 8-bit and one 16-bit, of the same scene must give the same data vectors.
        Func<int, int, int> scene = (r, c) => (r * 7 + c * 3) % 16;
        WritePgm("a8.pgm", 12, 12, 15, scene);
        var eight = ImageFolder.Load(_dir);
        File.Delete(Path.Combine(_dir, "a8.pgm"));
        WritePgm("a16.pgm", 12, 12, 65535, (r, c) => scene(r, c) * 4369); // 65535 / 15 = 4369
        var sixteen = ImageFolder.Load(_dir);
        var options = new PreprocessingOptions { Whitening = PatchPreprocessor.None, FitPatches = 640 };
        var p8 = PatchPreprocessor.Fit(eight, options, 1);
        var p16 = PatchPreprocessor.Fit(sixteen, options, 1);
        Assert.Equal(15, p8.PixelDivisor);
        Assert.Equal(65535, p16.PixelDivisor);
        var x8 = new double[64];
        var x16 = new double[64];
        new ImagePatchSource(eight, p8).Draw(new Rng(3), x8, 0);
        new ImagePatchSource(sixteen, p16).Draw(new Rng(3), x16, 0);
        for (int i = 0; i < 64; i++) Assert.Equal(x8[i], x16[i], 12);
    }

    [Fact]
    public void ThePatchSourceAppliesTheStoredPreprocessingToTheSameWindowThatTheSamplerDraws()
    {
        var images = ImageFolder.Load(ImageFolder.ShippedName);
        var p = PatchPreprocessor.Fit(images, new PreprocessingOptions { FitPatches = 2000 }, 1);
        var source = new ImagePatchSource(images, p);
        Assert.Equal(64, source.Dimension);
        var viaSource = new double[3 * 64];
        var rng = new Rng(42);
        for (int n = 0; n < 3; n++) source.Draw(rng, viaSource, n * 64);
        var raw = new double[64];
        var expected = new double[64];
        var transform = new PatchTransform(p);
        var again = new Rng(42);
        for (int n = 0; n < 3; n++)
        {
            PatchSampler.Draw(images, 8, again.NextInt, raw);
            transform.Apply(raw, expected);
            Assert.Equal(expected, viaSource.AsSpan(n * 64, 64).ToArray());
        }
    }
}
