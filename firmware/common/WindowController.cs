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
    /// ReseedEvery windows, and a status line is formatted every ReportEvery windows. With physical Langevin noise a window in which the source fails is rolled back
    /// by the loop and reported the same way. The board reads
    /// the D conversions first and reports a failed read through <see cref="ReadFailed"/>, so a read
    /// error never leaves a half-loaded window. Nothing here allocates after construction.
    /// </summary>
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

        public NoiseHealthMonitor Health { get { return _seeder.Source.Health; } }

        /// <summary>True while the noise source is failed (windows are skipped).</summary>
        public bool NoiseFailed { get { return _noiseFailed; } }

        public long SkippedWindows { get { return _skipped; } }

        public long Reseeds { get { return _reseeds; } }

        public long ReadErrors { get { return _readErrors; } }

        /// <summary>Marks the source as failed from the start (it failed its start-up test at boot).</summary>
        public void NoiseFailedAtBoot()
        {
            _noiseFailed = true;
            _skippedSinceFault = 0;
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
            if (_loop.LastWindowRolledBack)
            {
                // Physical Langevin noise failed during the window: the loop restored the state it started from.
                _skipped++;
                if (_noiseFailed) return WindowOutcome.Skipped;
                _noiseFailed = true;
                _skippedSinceFault = 0;
                _line.Clear().Append("noise fault during the window: ").Append(NoiseHealth.Describe(health.IsHealthy ? NoiseHealthStatus.NotCalibrated : health.Status))
                    .Append("; window rolled back, state kept until the source passes again");
                return WindowOutcome.SkippedWithLine;
            }

            if (recovered) return WindowOutcome.RanWithLine; // the recovery message; the next report shows the status
            if (_loop.Windows % _reportEvery != 0) return WindowOutcome.Ran;
            _line.Clear();
            _loop.AppendStatus(_line);
            _line.Append(" noise ").Append(NoiseHealth.Describe(health.Status)).Append(" lag1 ").AppendFixed(health.LastLag1CorrelationQ15, 15, 3)
                .Append(" reseeds ").Append(_reseeds).Append(" read_errors ").Append(_readErrors).Append(" skipped ").Append(_skipped);
            return WindowOutcome.RanWithLine;
        }
    }
}
