using System;
using System.Threading.Tasks;
using EdgeLangevin.Core.HardwareNoise;
using Meadow;
using Meadow.Devices;
using Meadow.Hardware;

namespace EdgeLangevin.Firmware.Meadow
{
    /// <summary>
    /// Counts of one input of an analog input array: Meadow's array reports volts (double) after
    /// Refresh(); the STM32F7 ADC is 12 bits over 3.3 V, so count = round(v / 3.3 * 4095). The array
    /// is refreshed by whoever owns it; this class only converts.
    /// </summary>
    public static class AdcCounts
    {
        public const double ReferenceVolts = 3.3;
        public const int MaxCount = 4095;

        public static int FromVolts(double volts)
        {
            int count = (int)(volts / ReferenceVolts * MaxCount + 0.5);
            return count < 0 ? 0 : (count > MaxCount ? MaxCount : count);
        }
    }

    /// <summary>
    /// Raw noise from the least-significant bits of the noise input of the analog input array
    /// (the F7's hardware RNG is not exposed to applications). Each read refreshes the array
    /// (Refresh() reads every input of the array at once and allocates nothing).
    /// </summary>
    public sealed class ArrayLsbNoiseSource : RawNoiseSource
    {
        private readonly IAnalogInputArray _array;
        private readonly int _index;
        private readonly int _bits;
        private readonly int _entropyEighths;

        public ArrayLsbNoiseSource(IAnalogInputArray array, int index, int bits, int entropyEighths)
        {
            _array = array;
            _index = index;
            _bits = bits;
            _entropyEighths = entropyEighths;
        }

        public override int BitsPerSample => _bits;

        public override int MinEntropyEighths => _entropyEighths;

        public override int ReadRaw()
        {
            _array.Refresh();
            return AdcCounts.FromVolts(_array.CurrentValues[_index]) & ((1 << _bits) - 1);
        }
    }

    /// <summary>
    /// Meadow F7 Feather v2 firmware: boot self-test on the exported golden vector, seed and reseeding
    /// from ADC least-significant bits behind the SP 800-90B health tests (or, as an option, those LSBs as
    /// the Langevin noise itself: <see cref="PhysicalNoise"/>), then Langevin inference on
    /// windows of D samples of A00, with a status line every 10 windows on the Meadow console.
    /// Reads go through an analog input array: IAnalogInputPort.Read() is async and sleeps between
    /// oversamples, unusable in a hot loop.
    /// </summary>
    public class MeadowApp : App<F7FeatherV2>
    {
        private const int NoiseBits = 4;
        private const int NoiseEntropyEighths = 8;
        private const int StepsPerWindow = 100;
        private const int ReportEvery = 10;
        private const int ReseedEvery = 64;
        private const int RetestEvery = 8;
        private const int ZeroCount = 2048;
        private const int CountsPerUnitLog2 = 8;
        private const int FallbackSeed = 1;
        /// <summary>
        /// The Langevin noise: false, the solver's seeded generator; true, the LSBs of input A01 themselves (the
        /// paper's idea), calibrated at boot (retried with backoff when it fails) and drawn for a whole window
        /// before its first step. Static readonly rather than const: no unreachable-code warning either way.
        /// </summary>
        private static readonly bool PhysicalNoise = false;
        /// <summary>LSB samples per physical noise word (near-uniform 4-bit samples; see the nanoFramework Program).</summary>
        private const int PhysicalSamplesPerWord = 4;
        private const int CalibrationSamples = 4096;

        private IAnalogInputArray _adc;
        private FirmwareModel _model;
        private WindowController _windows;
        private int[] _counts;

        public override Task Initialize()
        {
            _model = ExportedModel.Create();
            Resolver.Log.Info("EdgeLangevin Meadow firmware: model " + _model.Name + " (D = " + _model.D + ", K = " + _model.K + ", target " + _model.Target + ")");
            // Input 0: the signal on A00; input 1: the noise source on A01.
            _adc = Device.CreateAnalogInputArray(Device.Pins.A00, Device.Pins.A01);
            _counts = new int[_model.D];
            return base.Initialize();
        }

        public override Task Run()
        {
            SelfTestResult selfTest = GoldenSelfTest.Run(_model);
            Resolver.Log.Info("self-test: " + selfTest.Message);
            if (!selfTest.Passed)
            {
                Resolver.Log.Info("halted: this board does not compute what the simulator computes");
                return Task.CompletedTask;
            }

            var noise = new CheckedNoiseSource(new ArrayLsbNoiseSource(_adc, 1, NoiseBits, NoiseEntropyEighths));
            var seeder = new EntropySeeder(noise);
            int seed = FallbackSeed;
            bool noiseOk = true;
            try
            {
                noise.RunStartupTests();
                seed = seeder.NextSeed();
                Resolver.Log.Info("noise: ADC LSB source passed its start-up tests; seed " + seed);
            }
            catch (NoiseHealthException e)
            {
                Resolver.Log.Info("noise: " + e.Message + "; fixed seed " + seed + ", windows skipped until it passes again");
                noiseOk = false;
            }
            // Physical mode: each noise word costs 4 array refreshes (6400 per window of 100 steps at K = 16),
            // and a window's words take 2 * StepsPerWindow * K bytes (3.2 KB at K = 16).
            PhysicalGaussianNoise physical = PhysicalNoise ? new PhysicalGaussianNoise(noise, PhysicalSamplesPerWord) : null;
            var loop = new InferenceLoop(_model, 1, StepsPerWindow, ZeroCount, CountsPerUnitLog2, seed, physical);
            _windows = new WindowController(loop, seeder, ReportEvery, ReseedEvery, RetestEvery);
            _windows.CalibrationSamples = CalibrationSamples;
            if (PhysicalNoise)
            {
                // Calibration at boot; when it fails the windows are skipped and it is retried with backoff.
                _windows.StartNoise();
                Resolver.Log.Info("Langevin noise: physical (LSBs of A01); " + _windows.Line.ToString());
            }
            else if (!noiseOk)
            {
                _windows.NoiseFailedAtBoot();
            }

            while (true)
            {
                for (int d = 0; d < _counts.Length; d++)
                {
                    _adc.Refresh();
                    _counts[d] = AdcCounts.FromVolts(_adc.CurrentValues[0]);
                }
                WindowOutcome outcome = _windows.Run(_counts);
                if (outcome == WindowOutcome.RanWithLine || outcome == WindowOutcome.SkippedWithLine)
                    Resolver.Log.Info(_windows.Line.ToString());
            }
        }
    }
}
