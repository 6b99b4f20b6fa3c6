#nullable disable
using EdgeLangevin.Core;

namespace EdgeLangevin.Firmware
{
    /// <summary>
    /// Everything a board needs about one model, built by the generated ExportedModel.Create()
    /// (`edgelangevin firmware export`): formats, integer step parameters, the dictionary, and the
    /// golden vector that the boot self-test replays. Boards have no file system for a model file.
    /// </summary>
    public sealed class FirmwareModel
    {
        /// <summary>Model name (the exported file's stem) for the banner.</summary>
        public string Name;
        /// <summary>The target the export was checked against: nanoframework, meadow or iot.</summary>
        public string Target;
        public FixedFormat Format;
        public StepParameters Parameters;
        /// <summary>A_q, row-major D x K (entry (d, k) at d * K + k).</summary>
        public short[] DictionaryRowMajor;
        public int D;
        public int K;
        /// <summary>Online learning of the dictionary and/or the threshold on the board, or null (inference only).</summary>
        public LearningParameters Learning;
        /// <summary>lambda in Q.16, to read pi = exp(-lambda u0) out of the threshold.</summary>
        public int LambdaQ16;

        /// <summary>FNV-1a hash of the dictionary words (<see cref="GoldenSelfTest.HashShorts"/>): a one-LSB change of a table entry can round away in a short run, the hash cannot.</summary>
        public int DictionaryHash;
        /// <summary>Generator seed of the golden run (chain 0).</summary>
        public int GoldenSeed;
        /// <summary>Steps of the golden run.</summary>
        public int GoldenSteps;
        /// <summary>The golden run's starting u (K words, state format): a third of the units above threshold each way, so the very first steps exercise the data drive, also at T = 0.</summary>
        public int[] GoldenInitialState;
        /// <summary>The golden input x_q (D words, state format).</summary>
        public int[] GoldenInput;
        /// <summary>FNV-1a hash of the K state words u after each golden step (<see cref="GoldenSelfTest.HashWords"/>).</summary>
        public int[] GoldenStepHashes;
        /// <summary>The threshold u0_q after the last golden step (it moves only when the threshold is learned).</summary>
        public int GoldenFinalThreshold;
        /// <summary>The K state words u after the last golden step.</summary>
        public int[] GoldenFinalState;
    }
}
