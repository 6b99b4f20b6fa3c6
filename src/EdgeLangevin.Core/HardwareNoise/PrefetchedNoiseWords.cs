using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Physical noise as the solver's Langevin noise (<see cref="LangevinSolver.ExternalNoise"/>):
    /// the noise words of a whole block of steps are drawn from <see cref="PhysicalGaussianNoise"/>
    /// into a buffer and health-checked before the first of those steps runs; the solver then takes
    /// them from the buffer, one per unit per step, chain by chain in increasing k, exactly where it
    /// would have drawn from its generator. The arithmetic of the step (FIXED_POINT.md, first and
    /// second order) is unchanged: eta is simply the physical word.
    /// </summary>
    /// <remarks>
    /// Why draw ahead instead of reading the source inside the step: a health test can fail on any
    /// sample, and a fault found in the middle of a step would leave that step (and the window)
    /// half-updated with untrusted noise. Drawing first means the caller decides, before touching
    /// any state, whether the block runs: when <see cref="Prefetch"/> returns false nothing has
    /// changed (state, dictionary, threshold, learner, step counts), so the last good state is kept
    /// without a snapshot or a rollback. Cost: 2 bytes per word (the words are 16-bit), i.e.
    /// 2 * steps * chains * K bytes for a block of that many steps, allocated once here.
    /// </remarks>
    public sealed class PrefetchedNoiseWords : INoiseWordSource
    {
        private readonly PhysicalGaussianNoise _noise;
        private readonly short[] _words;
        private int _count;
        private int _next;

        /// <param name="noise">The calibrated (or later calibrated) physical noise.</param>
        /// <param name="capacity">Most words one block holds: steps * chains * K.</param>
        public PrefetchedNoiseWords(PhysicalGaussianNoise noise, int capacity)
        {
            if (noise == null) throw new ArgumentNullException("noise");
            if (capacity < 1) throw new ArgumentOutOfRangeException("capacity", "at least one word");
            _noise = noise;
            _words = new short[capacity];
        }

        public PhysicalGaussianNoise Noise { get { return _noise; } }

        public int Capacity { get { return _words.Length; } }

        /// <summary>Words drawn and not yet given to the solver (0 after a failed prefetch).</summary>
        public int Remaining { get { return _count - _next; } }

        /// <summary>
        /// Draws <paramref name="count"/> words (any left over from the previous block are dropped).
        /// Returns true when the noise was calibrated and every health test passed through the last
        /// sample; false leaves no words to consume (the caller must not step). Allocates nothing.
        /// </summary>
        public bool Prefetch(int count)
        {
            if (count < 0 || count > _words.Length) throw new ArgumentOutOfRangeException("count", "0 to Capacity words");
            _next = 0;
            _count = 0;
            if (!_noise.IsHealthy) return false;
            for (int i = 0; i < count; i++) _words[i] = (short)_noise.NextEta();
            if (!_noise.IsHealthy) return false;
            _count = count;
            return true;
        }

        /// <summary>
        /// The next prefetched word, Q5.10. Consuming more than was prefetched is a programming error
        /// (the caller prefetches exactly what its steps take) and throws rather than invent noise.
        /// </summary>
        public int NextEta()
        {
            if (_next == _count) throw new InvalidOperationException("physical noise: the step needs more words than were prefetched");
            return _words[_next++];
        }
    }
}
