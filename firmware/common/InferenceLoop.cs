#nullable disable
using System;
using EdgeLangevin.Core;
using EdgeLangevin.Core.HardwareNoise;

namespace EdgeLangevin.Firmware
{
    /// <summary>
    /// The board-independent part of the firmware loop: a window of D raw ADC counts becomes the
    /// data x of every chain, the chains take a fixed number of Langevin steps, and the status line
    /// (active units, pi, counters) is formatted without allocating. Boards read the ADC, check the
    /// noise health and decide whether a window runs; this class never mutates state for a window
    /// that was not loaded completely, which is how a board keeps its last good state.
    /// </summary>
    /// <remarks>
    /// Counts to data: x_q[d] = (count[d] - ZeroCount) * 2^(FS - CountsPerUnitLog2), i.e.
    /// 2^CountsPerUnitLog2 counts are 1.0 in model units, ZeroCount counts are 0 (a shift left,
    /// or a rounded shift right when FS is smaller). Exact: no rounding when FS &gt;= CountsPerUnitLog2.
    /// </remarks>
    public sealed class InferenceLoop
    {
        private readonly FirmwareModel _model;
        private readonly LangevinSolver _solver;
        private readonly FixedLearner _learner;
        private readonly int[] _x;
        private readonly int _stepsPerWindow;
        private readonly int _zeroCount;
        private readonly int _countsPerUnitLog2;
        private long _windows;
        private long _activeSum;

        // Physical Langevin noise: the window's words, drawn and health-checked before its first step.
        private readonly PhysicalGaussianNoise _physical;
        private readonly PrefetchedNoiseWords _prefetched;
        private readonly int _wordsPerWindow;

        public InferenceLoop(FirmwareModel model, int chains, int stepsPerWindow, int zeroCount, int countsPerUnitLog2, int seed)
            : this(model, chains, stepsPerWindow, zeroCount, countsPerUnitLog2, seed, null)
        {
        }

        /// <summary>
        /// With <paramref name="physical"/>, the Langevin noise is physical noise, the paper's idea, instead of
        /// the seeded generator: the solver's <see cref="LangevinSolver.ExternalNoise"/> takes the physical
        /// Q5.10 words, so every step (first or second order, with learning) is FIXED_POINT.md's step with
        /// eta replaced by the physical word. A window draws all its stepsPerWindow * chains * K words first
        /// (<see cref="PrefetchedNoiseWords"/>, 2 bytes each) and runs only when the source stayed healthy
        /// throughout: a fault never leaves a half-updated state.
        /// </summary>
        public InferenceLoop(FirmwareModel model, int chains, int stepsPerWindow, int zeroCount, int countsPerUnitLog2, int seed, PhysicalGaussianNoise physical)
        {
            if (model == null) throw new ArgumentNullException("model");
            if (stepsPerWindow < 1) throw new ArgumentException("stepsPerWindow must be at least 1");
            if (countsPerUnitLog2 < 0 || countsPerUnitLog2 > 24) throw new ArgumentException("countsPerUnitLog2 must be 0 to 24");
            _model = model;
            _solver = new LangevinSolver(model.Parameters, model.DictionaryRowMajor, model.D, model.K, chains, seed);
            _learner = model.Learning == null ? null : new FixedLearner(_solver, model.Learning, seed);
            if (physical != null)
            {
                long words = (long)stepsPerWindow * chains * model.K;
                if (words > 1 << 24) throw new ArgumentException("physical noise: a window needs " + words + " noise words, more than the 2^24 a window buffer may hold; use fewer steps per window");
                _physical = physical;
                _wordsPerWindow = (int)words;
                _prefetched = new PrefetchedNoiseWords(physical, _wordsPerWindow);
                _solver.ExternalNoise = _prefetched;
            }
            _x = new int[model.D];
            _stepsPerWindow = stepsPerWindow;
            _zeroCount = zeroCount;
            _countsPerUnitLog2 = countsPerUnitLog2;
        }

        public LangevinSolver Solver { get { return _solver; } }

        /// <summary>The online learner (dictionary and/or threshold), or null when the model does not learn.</summary>
        public FixedLearner Learner { get { return _learner; } }

        public FirmwareModel Model { get { return _model; } }

        /// <summary>Windows run so far.</summary>
        public long Windows { get { return _windows; } }

        /// <summary>Sum over windows and chains of the active units after each window (for the mean activity).</summary>
        public long ActiveSum { get { return _activeSum; } }

        /// <summary>Converts D counts (from <paramref name="offset"/>) to x and gives it to every chain.</summary>
        public void LoadWindow(int[] counts, int offset)
        {
            int shift = _model.Format.StateFracBits - _countsPerUnitLog2;
            long maxS = FixedFormat.MaxOf(_model.Format.StateBits);
            long minS = FixedFormat.MinOf(_model.Format.StateBits);
            for (int d = 0; d < _model.D; d++)
            {
                long v = counts[offset + d] - _zeroCount;
                if (shift >= 0) v = v << shift;
                else v = (v + (1L << (-shift - 1))) >> -shift;
                if (v > maxS) v = maxS;
                else if (v < minS) v = minS;
                _x[d] = (int)v;
            }
            for (int b = 0; b < _solver.Chains; b++) _solver.SetData(b, _x, 0);
        }

        /// <summary>
        /// Steps every chain <c>stepsPerWindow</c> times on the loaded window (learning as it goes when the
        /// model learns). Returns false, having changed nothing, when the physical noise source was
        /// uncalibrated or failed a health test while the window's words were drawn.
        /// </summary>
        public bool RunWindow()
        {
            LastWindowNoiseFailed = false;
            if (_prefetched != null && !_prefetched.Prefetch(_wordsPerWindow))
            {
                LastWindowNoiseFailed = true;
                return false;
            }
            if (_learner == null)
            {
                for (int i = 0; i < _stepsPerWindow; i++) _solver.Step();
            }
            else
            {
                for (int i = 0; i < _stepsPerWindow; i++) _learner.Step();
            }
            CountWindow();
            return true;
        }

        /// <summary>True when the last window did not run because the physical noise failed while its words were drawn.</summary>
        public bool LastWindowNoiseFailed { get; private set; }

        /// <summary>Whether the Langevin noise is physical (true) or the seeded generator's.</summary>
        public bool UsesPhysicalNoise { get { return _physical != null; } }

        /// <summary>The physical Langevin noise, or null when the seeded generator supplies it.</summary>
        public PhysicalGaussianNoise PhysicalNoise { get { return _physical; } }

        /// <summary>Noise words one window draws in physical mode (steps * chains * K), 0 otherwise.</summary>
        public int NoiseWordsPerWindow { get { return _wordsPerWindow; } }

        private void CountWindow()
        {
            _windows++;
            for (int b = 0; b < _solver.Chains; b++) _activeSum += ActiveUnits(b);
        }

        /// <summary>Units of chain <paramref name="chain"/> whose code s is nonzero now.</summary>
        public int ActiveUnits(int chain)
        {
            int n = 0;
            for (int k = 0; k < _model.K; k++) if (_solver.CodeQ(chain, k) != 0) n++;
            return n;
        }

        /// <summary>pi = exp(-lambda u0) of the current threshold, Q.16.</summary>
        public long PiQ16()
        {
            long u0Q16 = FixedArithmeticShift(_solver.ThresholdQ, _model.Format.StateFracBits);
            return FixedExp.ExpNegQ16((u0Q16 * _model.LambdaQ16) >> 16);
        }

        /// <summary>
        /// "window W: active N/K [k1 k2 ...] pi P" for chain 0, appended to <paramref name="line"/>
        /// (at most 16 unit indices listed).
        /// </summary>
        public void AppendStatus(LineBuilder line)
        {
            line.Append("window ").Append(_windows).Append(": active ").Append((long)ActiveUnits(0)).Append('/').Append((long)_model.K).Append(" [");
            int listed = 0;
            for (int k = 0; k < _model.K && listed < 16; k++)
            {
                if (_solver.CodeQ(0, k) == 0) continue;
                if (listed > 0) line.Append(' ');
                line.Append((long)k);
                listed++;
            }
            line.Append("] pi ").AppendFixed(PiQ16(), 16, 3);
            line.Append(" mean_active ").AppendFixed(_windows == 0 ? 0 : (_activeSum << 16) / (_windows * _solver.Chains), 16, 2);
            line.Append(" sat ").Append(_solver.Workspace.SaturationTotal + (_learner == null ? 0 : _learner.DictionarySaturations));
        }

        /// <summary>A state word in Q.FS as Q.16.</summary>
        private static long FixedArithmeticShift(long v, int fs)
        {
            if (fs == 16) return v;
            if (fs < 16) return v << (16 - fs);
            return (v + (1L << (fs - 17))) >> (fs - 16);
        }
    }
}
