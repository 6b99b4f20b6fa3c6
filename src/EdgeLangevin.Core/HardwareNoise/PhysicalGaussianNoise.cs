using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Use (b) of hardware noise, the paper's idea: physical noise as the Langevin noise itself.
    /// Calibrates the mean, variance and lag-1 correlation of a health-tested raw source, then
    /// turns raw samples into Q5.10 noise words eta of unit variance (2^20 LSB^2), the format of
    /// the core's Gaussian generator (FIXED_POINT.md), so a solver can take either.
    /// </summary>
    /// <remarks>
    /// Calibration (integer only, long accumulators, n samples, shift K = the first sample):
    /// S1 = sum y, S2 = sum y^2, C = sum y_t y_(t-1) with y = x - K, then
    /// mean = K + S1 / n, var = (S2 - S1^2 / n) / n, rho = lag-1 autocorrelation
    /// (<see cref="NoiseArithmetic.Lag1CorrelationQ15"/>).
    ///
    /// One noise word from m raw samples (m = samplesPerWord, 1 to 16):
    /// <code>
    /// y_t   = x_t * 2^15 - mean_q15                            centre (Q.15 counts)
    /// e_t   = y_t - rshr(rho_q15 * y_(t-1), 15)                decorrelate: AR(1) innovation
    /// eta   = sat16(rshr((e_1 + ... + e_m) * mult, shift))     scale to unit variance in Q5.10
    /// </code>
    /// var(e) = var (1 - rho^2) for any stationary source; the sum of m innovations has variance
    /// m var(e) when the source is AR(1) (the innovations are then independent), and m &gt; 1 makes
    /// the words finer-grained and more Gaussian (central limit) at m times the sampling cost.
    /// mult / 2^shift = 2^7 / sd_q12 with sd_q12 = isqrt(m var(e) 2^24) (the standard deviation of the
    /// sum in Q.12 counts), mult normalised into [2^20, 2^21] so it keeps 20 significant bits whatever
    /// the source's scale. Rounding: rshr (nearest, ties up) everywhere; the 16-bit word saturates and
    /// every clip is counted in <see cref="Clips"/>.
    ///
    /// Overflow: samples of at most 16 bits and n &lt;= 16384 keep the moments within long
    /// (<see cref="NoiseArithmetic"/>); |y| &lt; 2^31, |rho y| &lt; 2^46, |sum e| &lt; 2^37, |sum e * mult| &lt; 2^58.
    ///
    /// Failures: calibration throws <see cref="NoiseHealthException"/> (health test failed, too little
    /// noise, |rho| above the monitor's limit). <see cref="NextEta"/> never throws: a health fault only
    /// shows in <see cref="IsHealthy"/>. The solver takes these words through
    /// <see cref="PrefetchedNoiseWords"/> (LangevinSolver.ExternalNoise), which draws a block of them and
    /// checks <see cref="IsHealthy"/> before any step uses them, so a fault never half-updates a step.
    /// </remarks>
    public sealed class PhysicalGaussianNoise
    {
        /// <summary>Fractional bits of the noise word (Q5.10).</summary>
        public const int EtaFracBits = 10;

        /// <summary>Fewest calibration samples accepted (the variance is then known to about 6 %).</summary>
        public const int MinCalibrationSamples = 512;

        /// <summary>Least innovation variance accepted, Q.16 counts^2 (1/4 count^2): below it the ADC's quantisation dominates.</summary>
        public const long MinInnovationVarianceQ16 = 1L << 14;

        private readonly CheckedNoiseSource _source;
        private readonly int _samplesPerWord;

        private bool _calibrated;
        private long _meanQ16;
        private long _meanQ15;
        private long _varianceQ16;
        private long _innovationVarianceQ16;
        private int _rhoQ15;
        private long _mult;
        private int _shift;
        private long _prevYq15;
        private int _clips;

        /// <param name="source">The tested raw source; samples of at most 16 bits.</param>
        /// <param name="samplesPerWord">Raw samples summed into one noise word, 1 to 16.</param>
        public PhysicalGaussianNoise(CheckedNoiseSource source, int samplesPerWord)
        {
            if (source == null) throw new ArgumentNullException("source");
            if (samplesPerWord < 1 || samplesPerWord > 16) throw new ArgumentOutOfRangeException("samplesPerWord", "1 to 16 raw samples per noise word");
            _source = source;
            _samplesPerWord = samplesPerWord;
        }

        public CheckedNoiseSource Source { get { return _source; } }

        public int SamplesPerWord { get { return _samplesPerWord; } }

        public bool IsCalibrated { get { return _calibrated; } }

        /// <summary>The flag the loop checks: calibrated and every health test passing.</summary>
        public bool IsHealthy { get { return _calibrated && _source.Health.IsHealthy; } }

        /// <summary>Why the noise is not usable, or Ok.</summary>
        public NoiseHealthStatus Status
        {
            get
            {
                if (!_source.Health.IsHealthy) return _source.Health.Status;
                return _calibrated ? NoiseHealthStatus.Ok : NoiseHealthStatus.NotCalibrated;
            }
        }

        /// <summary>Calibrated mean of the raw samples, counts in Q.16.</summary>
        public long MeanQ16 { get { return _meanQ16; } }

        /// <summary>Calibrated variance of the raw samples, counts^2 in Q.16.</summary>
        public long VarianceQ16 { get { return _varianceQ16; } }

        /// <summary>Variance of the decorrelated innovation e, var (1 - rho^2), counts^2 in Q.16.</summary>
        public long InnovationVarianceQ16 { get { return _innovationVarianceQ16; } }

        /// <summary>Calibrated lag-1 correlation, Q1.15.</summary>
        public int Lag1CorrelationQ15 { get { return _rhoQ15; } }

        /// <summary>The scale: eta = rshr(sum e * ScaleMultiplier, ScaleShift).</summary>
        public long ScaleMultiplier { get { return _mult; } }

        public int ScaleShift { get { return _shift; } }

        /// <summary>Noise words clipped to the 16-bit range since calibration.</summary>
        public int Clips { get { return _clips; } }

        /// <summary>
        /// Measures mean, variance and lag-1 correlation over <paramref name="samples"/> raw samples
        /// (512 to 16384) and prepares the scale. Throws <see cref="NoiseHealthException"/> when a
        /// health test fails meanwhile, when the innovation variance is below 1/4 count^2, or when
        /// |rho| exceeds the health monitor's correlation limit; the previous calibration is then
        /// kept but marked unusable.
        /// </summary>
        public void Calibrate(int samples)
        {
            if (samples < MinCalibrationSamples || samples > NoiseArithmetic.MaxMomentSamples) throw new ArgumentOutOfRangeException("samples", "calibrate on 512 to 16384 samples");
            _calibrated = false;
            int first = _source.Read();
            long s1 = 0;
            long s2 = 0;
            long c = 0;
            int prevY = 0;
            int last = first;
            for (int i = 1; i < samples; i++)
            {
                int x = _source.Read();
                int y = x - first;
                s1 += y;
                s2 += (long)y * y;
                c += (long)y * prevY;
                prevY = y;
                last = x;
            }
            if (!_source.Health.IsHealthy) throw new NoiseHealthException(_source.Health.Status);

            long m2 = NoiseArithmetic.CentredSumOfSquares(s1, s2, samples);
            long varianceQ16 = NoiseArithmetic.MulPow2Div(m2, 16, samples);
            int rho = NoiseArithmetic.Lag1CorrelationQ15(s1, s2, c, samples);
            if (rho > _source.Health.MaxLag1CorrelationQ15 || -rho > _source.Health.MaxLag1CorrelationQ15)
                throw new NoiseHealthException(NoiseHealthStatus.Lag1Correlation);

            long meanOffsetQ16 = s1 >= 0
                ? ((s1 << 16) + samples / 2) / samples
                : -(((-s1) << 16) + samples / 2) / samples;
            SetCalibration(((long)first << 16) + meanOffsetQ16, varianceQ16, rho, last);
        }

        /// <summary>
        /// Calibration without reading the source, for samples that are uniform on 0..2^b - 1 and
        /// independent by construction (b = BitsPerSample; conditioned entropy, such as the FPGA
        /// source's parity bits packed b at a time): mean (2^b - 1) / 2, variance (4^b - 1) / 12 and
        /// rho = 0 exactly, the values <see cref="Calibrate"/> estimates, then the same scale. With
        /// b = 9 and 12 samples per word the words are exactly 2 * (sum of the 12 samples - 3066), the
        /// twelve-field sum of the core's Gaussian generator (FIXED_POINT.md) without its +-2 term.
        /// Throws nothing: the health of the bits is the source's business (<see cref="IsHealthy"/>).
        /// </summary>
        public void CalibrateUniform()
        {
            int bits = _source.Source.BitsPerSample;
            long levelsMinusOne = (1L << bits) - 1;
            // (4^b - 1) / 12 in Q.16 = ((4^b - 1) / 3) * 2^14, exact: 4^b - 1 is a multiple of 3
            long varianceQ16 = (((1L << (2 * bits)) - 1) / 3) << 14;
            SetCalibration(levelsMinusOne << 15, varianceQ16, 0, 0);
        }

        private void SetCalibration(long meanQ16, long varianceQ16, int rho, int last)
        {
            // var(e) = var * (1 - rho^2), the product split so that it stays below 2^63.
            long oneMinusRho2Q15 = 32768 - (((long)rho * rho) >> 15);
            long innovationQ16 = (varianceQ16 >> 15) * oneMinusRho2Q15 + (((varianceQ16 & 0x7FFF) * oneMinusRho2Q15) >> 15);
            if (innovationQ16 < MinInnovationVarianceQ16) throw new NoiseHealthException(NoiseHealthStatus.TooLittleNoise);

            long sdQ12 = NoiseArithmetic.ISqrt((innovationQ16 * _samplesPerWord) << 8);
            int shift = 0;
            while ((1L << (7 + shift)) < (sdQ12 << 20)) shift++;
            long mult = ((1L << (7 + shift)) + (sdQ12 >> 1)) / sdQ12;

            _meanQ16 = meanQ16;
            _meanQ15 = NoiseArithmetic.RoundShift(_meanQ16, 1);
            _varianceQ16 = varianceQ16;
            _innovationVarianceQ16 = innovationQ16;
            _rhoQ15 = rho;
            _mult = mult;
            _shift = shift;
            _prevYq15 = ((long)last << 15) - _meanQ15;
            _clips = 0;
            _calibrated = true;
        }

        /// <summary>
        /// The next Q5.10 noise word (unit variance) from <see cref="SamplesPerWord"/> raw samples.
        /// Returns 0 before calibration. Never throws; check <see cref="IsHealthy"/> per window.
        /// </summary>
        public int NextEta()
        {
            if (!_calibrated) return 0;
            long acc = 0;
            long prev = _prevYq15;
            for (int j = 0; j < _samplesPerWord; j++)
            {
                long yq = ((long)_source.Read() << 15) - _meanQ15;
                acc += yq - NoiseArithmetic.RoundShift(_rhoQ15 * prev, 15);
                prev = yq;
            }
            _prevYq15 = prev;
            long eta = NoiseArithmetic.RoundShift(acc * _mult, _shift);
            if (eta > 32767)
            {
                _clips++;
                return 32767;
            }
            if (eta < -32768)
            {
                _clips++;
                return -32768;
            }
            return (int)eta;
        }

        /// <summary>Writes <paramref name="count"/> noise words to <paramref name="destination"/> from <paramref name="offset"/>.</summary>
        public void Fill(int[] destination, int offset, int count)
        {
            for (int i = 0; i < count; i++) destination[offset + i] = NextEta();
        }
    }
}
