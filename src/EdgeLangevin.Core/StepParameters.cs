using System;

namespace EdgeLangevin.Core
{
    /// <summary>The two thresholded-Laplacian latents (shared/MODEL.md).</summary>
    public enum FixedVariant
    {
        /// <summary>s = sign(u) max(|u| - u0, 0).</summary>
        Signed = 0,
        /// <summary>s = max(|u| - u0, 0); the gate of the drive is sign(u) H(|u| - u0).</summary>
        NonNegative = 1,
    }

    /// <summary>
    /// The integer step parameters of FIXED_POINT.md ("Host conversions"), already in
    /// their formats: u0_q and leak_q in the state format (Q(WS-1-FS).FS), gain_q,
    /// noise_q, half_q and fric_q in the coefficient format (Q(WC-1-FC).FC). They are
    /// computed on the host (EdgeLangevin.Simulator.FixedParameters) and validated here
    /// once, so that a board receives only integers.
    /// </summary>
    public sealed class StepParameters
    {
        /// <summary>Validates every value against <paramref name="format"/>; a value out of range throws naming the field.</summary>
        /// <param name="format">The Q formats the values are expressed in.</param>
        /// <param name="variant">Signed or non-negative code.</param>
        /// <param name="order">1 (overdamped) or 2 (underdamped, with momentum).</param>
        /// <param name="u0">u0_q = round(u0 2^FS), the threshold (state format, >= 0).</param>
        /// <param name="leak">leak_q = round(eps lambda 2^FS) (state format, >= 0).</param>
        /// <param name="gain">gain_q = round(eps / sigma^2 2^FC) (coefficient format, >= 0).</param>
        /// <param name="noiseScale">noise_q = round(sqrt(2 T eps) 2^FC) (coefficient format, >= 0; 0 is MAP descent).</param>
        /// <param name="half">half_q = round(eps / (2 mu) 2^FC), order 2 only (0 for order 1).</param>
        /// <param name="friction">fric_q = round(eps / mu 2^FC), order 2 only (0 for order 1).</param>
        public StepParameters(FixedFormat format, FixedVariant variant, int order, int u0, int leak, int gain, int noiseScale, int half, int friction)
        {
            if (format == null) throw new ArgumentNullException("format");
            if (order != 1 && order != 2) throw new ArgumentException("order = " + order + ": expected 1 (overdamped) or 2 (underdamped)");
            if (variant != FixedVariant.Signed && variant != FixedVariant.NonNegative) throw new ArgumentException("variant: expected Signed or NonNegative");
            CheckRange("u0_q", u0, format.StateBits);
            CheckRange("leak_q", leak, format.StateBits);
            CheckRange("gain_q", gain, format.CoefficientBits);
            CheckRange("noise_q", noiseScale, format.CoefficientBits);
            CheckRange("half_q", half, format.CoefficientBits);
            CheckRange("fric_q", friction, format.CoefficientBits);
            if (order == 2 && half == 0) throw new ArgumentException("half_q = 0: a second-order step needs a nonzero half step eps / (2 mu)");
            Format = format;
            Variant = variant;
            Order = order;
            U0 = u0;
            Leak = leak;
            Gain = gain;
            NoiseScale = noiseScale;
            Half = half;
            Friction = friction;
        }

        /// <summary>The formats the values are in.</summary>
        public FixedFormat Format { get; private set; }
        /// <summary>Signed or non-negative.</summary>
        public FixedVariant Variant { get; private set; }
        /// <summary>1 or 2.</summary>
        public int Order { get; private set; }
        /// <summary>u0_q, state format.</summary>
        public int U0 { get; private set; }
        /// <summary>leak_q, state format.</summary>
        public int Leak { get; private set; }
        /// <summary>gain_q, coefficient format.</summary>
        public int Gain { get; private set; }
        /// <summary>noise_q, coefficient format.</summary>
        public int NoiseScale { get; private set; }
        /// <summary>half_q, coefficient format (order 2).</summary>
        public int Half { get; private set; }
        /// <summary>fric_q, coefficient format (order 2).</summary>
        public int Friction { get; private set; }

        /// <summary>A copy with another threshold (learning of u0 changes it).</summary>
        public StepParameters WithU0(int u0)
        {
            return new StepParameters(Format, Variant, Order, u0, Leak, Gain, NoiseScale, Half, Friction);
        }

        private static void CheckRange(string field, int value, int bits)
        {
            if (value < 0 || !FixedArithmetic.Fits(value, bits))
                throw new ArgumentException(field + " = " + value + " is out of range: expected 0 to " + FixedFormat.MaxOf(bits) + " (" + bits + "-bit word)");
        }
    }
}
