using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// The reproducible integer Gaussian generator of FIXED_POINT.md: one xorshift32 state
    /// word per chain, one raw step per word, whose three 10-bit fields and a +-1 term give
    /// eta in Q5.10 with variance exactly 1.0 (2^20 LSB^2). HDL twin: hdl-templates/el_noise.v.sbn.
    /// <para>Bit-level algorithm (all int, two's complement, no unsigned types):</para>
    /// <code>
    /// raw step (Marsaglia xorshift32, shifts 13, 17, 5; the right shift is logical,
    /// written as an arithmetic shift and a mask because the core uses no uint):
    ///     x ^= x &lt;&lt; 13;  x ^= (x &gt;&gt; 17) &amp; 0x7FFF;  x ^= x &lt;&lt; 5;
    /// one eta: one raw step, w the state after it, then
    ///     eta = sum over j in (0, 10, 20) of (2 * ((w &gt;&gt; j) &amp; 0x3FF) - 1023)
    ///         + (((w &gt;&gt; 30) &amp; 1) == 1 ? +1 : -1)
    /// seeding: chain b of seed S starts at S ^ (b * -1640531527) (wrapping), 1 if that is 0.
    /// </code>
    /// Each term is uniform on the 1024 odd values -1023..1023 (variance (1024^2 - 1)/3); three
    /// give 2^20 - 1 and the +-1 term the missing 1. |eta| &lt;= 3070 (3 sigma); the shape is
    /// Irwin-Hall(3)'s (kurtosis 2.6, FIXED_POINT.md says why that is enough).
    /// </summary>
    public sealed class GaussianNoise
    {
        /// <summary>Largest |eta|: 3 * 1023 + 1.</summary>
        public const int MaxMagnitude = 3070;

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
        /// eta from one raw word w (the state after its raw step): the three 10-bit fields at bits 0,
        /// 10 and 20 mapped to odd values -1023..1023, plus +-1 from bit 30.
        /// <para>
        /// Computed as 2 (f0 + f1 + f2 + b) - 3070, the same integer as the term-by-term sum, with the
        /// fields summed in place: t = (w &amp; 0x3FF003FF) + ((w &gt;&gt; 10) &amp; 0x001003FF) holds f0 + f1
        /// in bits 0..10 (at most 2046 &lt; 2^11, so it never reaches bit 20) and f2 + b in bits 20..30
        /// (b = bit 30 of w lands on bit 20; bit 31, shifted to bit 21 with the sign, is masked off),
        /// so t is positive and f0 + f1 + f2 + b = (t &amp; 0x7FF) + (t &gt;&gt; 20).
        /// </para>
        /// </summary>
        public static int FromWord(int w)
        {
            int t = (w & 0x3FF003FF) + ((w >> 10) & 0x001003FF);
            return 2 * ((t & 0x7FF) + (t >> 20)) - 3070;
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

        /// <summary>The next Gaussian word eta (Q5.10) of a chain: one raw step.</summary>
        public int Next(int chain)
        {
            int w = Xorshift(_state[chain]);
            _state[chain] = w;
            return FromWord(w);
        }

        /// <summary>
        /// The next <paramref name="count"/> Gaussian words of chain <paramref name="chain"/> into
        /// destination[offset..offset + count), in draw order: the same words as that many
        /// <see cref="Next"/> calls.
        /// </summary>
        public void Fill(int chain, int[] destination, int offset, int count)
        {
            int x = _state[chain];
            for (int i = 0; i < count; i++)
            {
                x ^= x << 13; x ^= (x >> 17) & 0x7FFF; x ^= x << 5;
                destination[offset + i] = FromWord(x);
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
                destination[offset + i] = FromWord(x0);
                destination[o1 + i] = FromWord(x1);
                destination[o2 + i] = FromWord(x2);
                destination[o3 + i] = FromWord(x3);
            }
            _state[firstChain] = x0; _state[firstChain + 1] = x1; _state[firstChain + 2] = x2; _state[firstChain + 3] = x3;
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
