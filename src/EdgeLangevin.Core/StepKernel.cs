namespace EdgeLangevin.Core
{
    /// <summary>
    /// The inner loops of a step that dominate its cost: the threshold (FIXED_POINT.md step 1),
    /// the two multiply-accumulate loops and the residual (steps 2 and 3), the first-order update
    /// (step 4) and the drawing of the chains' Gaussian noise words; and the learner's outer
    /// product (<see cref="FixedLearner"/> uses its solver's kernel).
    /// Pluggable so that a desktop build can run them with SIMD while every board keeps the
    /// plain loops of <see cref="ScalarStepKernel"/> (the default). A kernel changes only how
    /// values are formed, never the values: every MAC sum is the exact integer sum of exact
    /// products, the per-unit steps follow FIXED_POINT.md to the bit (clip counts included), and
    /// the noise words are those of <see cref="GaussianNoise.Next"/> in order, so any kernel must
    /// give the same integers as <see cref="ScalarStepKernel"/>.
    /// <para>
    /// Operand contract (what a SIMD kernel may rely on): every dictionary entry fits WA &lt;= 16
    /// bits and every MAC operand (s_m, r_m) fits WM &lt;= 16 bits, so each product is at most
    /// 2^30 in magnitude ((-32768) x (-32768) = 2^30 is the extreme); every noise word fits
    /// WE = 16 bits (the solver rejects a wider word from an external source).
    /// </para>
    /// <para>
    /// A kernel may keep scratch buffers, so one instance serves one solver (one thread) at a time.
    /// </para>
    /// </summary>
    public abstract class StepKernel
    {
        /// <summary>
        /// The reconstruction A s over the listed units: for every d &lt; <paramref name="dimensions"/>,
        /// sums[d] = sum over j &lt; <paramref name="listed"/> of columns[k_j * D + d] * codes[codeOffset + k_j],
        /// with k_j = active[activeOffset + j]. Overwrites sums[0..D); listed = 0 gives zeros.
        /// </summary>
        public abstract void Reconstruct(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
            int[] codes, int codeOffset, long[] sums);

        /// <summary>
        /// The correlations A^T r over the listed units: for every j &lt; <paramref name="listed"/>,
        /// sums[j] = sum over d &lt; D of columns[k_j * D + d] * residual[residualOffset + d],
        /// with k_j = active[activeOffset + j]. Overwrites sums[0..listed).
        /// </summary>
        public abstract void Correlate(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
            int[] residual, int residualOffset, long[] sums);

        /// <summary>
        /// The learner's outer product for one chain (FIXED_POINT.md "Learning"): for every listed
        /// unit k_j = active[activeOffset + j] with s = codes[codeOffset + k_j] != 0 and every
        /// d &lt; D, acc[k_j * D + d] += s * residual[residualOffset + d] (exact, in long).
        /// </summary>
        public abstract void AccumulateOuter(long[] acc, int dimensions, int[] active, int activeOffset, int listed,
            int[] codes, int codeOffset, int[] residual, int residualOffset);

        /// <summary>
        /// How many chains' noise words <see cref="FillNoise"/> draws together: 1 to
        /// <see cref="SolverWorkspace.MaxNoiseGroup"/>.
        /// </summary>
        public abstract int NoiseGroup { get; }

        /// <summary>
        /// Draws the next <paramref name="count"/> Gaussian words of each of the
        /// <see cref="NoiseGroup"/> chains firstChain, firstChain + 1, ... from their generators in
        /// <paramref name="noise"/>: word i of chain firstChain + c goes to
        /// destination[c * count + i]. Each chain's words are those of count calls of
        /// <see cref="GaussianNoise.Next"/>, and its generator ends where those calls leave it.
        /// </summary>
        public abstract void FillNoise(GaussianNoise noise, int firstChain, int count, int[] destination);

        /// <summary>
        /// Step 1 for units u[offset .. offset + units) of one chain: writes s_m to sm[offset + k],
        /// the active list (increasing k; every unit when <paramref name="listAll"/>, the dense
        /// step) to active[offset ..), isActive[k] and drive[k] = 0 for every k, adds the s_m clips
        /// to saturations[<see cref="SolverWorkspace.SiteSm"/>], and returns the list length.
        /// </summary>
        public abstract int Threshold(UnitConstants c, bool listAll, int[] u, int[] sm, int offset, int units,
            int[] active, bool[] isActive, int[] drive, long[] saturations);

        /// <summary>
        /// The rest of step 2 for one chain, for every d &lt; <paramref name="dimensions"/>:
        /// r[offset + d] = satS(x[offset + d] - rshr(sums[d], FA + FM - FS)) and
        /// rm[offset + d] = satM(rshr(r, FS - FM)); adds the clips to
        /// saturations[<see cref="SolverWorkspace.SiteR"/>] and [<see cref="SolverWorkspace.SiteRm"/>].
        /// </summary>
        public abstract void Residual(UnitConstants c, long[] sums, int[] x, int[] r, int[] rm, int offset, int dimensions, long[] saturations);

        /// <summary>
        /// First-order step 4 for units u[offset .. offset + units) of one chain, unit k taking
        /// drive[k] and the noise word eta[etaOffset + k]; adds the u clips to
        /// saturations[<see cref="SolverWorkspace.SiteU"/>].
        /// </summary>
        public abstract void UpdateFirstOrder(UnitConstants c, int[] u, int offset, int units, int[] drive,
            int[] eta, int etaOffset, long[] saturations);

        /// <summary>
        /// Optionally one whole event-driven first-order step of chain <paramref name="chain"/>
        /// (steps 1 to 4 in one call, unit k taking the noise word eta[etaOffset + k]), leaving in
        /// <paramref name="ws"/> what the solver's stages leave: u, s_m, the active list and its
        /// length, r, r_m, g_m and the clip counts (the scratch buffers Drive, IsActive,
        /// Accumulator and CorrelationSums may differ). Returns false, having changed nothing,
        /// when this kernel does not fuse the step for these sizes or constants; the solver then
        /// runs the stages. The default (every board) returns false. A kernel may keep what it derived
        /// from <paramref name="columns"/> between calls while the array and the workspace's
        /// <see cref="SolverWorkspace.DictionaryVersion"/> are unchanged, so a caller that changes the
        /// dictionary changes that version first (<see cref="SolverWorkspace.DictionaryMayChange"/>).
        /// </summary>
        public virtual bool StepFirstOrder(UnitConstants c, short[] columns, SolverWorkspace ws, int chain, int[] eta, int etaOffset)
        {
            return false;
        }

        /// <summary>
        /// Optionally one whole event-driven first-order step of each of the <paramref name="count"/>
        /// chains firstChain, firstChain + 1, ... (a noise group just drawn by <see cref="FillNoise"/>),
        /// chain firstChain + i taking the noise word eta[i * K + k] for unit k: what
        /// <see cref="StepFirstOrder"/> leaves for each of them, in whatever order the kernel steps them
        /// (a chain's step reads only its own words and the shared dictionary, so the order does not
        /// change a bit; clip counts are sums). Returns false, having changed nothing, when the kernel
        /// does not step the group itself; the solver then steps the chains one by one. The default
        /// (every board) returns false. The dictionary's version rule of <see cref="StepFirstOrder"/> applies.
        /// </summary>
        public virtual bool StepFirstOrderGroup(UnitConstants c, short[] columns, SolverWorkspace ws, int firstChain, int count, int[] eta)
        {
            return false;
        }
    }
}
