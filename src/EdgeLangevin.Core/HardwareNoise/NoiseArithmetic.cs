namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Integer statistics of raw noise samples shared by the health tests and the calibration.
    /// Moments are accumulated around a shift K (the first sample seen), y = x - K, so that
    /// |y| &lt; 2^16 for sources of at most 16 bits.
    /// </summary>
    /// <remarks>
    /// Overflow budget: n &lt;= 16384 samples of |y| &lt; 2^16 give |S1| &lt; 2^30, S2 &lt; 2^46,
    /// |C| &lt; 2^46 and S1 * S1 &lt; 2^60; every product below stays under 2^63.
    /// </remarks>
    public static class NoiseArithmetic
    {
        /// <summary>Most samples one accumulation may hold (keeps every long product in range).</summary>
        public const int MaxMomentSamples = 16384;

        /// <summary>
        /// n * (sample variance) as a centred sum of squares: M2 = S2 - S1^2 / n (truncating
        /// division; the error is below one count^2 in total). S1 = sum y, S2 = sum y^2.
        /// </summary>
        public static long CentredSumOfSquares(long s1, long s2, int n)
        {
            return s2 - s1 * s1 / n;
        }

        /// <summary>
        /// Lag-1 autocorrelation in Q1.15 (32768 = 1.0), clamped to [-32767, 32767]:
        /// rho = (Mc / (n - 1)) / (M2 / n), with Mc = C - (S1^2 / n)(n - 1) / n the centred sum of
        /// the n - 1 lag products C = sum y_t y_(t-1). Returns 0 when M2 is 0 (a constant source
        /// is the repetition count test's business). Numerator and denominator are shifted right
        /// together until both are below 2^46, so the final multiply by 2^15 cannot overflow.
        /// </summary>
        public static int Lag1CorrelationQ15(long s1, long s2, long c, int n)
        {
            long m2 = CentredSumOfSquares(s1, s2, n);
            if (m2 <= 0 || n < 2) return 0;
            long p = s1 * s1 / n;
            long mc = c - p + p / n;
            long num = mc * n;
            long den = m2 * (n - 1);
            long limit = 1L << 46;
            while (den >= limit || num >= limit || num <= -limit)
            {
                num = num >> 1;
                den = den >> 1;
            }
            if (den == 0) return 0;
            long rho = (num << 15) / den;
            if (rho > 32767) return 32767;
            if (rho < -32767) return -32767;
            return (int)rho;
        }

        /// <summary>floor(a * 2^shift / d) for a &gt;= 0, d &gt; 0, without forming a * 2^shift when that would overflow (needs (d - 1) * 2^shift &lt; 2^63 and a / d * 2^shift &lt; 2^63).</summary>
        public static long MulPow2Div(long a, int shift, long d)
        {
            long q = a / d;
            long r = a - q * d;
            return (q << shift) + (r << shift) / d;
        }

        /// <summary>Round to nearest, ties toward +infinity: (v + 2^(n-1)) >> n for n &gt; 0 (FIXED_POINT.md rshr).</summary>
        public static long RoundShift(long v, int n)
        {
            if (n <= 0) return v;
            return (v + (1L << (n - 1))) >> n;
        }

        /// <summary>floor(sqrt(v)) for v &gt;= 0, bit by bit (no floating point, no unsigned types).</summary>
        public static long ISqrt(long v)
        {
            if (v <= 0) return 0;
            long result = 0;
            long bit = 1L << 62;
            while (bit > v) bit = bit >> 2;
            while (bit != 0)
            {
                if (v >= result + bit)
                {
                    v = v - (result + bit);
                    result = (result >> 1) + bit;
                }
                else
                {
                    result = result >> 1;
                }
                bit = bit >> 2;
            }
            return result;
        }
    }
}
