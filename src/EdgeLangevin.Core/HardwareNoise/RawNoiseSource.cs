namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// The contract for one physical source of raw entropy: the least-significant bits of
    /// an ADC, a hardware random number generator, /dev/hwrng. Board calls live in the
    /// firmware projects (subclasses there); the core only sees this class.
    /// </summary>
    /// <remarks>
    /// A subclass returns raw, unconditioned samples: whatever the hardware delivers, so
    /// that the health tests (<see cref="NoiseHealthMonitor"/>) see the source as it is.
    /// A read that fails throws any exception; <see cref="CheckedNoiseSource"/> turns it
    /// into <see cref="NoiseHealthStatus.SourceError"/>. ReadRaw must not allocate.
    /// </remarks>
    public abstract class RawNoiseSource
    {
        /// <summary>Width of one sample: ReadRaw returns values in [0, 2^BitsPerSample). 1 to 16.</summary>
        public abstract int BitsPerSample { get; }

        /// <summary>
        /// The assessed min-entropy H of one sample, in eighths of a bit (H = value / 8),
        /// 1 to 8 * BitsPerSample. It is a property of the physical source (measured with the
        /// SP 800-90B estimators on the bench), not of the code; it sets the health-test cutoffs
        /// and how many samples a seed needs. Err low: a low H gives looser cutoffs and more
        /// samples per seed, a high H makes a healthy source fail its tests.
        /// </summary>
        public abstract int MinEntropyEighths { get; }

        /// <summary>One raw sample in [0, 2^BitsPerSample).</summary>
        public abstract int ReadRaw();
    }
}
