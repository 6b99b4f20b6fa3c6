using System;

namespace EdgeLangevin.Core
{
    /// <summary>How a learning increment far below one LSB is turned into an integer change.</summary>
    public enum LearningRounding
    {
        /// <summary>Add uniform random bits from the learner's own xorshift32 stream before the shift: the expected change equals the exact increment.</summary>
        Stochastic = 0,
        /// <summary>Round to nearest (ties up): increments below half an LSB are lost. For comparison only.</summary>
        Nearest = 1,
    }

    /// <summary>How new data reach the chains (shared/MODEL.md, "Data presentation").</summary>
    public enum FixedSwitching
    {
        /// <summary>Every chain gets a new datum every SwitchEvery steps (a global clock), starting at step 0.</summary>
        Synchronous = 0,
        /// <summary>Each chain independently with probability SwitchProbabilityQ / 2^31 per step (no global clock); all chains at step 0.</summary>
        Asynchronous = 1,
    }

    /// <summary>
    /// Integer parameters of learning simultaneous with inference, computed on the host
    /// (EdgeLangevin.Simulator.FixedLearningParameters). A rate is a mantissa and a shift:
    /// the change of a word is (mantissa * sum) / 2^shift, rounded as <see cref="Rounding"/> says,
    /// where sum is the integer sum the update formula names. Validated once, here.
    /// </summary>
    public sealed class LearningParameters
    {
        /// <summary>Largest rate mantissa: 15 bits, so mantissa * sum never overflows 63 bits (see FixedLearner).</summary>
        public const int MaxMantissa = 32767;

        /// <summary>Largest shift of a rate.</summary>
        public const int MaxShift = 62;

        /// <param name="learnDictionary">Whether A moves.</param>
        /// <param name="dictionaryRate">Mantissa of dt / (tau_A sigma^2 B) 2^(FA - 2 FM), 0..32767.</param>
        /// <param name="dictionaryShift">Its shift, 0..62.</param>
        /// <param name="learnThreshold">Whether u0 moves.</param>
        /// <param name="thresholdRate">Mantissa of dt / (tau_u0 sigma^2) 2^(FS - FM).</param>
        /// <param name="thresholdShift">Its shift.</param>
        /// <param name="normalise">Rescale every column of A to unit norm after each dictionary change.</param>
        /// <param name="switching">Synchronous or asynchronous data switching.</param>
        /// <param name="switchEvery">Synchronous: steps per datum (>= 1).</param>
        /// <param name="switchProbability">Asynchronous: probability per step times 2^31 (0..2^31-1).</param>
        /// <param name="rounding">Stochastic (default) or nearest.</param>
        public LearningParameters(bool learnDictionary, int dictionaryRate, int dictionaryShift, bool learnThreshold, int thresholdRate, int thresholdShift,
            bool normalise, FixedSwitching switching, int switchEvery, int switchProbability, LearningRounding rounding)
        {
            CheckRate("dictionary rate", dictionaryRate, dictionaryShift);
            CheckRate("threshold rate", thresholdRate, thresholdShift);
            if (switchEvery < 1) throw new ArgumentException("switchEvery = " + switchEvery + ": expected at least 1 step per datum");
            if (switchProbability < 0) throw new ArgumentException("switchProbability = " + switchProbability + ": expected 0 to 2^31 - 1");
            if (switching != FixedSwitching.Synchronous && switching != FixedSwitching.Asynchronous) throw new ArgumentException("switching: expected Synchronous or Asynchronous");
            if (rounding != LearningRounding.Stochastic && rounding != LearningRounding.Nearest) throw new ArgumentException("rounding: expected Stochastic or Nearest");
            LearnDictionary = learnDictionary;
            DictionaryRate = dictionaryRate;
            DictionaryShift = dictionaryShift;
            LearnThreshold = learnThreshold;
            ThresholdRate = thresholdRate;
            ThresholdShift = thresholdShift;
            Normalise = normalise;
            Switching = switching;
            SwitchEvery = switchEvery;
            SwitchProbability = switchProbability;
            Rounding = rounding;
        }

        public bool LearnDictionary { get; private set; }
        public int DictionaryRate { get; private set; }
        public int DictionaryShift { get; private set; }
        public bool LearnThreshold { get; private set; }
        public int ThresholdRate { get; private set; }
        public int ThresholdShift { get; private set; }
        public bool Normalise { get; private set; }
        public FixedSwitching Switching { get; private set; }
        public int SwitchEvery { get; private set; }
        public int SwitchProbability { get; private set; }
        public LearningRounding Rounding { get; private set; }

        private static void CheckRate(string field, int mantissa, int shift)
        {
            if (mantissa < 0 || mantissa > MaxMantissa) throw new ArgumentException(field + ": mantissa " + mantissa + " is out of range 0 to " + MaxMantissa);
            if (shift < 0 || shift > MaxShift) throw new ArgumentException(field + ": shift " + shift + " is out of range 0 to " + MaxShift);
        }
    }
}
