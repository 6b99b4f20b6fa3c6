#nullable disable
using System;
using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware
{
    /// <summary>What happened to one window, and whether <see cref="WindowController.Line"/> holds a line to print.</summary>
    public enum WindowOutcome
    {
        /// <summary>The window ran; nothing to print.</summary>
        Ran = 0,
        /// <summary>The window ran; Line holds the periodic status line (or the noise source's recovery).</summary>
        RanWithLine = 1,
        /// <summary>The window was skipped (state kept); nothing new to print.</summary>
        Skipped = 2,
        /// <summary>The window was skipped (state kept); Line holds why.</summary>
        SkippedWithLine = 3,
    }

    /// <summary>
    /// The per-window policy every board shares, so that the boards differ only in how they read
    /// their ADC: the noise source's health gates the window (a failed source skips it and the state
    /// stays as it was after the last good window; it is re-tested every RetestEvery skipped windows
    /// and the loop resumes when it passes), the chains are reseeded from hardware entropy every
    /// ReseedEvery windows, and a status line is formatted every ReportEvery windows. The board reads
    /// the D conversions first and reports a failed read through <see cref="ReadFailed"/>, so a read
    /// error never leaves a half-loaded window. Nothing here allocates after construction.
    /// </summary>
    /// <remarks>
    /// Physical Langevin noise (the loop's <see cref="InferenceLoop.UsesPhysicalNoise"/>): the window's
    /// noise words are drawn and health-checked before its first step, so a fault skips the window with
    /// the state untouched. The source must then be calibrated again before it is trusted (its mean or
    /// scale may have moved): <see cref="StartNoise"/> calibrates at boot, and while the noise is
    /// uncalibrated every window is skipped and a calibration (start-up tests, then
    /// <see cref="PhysicalGaussianNoise.Calibrate"/>) is attempted with exponential backoff: 1, 2, 4, ...
    /// windows after the previous failure, at most <see cref="MaxCalibrationBackoff"/>. Every attempt
    /// and its outcome is reported on the status line; the periodic line counts attempts and failures.
    /// The generator is not used in this mode, so the chains are not reseeded.
    /// </remarks>
    public sealed class WindowController
    {
        private readonly InferenceLoop _loop;
        private readonly EntropySeeder _seeder;
        private readonly int _reportEvery;
        private readonly int _reseedEvery;
        private readonly int _retestEvery;
        private readonly LineBuilder _line;
        private bool _noiseFailed;
        private int _skippedSinceFault;
        private long _skipped;
        private long _reseeds;
        private long _readErrors;
        // Physical noise: calibration state and backoff (in windows).
        private bool _calibrationPending;
        private int _calibrationBackoff;
        private int _windowsUntilCalibration;
        private long _calibrationAttempts;
        private long _calibrationFailures;
        private int _calibrationSamples = 4096;
        private int _maxCalibrationBackoff = 64;

        /// <param name="loop">The inference loop.</param>
        /// <param name="seeder">Hardware entropy through its health tests, read every window.</param>
        /// <param name="reportEvery">A status line every this many windows (at least 1).</param>
        /// <param name="reseedEvery">Reseed the chains every this many windows; 0 never (a reproducible run).</param>
        /// <param name="retestEvery">While the noise source is failed, restart its tests every this many skipped windows (at least 1).</param>
        public WindowController(InferenceLoop loop, EntropySeeder seeder, int reportEvery, int reseedEvery, int retestEvery)
        {
            if (loop == null) throw new ArgumentNullException("loop");
            if (seeder == null) throw new ArgumentNullException("seeder");
            if (reportEvery < 1) throw new ArgumentException("reportEvery must be at least 1");
            if (reseedEvery < 0) throw new ArgumentException("reseedEvery must be 0 (never) or more");
            if (retestEvery < 1) throw new ArgumentException("retestEvery must be at least 1");
            _loop = loop;
            _seeder = seeder;
            _reportEvery = reportEvery;
            _reseedEvery = reseedEvery;
            _retestEvery = retestEvery;
            _line = new LineBuilder(512);
        }

        /// <summary>The line to print after an outcome that says so.</summary>
        public LineBuilder Line { get { return _line; } }

        public InferenceLoop Loop { get { return _loop; } }

        /// <summary>The health of the noise source that gates the windows (the physical source's with physical noise).</summary>
        public NoiseHealthMonitor Health { get { return _loop.UsesPhysicalNoise ? _loop.PhysicalNoise.Source.Health : _seeder.Source.Health; } }

        /// <summary>True while the noise source is failed or, with physical noise, awaits calibration (windows are skipped).</summary>
        public bool NoiseFailed { get { return _noiseFailed || _calibrationPending; } }

        public long SkippedWindows { get { return _skipped; } }

        public long Reseeds { get { return _reseeds; } }

        public long ReadErrors { get { return _readErrors; } }

        /// <summary>Marks the source as failed from the start (it failed its start-up test at boot).</summary>
        public void NoiseFailedAtBoot()
        {
            if (_loop.UsesPhysicalNoise)
            {
                ScheduleCalibration();
                return;
            }
            _noiseFailed = true;
            _skippedSinceFault = 0;
        }

        /// <summary>Raw noise samples of one calibration, 512 to 16384 (default 4096).</summary>
        public int CalibrationSamples
        {
            get { return _calibrationSamples; }
            set
            {
                if (value < PhysicalGaussianNoise.MinCalibrationSamples || value > NoiseArithmetic.MaxMomentSamples) throw new ArgumentException("calibration samples must be 512 to 16384");
                _calibrationSamples = value;
            }
        }

        /// <summary>Most windows between two calibration attempts (default 64).</summary>
        public int MaxCalibrationBackoff
        {
            get { return _maxCalibrationBackoff; }
            set
            {
                if (value < 1) throw new ArgumentException("the calibration backoff is at least 1 window");
                _maxCalibrationBackoff = value;
            }
        }

        /// <summary>Physical noise: true while the source awaits a successful calibration (windows are skipped).</summary>
        public bool CalibrationPending { get { return _calibrationPending; } }

        /// <summary>Calibrations attempted (boot included).</summary>
        public long CalibrationAttempts { get { return _calibrationAttempts; } }

        /// <summary>Calibrations that failed.</summary>
        public long CalibrationFailures { get { return _calibrationFailures; } }

        /// <summary>Windows until the next calibration attempt (physical noise, while pending).</summary>
        public int WindowsUntilCalibration { get { return _windowsUntilCalibration; } }

        /// <summary>
        /// Boot: the noise source's start-up tests and, with physical Langevin noise, its calibration.
        /// Line holds what happened. A failure is not fatal: the windows are skipped, and the source is
        /// re-tested (seeded generator) or calibrated again with backoff (physical noise).
        /// </summary>
        public bool StartNoise()
        {
            if (_loop.UsesPhysicalNoise)
            {
                _line.Clear();
                if (TryCalibrate()) return true;
                _line.Append("; windows skipped, state kept; next attempt in ").Append((long)_windowsUntilCalibration).Append(" window(s)");
                return false;
            }
            NoiseHealthMonitor health = _seeder.Source.Health;
            try
            {
                _seeder.Source.RunStartupTests();
            }
            catch (NoiseHealthException e)
            {
                _line.Clear().Append("noise: ").Append(e.Message).Append("; windows skipped, state kept until it passes again");
                NoiseFailedAtBoot();
                return false;
            }
            _line.Clear().Append("noise: start-up tests passed (RCT cutoff ").Append((long)health.RepetitionCutoff).Append(", APT cutoff ")
                .Append((long)health.ProportionCutoff).Append('/').Append((long)health.ProportionWindow).Append(')');
            return true;
        }

        /// <summary>Appends "mean M counts, variance V counts^2, lag-1 correlation R" of a calibrated source.</summary>
        public static void AppendCalibration(LineBuilder line, PhysicalGaussianNoise noise)
        {
            line.Append("mean ").AppendFixed(noise.MeanQ16, 16, 2).Append(" counts, variance ").AppendFixed(noise.VarianceQ16, 16, 2)
                .Append(" counts^2, lag-1 correlation ").AppendFixed(noise.Lag1CorrelationQ15, 15, 3);
        }

        private void ScheduleCalibration()
        {
            _calibrationPending = true;
            _calibrationBackoff = 1;
            _windowsUntilCalibration = 1;
            _skippedSinceFault = 0;
        }

        /// <summary>
        /// One calibration attempt: clears the latched fault, runs the start-up tests, calibrates. Appends
        /// the outcome to Line; on failure doubles the backoff (up to the maximum) and schedules the next.
        /// </summary>
        private bool TryCalibrate()
        {
            PhysicalGaussianNoise physical = _loop.PhysicalNoise;
            NoiseHealthMonitor health = physical.Source.Health;
            _calibrationAttempts++;
            health.Reset();
            try
            {
                physical.Source.RunStartupTests();
                physical.Calibrate(_calibrationSamples);
            }
            catch (NoiseHealthException e)
            {
                _calibrationFailures++;
                if (!_calibrationPending)
                {
                    _calibrationPending = true;
                    _calibrationBackoff = 1;
                    _skippedSinceFault = 0;
                }
                else
                {
                    _calibrationBackoff = _calibrationBackoff >= _maxCalibrationBackoff / 2 ? _maxCalibrationBackoff : 2 * _calibrationBackoff;
                }
                _windowsUntilCalibration = _calibrationBackoff;
                _line.Append("noise calibration attempt ").Append(_calibrationAttempts).Append(" failed: ").Append(e.Message);
                return false;
            }
            _calibrationPending = false;
            _line.Append("noise calibrated (attempt ").Append(_calibrationAttempts).Append("): ");
            AppendCalibration(_line, physical);
            _line.Append("; health: RCT cutoff ").Append((long)health.RepetitionCutoff).Append(", APT cutoff ").Append((long)health.ProportionCutoff)
                .Append('/').Append((long)health.ProportionWindow);
            return true;
        }

        /// <summary>The board's ADC read failed: the window is skipped, the state kept. Returns the error count so far.</summary>
        public long ReadFailed()
        {
            _readErrors++;
            _skipped++;
            return _readErrors;
        }

        /// <summary>Runs one window of D counts (from offset 0), or skips it when the noise source is failed.</summary>
        public WindowOutcome Run(int[] counts)
        {
            if (_loop.UsesPhysicalNoise) return RunPhysical(counts);
            NoiseHealthMonitor health = _seeder.Source.Health;
            if (_noiseFailed && ++_skippedSinceFault % _retestEvery == 0) health.Reset();
            int seed;
            if (!_seeder.TryNextSeed(out seed))
            {
                _skipped++;
                if (_noiseFailed) return WindowOutcome.Skipped;
                _noiseFailed = true;
                _skippedSinceFault = 0;
                _line.Clear().Append("noise fault: ").Append(NoiseHealth.Describe(health.Status)).Append(" (value ").Append((long)health.FaultValue)
                    .Append(", measure ").Append((long)health.FaultMeasure).Append("); windows skipped, state kept until the source passes again");
                return WindowOutcome.SkippedWithLine;
            }
            bool recovered = _noiseFailed;
            if (recovered)
            {
                _noiseFailed = false;
                _line.Clear().Append("noise recovered after ").Append((long)_skippedSinceFault).Append(" skipped window(s)");
            }
            if (_reseedEvery > 0 && _loop.Windows % _reseedEvery == _reseedEvery - 1)
            {
                _loop.Solver.Noise.Reseed(seed);
                _reseeds++;
            }

            _loop.LoadWindow(counts, 0);
            _loop.RunWindow();
            if (recovered) return WindowOutcome.RanWithLine; // the recovery message; the next report shows the status
            if (_loop.Windows % _reportEvery != 0) return WindowOutcome.Ran;
            _line.Clear();
            _loop.AppendStatus(_line);
            _line.Append(" noise ").Append(NoiseHealth.Describe(health.Status)).Append(" lag1 ").AppendFixed(health.LastLag1CorrelationQ15, 15, 3)
                .Append(" reseeds ").Append(_reseeds).Append(" read_errors ").Append(_readErrors).Append(" skipped ").Append(_skipped);
            return WindowOutcome.RanWithLine;
        }

        private WindowOutcome RunPhysical(int[] counts)
        {
            NoiseHealthMonitor health = _loop.PhysicalNoise.Source.Health;
            bool recovered = false;
            if (_calibrationPending)
            {
                _skippedSinceFault++;
                if (--_windowsUntilCalibration > 0)
                {
                    _skipped++;
                    return WindowOutcome.Skipped;
                }
                _line.Clear();
                if (!TryCalibrate())
                {
                    _skipped++;
                    _line.Append("; window skipped, state kept; next attempt in ").Append((long)_windowsUntilCalibration).Append(" window(s)");
                    return WindowOutcome.SkippedWithLine;
                }
                _line.Append("; resuming after ").Append((long)(_skippedSinceFault - 1)).Append(" skipped window(s)");
                recovered = true;
            }

            _loop.LoadWindow(counts, 0);
            if (!_loop.RunWindow())
            {
                // The window's noise words failed their health tests before any step: nothing changed.
                _skipped++;
                _line.Clear().Append("noise fault: ").Append(NoiseHealth.Describe(_loop.PhysicalNoise.Status)).Append(" (value ").Append((long)health.FaultValue)
                    .Append(", measure ").Append((long)health.FaultMeasure).Append("); window skipped, state kept; recalibrating in 1 window(s)");
                ScheduleCalibration();
                return WindowOutcome.SkippedWithLine;
            }
            if (recovered) return WindowOutcome.RanWithLine;
            if (_loop.Windows % _reportEvery != 0) return WindowOutcome.Ran;
            _line.Clear();
            _loop.AppendStatus(_line);
            _line.Append(" noise physical ").Append(NoiseHealth.Describe(health.Status)).Append(" lag1 ").AppendFixed(health.LastLag1CorrelationQ15, 15, 3)
                .Append(" clips ").Append((long)_loop.PhysicalNoise.Clips).Append(" calibrations ").Append(_calibrationAttempts).Append(" (").Append(_calibrationFailures)
                .Append(" failed) read_errors ").Append(_readErrors).Append(" skipped ").Append(_skipped);
            return WindowOutcome.RanWithLine;
        }
    }
}
