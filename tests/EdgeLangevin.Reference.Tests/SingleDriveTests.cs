using System.Runtime.Intrinsics;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Random;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// The float32 learner's Drive forms four units' sums and u0-gradient terms side by side (Reduce4, AddThresholdDrive4);
/// its numbers must be the one-unit forms' bit for bit (the learner's results do not depend on how Drive groups its units).
/// </summary>
public class SingleDriveTests
{
    // Floats that find differences in order or sign: signed zeros, tiny and huge magnitudes, and ordinary values.
    private static float Pick(Rng rng) => rng.NextInt(8) switch
    {
        0 => 0.0f,
        1 => -0.0f,
        2 => (float)((rng.NextDouble() - 0.5) * 1e-38),
        3 => (float)((rng.NextDouble() - 0.5) * 1e30),
        _ => (float)(rng.NextGaussian() * Math.Pow(2, rng.NextInt(20) - 10)),
    };

    private static Vector256<float> PickVector(Rng rng) => Vector256.Create(Pick(rng), Pick(rng), Pick(rng), Pick(rng), Pick(rng), Pick(rng), Pick(rng), Pick(rng));

    [Fact]
    public void Four_units_reduced_side_by_side_give_each_units_one_unit_sum_bit_for_bit()
    {
        var rng = new Rng(5);
        for (int trial = 0; trial < 20000; trial++)
        {
            Vector256<float> a = PickVector(rng), b = PickVector(rng), c = PickVector(rng), d = PickVector(rng);
            Vector128<float> four = SingleLearningBatch.Reduce4(a, b, c, d);
            float[] one = [SingleLearningBatch.Reduce(a), SingleLearningBatch.Reduce(b), SingleLearningBatch.Reduce(c), SingleLearningBatch.Reduce(d)];
            for (int lane = 0; lane < 4; lane++)
                Assert.True(BitConverter.SingleToInt32Bits(four.GetElement(lane)) == BitConverter.SingleToInt32Bits(one[lane]),
                    $"trial {trial}, unit {lane}: {four.GetElement(lane):R} vs {one[lane]:R}");
        }
    }

    [Fact]
    public void Four_units_threshold_terms_side_by_side_give_the_one_unit_sums_bit_for_bit()
    {
        var rng = new Rng(6);
        for (int trial = 0; trial < 20000; trial++)
        {
            float[] g = [Pick(rng), Pick(rng), Pick(rng), Pick(rng)];
            float[] s = [Pick(rng), Pick(rng), Pick(rng), Pick(rng)];
            if (trial % 7 == 0) s[rng.NextInt(4)] = float.NaN; // s != 0 holds for NaN: the unit counts
            double startSigned = trial % 3 == 0 ? 0.0 : trial % 3 == 1 ? -0.0 : rng.NextGaussian(), startPlain = trial % 5 == 0 ? -0.0 : rng.NextGaussian();
            double signedFour = startSigned, plainFour = startPlain, signedOne = startSigned, plainOne = startPlain;
            SingleLearningBatch.AddThresholdDrive4(ref signedFour, Vector128.Create(g[0], g[1], g[2], g[3]), Vector128.Create(s[0], s[1], s[2], s[3]), signed: true);
            SingleLearningBatch.AddThresholdDrive4(ref plainFour, Vector128.Create(g[0], g[1], g[2], g[3]), Vector128.Create(s[0], s[1], s[2], s[3]), signed: false);
            for (int unit = 0; unit < 4; unit++)
            {
                SingleLearningBatch.AddThresholdDrive(ref signedOne, g[unit], s[unit], signed: true);
                SingleLearningBatch.AddThresholdDrive(ref plainOne, g[unit], s[unit], signed: false);
            }
            Assert.True(BitConverter.DoubleToInt64Bits(signedFour) == BitConverter.DoubleToInt64Bits(signedOne), $"trial {trial}: signed {signedFour:R} vs {signedOne:R}");
            Assert.True(BitConverter.DoubleToInt64Bits(plainFour) == BitConverter.DoubleToInt64Bits(plainOne), $"trial {trial}: plain {plainFour:R} vs {plainOne:R}");
        }
    }
}
