using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// Learning of the dictionary A and the threshold u0 simultaneous with inference, in
    /// integers (shared/MODEL.md "Learning"). Each <see cref="Step"/>: one solver step, then,
    /// from the s and r of the state that step started from (the solver leaves s_m and r_m
    /// in its workspace):
    /// <code>
    /// dictionary: acc[d,k] = sum over chains b, active k of s_m[b,k] * r_m[b,d]      (Q(2 FM), long)
    ///             A[d,k]   = satA(A[d,k] + round((rate_A * acc[d,k]) / 2^shift_A))  (site a)
    /// threshold:  sum      = -sum over b, active k of (signed ? sign(u) : 1) * g_m[b,k]  (Q FM)
    ///             u0       = clamp(u0 + round((rate_u0 * sum) / 2^shift_u0), 0, 2^(WS-1)-1)
    /// </code>
    /// round is stochastic: (p + R) >> shift with R uniform on [0, 2^shift) from this
    /// learner's own xorshift32 stream (separate from the chains' noise, so inference draws
    /// are unchanged), which makes the expected change exactly the increment although it is
    /// usually far below one LSB (per-step dictionary increments are ~1e-3 to 1e-5 of an LSB
    /// at the authors' time constants). For shifts above 31 the product is first shifted
    /// down to 31 fractional bits (floor; bias below 2^-31 LSB). Nearest rounding is
    /// available to show what it loses.
    /// <para>
    /// Overflow: |s_m|, |r_m| &lt;= 2^(WM-1) so |acc| &lt;= B 2^30; the mantissa is below 2^15, so the
    /// product stays below 2^61 for B &lt;= 2^16 (checked in the constructor).
    /// </para>
    /// <para>
    /// Column normalisation (optional): n = isqrt(sum_d A[d,k]^2) in A's format, then
    /// A[d,k] = satA(round_nearest(A[d,k] 2^FA / n)).
    /// </para>
    /// <para>Data switching: <see cref="NeedsData"/> says, before each step, which chains must be given a new datum.</para>
    /// Allocates nothing after construction.
    /// </summary>
    public sealed class FixedLearner
    {
        /// <summary>Clip counts of the dictionary (A saturated at WA bits).</summary>
        public long DictionarySaturations;

        private readonly LangevinSolver _solver;
        private readonly LearningParameters _p;
        private readonly long[] _acc;
        private readonly int[] _writes;
        private int _writeCount;
        private readonly bool[] _needsData;
        private readonly long _maxA, _minA, _maxS;
        private readonly bool _signed;
        private int _random;
        private long _step;

        /// <summary>Learns on <paramref name="solver"/>'s dictionary and threshold; <paramref name="seed"/> seeds the rounding stream.</summary>
        public FixedLearner(LangevinSolver solver, LearningParameters parameters, int seed)
        {
            if (solver == null) throw new ArgumentNullException("solver");
            if (parameters == null) throw new ArgumentNullException("parameters");
            if (solver.Chains > 65536) throw new ArgumentException("chains = " + solver.Chains + ": learning supports at most 65536 chains (accumulator budget)");
            _solver = solver;
            _p = parameters;
            _acc = new long[solver.K * solver.D];
            _writes = new int[solver.K * solver.D];
            _needsData = new bool[solver.Chains];
            FixedFormat f = solver.Format;
            _maxA = FixedFormat.MaxOf(f.DictionaryBits);
            _minA = FixedFormat.MinOf(f.DictionaryBits);
            _maxS = FixedFormat.MaxOf(f.StateBits);
            _signed = solver.Parameters.Variant == FixedVariant.Signed;
            _random = GaussianNoise.SeedFor(seed ^ 0x5EED1E, 0);
        }

        /// <summary>The solver learned on.</summary>
        public LangevinSolver Solver { get { return _solver; } }

        /// <summary>Steps taken.</summary>
        public long StepCount { get { return _step; } }

        /// <summary>The learner stream's xorshift32 state (the state before its next draw).</summary>
        public int StreamState { get { return _random; } }

        /// <summary>
        /// The dictionary entries the last <see cref="Step"/> wrote (nonzero rounded increment), in
        /// write order: column-major indices k * D + d, the first <see cref="WriteCount"/> of them.
        /// </summary>
        public int[] Writes { get { return _writes; } }

        /// <summary>How many entries of <see cref="Writes"/> the last step filled.</summary>
        public int WriteCount { get { return _writeCount; } }

        /// <summary>
        /// Which chains need a new datum before the next step. Call <see cref="DecideSwitching"/>
        /// first, give each flagged chain its datum (<see cref="LangevinSolver.SetData"/>), then <see cref="Step"/>.
        /// </summary>
        public bool[] NeedsData { get { return _needsData; } }

        /// <summary>
        /// Fills <see cref="NeedsData"/>: synchronous, every chain when step % SwitchEvery == 0;
        /// asynchronous, every chain at step 0, later each chain when the low 31 bits of a raw
        /// word of the learner's stream are below SwitchProbability. Returns how many are flagged.
        /// </summary>
        public int DecideSwitching()
        {
            int n = 0;
            int chains = _needsData.Length;
            if (_step == 0 || (_p.Switching == FixedSwitching.Synchronous && _step % _p.SwitchEvery == 0))
            {
                for (int b = 0; b < chains; b++) _needsData[b] = true;
                return chains;
            }
            for (int b = 0; b < chains; b++)
            {
                bool flag = false;
                if (_p.Switching == FixedSwitching.Asynchronous)
                {
                    _random = GaussianNoise.Xorshift(_random);
                    flag = (_random & 0x7FFFFFFF) < _p.SwitchProbability;
                }
                _needsData[b] = flag;
                if (flag) n++;
            }
            return n;
        }

        /// <summary>One solver step, then the dictionary and threshold changes from the state it started from.</summary>
        public void Step()
        {
            _solver.Step();
            _writeCount = 0;
            if (_p.LearnDictionary) UpdateDictionary();
            if (_p.LearnThreshold) UpdateThreshold();
            _step++;
        }

        private long Round(long product, int shift)
        {
            if (shift == 0) return product;
            if (_p.Rounding == LearningRounding.Nearest) return (product + (1L << (shift - 1))) >> shift;
            if (shift > 31)
            {
                product >>= shift - 31;
                shift = 31;
            }
            _random = GaussianNoise.Xorshift(_random);
            return FixedArithmetic.StochasticShiftRight(product, shift, _random);
        }

        private void UpdateDictionary()
        {
            SolverWorkspace ws = _solver.Workspace;
            int k = _solver.K, d = _solver.D, chains = _solver.Chains;
            long[] acc = _acc;
            int[] sm = ws.Sm, rm = ws.Rm, act = ws.Active, count = ws.ActiveCount;
            short[] a = _solver.DictionaryColumns;
            Array.Clear(acc, 0, acc.Length);
            StepKernel kernel = _solver.Kernel; // the solver's kernel forms the exact sums (scalar or SIMD, same integers)
            for (int b = 0; b < chains; b++) kernel.AccumulateOuter(acc, d, act, b * k, count[b], sm, b * k, rm, b * d);
            long rate = _p.DictionaryRate;
            int shift = _p.DictionaryShift;
            bool changed = false;
            if (shift == 0 || _p.Rounding != LearningRounding.Stochastic)
            {
                for (int i = 0; i < acc.Length; i++)
                {
                    if (acc[i] == 0) continue;
                    long delta = Round(rate * acc[i], shift);
                    if (delta == 0) continue;
                    changed |= Add(a, i, delta);
                }
            }
            else
            {
                // Round inlined for the usual case (stochastic, shift > 0), with the stream and the
                // constants in locals: one xorshift step per nonzero sum, in index order, exactly
                // as Round draws them (NaiveLearnerTests checks it against a plain transcription).
                int pre = shift > 31 ? shift - 31 : 0;
                int sh = shift - pre;
                long mask = 0x7FFFFFFF & ((1L << sh) - 1);
                int random = _random;
                for (int i = 0; i < acc.Length; i++)
                {
                    long sum = acc[i];
                    if (sum == 0) continue;
                    random ^= random << 13; random ^= (random >> 17) & 0x7FFF; random ^= random << 5;
                    long delta = (((rate * sum) >> pre) + (random & mask)) >> sh;
                    if (delta == 0) continue;
                    changed |= Add(a, i, delta);
                }
                _random = random;
            }
            if (changed && _p.Normalise) NormaliseColumns();
        }

        // A[i] = satA(A[i] + delta) (site a), logged in Writes; returns true (the dictionary changed).
        private bool Add(short[] a, int i, long delta)
        {
            _writes[_writeCount++] = i;
            long v = a[i] + delta;
            if (v > _maxA) { v = _maxA; DictionarySaturations++; }
            else if (v < _minA) { v = _minA; DictionarySaturations++; }
            a[i] = (short)v;
            return true;
        }

        /// <summary>Every column to unit norm: n = isqrt(sum A^2) (A's format), A = round(A 2^FA / n).</summary>
        public void NormaliseColumns()
        {
            short[] a = _solver.DictionaryColumns;
            int k = _solver.K, d = _solver.D;
            int fa = _solver.Format.DictionaryFracBits;
            for (int unit = 0; unit < k; unit++)
            {
                int col = unit * d;
                long sq = 0;
                for (int i = 0; i < d; i++) sq += (long)a[col + i] * a[col + i];
                long norm = FixedArithmetic.SquareRoot(sq);
                if (norm == 0) continue;
                long half = norm >> 1;
                for (int i = 0; i < d; i++)
                {
                    long num = (long)a[col + i] << fa;
                    long v = num >= 0 ? (num + half) / norm : -((-num + half) / norm);
                    if (v > _maxA) { v = _maxA; DictionarySaturations++; }
                    else if (v < _minA) { v = _minA; DictionarySaturations++; }
                    a[col + i] = (short)v;
                }
            }
        }

        private void UpdateThreshold()
        {
            SolverWorkspace ws = _solver.Workspace;
            int k = _solver.K, chains = _solver.Chains;
            int[] gm = ws.Gm, act = ws.Active, count = ws.ActiveCount, sm = ws.Sm;
            long sum = 0;
            for (int b = 0; b < chains; b++)
            {
                int n = count[b];
                int baseK = b * k;
                for (int j = 0; j < n; j++)
                {
                    long g = gm[baseK + j]; // 0 for an inactive unit listed by the dense step
                    if (!_signed) { sum -= g; continue; }
                    // Signed: ds/du0 = -sign(u); sign(u) = sign(s_m). An active unit whose s_m
                    // rounds to 0 (|u| - u0 below half a MAC LSB) is skipped: a bias of that
                    // sliver's share of the active samples, ~1e-4 at the default formats.
                    long s = sm[baseK + act[baseK + j]];
                    if (s > 0) sum -= g;
                    else if (s < 0) sum += g;
                }
            }
            if (sum == 0) return;
            long u0 = _solver.ThresholdQ + Round(_p.ThresholdRate * sum, _p.ThresholdShift);
            if (u0 < 0) u0 = 0;
            if (u0 > _maxS) u0 = _maxS;
            _solver.SetThreshold((int)u0);
        }
    }
}
