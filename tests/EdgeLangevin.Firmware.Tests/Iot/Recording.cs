using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Firmware.Tests.Iot;

/// <summary>
/// The shipped ADC recording (Recordings/*.txt, described in Recordings/README.md) and the generator
/// that produced it. Signal, channel 0: 100 windows of 64 conversions, each an 8 x 8 bars image
/// drawn from the bars model (16 bars, pi 0.3, lambda 1, sigma 0.5; Reference BarsData, Rng seed
/// 2026) and digitised as count = clamp(round(512 + 64 x), 0, 1023). Noise, channel 1: 12000
/// conversions of an amplified junction-noise source modelled as a Gaussian AR(1) process with
/// mean 511.6 counts, sd 4 counts and lag-1 correlation 0.2 (amplifier bandwidth), rounded and clamped.
/// </summary>
internal static class Recording
{
    public const int Windows = 100;
    public const int D = 64;
    public const int NoiseSamples = 12000;

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Recordings");

    public static int[] Signal() => Load("bars8x8-signal-ch0.txt");

    public static int[] Noise() => Load("noise-ch1.txt");

    public static int[] Load(string name) =>
        File.ReadAllLines(Path.Combine(Folder, name)).Where(l => l.Length > 0 && l[0] != '#').Select(int.Parse).ToArray();

    public static int[] GenerateSignal()
    {
        var bars = new BarsData(8, 0.3, 1.0, 0.5);
        var rng = new Rng(2026);
        var x = new double[D];
        var counts = new int[Windows * D];
        for (int w = 0; w < Windows; w++)
        {
            bars.Draw(rng, x, 0);
            for (int d = 0; d < D; d++) counts[w * D + d] = Math.Clamp((int)Math.Round(512 + 64 * x[d], MidpointRounding.AwayFromZero), 0, 1023);
        }
        return counts;
    }

    public static int[] GenerateNoise() => GenerateNoise(NoiseSamples);

    /// <summary>The noise channel's generator for any length (the physical-noise tests need more than the recording holds).</summary>
    public static int[] GenerateNoise(int samples)
    {
        var rng = new Rng(2026, stream: 1);
        const double rho = 0.2, sd = 4.0, mean = 511.6;
        double state = sd * rng.NextGaussian();
        var counts = new int[samples];
        for (int i = 0; i < counts.Length; i++)
        {
            state = rho * state + Math.Sqrt(1 - rho * rho) * sd * rng.NextGaussian();
            counts[i] = Math.Clamp((int)Math.Round(mean + state, MidpointRounding.AwayFromZero), 0, 1023);
        }
        return counts;
    }
}
