using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Firmware.Iot;

namespace EdgeLangevin.Firmware.Tests.Iot;

/// <summary>Issue 14, class 10: a recording too short for its use is refused or reported, never looped silently.</summary>
public class ReplayLengthTests
{
    private static int Convert(RecordedSpiDevice spi, int channel)
    {
        Span<byte> read = stackalloc byte[3];
        spi.TransferFullDuplex([0x01, (byte)(0x80 | channel << 4), 0x00], read);
        return (read[1] & 3) << 8 | read[2];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(NoiseHealthMonitor.CorrelationWindow - 1)]
    public void A_noise_recording_shorter_than_a_health_test_window_is_refused_naming_the_file(int counts)
    {
        string path = Path.Combine(Path.GetTempPath(), $"noise-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, Enumerable.Range(0, counts).Select(i => (i * 37 % 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try
        {
            var e = Assert.Throws<FormatException>(() => RecordingFile.ReadNoise(path, NoiseHealthMonitor.CorrelationWindow));
            Assert.Contains(path, e.Message);
            Assert.Contains($"{counts} counts", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_noise_recording_of_one_window_is_accepted()
    {
        string path = Path.Combine(Path.GetTempPath(), $"noise-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, Enumerable.Range(0, NoiseHealthMonitor.CorrelationWindow).Select(i => "512"));
        try { Assert.Equal(NoiseHealthMonitor.CorrelationWindow, RecordingFile.ReadNoise(path, NoiseHealthMonitor.CorrelationWindow).Length); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Wrapping_around_a_recording_is_counted_and_reported_once_per_channel()
    {
        var warnings = new StringWriter();
        var spi = new RecordedSpiDevice([1, 2, 3], [10, 20, 30, 40, 50], noiseName: "noise-ch1.txt") { Warnings = warnings };
        for (int i = 0; i < 5; i++) Assert.Equal((i + 1) * 10, Convert(spi, 1));
        Assert.Equal(1, spi.Wraps(1)); // the fifth conversion used the last count: the next one starts over
        Assert.Contains("noise-ch1.txt (5 counts) is used up", warnings.ToString());
        Assert.Equal(10, Convert(spi, 1)); // replayed from the start, and said so
        for (int i = 0; i < 9; i++) Convert(spi, 1);
        Assert.Equal(3, spi.Wraps(1));
        Assert.Equal(0, spi.Wraps(0));
        Assert.Single(warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)); // once, not on every wrap
    }
}
