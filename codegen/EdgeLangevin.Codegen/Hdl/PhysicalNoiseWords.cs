using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The physical noise words of the generated hardware (el_phys_noise, hdl-templates/ENTROPY.md):
/// conditioned bits packed <see cref="SampleBits"/> at a time (first bit most significant), and
/// <see cref="SamplesPerWord"/> such samples mapped to one Q5.10 word by the C#
/// <see cref="PhysicalGaussianNoise"/> with its uniform calibration. This class gives the
/// hardware its constants from that C# code and replays the mapping on a run's raw bits.
/// </summary>
public static class PhysicalNoiseWords
{
    /// <summary>Conditioned bits per sample: 9, the width of each of the core generator's twelve uniform fields.</summary>
    public const int SampleBits = 9;

    /// <summary>Samples per word: 12, so a word is 2 * (sum - 3066), the generator's twelve-field sum (FIXED_POINT.md) without its +-2 term.</summary>
    public const int SamplesPerWord = 12;

    /// <summary>Conditioned bits one noise word takes.</summary>
    public const int ConditionedBitsPerWord = SampleBits * SamplesPerWord;

    /// <summary>el_phys_noise's parameters: eta = (sum of the word's samples - Offset) * 2^ScaleLog2.</summary>
    public sealed record Constants(int Offset, int ScaleLog2);

    /// <summary>
    /// The hardware's form of the mapping, found by running the C# PhysicalGaussianNoise (uniform
    /// calibration) on every possible sum of a word's samples, 0 to SamplesPerWord * (2^SampleBits - 1):
    /// with rho = 0 the word depends on that sum only, and it must equal (sum - Offset) * 2^ScaleLog2
    /// without saturating. Throws when it does not (other sample sizes would need a multiplier).
    /// </summary>
    public static Constants HardwareConstants()
    {
        int max = (1 << SampleBits) - 1;
        int maxSum = SamplesPerWord * max;
        var samples = new int[(maxSum + 1) * SamplesPerWord];
        for (int sum = 0; sum <= maxSum; sum++)
        {
            int left = sum;     // one word of samples adding up to sum
            for (int j = 0; j < SamplesPerWord; j++)
            {
                samples[sum * SamplesPerWord + j] = Math.Min(left, max);
                left -= samples[sum * SamplesPerWord + j];
            }
        }
        PhysicalGaussianNoise noise = Mapping(samples);
        int[] words = new int[maxSum + 1];
        for (int sum = 0; sum <= maxSum; sum++) words[sum] = noise.NextEta();
        int step = words[1] - words[0];
        int log2 = 0;
        while ((1 << log2) < step) log2++;
        int offset = -words[0] / Math.Max(step, 1);
        bool fits = noise.Lag1CorrelationQ15 == 0 && noise.Clips == 0 && step == 1 << log2 && words[0] == -offset * step;
        for (int sum = 0; fits && sum <= maxSum; sum++) fits = words[sum] == (sum - offset) * step;
        if (!fits) throw new InvalidOperationException($"the physical mapping of {SamplesPerWord} samples of {SampleBits} bits is not (sum - offset) * 2^k: el_phys_noise cannot compute it");
        return new Constants(offset, log2);
    }

    /// <summary>Conditioned bits of a healthy run: the parity of each group of <paramref name="condRaw"/> raw bits, in order.</summary>
    public static int[] Condition(IReadOnlyList<int> rawBits, int condRaw)
    {
        var cond = new int[rawBits.Count / condRaw];
        for (int i = 0; i < cond.Length; i++)
            for (int j = 0; j < condRaw; j++) cond[i] ^= rawBits[i * condRaw + j];
        return cond;
    }

    /// <summary>The words PhysicalGaussianNoise makes from <paramref name="conditionedBits"/> (whole words only).</summary>
    public static int[] Words(IReadOnlyList<int> conditionedBits)
    {
        var samples = new int[conditionedBits.Count / SampleBits];
        for (int i = 0; i < samples.Length; i++)
            for (int j = 0; j < SampleBits; j++) samples[i] = (samples[i] << 1) | conditionedBits[i * SampleBits + j];
        PhysicalGaussianNoise noise = Mapping(samples);
        var words = new int[samples.Length / SamplesPerWord];
        for (int i = 0; i < words.Length; i++) words[i] = noise.NextEta();
        return words;
    }

    private static PhysicalGaussianNoise Mapping(int[] samples)
    {
        var noise = new PhysicalGaussianNoise(new CheckedNoiseSource(new SampleArray(samples)), SamplesPerWord);
        noise.CalibrateUniform();
        return noise;
    }

    /// <summary>Conditioned samples read in order (full entropy claimed: they are the conditioner's output).</summary>
    private sealed class SampleArray(int[] samples) : RawNoiseSource
    {
        private int _next;
        public override int BitsPerSample => SampleBits;
        public override int MinEntropyEighths => 8 * SampleBits;
        public override int ReadRaw() => samples[_next++];
    }
}
