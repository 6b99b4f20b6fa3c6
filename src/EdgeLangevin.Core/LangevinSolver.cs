using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// The fixed-point Langevin sampler of FIXED_POINT.md: first order (overdamped) or
    /// second order (momentum), signed or non-negative code, many chains, event-driven.
    /// HDL twin of <see cref="StepChain"/>: hdl-templates/langevin_core.v.sbn, bit for bit.
    /// <para>
    /// Formats: A in Q(WA-1-FA).FA (short), u, m, x, r and the thresholds in
    /// Q(WS-1-FS).FS (int), MAC operands s_m, r_m, g_m, m_m in Q(WM-1-FM).FM,
    /// coefficients in Q(WC-1-FC).FC, noise eta in Q5.10.
    /// </para>
    /// <para>
    /// Scaling and overflow: every product is at most 16 x 16 bits and every sum of
    /// products is accumulated in a long (WA + WM + ceil(log2 max(D, K)) + 1 bits would
    /// do), so no accumulator ever overflows. Every narrowing to a word saturates and
    /// increments the clip count of its site (<see cref="SolverWorkspace.Saturations"/>).
    /// Rounding: every right shift is rshr (to nearest, ties toward +infinity).
    /// </para>
    /// <para>
    /// Event-driven: a unit at or below threshold has s = 0 and no data drive, so the
    /// reconstruction A s and the correlations A^T r are formed over the active list only:
    /// 2 D (active units) multiply-accumulates per chain and step, plus O(K) for the
    /// threshold and the update. <see cref="EventDriven"/> = false forms them over every
    /// unit instead (the dense step, same bits, for comparison).
    /// </para>
    /// <para>
    /// Loop structure (not arithmetic): <see cref="Step"/> has <see cref="Kernel"/> draw the K
    /// noise words of a group of chains at a time (<see cref="StepKernel.FillNoise"/>: four
    /// chains for <see cref="ScalarStepKernel"/>, independent generators, the same words per
    /// chain) into <see cref="SolverWorkspace.Eta"/>, then steps those chains one after the other
    /// reading that buffer. The threshold (step 1), the two MAC loops, the residual, the
    /// first-order update and the noise draw run in the kernel. Every kernel gives the same
    /// noise words, exact sums and clip counts, so the bits do not depend on it.
    /// </para>
    /// <para>No allocation after construction: every buffer lives in <see cref="Workspace"/>.</para>
    /// </summary>
    public sealed class LangevinSolver
    {
        private readonly FixedFormat _format;
        private readonly SolverWorkspace _ws;
        private readonly GaussianNoise _noise;
        private readonly short[] _columns; // column-major copy of A: entry (d, k) at k * D + d
        private readonly int _k;
        private readonly int _d;
        private readonly bool _nonNegative;
        private readonly int _order;
        private readonly long _leak;
        private readonly long _gain;
        private readonly long _noiseScale;
        private readonly long _half;
        private readonly long _friction;
        private readonly long _maxS, _minS, _maxM, _minM, _minA, _maxA;
        private readonly int _shiftSm, _shiftRecon, _shiftCorr, _shiftCoef, _shiftNoise;
        private readonly long _roundSm, _roundRecon, _roundCorr, _roundCoef, _roundNoise;
        private StepParameters _parameters;
        private long _steps;
        private StepKernel _kernel;
        private readonly UnitConstants _unit; // also holds the threshold u0_q, which learning changes

        /// <summary>
        /// Builds a solver for <paramref name="chains"/> chains. The dictionary is row-major
        /// D x K (entry (d, k) at d * K + k) and every entry must fit WA bits. All chains start
        /// at u = m = 0 with x = 0; the noise generator of chain b starts at
        /// <see cref="GaussianNoise.SeedFor"/>(seed, b).
        /// </summary>
        public LangevinSolver(StepParameters parameters, short[] dictionaryRowMajor, int dimensions, int units, int chains, int seed)
        {
            if (parameters == null) throw new ArgumentNullException("parameters");
            if (dictionaryRowMajor == null) throw new ArgumentNullException("dictionaryRowMajor");
            if (dimensions < 1 || units < 1) throw new ArgumentException("D = " + dimensions + ", K = " + units + ": expected at least 1 each");
            if (dictionaryRowMajor.Length != dimensions * units)
                throw new ArgumentException("dictionary has " + dictionaryRowMajor.Length + " entries, expected D * K = " + dimensions + " * " + units + " = " + (dimensions * units));
            _format = parameters.Format;
            _parameters = parameters;
            _k = units;
            _d = dimensions;
            _ws = new SolverWorkspace(chains, units, dimensions);
            _noise = new GaussianNoise(chains, seed);
            _maxA = FixedFormat.MaxOf(_format.DictionaryBits);
            _minA = FixedFormat.MinOf(_format.DictionaryBits);
            _columns = new short[dimensions * units];
            for (int d = 0; d < dimensions; d++)
            {
                for (int k = 0; k < units; k++)
                {
                    short a = dictionaryRowMajor[d * units + k];
                    if (a > _maxA || a < _minA)
                        throw new ArgumentException("dictionary entry (d = " + d + ", k = " + k + ") = " + a + " does not fit " + _format.DictionaryBits + " bits");
                    _columns[k * dimensions + d] = a;
                }
            }
            _nonNegative = parameters.Variant == FixedVariant.NonNegative;
            _order = parameters.Order;
            _leak = parameters.Leak;
            _gain = parameters.Gain;
            _noiseScale = parameters.NoiseScale;
            _half = parameters.Half;
            _friction = parameters.Friction;
            _maxS = FixedFormat.MaxOf(_format.StateBits);
            _minS = FixedFormat.MinOf(_format.StateBits);
            _maxM = FixedFormat.MaxOf(_format.MacBits);
            _minM = FixedFormat.MinOf(_format.MacBits);
            _shiftSm = _format.StateToMacShift;
            _shiftRecon = _format.ReconstructionShift;
            _shiftCorr = _format.CorrelationShift;
            _shiftCoef = _format.CoefficientShift;
            _shiftNoise = _format.NoiseShift;
            // rshr(v, n) = (v + round) >> n with round = 2^(n-1), or 0 for n = 0 (then v is unchanged).
            _roundSm = RoundingConstant(_shiftSm);
            _roundRecon = RoundingConstant(_shiftRecon);
            _roundCorr = RoundingConstant(_shiftCorr);
            _roundCoef = RoundingConstant(_shiftCoef);
            _roundNoise = RoundingConstant(_shiftNoise);
            EventDriven = true;
            _kernel = new ScalarStepKernel();
            _unit = new UnitConstants
            {
                U0 = parameters.U0, Signed = !_nonNegative, ShiftSm = _shiftSm, RoundSm = _roundSm, MinM = _minM, MaxM = _maxM,
                ShiftRecon = _shiftRecon, RoundRecon = _roundRecon, Leak = _leak, NoiseScale = _noiseScale, ShiftNoise = _shiftNoise, RoundNoise = _roundNoise, MinS = _minS, MaxS = _maxS,
                ShiftCorr = _shiftCorr, RoundCorr = _roundCorr, Gain = _gain, ShiftCoef = _shiftCoef, RoundCoef = _roundCoef,
            };
        }

        /// <summary>
        /// The inner loops (A s, A^T r, the noise draw). Default: <see cref="ScalarStepKernel"/>.
        /// Any kernel gives the same bits; a desktop build may set a SIMD one (EdgeLangevin.Simulator's
        /// VectorStepKernel). A kernel with scratch must not be shared with a solver stepped on
        /// another thread.
        /// </summary>
        public StepKernel Kernel
        {
            get { return _kernel; }
            set
            {
                if (value == null) throw new ArgumentNullException("value");
                int group = value.NoiseGroup;
                if (group < 1 || group > SolverWorkspace.MaxNoiseGroup)
                    throw new ArgumentException("kernel noise group = " + group + ": expected 1 to " + SolverWorkspace.MaxNoiseGroup);
                _kernel = value;
            }
        }

        /// <summary>The formats.</summary>
        public FixedFormat Format { get { return _format; } }
        /// <summary>The step parameters in force (u0 changes when it is learned; a new object is made then, outside the step).</summary>
        public StepParameters Parameters
        {
            get
            {
                if (_parameters.U0 != _unit.U0) _parameters = _parameters.WithU0((int)_unit.U0);
                return _parameters;
            }
        }
        /// <summary>Every buffer: state, data, residuals, active lists, clip counts.</summary>
        public SolverWorkspace Workspace { get { return _ws; } }
        /// <summary>The chains' noise generators.</summary>
        public GaussianNoise Noise { get { return _noise; } }
        /// <summary>Number of units K.</summary>
        public int K { get { return _k; } }
        /// <summary>Data dimension D.</summary>
        public int D { get { return _d; } }
        /// <summary>Number of chains.</summary>
        public int Chains { get { return _ws.Chains; } }
        /// <summary>Steps taken (each steps every chain once).</summary>
        public long StepCount { get { return _steps; } }
        /// <summary>
        /// Null (default): each chain draws eta from its own <see cref="GaussianNoise"/> generator,
        /// as FIXED_POINT.md specifies (and the test vectors record). Otherwise every eta comes from
        /// this source instead (physical noise used as the Langevin noise), one word per unit per
        /// step in the same order; the chains' generators are then not advanced.
        /// </summary>
        public INoiseWordSource ExternalNoise { get; set; }

        /// <summary>True (default): A s and A^T r over active units only. False: over all K (same bits, dense cost).</summary>
        public bool EventDriven { get; set; }

        /// <summary>The current threshold u0_q (state format).</summary>
        public int ThresholdQ { get { return (int)_unit.U0; } }

        /// <summary>Sets the threshold u0_q (learning of u0); must be >= 0 and fit the state format. Allocates nothing.</summary>
        public void SetThreshold(int u0)
        {
            if (u0 < 0 || u0 > _maxS) throw new ArgumentException("u0_q = " + u0 + " is out of range: expected 0 to " + _maxS);
            _unit.U0 = u0; // the one copy of the threshold: the kernels read it from _unit
        }

        /// <summary>Dictionary entry (d, k), WA bits.</summary>
        public short GetDictionary(int d, int k)
        {
            return _columns[k * _d + d];
        }

        /// <summary>
        /// The dictionary's column-major storage (entry (d, k) at k * D + d); learning writes it in place.
        /// Each read marks the dictionary as possibly changed (<see cref="SolverWorkspace.DictionaryVersion"/>),
        /// so a kernel recomputes what it derived from it at the next step: write only through a reference
        /// read after the last <see cref="Step"/> (a reference kept across steps may leave a kernel with a
        /// stale bound).
        /// </summary>
        public short[] DictionaryColumns
        {
            get
            {
                _ws.DictionaryMayChange();
                return _columns;
            }
        }

        /// <summary>Copies the dictionary, row-major (entry (d, k) at d * K + k), into <paramref name="destination"/>.</summary>
        public void CopyDictionaryRowMajor(short[] destination)
        {
            if (destination == null || destination.Length != _d * _k) throw new ArgumentException("destination must hold D * K = " + (_d * _k) + " entries");
            for (int d = 0; d < _d; d++)
                for (int k = 0; k < _k; k++)
                    destination[d * _k + k] = _columns[k * _d + d];
        }

        /// <summary>Copies D data words (state format) from <paramref name="source"/> at <paramref name="offset"/> into chain <paramref name="chain"/>'s x.</summary>
        public void SetData(int chain, int[] source, int offset)
        {
            CheckChain(chain);
            if (source == null || offset < 0 || offset + _d > source.Length) throw new ArgumentException("source must hold D = " + _d + " words from offset " + offset);
            Array.Copy(source, offset, _ws.X, chain * _d, _d);
        }

        /// <summary>Sets u (and m, for order 2) of every unit of every chain to 0.</summary>
        public void ResetState()
        {
            Array.Clear(_ws.U, 0, _ws.U.Length);
            Array.Clear(_ws.M, 0, _ws.M.Length);
        }

        /// <summary>The code s_k of chain b from its current u: a full-width value (state format), 0 when inactive.</summary>
        public long CodeQ(int chain, int unit)
        {
            long u = _ws.U[chain * _k + unit];
            long a = u < 0 ? -u : u;
            if (a <= _unit.U0) return 0;
            long s = a - _unit.U0;
            return (!_nonNegative && u < 0) ? -s : s;
        }

        /// <summary>
        /// One step of every chain, chain 0 first. With the chains' own generators, the noise
        /// words of a group of chains (<see cref="StepKernel.NoiseGroup"/>) are drawn together
        /// before those chains are stepped; a chain's step reads only its own words, state and
        /// data, so the result is that of <see cref="StepChain"/> for b = 0, 1, ... in turn.
        /// </summary>
        public void Step()
        {
            int chains = _ws.Chains;
            int[] eta = _ws.Eta;
            StepKernel kernel = _kernel;
            int group = kernel.NoiseGroup;
            int b = 0;
            if (ExternalNoise == null)
            {
                for (; b + group <= chains; b += group)
                {
                    kernel.FillNoise(_noise, b, _k, eta);
                    if (_order == 1 && EventDriven && kernel.StepFirstOrderGroup(_unit, _columns, _ws, b, group, eta)) continue;
                    for (int c = 0; c < group; c++) StepChainWith(b + c, eta, c * _k);
                }
                // Chains left over from the kernel's groups: four at a time, then one at a time.
                for (; b + 4 <= chains; b += 4)
                {
                    _noise.Fill4(b, eta, 0, _k);
                    for (int c = 0; c < 4; c++) StepChainWith(b + c, eta, c * _k);
                }
            }
            for (; b < chains; b++) StepChain(b);
            _steps++;
        }

        /// <summary>
        /// One step of chain <paramref name="chain"/> (FIXED_POINT.md, "One first-order step"
        /// and "One second-order step"). Draws exactly K noise words from the chain's
        /// generator (or from <see cref="ExternalNoise"/>), one per unit in increasing k, also
        /// when noise_q = 0; they are drawn before the step's arithmetic and used in that order.
        /// </summary>
        public void StepChain(int chain)
        {
            CheckChain(chain);
            int[] eta = _ws.Eta;
            INoiseWordSource external = ExternalNoise;
            if (external == null) _noise.Fill(chain, eta, 0, _k);
            else
            {
                for (int k = 0; k < _k; k++)
                {
                    int w = external.NextEta();
                    // A word outside Q5.10's 16 bits breaks the noise term's width (and every
                    // kernel's operand contract): a faulty source, not noise to clip silently.
                    if (w > 32767 || w < -32768)
                        throw new InvalidOperationException("external noise word " + w + " (chain " + chain + ", unit " + k + ") does not fit the " + FixedFormat.NoiseWordBits + "-bit noise format Q5.10");
                    eta[k] = w;
                }
            }
            StepChainWith(chain, eta, 0);
        }

        // One step of a chain whose noise word for unit k is eta[etaOffset + k]. Step 1, the sums
        // and the residual of steps 2 and 3, and the first-order step 4 run in the kernel; a kernel
        // may run the whole event-driven first-order step in one call (StepKernel.StepFirstOrder).
        private void StepChainWith(int chain, int[] eta, int etaOffset)
        {
            if (_order == 1 && EventDriven && _kernel.StepFirstOrder(_unit, _columns, _ws, chain, eta, etaOffset)) return;
            if (_order == 2) HalfStepPosition(chain);
            int baseK = chain * _k;
            int active = _kernel.Threshold(_unit, !EventDriven, _ws.U, _ws.Sm, baseK, _k, _ws.Active, _ws.IsActive, _ws.Drive, _ws.Saturations);
            _ws.ActiveCount[chain] = active;
            Reconstruct(chain, active);
            Correlate(chain, active);
            if (_order == 1) _kernel.UpdateFirstOrder(_unit, _ws.U, baseK, _k, _ws.Drive, eta, etaOffset, _ws.Saturations);
            else UpdateSecondOrder(chain, eta, etaOffset);
        }

        /// <summary>
        /// Step 2: r_d = satS(x_d - rshr(sum over listed k of A[d,k] s_m[k], FA + FM - FS)) (site r),
        /// r_m[d] = satM(rshr(r_d, FS - FM)) (site r_m). The sums come from <see cref="Kernel"/>, exact
        /// in long: WA + WM + log2(K) + 1 bits suffice (up to 2^30 per product times K = 128 is 2^37:
        /// an int accumulator would not do).
        /// </summary>
        private void Reconstruct(int chain, int listed)
        {
            long[] acc = _ws.Accumulator;
            int[] x = _ws.X;
            int[] r = _ws.R;
            int[] rm = _ws.Rm;
            int D = _d;
            int baseK = chain * _k;
            int baseD = chain * D;
            _kernel.Reconstruct(_columns, D, _ws.Active, baseK, listed, _ws.Sm, baseK, acc);
            _kernel.Residual(_unit, acc, x, r, rm, baseD, D, _ws.Saturations);
        }

        /// <summary>
        /// Step 3, listed units only: g_m = satM(rshr(sum over d of A[d,k] r_m[d], FA)) (site g_m),
        /// drv = rshr(gain_q g_m, FC + FM - FS); negated when non-negative and u_k &lt; 0; 0 for an
        /// inactive unit (the dense step lists them too). Stored by list slot. The sums come from
        /// <see cref="Kernel"/>, exact in long.
        /// </summary>
        private void Correlate(int chain, int listed)
        {
            int baseK = chain * _k;
            long[] sums = _ws.CorrelationSums;
            int[] act = _ws.Active;
            bool[] isActive = _ws.IsActive;
            int[] gm = _ws.Gm;
            int[] drive = _ws.Drive;
            int[] uArr = _ws.U;
            _kernel.Correlate(_columns, _d, act, baseK, listed, _ws.Rm, chain * _d, sums);
            long roundCorr = _roundCorr, maxM = _maxM, minM = _minM, gain = _gain, roundCoef = _roundCoef;
            int shiftCorr = _shiftCorr, shiftCoef = _shiftCoef;
            long negateMask = _nonNegative ? -1 : 0;
            long clips = 0;
            for (int j = 0; j < listed; j++)
            {
                int k = act[baseK + j];
                // Only the dense step lists inactive units: it pays for the MACs, but the result
                // is dropped (keep = 0 gives g_m = 0, drive 0 and no clip), so state and clip
                // counts equal the event-driven step's. Masks, not branches (same bits).
                long keep = -(long)(isActive[k] ? 1 : 0);
                long g = (sums[j] + roundCorr) >> shiftCorr;
                long clipped = 0;
                if (g > maxM) { g = maxM; clipped = 1; }
                else if (g < minM) { g = minM; clipped = 1; }
                g &= keep;
                clips += clipped & keep;
                gm[baseK + j] = (int)g;
                long drv = (gain * g + roundCoef) >> shiftCoef; // 0 for g = 0: roundCoef < 2^shiftCoef
                long flip = (uArr[baseK + k] >> 31) & negateMask; // non-negative variant: -drv when u < 0
                drive[k] = (int)((drv ^ flip) - flip);
            }
            if (clips != 0) _ws.Saturations[SolverWorkspace.SiteGm] += clips;
        }

        /// <summary>
        /// Second-order step 1, every k: u_k = satS(u_k + rshr(half_q satM(rshr(m_k, FS - FM)), FC + FM - FS))
        /// (sites m_m and u).
        /// </summary>
        private void HalfStepPosition(int chain)
        {
            int[] uArr = _ws.U;
            int[] mArr = _ws.M;
            int baseK = chain * _k;
            for (int k = 0; k < _k; k++)
            {
                uArr[baseK + k] = (int)AddHalfStep(uArr[baseK + k], mArr[baseK + k]);
            }
        }

        private long AddHalfStep(long u, long m)
        {
            long mm = (m + _roundSm) >> _shiftSm;
            if (mm > _maxM) { mm = _maxM; _ws.Saturations[SolverWorkspace.SiteMm]++; }
            else if (mm < _minM) { mm = _minM; _ws.Saturations[SolverWorkspace.SiteMm]++; }
            long v = u + ((_half * mm + _roundCoef) >> _shiftCoef);
            if (v > _maxS) { v = _maxS; _ws.Saturations[SolverWorkspace.SiteU]++; }
            else if (v < _minS) { v = _minS; _ws.Saturations[SolverWorkspace.SiteU]++; }
            return v;
        }

        /// <summary>
        /// Second-order step 4, every k in increasing order: eta = next noise word (drawn ahead into eta[etaOffset + k]);
        /// fr = rshr(fric_q satM(rshr(m_k, FS - FM)), FC + FM - FS) (site m_m);
        /// m_k = satS(m_k - fr + drv_k - sign(u_k) leak_q + rshr(noise_q eta, FC + FE - FS)) (site m);
        /// u_k = the half step of second-order step 1 with the new m_k.
        /// </summary>
        private void UpdateSecondOrder(int chain, int[] etaWords, int etaOffset)
        {
            int[] uArr = _ws.U;
            int[] mArr = _ws.M;
            int[] drive = _ws.Drive;
            int baseK = chain * _k;
            int e = etaOffset;
            for (int k = 0; k < _k; k++)
            {
                long eta = etaWords[e];
                e++;
                long u = uArr[baseK + k];
                long m = mArr[baseK + k];
                long drv = drive[k];
                long mm = (m + _roundSm) >> _shiftSm;
                if (mm > _maxM) { mm = _maxM; _ws.Saturations[SolverWorkspace.SiteMm]++; }
                else if (mm < _minM) { mm = _minM; _ws.Saturations[SolverWorkspace.SiteMm]++; }
                long fr = (_friction * mm + _roundCoef) >> _shiftCoef;
                long leak = u > 0 ? _leak : (u < 0 ? -_leak : 0);
                long v = m - fr + drv - leak + ((_noiseScale * eta + _roundNoise) >> _shiftNoise);
                if (v > _maxS) { v = _maxS; _ws.Saturations[SolverWorkspace.SiteM]++; }
                else if (v < _minS) { v = _minS; _ws.Saturations[SolverWorkspace.SiteM]++; }
                mArr[baseK + k] = (int)v;
                uArr[baseK + k] = (int)AddHalfStep(u, v);
            }
        }

        private void CheckChain(int chain)
        {
            if (chain < 0 || chain >= _ws.Chains) throw new ArgumentException("chain = " + chain + ": expected 0 to " + (_ws.Chains - 1));
        }

        private static long RoundingConstant(int shift)
        {
            return shift == 0 ? 0 : 1L << (shift - 1);
        }
    }
}
