namespace EdgeLangevin.Firmware.Tests.Iot;

public class RecordingTests
{
    /// <summary>
    /// The shipped recording is exactly what its documented generator produces; set
    /// EDGELANGEVIN_UPDATE_RECORDINGS=1 to rewrite it (in the source tree) after changing the generator.
    /// </summary>
    [Fact]
    public void The_shipped_adc_recording_is_what_its_documented_generator_produces()
    {
        int[] signal = Recording.GenerateSignal();
        int[] noise = Recording.GenerateNoise();
        if (Environment.GetEnvironmentVariable("EDGELANGEVIN_UPDATE_RECORDINGS") == "1")
        {
            string dir = Path.Combine(SourceTree.Root, "tests", "EdgeLangevin.Firmware.Tests", "Recordings");
            File.WriteAllText(Path.Combine(dir, "bars8x8-signal-ch0.txt"), "# MCP3008 channel 0, 100 windows x 64 conversions (see README.md)\n" + string.Join("\n", signal) + "\n");
            File.WriteAllText(Path.Combine(dir, "noise-ch1.txt"), "# MCP3008 channel 1, 12000 conversions of the noise source (see README.md)\n" + string.Join("\n", noise) + "\n");
            return;
        }
        Assert.Equal(signal, Recording.Signal());
        Assert.Equal(noise, Recording.Noise());
    }
}
