namespace EdgeLangevin.Firmware
{
    /// <summary>
    /// exp(-t) in integers, for reading out pi = exp(-lambda u0) on boards that have no Math
    /// (nanoFramework ships it as a separate, single-precision package). Display only: the
    /// solver never uses it.
    /// </summary>
    public static class FixedExp
    {
        /// <summary>ln 2 in Q.16 (45426.09...).</summary>
        private const long Ln2Q16 = 45426;

        /// <summary>
        /// exp(-t) in Q.16 for t &gt;= 0 in Q.16 (65536 = 1.0). Range reduction t = n ln2 + r,
        /// 0 &lt;= r &lt; ln2, then exp(-r) by its Taylor series to the r^7 term (error below 2^-20),
        /// shifted right by n. Absolute error below 2 LSB.
        /// </summary>
        public static long ExpNegQ16(long tQ16)
        {
            if (tQ16 <= 0) return 65536;
            long n = tQ16 / Ln2Q16;
            if (n >= 17) return 0;
            long r = tQ16 - n * Ln2Q16;
            // Horner in Q.30: 1 - r(1 - r/2(1 - r/3(...)))
            long rQ30 = r << 14;
            long one = 1L << 30;
            long term = one;
            for (int k = 7; k >= 1; k--)
            {
                term = one - ((rQ30 * term / k) >> 30);
            }
            long v = term >> 14;
            int shift = (int)n;
            return shift == 0 ? v : (v + (1L << (shift - 1))) >> shift;
        }
    }
}
