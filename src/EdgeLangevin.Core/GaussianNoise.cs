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

        /// <summary>The next raw 32-bit word of a chain (one raw step), for uses that need uniform bits.</summary>
        public int NextRaw(int chain)
        {
            int x = Xorshift(_state[chain]);
            _state[chain] = x;
            return x;
        }
    }
}
