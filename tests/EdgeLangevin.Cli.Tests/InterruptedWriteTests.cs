using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reporting.Plots;

namespace EdgeLangevin.Cli.Tests;

/// <summary>Nothing half-written: a failure while an output is being written leaves the previous one as it was.</summary>
public class InterruptedWriteTests
{
    [Fact]
    public void An_exception_half_way_through_a_file_leaves_the_previous_file_and_no_temporary()
    {
        using var tmp = new TempDir();
        string path = tmp.File("result.json", "{\"previous\": true}");
        // Any IOException: the write's failure is now reported under the output's name, by a subclass.
        var e = Assert.ThrowsAny<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("{\"half\": "u8);
            throw new IOException("disk full");
        }));
        Assert.Equal($"{path}: could not be written (disk full); the previous file was left as it was", e.Message);
        Assert.Equal("{\"previous\": true}", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void An_exception_half_way_through_a_report_folder_leaves_the_previous_folder_whole()
    {
        using var tmp = new TempDir();
        string report = Path.Combine(tmp.Path, "report");
        Directory.CreateDirectory(Path.Combine(report, "plots"));
        File.WriteAllText(Path.Combine(report, "README.md"), "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteDirectory(report, t =>
        {
            File.WriteAllText(Path.Combine(t, "README.md"), "new, never finished");
            Directory.CreateDirectory(Path.Combine(t, "plots"));
            throw new InvalidOperationException("a stage crashed");
        }));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(report, "README.md")));
        Assert.Equal([report], Directory.GetDirectories(tmp.Path));
    }

    [Fact]
    public void A_plot_that_cannot_be_drawn_leaves_the_previous_png()
    {
        using var tmp = new TempDir();
        string png = tmp.File("scatter.png", "previous picture");
        // Mismatched lengths are refused before anything is written.
        Assert.Throws<ArgumentException>(() => Charts.FixedVsFloat(png, "t", "q", [1.0, 2.0], [1.0]));
        Assert.Equal("previous picture", File.ReadAllText(png));
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }
}
