using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Use (a) of hardware noise: seeds and reseeds for the core's xorshift32 Gaussian generator
    /// (FIXED_POINT.md, "Seeding": a nonzero 32-bit state) from a health-tested raw source.
    /// </summary>
    /// <remarks>
    /// Conditioning. Each seed absorbs enough raw samples for 64 bits of assessed min-entropy,
    /// n = ceil(64 * 8 / eighths), twice the 32 output bits, into a 32-bit pool with FNV-1a
    /// (pool = (pool ^ sample) * 16777619, wrapping), then outputs the murmur3 fmix32 finaliser of
    /// the pool. Why a hash and not von Neumann debiasing or XOR-folding: those two only remove bias
    /// from independent bits, while raw ADC bits are also correlated; a multiplicative hash mixes
    /// every input bit into every output bit whatever the dependence, and the factor-2 entropy margin
    /// covers what a 32-bit non-cryptographic mix can lose. It is not an SP 800-90B vetted
    /// (cryptographic) conditioner: a seed here needs to make boards and runs differ, not to be secret.
    /// The pool carries over between seeds, so successive seeds never repeat a state.
    /// All shifts are arithmetic with a mask (no unsigned types; see DESIGN.md).
    /// </remarks>
    public sealed class EntropySeeder
    {
        /// <summary>FNV-1a 32-bit offset basis 0x811C9DC5 as a signed int.</summary>
        private const int FnvOffsetBasis = -2128831035;

        /// <summary>FNV-1a 32-bit prime 0x01000193.</summary>
        private const int FnvPrime = 16777619;

        /// <summary>
        /// The loop's form of <see cref="NextSeed"/>: false instead of an exception when the source
        /// is unhealthy (nothing allocated); <paramref name="seed"/> is then 0 and must not be used.
        /// </summary>
        public bool TryNextSeed(out int seed)
        {
            int pool = _pool;
            for (int i = 0; i < _samplesPerSeed; i++)
            {
                int sample = _source.Read();
                pool = unchecked((pool ^ sample) * FnvPrime);
            }
            _pool = pool;
            if (!_source.Health.IsHealthy)
            {
                seed = 0;
                return false;
            }
            seed = Finalise(pool);
            if (seed == 0) seed = 1;
            return true;
        }

        /// <summary>murmur3 fmix32 constants 0x85EBCA6B and 0xC2B2AE35 as signed ints.</summary>
        private const int Fmix1 = -2048144789;
        private const int Fmix2 = -1028477387;

        private readonly CheckedNoiseSource _source;
        private readonly int _samplesPerSeed;
        private int _pool;

        public EntropySeeder(CheckedNoiseSource source)
        {
            if (source == null) throw new ArgumentNullException("source");
            _source = source;
            int eighths = source.Source.MinEntropyEighths;
            _samplesPerSeed = (64 * 8 + eighths - 1) / eighths;
            _pool = FnvOffsetBasis;
        }

        /// <summary>Raw samples absorbed per seed: ceil(512 / eighths), i.e. 64 bits of min-entropy.</summary>
        public int SamplesPerSeed { get { return _samplesPerSeed; } }

        public CheckedNoiseSource Source { get { return _source; } }

        /// <summary>
        /// A fresh nonzero seed. Throws <see cref="NoiseHealthException"/> when the source fails a
        /// health test while the seed is collected (a seed from a stuck source would silently make
        /// every board run the same chain).
        /// </summary>
        public int NextSeed()
        {
            int seed;
            if (!TryNextSeed(out seed)) throw new NoiseHealthException(_source.Health.Status);
            return seed;
        }

        /// <summary>murmur3 fmix32 with masked arithmetic shifts (the logical shifts of the original).</summary>
        public static int Finalise(int h)
        {
            h = h ^ ((h >> 16) & 0xFFFF);
            h = unchecked(h * Fmix1);
            h = h ^ ((h >> 13) & 0x7FFFF);
            h = unchecked(h * Fmix2);
            h = h ^ ((h >> 16) & 0xFFFF);
            return h;
        }
    }
}
