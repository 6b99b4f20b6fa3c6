using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Parallelism;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

/// <summary>
/// The float32 inference step (<see cref="SingleChainBatch"/>, <see cref="InferencePrecision.Single"/>): its products against
/// the definitions computed in double, the same bits for any thread count, nothing allocated per step. Its posterior
/// against the exact one: LangevinVsExactTests and DefaultStepExactTests (the Single cases).
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class SingleChainBatchTests
{
    // Sizes with every kind of tail: D = 70 (Dp = 72: two whole 32-float strips of r, then one 8-float vector with 2
    // padding floats), K = 77 (two whole 32-unit blocks of the dense drive, one 8-unit vector, 5 single units);
    // 13 chains (three blocks of 4 and a lone chain on one thread; other splits put other chains alone).
    private const int D = 70, K = 77, Chains = 13;

    private static SparseCodingModel Model(double pi) => new()
    {
        Variant = Variant.Signed, Lambda = 1, Pi = pi, Sigma = 0.5, Dictionary = Learner.RandomDictionary(D, K, 5),
    };

    private static SingleChainBatch Batch(double pi, int threads)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads; // read when the batch is built
            SparseCodingModel model = Model(pi);
            var batch = new SingleChainBatch(model, StepPolicy.Resolve(model, new InferenceSettings()).Settings, Chains, 7); // the model's default step
            var rng = new Random.Rng(1);
            for (int b = 0; b < Chains; b++) batch.SetInput(b, Enumerable.Range(0, D).Select(_ => 2 * rng.NextGaussian()).ToArray());
            return batch;
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Theory]
    [InlineData(0.2)] // event-driven
    [InlineData(1.0)] // dense, in blocks of chains
    public void The_step_computes_the_residual_and_the_drive_of_its_codes(double pi)
    {
        // After a step, Residuals and Drives are x - A s and A^T r (times the gate) of the codes S the step started from:
        // checked against the same products in double from S, the float data and the float dictionary. The float sums
        // of 77 or 70 terms may differ from double by a few float roundings of the largest partial sums: 1e-5 of the
        // terms' absolute sum is over 100 times that (float's unit roundoff 6e-8), and far below a missing or doubled term.
        SingleChainBatch batch = Batch(pi, 1);
        Assert.Equal(pi == 1, batch.Dense);
        for (int t = 0; t < 3000; t++) batch.Step(); // away from u = 0 (at the default step units leave the zero region in a few hundred steps)
        batch.Step();
        SparseCodingModel model = Model(pi);
        double[,] a = new double[D, K];
        for (int d = 0; d < D; d++)
            for (int k = 0; k < K; k++) a[d, k] = (float)model.Dictionary[d, k];
        var rng = new Random.Rng(1);
        int active = 0;
        for (int b = 0; b < Chains; b++)
        {
            double[] x = Enumerable.Range(0, D).Select(_ => (double)(float)(2 * rng.NextGaussian())).ToArray();
            var r = new double[D];
            for (int d = 0; d < D; d++)
            {
                double sum = x[d], scale = Math.Abs(x[d]);
                for (int k = 0; k < K; k++)
                {
                    sum -= batch.S[b * K + k] * a[d, k];
                    scale += Math.Abs(batch.S[b * K + k] * a[d, k]);
                }
                r[d] = sum;
                Assert.True(Math.Abs(batch.Residuals[b * batch.PaddedD + d] - sum) <= 1e-5 * scale, $"chain {b} r[{d}] = {batch.Residuals[b * batch.PaddedD + d]} vs {sum}");
            }
            for (int d = D; d < batch.PaddedD; d++) Assert.Equal(0f, batch.Residuals[b * batch.PaddedD + d]); // the padding stays 0
            for (int k = 0; k < K; k++)
            {
                bool gated = pi == 1 || batch.S[b * K + k] != 0; // u0 = 0 opens every unit; else the active ones get drive
                double g = 0, scale = 0;
                for (int d = 0; d < D; d++)
                {
                    g += a[d, k] * batch.Residuals[b * batch.PaddedD + d];
                    scale += Math.Abs(a[d, k] * batch.Residuals[b * batch.PaddedD + d]);
                }
                if (!gated) Assert.Equal(0f, batch.Drives[b * K + k]);
                else Assert.True(Math.Abs(batch.Drives[b * K + k] - g) <= 1e-5 * scale + 1e-30, $"chain {b} g[{k}] = {batch.Drives[b * K + k]} vs {g}");
                active += batch.S[b * K + k] != 0 ? 1 : 0;
            }
        }
        Assert.InRange(active, Chains * K / 20, Chains * K); // the products had codes to multiply
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    public void The_float32_step_gives_the_same_bits_for_any_thread_count(double pi)
    {
        SingleChainBatch one = Batch(pi, 1);
        var many = new[] { Batch(pi, 2), Batch(pi, 3), Batch(pi, 5) };
        for (int t = 0; t < 200; t++)
        {
            one.Step();
            foreach (var m in many) m.Step();
        }
        foreach (var m in many) Assert.Equal(one.U, m.U);
        Assert.Contains(one.S, s => s != 0);
    }

    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(0.2, 2)]
    [InlineData(1.0, 1)]
    [InlineData(1.0, 2)]
    public void A_float32_step_allocates_nothing_on_any_thread(double pi, int threads)
    {
        SingleChainBatch batch = Batch(pi, threads);
        for (int t = 0; t < 5; t++) batch.Step();
        Assert.Equal(0, WorkerPool.AllocatedBytesDuring(threads, () => { for (int t = 0; t < 200; t++) batch.Step(); }));
    }

    [Theory]
    [InlineData(InferenceMethod.Lca, 1, 1.0)]
    [InlineData(InferenceMethod.Mala, 1, 1.0)]
    [InlineData(InferenceMethod.Langevin, 2, 1.0)]
    [InlineData(InferenceMethod.Langevin, 1, 0.0)]
    public void Float32_inference_is_refused_where_it_has_no_step(InferenceMethod method, int order, double temperature)
    {
        SparseCodingModel model = Model(0.2);
        var settings = new InferenceSettings { Method = method, Order = order, Temperature = temperature, Dt = 0.1, Samples = 10, BurnIn = 0, Chains = 1 };
        var e = Assert.Throws<InvalidInputException>(() => FloatEngine.Infer(model, [new double[D]], settings, 1, precision: InferencePrecision.Single));
        Assert.Contains("precision single", e.Message);
    }
}
