using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// The Q formats of the fixed-point core as values (FIXED_POINT.md, "Number formats").
    /// The solver, the host conversion and the Verilog generator all read the word widths
    /// and fractional bits from one instance of this class, so they cannot drift apart.
    /// <para>
    /// A word of W bits with F fractional bits holds integers in [-2^(W-1), 2^(W-1) - 1]
    /// that mean integer / 2^F. Validated once, in the constructor; an impossible format
    /// throws <see cref="ArgumentException"/> naming the field.
    /// </para>
    /// </summary>
    public sealed class FixedFormat
    {
        /// <summary>Width of the Gaussian noise word eta (fixed by the generator).</summary>
        public const int NoiseWordBits = 16;

        /// <summary>Fractional bits of eta: Q5.10, so 1.0 = 1024 and the variance is exactly 2^20 LSB^2.</summary>
        public const int NoiseWordFracBits = 10;

        /// <summary>Widest multiplier operand: one iCE40 SB_MAC16 is 16 x 16 bits.</summary>
        public const int MaxOperandBits = 16;

        /// <summary>Widest state word: the state is stored in int.</summary>
        public const int MaxStateBits = 32;

        /// <summary>Narrowest state word accepted.</summary>
        public const int MinStateBits = 8;

        /// <summary>The defaults of FIXED_POINT.md: A Q2.13, state Q15.16, MAC Q4.11, coefficients Q1.14.</summary>
        public static FixedFormat Default
        {
            get { return new FixedFormat(16, 13, 32, 16, 16, 11, 16, 14); }
        }

        /// <summary>Builds and validates a format; see FIXED_POINT.md for the constraints.</summary>
        /// <param name="dictionaryBits">WA, width of a dictionary entry (2..16).</param>
        /// <param name="dictionaryFracBits">FA, fractional bits of a dictionary entry (0..WA-1).</param>
        /// <param name="stateBits">WS, width of u, m, x, r, s, u0 and the leak (8..32).</param>
        /// <param name="stateFracBits">FS, fractional bits of the state (0..WS-1).</param>
        /// <param name="macBits">WM, width of a narrowed multiply operand (2..16).</param>
        /// <param name="macFracBits">FM, fractional bits of a multiply operand (0..WM-1).</param>
        /// <param name="coefficientBits">WC, width of a step coefficient (2..16).</param>
        /// <param name="coefficientFracBits">FC, fractional bits of a step coefficient (0..WC-1).</param>
        public FixedFormat(int dictionaryBits, int dictionaryFracBits, int stateBits, int stateFracBits,
            int macBits, int macFracBits, int coefficientBits, int coefficientFracBits)
        {
            CheckWidth("DictionaryBits (WA)", dictionaryBits, 2, MaxOperandBits);
            CheckWidth("StateBits (WS)", stateBits, MinStateBits, MaxStateBits);
            CheckWidth("MacBits (WM)", macBits, 2, MaxOperandBits);
            CheckWidth("CoefficientBits (WC)", coefficientBits, 2, MaxOperandBits);
            CheckFrac("DictionaryFracBits (FA)", dictionaryFracBits, "DictionaryBits (WA)", dictionaryBits);
            CheckFrac("StateFracBits (FS)", stateFracBits, "StateBits (WS)", stateBits);
            CheckFrac("MacFracBits (FM)", macFracBits, "MacBits (WM)", macBits);
            CheckFrac("CoefficientFracBits (FC)", coefficientFracBits, "CoefficientBits (WC)", coefficientBits);
            // Every right shift of the step must be by a non-negative amount.
            if (stateFracBits < macFracBits)
                throw new ArgumentException("MacFracBits (FM) = " + macFracBits + " must not exceed StateFracBits (FS) = " + stateFracBits + " (s and r are narrowed from the state by a right shift of FS - FM)");
            if (dictionaryFracBits + macFracBits < stateFracBits)
                throw new ArgumentException("DictionaryFracBits (FA) + MacFracBits (FM) = " + (dictionaryFracBits + macFracBits) + " must be at least StateFracBits (FS) = " + stateFracBits + " (A s is shifted right by FA + FM - FS)");
            if (coefficientFracBits + macFracBits < stateFracBits)
                throw new ArgumentException("CoefficientFracBits (FC) + MacFracBits (FM) = " + (coefficientFracBits + macFracBits) + " must be at least StateFracBits (FS) = " + stateFracBits + " (the drive is shifted right by FC + FM - FS)");
            if (coefficientFracBits + NoiseWordFracBits < stateFracBits)
                throw new ArgumentException("CoefficientFracBits (FC) + " + NoiseWordFracBits + " (noise) = " + (coefficientFracBits + NoiseWordFracBits) + " must be at least StateFracBits (FS) = " + stateFracBits + " (the noise term is shifted right by FC + FE - FS)");

            DictionaryBits = dictionaryBits;
            DictionaryFracBits = dictionaryFracBits;
            StateBits = stateBits;
            StateFracBits = stateFracBits;
            MacBits = macBits;
            MacFracBits = macFracBits;
            CoefficientBits = coefficientBits;
            CoefficientFracBits = coefficientFracBits;
        }

        /// <summary>WA: dictionary word width.</summary>
        public int DictionaryBits { get; private set; }
        /// <summary>FA: dictionary fractional bits.</summary>
        public int DictionaryFracBits { get; private set; }
        /// <summary>WS: state word width.</summary>
        public int StateBits { get; private set; }
        /// <summary>FS: state fractional bits.</summary>
        public int StateFracBits { get; private set; }
        /// <summary>WM: multiply-operand word width.</summary>
        public int MacBits { get; private set; }
        /// <summary>FM: multiply-operand fractional bits.</summary>
        public int MacFracBits { get; private set; }
        /// <summary>WC: step-coefficient word width.</summary>
        public int CoefficientBits { get; private set; }
        /// <summary>FC: step-coefficient fractional bits.</summary>
        public int CoefficientFracBits { get; private set; }
        /// <summary>WE: noise word width (always 16).</summary>
        public int NoiseBits { get { return NoiseWordBits; } }
        /// <summary>FE: noise word fractional bits (always 10).</summary>
        public int NoiseFracBits { get { return NoiseWordFracBits; } }

        /// <summary>FS - FM: the right shift that narrows a state word to a MAC operand.</summary>
        public int StateToMacShift { get { return StateFracBits - MacFracBits; } }
        /// <summary>FA + FM - FS: the right shift of a sum of A * (MAC operand) back to the state format.</summary>
        public int ReconstructionShift { get { return DictionaryFracBits + MacFracBits - StateFracBits; } }
        /// <summary>FA: the right shift of a sum of A * r_m to a MAC operand.</summary>
        public int CorrelationShift { get { return DictionaryFracBits; } }
        /// <summary>FC + FM - FS: the right shift of coefficient * (MAC operand) to the state format.</summary>
        public int CoefficientShift { get { return CoefficientFracBits + MacFracBits - StateFracBits; } }
        /// <summary>FC + FE - FS: the right shift of noise_q * eta to the state format.</summary>
        public int NoiseShift { get { return CoefficientFracBits + NoiseWordFracBits - StateFracBits; } }

        /// <summary>Smallest value of a signed word of <paramref name="bits"/> bits: -2^(bits-1).</summary>
        public static long MinOf(int bits) { return -(1L << (bits - 1)); }

        /// <summary>Largest value of a signed word of <paramref name="bits"/> bits: 2^(bits-1) - 1.</summary>
        public static long MaxOf(int bits) { return (1L << (bits - 1)) - 1; }

        /// <summary>Width of a MAC accumulator that never overflows for sums of <paramref name="terms"/> products of A and a MAC operand: WA + WM + ceil(log2(terms)) + 1.</summary>
        public int AccumulatorBits(int terms)
        {
            int log = 0;
            while ((1L << log) < terms) log++;
            return DictionaryBits + MacBits + log + 1;
        }

        /// <summary>True when every field equals the other's.</summary>
        public bool SameAs(FixedFormat other)
        {
            return other != null && DictionaryBits == other.DictionaryBits && DictionaryFracBits == other.DictionaryFracBits
                && StateBits == other.StateBits && StateFracBits == other.StateFracBits
                && MacBits == other.MacBits && MacFracBits == other.MacFracBits
                && CoefficientBits == other.CoefficientBits && CoefficientFracBits == other.CoefficientFracBits;
        }

        /// <summary>"A Q2.13, S Q15.16, M Q4.11, C Q1.14, E Q5.10".</summary>
        public override string ToString()
        {
            return "A " + Q(DictionaryBits, DictionaryFracBits) + ", S " + Q(StateBits, StateFracBits)
                + ", M " + Q(MacBits, MacFracBits) + ", C " + Q(CoefficientBits, CoefficientFracBits)
                + ", E " + Q(NoiseWordBits, NoiseWordFracBits);
        }

        private static string Q(int bits, int frac)
        {
            return "Q" + (bits - 1 - frac) + "." + frac;
        }

        private static void CheckWidth(string field, int bits, int min, int max)
        {
            if (bits < min || bits > max)
                throw new ArgumentException(field + " = " + bits + " is out of range: expected " + min + " to " + max + " bits");
        }

        private static void CheckFrac(string field, int frac, string widthField, int bits)
        {
            if (frac < 0 || frac >= bits)
                throw new ArgumentException(field + " = " + frac + " is out of range: expected 0 to " + widthField + " - 1 = " + (bits - 1) + " fractional bits");
        }
    }
}
