namespace EdgeLangevin.Core
{
    /// <summary>
    /// The scalar operations of FIXED_POINT.md ("Operations"). The solver inlines the
    /// saturating forms to count clips per site; these are the one written definition.
    /// </summary>
    public static class FixedArithmetic
    {
        /// <summary>
        /// rshr(v, n): shift right by n with rounding to nearest, ties toward +infinity:
        /// (v + 2^(n-1)) >> n at 64 bits (arithmetic shift); v itself for n = 0.
        /// Overflow: none for |v| &lt; 2^62. HDL twin: the rshr function of langevin_core.v.sbn.
        /// </summary>
        public static long RoundShiftRight(long v, int n)
        {
            if (n == 0) return v;
            return (v + (1L << (n - 1))) >> n;
        }

        /// <summary>
        /// Stochastic rounding of product / 2^shift: (product + R) >> shift with R the low
        /// <paramref name="shift"/> bits of <paramref name="randomBits"/> (shift 1..31; only
        /// the 31 low bits of randomBits are used, so R is non-negative). When R is uniform the
        /// expected result is exactly product / 2^shift: of the 2^shift values of R,
        /// exactly (product mod 2^shift) round up.
        /// </summary>
        public static long StochasticShiftRight(long product, int shift, int randomBits)
        {
            long r = randomBits & 0x7FFFFFFF & ((1L << shift) - 1);
            return (product + r) >> shift;
        }

        /// <summary>sat(v, W): clamps v to [-2^(W-1), 2^(W-1) - 1].</summary>
        public static long Saturate(long v, int bits)
        {
            long max = (1L << (bits - 1)) - 1;
            long min = -max - 1;
            if (v > max) return max;
            if (v < min) return min;
            return v;
        }

        /// <summary>True when v fits a signed word of <paramref name="bits"/> bits.</summary>
        public static bool Fits(long v, int bits)
        {
            long max = (1L << (bits - 1)) - 1;
            return v <= max && v >= -max - 1;
        }

        /// <summary>sign(v): +1, 0 or -1.</summary>
        public static int Sign(long v)
        {
            if (v > 0) return 1;
            if (v < 0) return -1;
            return 0;
        }
    
        /// <summary>floor(sqrt(v)) for v >= 0, integer only (bit-by-bit method, 32 iterations).</summary>
        public static long SquareRoot(long v)
        {
            if (v < 0) throw new System.ArgumentException("SquareRoot of a negative number: " + v);
            long result = 0;
            long bit = 1L << 62;
            while (bit > v) bit >>= 2;
            while (bit != 0)
            {
                if (v >= result + bit)
                {
                    v -= result + bit;
                    result = (result >> 1) + bit;
                }
                else
                {
                    result >>= 1;
                }
                bit >>= 2;
            }
            return result;
        }
    }
}
