using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// A raw source behind its health tests: every sample read through here is tested first,
    /// and a read that throws becomes <see cref="NoiseHealthStatus.SourceError"/> instead of an
    /// exception in the solver's loop. Both uses of hardware noise (<see cref="EntropySeeder"/>
    /// and <see cref="PhysicalGaussianNoise"/>) read through this class, so neither can consume
    /// an untested sample.
    /// </summary>
    public sealed class CheckedNoiseSource
    {
        /// <summary>Samples of the SP 800-90B start-up test (4.3, item 12: at least 1024).</summary>
        public const int StartupSamples = 1024;

        private readonly RawNoiseSource _source;
        private readonly NoiseHealthMonitor _health;

        public CheckedNoiseSource(RawNoiseSource source, NoiseHealthMonitor health)
        {
            if (source == null) throw new ArgumentNullException("source");
            if (health == null) throw new ArgumentNullException("health");
            if (health.BitsPerSample != source.BitsPerSample) throw new ArgumentException("the health monitor was built for a different sample width than the source", "health");
            _source = source;
            _health = health;
        }

        /// <summary>The source with the default health monitor (correlation limit 0.5).</summary>
        public CheckedNoiseSource(RawNoiseSource source)
            : this(source, new NoiseHealthMonitor(source))
        {
        }

        public RawNoiseSource Source { get { return _source; } }

        public NoiseHealthMonitor Health { get { return _health; } }

        /// <summary>
        /// One tested sample. On a failed read returns 0 and latches SourceError; the caller checks
        /// <see cref="NoiseHealthMonitor.IsHealthy"/> before it trusts what it built from the samples.
        /// </summary>
        public int Read()
        {
            int sample;
            try
            {
                sample = _source.ReadRaw();
            }
            catch (Exception)
            {
                _health.RecordSourceError();
                return 0;
            }
            _health.Feed(sample);
            return sample;
        }

        /// <summary>
        /// The start-up test: <see cref="StartupSamples"/> samples through every test, discarded.
        /// Throws <see cref="NoiseHealthException"/> when a test fails.
        /// </summary>
        public void RunStartupTests()
        {
            for (int i = 0; i < StartupSamples; i++) Read();
            if (!_health.IsHealthy) throw new NoiseHealthException(_health.Status);
        }
    }
}
