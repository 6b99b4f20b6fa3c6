#nullable disable
using System;
using EdgeLangevin.Core;

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

        public InferenceLoop(FirmwareModel model, int chains, int stepsPerWindow, int zeroCount, int countsPerUnitLog2, int seed)
        {
            if (model == null) throw new ArgumentNullException("model");
            if (stepsPerWindow < 1) throw new ArgumentException("stepsPerWindow must be at least 1");
            if (countsPerUnitLog2 < 0 || countsPerUnitLog2 > 24) throw new ArgumentException("countsPerUnitLog2 must be 0 to 24");
            _model = model;
            _solver = new LangevinSolver(model.Parameters, model.DictionaryRowMajor, model.D, model.K, chains, seed);
            _learner = model.Learning == null ? null : new FixedLearner(_solver, model.Learning, seed);
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

        /// <summary>Steps every chain <c>stepsPerWindow</c> times on the loaded window (learning as it goes when the model learns).</summary>
        public void RunWindow()
        {
            if (_learner == null)
            {
                for (int i = 0; i < _stepsPerWindow; i++) _solver.Step();
            }
            else
            {
                for (int i = 0; i < _stepsPerWindow; i++) _learner.Step();
            }
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
