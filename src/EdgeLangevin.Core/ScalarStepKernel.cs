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

        /// <inheritdoc />
        public override int NoiseGroup { get { return 4; } }

        /// <inheritdoc />
        public override void FillNoise(GaussianNoise noise, int firstChain, int count, int[] destination)
        {
            noise.Fill4(firstChain, destination, 0, count);
        }
    }
}
