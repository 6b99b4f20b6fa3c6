using System;
using System.Device.Adc;
using System.Threading;
using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware.NanoFramework
{
    /// <summary>
    /// Raw noise from the least-significant bits of an ESP32 ADC1 channel wired to a noise source
    /// (see README.md): the low <c>bits</c> bits of AdcChannel.ReadValue(), which does not allocate.
    /// </summary>
    public sealed class AdcLsbNoiseSource : RawNoiseSource
    {
        private readonly AdcChannel _channel;
        private readonly int _bits;
        private readonly int _mask;
        private readonly int _entropyEighths;

        public AdcLsbNoiseSource(AdcChannel channel, int bits, int entropyEighths)
        {
            _channel = channel;
            _bits = bits;
            _mask = (1 << bits) - 1;
            _entropyEighths = entropyEighths;
        }

        public override int BitsPerSample { get { return _bits; } }

        public override int MinEntropyEighths { get { return _entropyEighths; } }

        public override int ReadRaw()
        {
            return _channel.ReadValue() & _mask;
        }
    }

    /// <summary>
    /// The ESP32's hardware random number generator: on nanoFramework System.Random is backed by it
    /// and ignores any seed (shared/DESIGN.md), which is why the solver uses its own generator and
    /// takes only its seed from here. One byte per sample; claimed min-entropy 7 of 8 bits.
    /// </summary>
    public sealed class HardwareRandomSource : RawNoiseSource
    {
        private readonly Random _random = new Random();

        public override int BitsPerSample { get { return 8; } }

        public override int MinEntropyEighths { get { return 56; } }

        public override int ReadRaw()
        {
            return _random.Next(256);
        }
    }

    /// <summary>
    /// ESP32 firmware: boot self-test on the exported golden vector, seed from the hardware RNG,
    /// reseeding from ADC least-significant bits behind the SP 800-90B health tests (or, as an option,
    /// those LSBs as the Langevin noise itself: <see cref="PhysicalNoise"/>), then Langevin
    /// inference on windows of D conversions of the signal channel, a status line every 10 windows
    /// on the console (the USB serial link to Visual Studio's output window).
    /// </summary>
    public class Program
    {
        // ADC1 only: ADC2 is unusable while Wi-Fi is on. Channel 6 is GPIO34, channel 7 GPIO35 on ESP32-WROOM-32.
        private const int SignalChannel = 6;
        private const int NoiseChannel = 7;
        /// <summary>Low bits of each noise conversion used as raw entropy, and their claimed min-entropy (1 bit).</summary>
        private const int NoiseBits = 4;
        private const int NoiseEntropyEighths = 8;
        private const int StepsPerWindow = 50;
        private const int ReportEvery = 10;
        private const int ReseedEvery = 64;
        private const int RetestEvery = 8;
        /// <summary>12-bit ADC: mid-scale 2048 counts is 0, 256 counts are 1.0 in model units.</summary>
        private const int ZeroCount = 2048;
        private const int CountsPerUnitLog2 = 8;
        /// <summary>Seed used when the hardware RNG fails its start-up tests.</summary>
        private const int FallbackSeed = 1;
        /// <summary>
        /// The Langevin noise: false, the solver's seeded generator (reproducible given the seed); true, the
        /// noise channel's LSBs themselves (the paper's idea), calibrated at boot (retried with backoff when it
        /// fails) and drawn for a whole window before its first step. A static readonly, not a const, so that
        /// either branch compiles without an unreachable-code warning.
        /// </summary>
        private static readonly bool PhysicalNoise = false;
        /// <summary>
        /// LSB samples summed into one physical noise word. With the noise source's spread well above 16 counts
        /// the 4 low bits are near-uniform (variance 21.25 counts^2); the sum of 4 has 61 levels and an
        /// Irwin-Hall shape, like the generator's own sum of twelve uniform fields, scaled to unit variance.
        /// Cost: K * 4 conversions per step (3200 per window of 50 steps at K = 16).
        /// </summary>
        private const int PhysicalSamplesPerWord = 4;
        /// <summary>Noise samples of one calibration.</summary>
        private const int CalibrationSamples = 4096;

        public static void Main()
        {
            FirmwareModel model = ExportedModel.Create();
            Console.WriteLine("EdgeLangevin nanoFramework firmware: model " + model.Name + " (D = " + model.D + ", K = " + model.K + ", target " + model.Target + ")");

            SelfTestResult selfTest = GoldenSelfTest.Run(model);
            Console.WriteLine("self-test: " + selfTest.Message);
            if (!selfTest.Passed)
            {
                Console.WriteLine("halted: this board does not compute what the simulator computes");
                Thread.Sleep(Timeout.Infinite);
            }

            int seed = FallbackSeed;
            try
            {
                CheckedNoiseSource rng = new CheckedNoiseSource(new HardwareRandomSource());
                rng.RunStartupTests();
                seed = new EntropySeeder(rng).NextSeed();
                Console.WriteLine("entropy: hardware RNG passed its start-up tests; seed " + seed);
            }
            catch (NoiseHealthException e)
            {
                Console.WriteLine("entropy: hardware RNG unusable (" + e.Message + "); fixed seed " + seed);
            }

            AdcController adc = new AdcController();
            AdcChannel signal = adc.OpenChannel(SignalChannel);
            AdcChannel noiseChannel = adc.OpenChannel(NoiseChannel);
            Console.WriteLine("ADC: " + adc.ResolutionInBits + " bits, max " + adc.MaxValue + "; signal channel " + SignalChannel + ", noise channel " + NoiseChannel);

            CheckedNoiseSource noise = new CheckedNoiseSource(new AdcLsbNoiseSource(noiseChannel, NoiseBits, NoiseEntropyEighths));
            EntropySeeder seeder = new EntropySeeder(noise);
            // Physical mode: a window's 2 * StepsPerWindow * K bytes of noise words are held in one buffer (1.6 KB at K = 16).
            PhysicalGaussianNoise physical = PhysicalNoise ? new PhysicalGaussianNoise(noise, PhysicalSamplesPerWord) : null;
            InferenceLoop loop = new InferenceLoop(model, 1, StepsPerWindow, ZeroCount, CountsPerUnitLog2, seed, physical);
            WindowController windows = new WindowController(loop, seeder, ReportEvery, ReseedEvery, RetestEvery);
            windows.CalibrationSamples = CalibrationSamples;
            Console.WriteLine("Langevin noise: " + (PhysicalNoise ? "physical (ADC LSBs of channel " + NoiseChannel + ")" : "seeded generator"));
            // Start-up tests of the LSB source and, with physical noise, its calibration; a failure skips windows until it passes.
            windows.StartNoise();
            Console.WriteLine(windows.Line.ToString());

            int[] counts = new int[model.D];
            while (true)
            {
                bool read = true;
                for (int d = 0; d < counts.Length; d++)
                {
                    try
                    {
                        counts[d] = signal.ReadValue();
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine("ADC read error: " + e.Message + "; window skipped, state kept (" + windows.ReadFailed() + " so far)");
                        read = false;
                        break;
                    }
                }
                if (!read) continue;
                WindowOutcome outcome = windows.Run(counts);
                if (outcome == WindowOutcome.RanWithLine || outcome == WindowOutcome.SkippedWithLine)
                {
                    // nanoFramework's Console takes strings only: the one allocation of the loop, once per status line.
                    Console.WriteLine(windows.Line.ToString());
                }
            }
        }
    }
}
