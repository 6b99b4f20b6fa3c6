using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// The default <see cref="StepKernel"/>: plain integer loops, the code every board runs.
    /// Noise: four chains at a time (<see cref="GaussianNoise.Fill4"/>), whose independent
    /// xorshift chains an out-of-order CPU overlaps (an in-order core loses nothing).
    /// Each product of two 16-bit words fits an int (at most 2^30 in magnitude); sums are
    /// formed in long, and two products are never added in an int (2^30 + 2^30 would
    /// overflow). Integer addition in a long that cannot overflow is exact in any order, so
    /// the four-at-a-time blocking below gives the bits of one product at a time.
    /// Holds no state: one instance may serve any number of solvers.
    /// </summary>
    public sealed class ScalarStepKernel : StepKernel
    {
        /// <inheritdoc />
        public override void Reconstruct(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
            int[] codes, int codeOffset, long[] sums)
        {
            int D = dimensions;
            Array.Clear(sums, 0, D);
            // Four listed units per pass over d: one load and store of sums[d] instead of four.
            int j4 = 0;
            for (; j4 + 3 < listed; j4 += 4)
            {
                int k0 = active[activeOffset + j4], k1 = active[activeOffset + j4 + 1], k2 = active[activeOffset + j4 + 2], k3 = active[activeOffset + j4 + 3];
                int s0 = codes[codeOffset + k0], s1 = codes[codeOffset + k1], s2 = codes[codeOffset + k2], s3 = codes[codeOffset + k3];
                int c0 = k0 * D, c1 = k1 * D, c2 = k2 * D, c3 = k3 * D;
                for (int d = 0; d < D; d++)
                    sums[d] += (long)(columns[c0 + d] * s0) + (columns[c1 + d] * s1) + (long)(columns[c2 + d] * s2) + (columns[c3 + d] * s3);
            }
            for (int j = j4; j < listed; j++)
            {
                int k = active[activeOffset + j];
                int s = codes[codeOffset + k];
                int col = k * D;
                for (int d = 0; d < D; d++) sums[d] += columns[col + d] * s;
            }
        }

        /// <inheritdoc />
        public override void Correlate(short[] columns, int dimensions, int[] active, int activeOffset, int listed,
            int[] residual, int residualOffset, long[] sums)
        {
            int D = dimensions;
            // Four listed units per pass over d: residual[d] is loaded once for four columns and
            // the four sums are independent.
            int j4 = 0;
            for (; j4 + 3 < listed; j4 += 4)
            {
                int c0 = active[activeOffset + j4] * D, c1 = active[activeOffset + j4 + 1] * D;
                int c2 = active[activeOffset + j4 + 2] * D, c3 = active[activeOffset + j4 + 3] * D;
                long acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
                for (int d = 0; d < D; d++)
                {
                    int r = residual[residualOffset + d];
                    acc0 += columns[c0 + d] * r;
                    acc1 += columns[c1 + d] * r;
                    acc2 += columns[c2 + d] * r;
                    acc3 += columns[c3 + d] * r;
                }
                sums[j4] = acc0;
                sums[j4 + 1] = acc1;
                sums[j4 + 2] = acc2;
                sums[j4 + 3] = acc3;
            }
            for (int j = j4; j < listed; j++)
            {
                int col = active[activeOffset + j] * D;
                long acc = 0;
                for (int d = 0; d < D; d++) acc += columns[col + d] * residual[residualOffset + d];
                sums[j] = acc;
            }
        }

        /// <summary>
        /// Step 1 (see <see cref="StepKernel.Threshold"/>). a_k = |u_k| > u0; s_k = (|u_k| - u0)
        /// (times sign(u_k) when signed); s_m = satM(rshr(s_k, FS - FM)). |u| is formed at 64 bits
        /// (|-2^31| fits). Plain branches, the fewest operations: this is the loop a board runs
        /// (an interpreter pays per operation, not per mispredicted branch); the desktop runs
        /// VectorStepKernel's.
        /// </summary>
        public override int Threshold(UnitConstants c, bool listAll, int[] u, int[] sm, int offset, int units,
            int[] active, bool[] isActive, int[] drive, long[] saturations)
        {
            int n = 0;
            long u0 = c.U0, minusU0 = -c.U0;
            bool signed = c.Signed;
            long roundSm = c.RoundSm, maxM = c.MaxM, minM = c.MinM;
            int shiftSm = c.ShiftSm;
            long clips = 0;
            for (int k = 0; k < units; k++)
            {
                long v0 = u[offset + k];
                drive[k] = 0;
                // |v0| > u0 as two comparisons (v0 > u0 or v0 < -u0, exact in long), without forming |v0|:
                // the inactive units, most of them at a realistic pi, cost the interpreter five fewer instructions.
                long s;
                if (v0 > u0) s = v0 - u0;
                else if (v0 < minusU0) s = signed ? v0 + u0 : -v0 - u0; // (|v0| - u0), negated when signed
                else
                {
                    sm[offset + k] = 0;
                    isActive[k] = false;
                    if (listAll) { active[offset + n] = k; n++; }
                    continue;
                }
                long v = (s + roundSm) >> shiftSm;
                if (v > maxM) { v = maxM; clips++; }
                else if (v < minM) { v = minM; clips++; }
                sm[offset + k] = (int)v;
                active[offset + n] = k;
                n++;
                isActive[k] = true;
            }
            if (clips != 0) saturations[SolverWorkspace.SiteSm] += clips;
            return n;
        }

        /// <inheritdoc />
        public override void Residual(UnitConstants c, long[] sums, int[] x, int[] r, int[] rm, int offset, int dimensions, long[] saturations)
        {
            long roundRecon = c.RoundRecon, roundSm = c.RoundSm;
            int shiftRecon = c.ShiftRecon, shiftSm = c.ShiftSm;
            long maxS = c.MaxS, minS = c.MinS, maxM = c.MaxM, minM = c.MinM;
            long clipsR = 0, clipsRm = 0;
            for (int d = 0; d < dimensions; d++)
            {
                long v = x[offset + d] - ((sums[d] + roundRecon) >> shiftRecon);
                if (v > maxS) { v = maxS; clipsR++; }
                else if (v < minS) { v = minS; clipsR++; }
                r[offset + d] = (int)v;
                long w = (v + roundSm) >> shiftSm;
                if (w > maxM) { w = maxM; clipsRm++; }
                else if (w < minM) { w = minM; clipsRm++; }
                rm[offset + d] = (int)w;
            }
            if (clipsR != 0) saturations[SolverWorkspace.SiteR] += clipsR;
            if (clipsRm != 0) saturations[SolverWorkspace.SiteRm] += clipsRm;
        }

        /// <summary>
        /// First-order step 4 (see <see cref="StepKernel.UpdateFirstOrder"/>):
        /// u_k = satS(u_k + drv_k - sign(u_k) leak_q + rshr(noise_q eta, FC + FE - FS)).
        /// </summary>
        public override void UpdateFirstOrder(UnitConstants c, int[] u, int offset, int units, int[] drive,
            int[] eta, int etaOffset, long[] saturations)
        {
            long leakQ = c.Leak, noiseQ = c.NoiseScale, roundNoise = c.RoundNoise, maxS = c.MaxS, minS = c.MinS;
            int shiftNoise = c.ShiftNoise;
            long clips = 0;
            for (int k = 0; k < units; k++)
            {
                int v0 = u[offset + k];
                // The sum is exact in long, so the leak may come last: a branch per sign, no temporary (fewer instructions).
                long v = (long)v0 + drive[k] + ((noiseQ * eta[etaOffset + k] + roundNoise) >> shiftNoise);
                if (v0 > 0) v -= leakQ;
                else if (v0 < 0) v += leakQ;
                if (v > maxS) { v = maxS; clips++; }
                else if (v < minS) { v = minS; clips++; }
                u[offset + k] = (int)v;
            }
            if (clips != 0) saturations[SolverWorkspace.SiteU] += clips;
        }

        /// <inheritdoc />
        public override void AccumulateOuter(long[] acc, int dimensions, int[] active, int activeOffset, int listed,
            int[] codes, int codeOffset, int[] residual, int residualOffset)
        {
            int d = dimensions;
            for (int j = 0; j < listed; j++)
            {
                int unit = active[activeOffset + j];
                long s = codes[codeOffset + unit];
                if (s == 0) continue; // the dense step lists inactive units with s_m = 0
                int col = unit * d;
                for (int i = 0; i < d; i++) acc[col + i] += s * residual[residualOffset + i];
            }
        }

        /// <inheritdoc />
        public override int NoiseGroup { get { return 4; } }

        /// <inheritdoc />
        public override void FillNoise(GaussianNoise noise, int firstChain, int count, int[] destination)
        {
            noise.Fill4(firstChain, destination, 0, count);
        }
    }
}
