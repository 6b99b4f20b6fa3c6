using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Cutoffs of the NIST SP 800-90B section 4.4 continuous health tests for a false-positive
    /// probability alpha = 2^-20 per test decision, as functions of the assessed min-entropy H per
    /// sample, given in eighths of a bit (H = eighths / 8) so that the device needs no floating point.
    /// </summary>
    /// <remarks>
    /// Repetition count test (4.4.1): C = 1 + ceil(-log2(alpha) / H) = 1 + ceil(20 / H)
    /// = 1 + ceil(160 / eighths), computed exactly in integers here.
    ///
    /// Adaptive proportion test (4.4.2): C = 1 + CRITBINOM(W, 2^-H, 1 - alpha), the smallest
    /// count c such that P(X &gt;= c) &lt;= alpha for X ~ Binomial(W, 2^-H); window W = 512 for
    /// non-binary samples and 1024 for binary ones. The binomial tail needs floating point, so
    /// the cutoffs were computed on the host (exact upper-tail sums in log space, double
    /// precision) and are tabulated below for H = 1/8 to 16 bits (non-binary) and 1/8 to 1 bit
    /// (binary). They reproduce SP 800-90B Table 2 (H = 0.5, 1, 2, 4, 8 give 410, 311, 177, 62, 13
    /// for W = 512); the firmware tests recompute every entry independently.
    /// </remarks>
    public static class HealthTestCutoffs
    {
        /// <summary>APT window for samples of more than one bit.</summary>
        public const int WindowNonBinary = 512;

        /// <summary>APT window for one-bit samples.</summary>
        public const int WindowBinary = 1024;

        /// <summary>Largest tabulated H for non-binary samples, in eighths of a bit (16 bits).</summary>
        public const int MaxEntropyEighths = 128;

        // Index i holds the cutoff for H = (i + 1) / 8 bits.
        private static readonly int[] AptCutoff512 = new int[]
        {
            497, 468, 439, 410, 383, 357, 333, 311, 290, 270, 251, 234, 219, 204, 190, 177,
            165, 154, 144, 135, 126, 118, 110, 103, 97, 90, 85, 80, 75, 70, 66, 62,
            58, 55, 52, 49, 46, 43, 41, 39, 37, 35, 33, 31, 30, 28, 27, 25,
            24, 23, 22, 21, 20, 19, 18, 18, 17, 16, 15, 15, 14, 14, 13, 13,
            12, 12, 11, 11, 11, 10, 10, 10, 9, 9, 9, 8, 8, 8, 8, 8,
            7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6, 5, 5, 5, 5,
            5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
            4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
        };

        private static readonly int[] AptCutoff1024 = new int[] { 979,915,853,793,737,684,635,589 };

        /// <summary>RCT cutoff: 1 + ceil(160 / eighths). A run of this many equal samples is a failure.</summary>
        public static int RepetitionCount(int entropyEighths)
        {
            if (entropyEighths < 1 || entropyEighths > MaxEntropyEighths) throw new ArgumentOutOfRangeException("entropyEighths", "min-entropy must be 1 to 128 eighths of a bit");
            return 1 + (160 + entropyEighths - 1) / entropyEighths;
        }

        /// <summary>The APT window for samples of <paramref name="bitsPerSample"/> bits.</summary>
        public static int ProportionWindow(int bitsPerSample)
        {
            return bitsPerSample == 1 ? WindowBinary : WindowNonBinary;
        }

        /// <summary>APT cutoff: this many occurrences of the window's first value within the window is a failure.</summary>
        public static int AdaptiveProportion(int entropyEighths, int bitsPerSample)
        {
            if (bitsPerSample == 1)
            {
                if (entropyEighths < 1 || entropyEighths > 8) throw new ArgumentOutOfRangeException("entropyEighths", "a binary source has at most 1 bit (8 eighths) of min-entropy per sample");
                return AptCutoff1024[entropyEighths - 1];
            }
            if (entropyEighths < 1 || entropyEighths > MaxEntropyEighths) throw new ArgumentOutOfRangeException("entropyEighths", "min-entropy must be 1 to 128 eighths of a bit");
            return AptCutoff512[entropyEighths - 1];
        }
    }
}
