namespace EdgeLangevin.Core
{
    /// <summary>
    /// The two multiply-accumulate loops of a step (FIXED_POINT.md steps 2 and 3), pluggable so
    /// that a desktop build can run them with SIMD while every board keeps the plain loops of
    /// <see cref="ScalarMacKernel"/> (the default). A kernel changes only how the sums are
    /// formed, never their value: every sum is the exact integer sum of exact products, so any
    /// kernel must return the same 64-bit integers as <see cref="ScalarMacKernel"/>.
    /// <para>
    /// Operand contract (what a SIMD kernel may rely on): every dictionary entry fits WA &lt;= 16
    /// bits and every MAC operand (s_m, r_m) fits WM &lt;= 16 bits, so each product is at most
    /// 2^30 in magnitude ((-32768) x (-32768) = 2^30 is the extreme).
    /// </para>
    /// <para>
    /// A kernel may keep scratch buffers, so one instance serves one solver (one thread) at a time.
    /// </para>
    /// </summary>
    public abstract class MacKernel
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
    }
}
