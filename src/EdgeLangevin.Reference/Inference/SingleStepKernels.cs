using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Float32 step kernels shared by the float32 inference batch (<see cref="SingleChainBatch"/>) and the float32 learner
/// (Learning.SingleLearningBatch): one source, so the two give the same operations in the same order.
/// </summary>
internal static class SingleStepKernels
{
    public const int Lanes = 8; // Vector256<float>.Count, fixed so that the sums' order does not depend on the machine

    /// <summary>
    /// One chain's residual r = x - sum over its n listed units with s != 0, in list order, of s_k a_k: 64 floats of r in
    /// registers at a time. The chain's x and r begin at xo (D padded to dp), its s and list at ko; columns are unit-major
    /// (a_k at k dp).
    /// </summary>
    public static void Residual(float[] x, float[] columns, float[] s, int[] list, float[] r, int ko, int xo, int dp, int n)
    {
        int e = 0;
        ref float xRef = ref MemoryMarshal.GetArrayDataReference(x);
        ref float rRef = ref MemoryMarshal.GetArrayDataReference(r);
        ref float aRef = ref MemoryMarshal.GetArrayDataReference(columns);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(s);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(list);
        for (; e + 8 * Lanes <= dp; e += 8 * Lanes)
        {
            nuint o = (nuint)(xo + e);
            Vector256<float> r0 = Vector256.LoadUnsafe(ref xRef, o), r1 = Vector256.LoadUnsafe(ref xRef, o + 8);
            Vector256<float> r2 = Vector256.LoadUnsafe(ref xRef, o + 16), r3 = Vector256.LoadUnsafe(ref xRef, o + 24);
            Vector256<float> r4 = Vector256.LoadUnsafe(ref xRef, o + 32), r5 = Vector256.LoadUnsafe(ref xRef, o + 40);
            Vector256<float> r6 = Vector256.LoadUnsafe(ref xRef, o + 48), r7 = Vector256.LoadUnsafe(ref xRef, o + 56);
            for (int i = 0; i < n; i++)
            {
                int k = Unsafe.Add(ref listRef, ko + i);
                float sk = Unsafe.Add(ref sRef, ko + k);
                if (sk == 0) continue;
                var c = Vector256.Create(-sk);
                nuint a = (nuint)(k * dp + e);
                r0 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a), r0);
                r1 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 8), r1);
                r2 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 16), r2);
                r3 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 24), r3);
                r4 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 32), r4);
                r5 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 40), r5);
                r6 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 48), r6);
                r7 = Vector256.FusedMultiplyAdd(c, Vector256.LoadUnsafe(ref aRef, a + 56), r7);
            }
            r0.StoreUnsafe(ref rRef, o);
            r1.StoreUnsafe(ref rRef, o + 8);
            r2.StoreUnsafe(ref rRef, o + 16);
            r3.StoreUnsafe(ref rRef, o + 24);
            r4.StoreUnsafe(ref rRef, o + 32);
            r5.StoreUnsafe(ref rRef, o + 40);
            r6.StoreUnsafe(ref rRef, o + 48);
            r7.StoreUnsafe(ref rRef, o + 56);
        }
        for (; e < dp; e += Lanes) // the same operations lane by lane, one vector of r at a time
        {
            nuint o = (nuint)(xo + e);
            Vector256<float> r0 = Vector256.LoadUnsafe(ref xRef, o);
            for (int i = 0; i < n; i++)
            {
                int k = Unsafe.Add(ref listRef, ko + i);
                float sk = Unsafe.Add(ref sRef, ko + k);
                if (sk == 0) continue;
                r0 = Vector256.FusedMultiplyAdd(Vector256.Create(-sk), Vector256.LoadUnsafe(ref aRef, (nuint)(k * dp + e)), r0);
            }
            r0.StoreUnsafe(ref rRef, o);
        }
    }
}
