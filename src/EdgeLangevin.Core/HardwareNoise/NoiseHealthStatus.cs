using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>The state of a hardware noise source, as its continuous health tests see it.</summary>
    public enum NoiseHealthStatus
    {
        /// <summary>Every test passes.</summary>
        Ok = 0,
        /// <summary>SP 800-90B 4.4.1: one value repeated too often in a row (a stuck pin or RNG).</summary>
        RepetitionCount = 1,
        /// <summary>SP 800-90B 4.4.2: one value too frequent within a window (a biased source).</summary>
        AdaptiveProportion = 2,
        /// <summary>Developer-defined test (SP 800-90B 4.5): lag-1 correlation above the limit (a floating or filtered pin).</summary>
        Lag1Correlation = 3,
        /// <summary>The source threw on a read, or returned a value outside [0, 2^BitsPerSample).</summary>
        SourceError = 4,
        /// <summary>Calibration found too little variance to scale into unit-variance noise.</summary>
        TooLittleNoise = 5,
        /// <summary>Physical noise was requested before a successful calibration.</summary>
        NotCalibrated = 6,
    }

    /// <summary>Human-readable, allocation-free descriptions of <see cref="NoiseHealthStatus"/> values.</summary>
    public static class NoiseHealth
    {
        /// <summary>A constant sentence for <paramref name="status"/> (safe to print from a hot loop: no allocation).</summary>
        public static string Describe(NoiseHealthStatus status)
        {
            switch (status)
            {
                case NoiseHealthStatus.Ok: return "ok";
                case NoiseHealthStatus.RepetitionCount: return "repetition count test failed: the source repeats one value (stuck pin or dead RNG?)";
                case NoiseHealthStatus.AdaptiveProportion: return "adaptive proportion test failed: one value is far too frequent (biased source)";
                case NoiseHealthStatus.Lag1Correlation: return "lag-1 correlation test failed: successive samples are strongly correlated (floating or filtered input?)";
                case NoiseHealthStatus.SourceError: return "noise source read failed or returned an out-of-range value";
                case NoiseHealthStatus.TooLittleNoise: return "calibration failed: variance below 1/4 count^2, quantisation would dominate";
                case NoiseHealthStatus.NotCalibrated: return "physical noise used before calibration";
                default: return "unknown noise health status";
            }
        }
    }

    /// <summary>
    /// Thrown by the one-shot operations (seeding, calibration, start-up tests) when the
    /// source is not healthy. The hot loop does not throw: it checks
    /// <see cref="NoiseHealthMonitor.IsHealthy"/> (a flag) once per window instead.
    /// </summary>
    public sealed class NoiseHealthException : Exception
    {
        public NoiseHealthException(NoiseHealthStatus status)
            : base(NoiseHealth.Describe(status))
        {
            Status = status;
        }

        public NoiseHealthStatus Status { get; private set; }
    }
}
