using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// The reproducible integer Gaussian generator of FIXED_POINT.md: one xorshift32 state
    /// word per chain feeding a sum of twelve 9-bit uniforms, giving eta in Q5.10 with
    /// variance exactly 1.0 (2^20 LSB^2). HDL twin: hdl-templates/noise_gauss.v.sbn.
    /// <para>Bit-level algorithm (all int, two's complement, no unsigned types):</para>
    /// <code>
    /// raw step (Marsaglia xorshift32, shifts 13, 17, 5; the right shift is logical,
    /// written as an arithmetic shift and a mask because the core uses no uint):
    ///     x ^= x &lt;&lt; 13;  x ^= (x &gt;&gt; 17) &amp; 0x7FFF;  x ^= x &lt;&lt; 5;
    /// one eta: four raw steps, w0..w3 the state after each, then
    ///     eta = sum over w in (w0, w1, w2, w3), j in (0, 9, 18) of (2 * ((w &gt;&gt; j) &amp; 0x1FF) - 511)
    ///         + (((w0 &gt;&gt; 27) &amp; 1) == 1 ? +2 : -2)
    /// seeding: chain b of seed S starts at S ^ (b * -1640531527) (wrapping), 1 if that is 0.
    /// </code>
    /// Each term is uniform on the 512 odd values -511..511 (variance (512^2 - 1)/3); twelve
    /// give 2^20 - 4 and the +-2 term the missing 4. |eta| &lt;= 6134 (about 6 sigma): the
    /// tails are those of the exact discrete distribution, lighter than a Gaussian's
    /// (excess kurtosis about -0.1).
    /// </summary>
    public sealed class GaussianNoise
    {
        /// <summary>Largest |eta|: 12 * 511 + 2.</summary>
        public const int MaxMagnitude = 6134;

        /// <summary>The golden-ratio increment 0x9E3779B9 as an int: spreads chain seeds apart.</summary>
        public const int ChainSeedStride = -1640531527;

        private readonly int[] _state;

        /// <summary>One generator per chain, seeded as FIXED_POINT.md says.</summary>
        public GaussianNoise(int chains, int seed)
        {
            if (chains < 1) throw new ArgumentException("chains = " + chains + ": expected at least 1");
            _state = new int[chains];
            Reseed(seed);
        }

        /// <summary>Number of independent chain generators.</summary>
        public int Chains { get { return _state.Length; } }

        /// <summary>The starting state of chain <paramref name="chain"/> for run seed <paramref name="seed"/>: seed ^ (chain * 0x9E3779B9), never 0.</summary>
        public static int SeedFor(int seed, int chain)
        {
            int x = unchecked(seed ^ (chain * ChainSeedStride));
            return x == 0 ? 1 : x;
        }

        /// <summary>One xorshift32 step (13, 17, 5). A nonzero state never becomes 0; the period is 2^32 - 1.</summary>
        public static int Xorshift(int x)
        {
            x ^= x << 13;
            x ^= (x >> 17) & 0x7FFF;
            x ^= x << 5;
            return x;
        }

        /// <summary>
        /// eta from four consecutive raw words (the states after four raw steps):
        /// the sum of twelve 9-bit fields mapped to odd values -511..511, plus +-2 from bit 27 of w0.
        /// </summary>
        public static int FromWords(int w0, int w1, int w2, int w3)
        {
            // sum of (2 f - 511) over the twelve fields f = 2 (sum of f) - 12 * 511, then +-2:
            // the same integer as the term-by-term sum, in fewer operations.
            int f = Fields(w0) + Fields(w1) + Fields(w2) + Fields(w3);
            return 2 * f - 6132 + (((w0 >> 27) & 1) == 1 ? 2 : -2);
        }

        private static int Fields(int w)
        {
            return (w & 0x1FF) + ((w >> 9) & 0x1FF) + ((w >> 18) & 0x1FF);
        }

        /// <summary>Restarts every chain from seed <paramref name="seed"/>.</summary>
        public void Reseed(int seed)
        {
            for (int b = 0; b < _state.Length; b++) _state[b] = SeedFor(seed, b);
        }

        /// <summary>The current xorshift state of a chain (the state before its next draw).</summary>
        public int StateOf(int chain)
        {
            return _state[chain];
        }

        /// <summary>Sets a chain's state (a hardware seed, say); 0 is replaced by 1 because xorshift stays at 0.</summary>
        public void SetState(int chain, int state)
        {
            _state[chain] = state == 0 ? 1 : state;
        }

        /// <summary>The next Gaussian word eta (Q5.10) of a chain: four raw steps.</summary>
        public int Next(int chain)
        {
            int x = _state[chain];
            int w0 = Xorshift(x);
            int w1 = Xorshift(w0);
            int w2 = Xorshift(w1);
            int w3 = Xorshift(w2);
            _state[chain] = w3;
            return FromWords(w0, w1, w2, w3);
        }

        /// <summary>
        /// The next <paramref name="count"/> Gaussian words of chain <paramref name="chain"/> into
        /// destination[offset..offset + count), in draw order: the same words as that many
        /// <see cref="Next"/> calls, in fewer operations (see <see cref="Fill4"/> for the field sums).
        /// </summary>
        public void Fill(int chain, int[] destination, int offset, int count)
        {
            int x = _state[chain];
            for (int i = 0; i < count; i++)
            {
                x ^= x << 13; x ^= (x >> 17) & 0x7FFF; x ^= x << 5;
                int sign = (x >> 27) & 1;
                int outer = x & 0x07FC01FF, middle = x & 0x0003FE00;
                x ^= x << 13; x ^= (x >> 17) & 0x7FFF; x ^= x << 5;
                outer += x & 0x07FC01FF; middle += x & 0x0003FE00;
                x ^= x << 13; x ^= (x >> 17) & 0x7FFF; x ^= x << 5;
                outer += x & 0x07FC01FF; middle += x & 0x0003FE00;
                x ^= x << 13; x ^= (x >> 17) & 0x7FFF; x ^= x << 5;
                outer += x & 0x07FC01FF; middle += x & 0x0003FE00;
                destination[offset + i] = 2 * ((outer & 0x7FF) + (outer >> 18) + (middle >> 9)) - 6134 + 4 * sign;
            }
            _state[chain] = x;
        }

        /// <summary>
        /// The next <paramref name="count"/> Gaussian words of each of the four chains
        /// <paramref name="firstChain"/> .. firstChain + 3: word i of chain firstChain + c goes to
        /// destination[offset + c * count + i]. Each chain's words are exactly those
        /// of <see cref="Fill"/> (and of <see cref="Next"/>); the four generators are independent,
        /// so their steps are interleaved: one xorshift step is a chain of seven dependent
        /// operations, and four independent chains keep an out-of-order CPU busy where one
        /// would leave it waiting (a plain in-order core loses nothing).
        /// <para>
        /// Field sums: fields 0 and 2 of the four words are summed in place under the mask
        /// 0x07FC01FF: each sum is at most 4 * 511 = 2044 &lt; 2^11, so field 0's sum (bits 0..10)
        /// never reaches field 2 (bits 18..28) and the total stays below 2^29 (no sign bit).
        /// Field 1 is summed in place under 0x0003FE00 (at most 2044 * 2^9 &lt; 2^20). Then
        /// eta = 2 f - 12 * 511, plus 2 when bit 27 of w0 is set, else minus 2: the integer of
        /// <see cref="FromWords"/>.
        /// </para>
        /// </summary>
        public void Fill4(int firstChain, int[] destination, int offset, int count)
        {
            int x0 = _state[firstChain], x1 = _state[firstChain + 1], x2 = _state[firstChain + 2], x3 = _state[firstChain + 3];
            int o1 = offset + count, o2 = offset + 2 * count, o3 = offset + 3 * count;
            for (int i = 0; i < count; i++)
            {
                x0 ^= x0 << 13; x1 ^= x1 << 13; x2 ^= x2 << 13; x3 ^= x3 << 13;
                x0 ^= (x0 >> 17) & 0x7FFF; x1 ^= (x1 >> 17) & 0x7FFF; x2 ^= (x2 >> 17) & 0x7FFF; x3 ^= (x3 >> 17) & 0x7FFF;
                x0 ^= x0 << 5; x1 ^= x1 << 5; x2 ^= x2 << 5; x3 ^= x3 << 5;
                // bit 27 of w0 sits above the field-1 sum (below 2^20), so it rides in "middle".
                int m0 = x0 & 0x0803FE00, m1 = x1 & 0x0803FE00, m2 = x2 & 0x0803FE00, m3 = x3 & 0x0803FE00;
                int e0 = x0 & 0x07FC01FF, e1 = x1 & 0x07FC01FF, e2 = x2 & 0x07FC01FF, e3 = x3 & 0x07FC01FF;
                for (int w = 1; w < 4; w++)
                {
                    x0 ^= x0 << 13; x1 ^= x1 << 13; x2 ^= x2 << 13; x3 ^= x3 << 13;
                    x0 ^= (x0 >> 17) & 0x7FFF; x1 ^= (x1 >> 17) & 0x7FFF; x2 ^= (x2 >> 17) & 0x7FFF; x3 ^= (x3 >> 17) & 0x7FFF;
                    x0 ^= x0 << 5; x1 ^= x1 << 5; x2 ^= x2 << 5; x3 ^= x3 << 5;
                    m0 += x0 & 0x0003FE00; m1 += x1 & 0x0003FE00; m2 += x2 & 0x0003FE00; m3 += x3 & 0x0003FE00;
                    e0 += x0 & 0x07FC01FF; e1 += x1 & 0x07FC01FF; e2 += x2 & 0x07FC01FF; e3 += x3 & 0x07FC01FF;
                }
                destination[offset + i] = FinishEta(e0, m0);
                destination[o1 + i] = FinishEta(e1, m1);
                destination[o2 + i] = FinishEta(e2, m2);
                destination[o3 + i] = FinishEta(e3, m3);
            }
            _state[firstChain] = x0; _state[firstChain + 1] = x1; _state[firstChain + 2] = x2; _state[firstChain + 3] = x3;
        }

        // outer: fields 0 and 2 summed in place; middle: field 1 summed in place (bits 9..19) plus
        // bit 27 of w0. Returns 2 f - 6132 +- 2 (see Fill4).
        private static int FinishEta(int outer, int middle)
        {
            int f = (outer & 0x7FF) + (outer >> 18) + ((middle & 0x000FFE00) >> 9);
            return 2 * f - 6134 + ((middle >> 25) & 4);
        }

        /// <summary>The next raw 32-bit word of a chain (one raw step), for uses that need uniform bits.</summary>
        public int NextRaw(int chain)
        {
            int x = Xorshift(_state[chain]);
            _state[chain] = x;
            return x;
        }
    }
}
