using System.Numerics;
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

    // For each 4-bit mask m, the indices of its set bits in increasing order at SetLanes[4 m ..], the rest 0
    // (the lane-compress table of the double batch's threshold too, ChainBatch).
    internal static readonly int[] SetLanes = MakeSetLanes();

    private static int[] MakeSetLanes()
    {
        var table = new int[64];
        for (int m = 0; m < 16; m++)
            for (int bit = 0, n = 0; bit < 4; bit++)
                if ((m & (1 << bit)) != 0) table[4 * m + n++] = bit;
        return table;
    }

    /// <summary>
    /// One chain's s = h(u), g = 0 and the list of its units with |u| > u0 (increasing; every unit when u0 = 0), its K
    /// units at ko; returns the list's length, and in <paramref name="nonzero"/> how many listed units have s != 0.
    /// </summary>
    public static int Threshold(float[] uAll, float[] sAll, float[] gAll, int[] list, float u0, bool signed, int ko, int kk, out int nonzero)
    {
        int k = 0, n = 0;
        bool open0 = u0 == 0;
        ref float uRef = ref MemoryMarshal.GetArrayDataReference(uAll);
        ref float sRef = ref MemoryMarshal.GetArrayDataReference(sAll);
        ref float gRef = ref MemoryMarshal.GetArrayDataReference(gAll);
        ref int listRef = ref MemoryMarshal.GetArrayDataReference(list);
        ref int compress = ref MemoryMarshal.GetArrayDataReference(SetLanes);
        var u0v = Vector256.Create(u0);
        var zero = Vector256<float>.Zero;
        for (; k + Lanes <= kk; k += Lanes)
        {
            Vector256<float> u = Vector256.LoadUnsafe(ref uRef, (nuint)(ko + k)), au = Vector256.Abs(u);
            Vector256<float> on = open0 ? Vector256<float>.AllBitsSet : Vector256.GreaterThan(au, u0v);
            Vector256<float> s = au - u0v;
            if (signed) s = Vector256.ConditionalSelect(Vector256.LessThan(u, zero), -s, s);
            (s & on).StoreUnsafe(ref sRef, (nuint)(ko + k));
            zero.StoreUnsafe(ref gRef, (nuint)(ko + k));
            // The active lanes' units appended without a branch per unit, four lanes at a time (as ChainBatch does):
            // four entries always written, inside the chain's K slots since n <= k.
            uint bits = on.ExtractMostSignificantBits();
            (Vector128.LoadUnsafe(ref compress, 4 * (bits & 15)) + Vector128.Create(k)).StoreUnsafe(ref listRef, (nuint)(ko + n));
            n += BitOperations.PopCount(bits & 15);
            (Vector128.LoadUnsafe(ref compress, 4 * (bits >> 4)) + Vector128.Create(k + 4)).StoreUnsafe(ref listRef, (nuint)(ko + n));
            n += BitOperations.PopCount(bits >> 4);
        }
        for (; k < kk; k++)
        {
            float u = uAll[ko + k], au = Math.Abs(u);
            gAll[ko + k] = 0;
            bool on = au > u0 || open0;
            float s = au - u0;
            sAll[ko + k] = on ? (signed && u < 0 ? -s : s) : 0;
            list[ko + n] = k;
            n += on ? 1 : 0;
        }
        // With u0 > 0 a listed unit has |u| > u0, so s = |u| - u0 != 0 (two different floats never subtract to 0): n of
        // them are active. With u0 = 0 every unit is listed and those at u = 0 have s = 0: counted.
        nonzero = n;
        if (open0)
        {
            nonzero = 0;
            for (int i = 0; i < n; i++) nonzero += sAll[ko + list[ko + i]] != 0 ? 1 : 0;
        }
        return n;
    }
}
