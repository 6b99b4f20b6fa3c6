using System;

namespace EdgeLangevin.Core.HardwareNoise
{
    /// <summary>
    /// Continuous health tests on every raw sample of a noise source, after NIST SP 800-90B
    /// section 4.4, plus one developer-defined test (section 4.5):
    /// <list type="bullet">
    /// <item>Repetition count test (RCT, 4.4.1): fails when one value occurs
    /// <see cref="RepetitionCutoff"/> times in a row (C = 1 + ceil(20 / H)).</item>
    /// <item>Adaptive proportion test (APT, 4.4.2): in each window of W samples (512, or 1024 for
    /// one-bit samples) the window's first value is counted; the test fails when the count reaches
    /// <see cref="ProportionCutoff"/> (1 + CRITBINOM(W, 2^-H, 1 - 2^-20)).</item>
    /// <item>Lag-1 correlation test: over each window of 512 samples, fails when the sample lag-1
    /// autocorrelation exceeds the limit in magnitude. SP 800-90B's two tests only count equal
    /// values and miss a slowly wandering source (a floating ADC pin, an RC-filtered input), which is
    /// exactly what would make the Langevin noise correlated. For an independent source the window's
    /// estimate has standard error 1/sqrt(512) = 0.044, so a limit of 0.5 is 11 standard errors away:
    /// false positives are negligible.</item>
    /// </list>
    /// A failure latches: <see cref="Status"/> stays failed, with the evidence in
    /// <see cref="FaultValue"/> and <see cref="FaultMeasure"/>, until <see cref="Reset"/>. The
    /// loop checks the <see cref="IsHealthy"/> flag; nothing here throws or allocates after construction.
    /// </summary>
    public sealed class NoiseHealthMonitor
    {
        /// <summary>Window of the lag-1 correlation test.</summary>
        public const int CorrelationWindow = 512;

        /// <summary>Default limit of |lag-1 correlation|, Q1.15 (0.5).</summary>
        public const int DefaultMaxLag1CorrelationQ15 = 16384;

        private readonly int _bitsPerSample;
        private readonly int _maxSample;
        private readonly int _rctCutoff;
        private readonly int _aptCutoff;
        private readonly int _aptWindow;
        private readonly int _maxLag1Q15;

        private NoiseHealthStatus _status;
        private int _faultValue;
        private int _faultMeasure;
        private long _samplesTested;
        private int _failures;

        // RCT state
        private int _rctValue;
        private int _rctRun;

        // APT state
        private int _aptReference;
        private int _aptCount;
        private int _aptSeen;

        // Lag-1 correlation state: moments of y = x - shift over the current window.
        private int _corShift;
        private int _corSeen;
        private int _corPrevY;
        private long _corS1;
        private long _corS2;
        private long _corC;
        private int _lastLag1Q15;

        /// <param name="bitsPerSample">Sample width, 1 to 16.</param>
        /// <param name="minEntropyEighths">Assessed min-entropy per sample, eighths of a bit.</param>
        /// <param name="maxLag1CorrelationQ15">Limit of |lag-1 correlation| in Q1.15, 1 to 32767 (32767 effectively disables the test).</param>
        public NoiseHealthMonitor(int bitsPerSample, int minEntropyEighths, int maxLag1CorrelationQ15)
        {
            if (bitsPerSample < 1 || bitsPerSample > 16) throw new ArgumentOutOfRangeException("bitsPerSample", "a raw noise sample has 1 to 16 bits");
            if (minEntropyEighths < 1 || minEntropyEighths > 8 * bitsPerSample) throw new ArgumentOutOfRangeException("minEntropyEighths", "min-entropy per sample must be 1 to 8 * bitsPerSample eighths of a bit");
            if (maxLag1CorrelationQ15 < 1 || maxLag1CorrelationQ15 > 32767) throw new ArgumentOutOfRangeException("maxLag1CorrelationQ15", "the correlation limit is 1 to 32767 in Q1.15");
            _bitsPerSample = bitsPerSample;
            _maxSample = (1 << bitsPerSample) - 1;
            _rctCutoff = HealthTestCutoffs.RepetitionCount(minEntropyEighths);
            _aptCutoff = HealthTestCutoffs.AdaptiveProportion(minEntropyEighths, bitsPerSample);
            _aptWindow = HealthTestCutoffs.ProportionWindow(bitsPerSample);
            _maxLag1Q15 = maxLag1CorrelationQ15;
            Reset();
        }

        /// <summary>A monitor for <paramref name="source"/> with the default correlation limit (0.5).</summary>
        public NoiseHealthMonitor(RawNoiseSource source)
            : this(source.BitsPerSample, source.MinEntropyEighths, DefaultMaxLag1CorrelationQ15)
        {
        }

        public int BitsPerSample { get { return _bitsPerSample; } }

        /// <summary>RCT cutoff C: a run of C equal samples fails.</summary>
        public int RepetitionCutoff { get { return _rctCutoff; } }

        /// <summary>APT cutoff: this many copies of the window's first value in one window fails.</summary>
        public int ProportionCutoff { get { return _aptCutoff; } }

        /// <summary>APT window W (512 or 1024).</summary>
        public int ProportionWindow { get { return _aptWindow; } }

        /// <summary>Limit of |lag-1 correlation|, Q1.15.</summary>
        public int MaxLag1CorrelationQ15 { get { return _maxLag1Q15; } }

        public NoiseHealthStatus Status { get { return _status; } }

        /// <summary>The flag the loop checks: true until a test fails (then until <see cref="Reset"/>).</summary>
        public bool IsHealthy { get { return _status == NoiseHealthStatus.Ok; } }

        /// <summary>The sample value behind the failure (the repeated or over-frequent value, the out-of-range sample).</summary>
        public int FaultValue { get { return _faultValue; } }

        /// <summary>The failing statistic: the run length (RCT), the count in the window (APT), the correlation in Q1.15.</summary>
        public int FaultMeasure { get { return _faultMeasure; } }

        /// <summary>Lag-1 correlation of the last completed window, Q1.15.</summary>
        public int LastLag1CorrelationQ15 { get { return _lastLag1Q15; } }

        /// <summary>Samples tested since construction.</summary>
        public long SamplesTested { get { return _samplesTested; } }

        /// <summary>Failures since construction (each latched failure counts once).</summary>
        public int Failures { get { return _failures; } }

        /// <summary>Clears a latched failure and restarts every test (a fresh window, a fresh run).</summary>
        public void Reset()
        {
            _status = NoiseHealthStatus.Ok;
            _faultValue = 0;
            _faultMeasure = 0;
            _rctRun = 0;
            _rctValue = -1;
            _aptSeen = 0;
            _aptCount = 0;
            _aptReference = -1;
            _corSeen = 0;
            _corS1 = 0;
            _corS2 = 0;
            _corC = 0;
        }

        /// <summary>Records a read that failed (the source threw): latches <see cref="NoiseHealthStatus.SourceError"/>.</summary>
        public void RecordSourceError()
        {
            Fail(NoiseHealthStatus.SourceError, 0, 0);
        }

        /// <summary>
        /// Runs every test on one raw sample. Returns <see cref="IsHealthy"/>. After a failure the
        /// sample is still counted but the tests stop until <see cref="Reset"/>.
        /// </summary>
        public bool Feed(int sample)
        {
            _samplesTested++;
            if (_status != NoiseHealthStatus.Ok) return false;
            if (sample < 0 || sample > _maxSample)
            {
                Fail(NoiseHealthStatus.SourceError, sample, 0);
                return false;
            }

            // Repetition count test.
            if (sample == _rctValue)
            {
                _rctRun++;
                if (_rctRun >= _rctCutoff)
                {
                    Fail(NoiseHealthStatus.RepetitionCount, sample, _rctRun);
                    return false;
                }
            }
            else
            {
                _rctValue = sample;
                _rctRun = 1;
            }

            // Adaptive proportion test: the first sample of a window is the reference and counts as one.
            if (_aptSeen == 0)
            {
                _aptReference = sample;
                _aptCount = 1;
            }
            else if (sample == _aptReference)
            {
                _aptCount++;
                if (_aptCount >= _aptCutoff)
                {
                    Fail(NoiseHealthStatus.AdaptiveProportion, sample, _aptCount);
                    return false;
                }
            }
            _aptSeen++;
            if (_aptSeen == _aptWindow) _aptSeen = 0;

            // Lag-1 correlation test.
            if (_corSeen == 0)
            {
                _corShift = sample;
                _corPrevY = 0;
                _corS1 = 0;
                _corS2 = 0;
                _corC = 0;
            }
            else
            {
                int y = sample - _corShift;
                _corS1 += y;
                _corS2 += (long)y * y;
                _corC += (long)y * _corPrevY;
                _corPrevY = y;
            }
            _corSeen++;
            if (_corSeen == CorrelationWindow)
            {
                _corSeen = 0;
                int rho = NoiseArithmetic.Lag1CorrelationQ15(_corS1, _corS2, _corC, CorrelationWindow);
                _lastLag1Q15 = rho;
                if (rho > _maxLag1Q15 || -rho > _maxLag1Q15)
                {
                    Fail(NoiseHealthStatus.Lag1Correlation, 0, rho);
                    return false;
                }
            }
            return true;
        }

        private void Fail(NoiseHealthStatus status, int value, int measure)
        {
            if (_status != NoiseHealthStatus.Ok) return;
            _status = status;
            _faultValue = value;
            _faultMeasure = measure;
            _failures++;
        }
    }
}
