using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Random;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

public class LearnerTests
{
    [Theory]
    [InlineData(16, 8, 1)]
    [InlineData(64, 64, 128)]
    [InlineData(37, 13, 5)]
    public void The_event_driven_dictionary_update_equals_the_dense_sum_over_every_chain_and_unit(int k, int d, int chains)
    {
        // The dense form A += rate * sum_b r_b s_b^T, written as the naive triple loop, against the
        // event-driven update that skips s = 0. Only the order of the additions differs, so the two
        // agree to rounding: 1e-12 relative to the largest entry is ~1e4 ulps of headroom for sums of
        // at most 128 terms, and a wrong sign, a missed chain or a wrong column is off by O(1).
        var rng = new Rng(11, k);
        var s = new double[chains * k];
        var r = new double[chains * d];
        for (int i = 0; i < s.Length; i++) s[i] = rng.NextDouble() < 0.2 ? rng.NextGaussian() : 0;
        for (int i = 0; i < r.Length; i++) r[i] = rng.NextGaussian();
        var columns = new double[k * d];
        for (int i = 0; i < columns.Length; i++) columns[i] = rng.NextGaussian();
        var dense = (double[])columns.Clone();
        const double rate = 0.37;
        for (int j = 0; j < k; j++)
            for (int i = 0; i < d; i++)
            {
                double sum = 0;
                for (int b = 0; b < chains; b++) sum += s[b * k + j] * r[b * d + i];
                dense[j * d + i] += rate * sum;
            }

        new DictionaryUpdate(k, d, chains).Apply(s, r, columns, rate);

        double scale = dense.Max(Math.Abs);
        for (int i = 0; i < dense.Length; i++) Assert.Equal(dense[i], columns[i], 1e-12 * scale);
    }

    [Fact]
    public void A_column_whose_unit_is_never_active_is_left_exactly_as_it_was()
    {
        const int k = 4, d = 8, chains = 10;
        var s = new double[chains * k];
        var r = new double[chains * d];
        var rng = new Rng(3);
        for (int b = 0; b < chains; b++) s[b * k + 1] = 1 + rng.NextDouble(); // only unit 1 is ever active
        for (int i = 0; i < r.Length; i++) r[i] = rng.NextGaussian();
        var columns = new double[k * d];
        for (int i = 0; i < columns.Length; i++) columns[i] = rng.NextGaussian();
        var before = (double[])columns.Clone();
        new DictionaryUpdate(k, d, chains).Apply(s, r, columns, 0.5);
        for (int j = 0; j < k; j++)
        {
            var col = columns.AsSpan(j * d, d).ToArray();
            var old = before.AsSpan(j * d, d).ToArray();
            if (j == 1) Assert.NotEqual(old, col);
            else Assert.Equal(old, col);
        }
    }

    [Theory]
    [InlineData(Variant.NonNegative, 64, 16)]
    [InlineData(Variant.Signed, 13, 21)]
    public void The_float32_learner_follows_the_double_learner_step_by_step_given_the_same_noise(Variant variant, int d, int k)
    {
        // Both batches get the same data, the same noise (doubleNoise: the double ziggurat's draws, rounded) and the same
        // start; the only difference is float32 against double arithmetic, which after 1000 steps separates the
        // dictionaries by about 1e-6 (float's 6e-8 relative rounding, carried through the dynamics). The dictionary moves
        // by 0.1 to 0.4 and pi by a few hundredths in that time, so a wrong sign, a lost term or a wrong scale in the
        // float32 step, its dictionary update or its u0 gradient is off by orders of magnitude more than 1e-4.
        // D = 13, K = 21 (signed) puts the padded vectors (D rounded up to 16) and the scalar tails (K mod 8) in play.
        var bars = new BarsData();
        IDataSource data = d == 64 ? bars : new GaussianData(d);
        var model = new Model.SparseCodingModel
        {
            Variant = variant, Lambda = 1, Pi = 0.3, Sigma = 0.5, Dictionary = Learner.RandomDictionary(d, k, 4),
        };
        var inference = Inference.StepPolicy.ResolveForLearning(model, new InferenceSettings()).Settings;
        const int chains = 37, steps = 1000;
        var exact = new DoubleLearningBatch(model, inference, chains, 21);
        var single = new SingleLearningBatch(model, inference, chains, 21, doubleNoise: true);
        var (rngA, rngB) = (new Rng(3, -1), new Rng(3, -1));
        double rate = inference.ResolvedDt / 2000 / 0.25 / chains, u0Rate = inference.ResolvedDt / 1e5 / 0.25;
        bool signed = variant == Variant.Signed;
        for (int t = 0; t < steps; t++)
        {
            if (t % 200 == 0)
                for (int b = 0; b < chains; b++)
                {
                    exact.Draw(data, rngA, b);
                    single.Draw(data, rngB, b);
                }
            exact.Step();
            single.Step();
            exact.UpdateDictionary(rate);
            single.UpdateDictionary(rate);
            exact.U0 = Math.Max(0, exact.U0 + u0Rate * exact.ThresholdDrive(signed));
            single.U0 = Math.Max(0, single.U0 + u0Rate * single.ThresholdDrive(signed));
        }
        double[] a = exact.GetDictionary().Data, b32 = single.GetDictionary().Data;
        double moved = a.Zip(model.Dictionary.Data).Max(p => Math.Abs(p.First - p.Second));
        double apart = a.Zip(b32).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(moved > 0.05, $"the dictionary moved only {moved}");
        Assert.True(apart < 1e-4, $"float32 and double dictionaries {apart} apart after {steps} steps (moved {moved})");
        Assert.True(Math.Abs(exact.U0 - model.U0) > 0.02, $"u0 moved only {exact.U0 - model.U0}");
        Assert.Equal(exact.U0, single.U0, 1e-4);
    }

    private sealed class GaussianData(int dimension) : IDataSource
    {
        public string Name => "gaussian";
        public int Dimension => dimension;
        public void Draw(Rng rng, double[] destination, int offset)
        {
            for (int i = 0; i < dimension; i++) destination[offset + i] = rng.NextGaussian();
        }
    }

    [Fact]
    public void Langevin_learning_from_a_random_start_recovers_the_bars_dictionary()
    {
        // Sixteen known unit-norm bars, data drawn from the model (pi = 0.3, sigma = 0.5), the learner
        // starts from unit-norm Gaussian columns. A random 64 x 16 start has matched cosine about 0.3;
        // the paper reaches about 1.0 after 1e4 to 2e4 time units with its tau_x = 200 and tau_a = 2e3
        // (mean convention), used here with batch 64 for 20000 steps: a learner with a wrong sign, scale
        // or skipped update ends far below 0.95.
        var data = new BarsData();
        var start = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, 4) };
        var learning = new LearningSettings { Batch = 64, Steps = 20_000, TauX = 200, TauA = 2_000, RecordEvery = 1000 };
        var r = Learner.Run(start, data, new InferenceSettings(), learning, 21, data.TrueDictionary);
        double before = DictionaryMetrics.MatchedCosine(start.Dictionary, data.TrueDictionary, ignoreSign: true);
        Assert.True(before < 0.6, $"random start cosine {before}");
        Assert.True(r.History[^1].Cosine > 0.95, $"learned cosine {r.History[^1].Cosine}");
    }

    [Theory]
    [InlineData(LearningPrecision.Double)]
    [InlineData(LearningPrecision.Single)]
    public void Learned_pi_settles_near_the_data_pi_and_nearer_as_the_time_step_shrinks(LearningPrecision precision)
    {
        // u0 learning follows the exact log-likelihood gradient, whose expectation vanishes at the data's
        // pi = 0.3 when the model (here the true bars dictionary, held fixed) is the one that made the data.
        // The Euler-Maruyama chain is not exact: its force is discontinuous at |u| = u0 and at 0, and the
        // step eps = dt / tau_u biases the posterior activity and with it the learned pi (measured, seed 31,
        // tau_x = 800: pi = 0.247 at eps = 0.1, 0.273 at eps = 0.05, 0.286 at eps = 0.025). So the test asks
        // for the limit behaviour: at eps = 0.025 within 0.025 of 0.3, and closer to 0.3 than at eps = 0.1.
        // Noise of the estimate: tau_u0 = 5e4 (sum convention) with 64 chains x 16 units gives u0 a
        // stationary standard deviation of about 0.005 (pi: 0.0015), averaged here over the last 12000
        // steps (30 data periods), far below the 0.04 separation between the two step sizes.
        double LatePi(double tauU)
        {
            var data = new BarsData();
            var learning = new LearningSettings
            {
                Batch = 64, Steps = 24_000, TauX = 400, LearnDictionary = false, LearnPi = true, TauU0 = 5e4, RecordEvery = 500,
            };
            var r = Learner.Run(data.TrueModel(0.5), data, new InferenceSettings { TauU = tauU }, learning, 31, precision: precision);
            return r.History.Where(h => h.Step > 12_000).Average(h => h.Pi);
        }
        double fine = LatePi(40), coarse = LatePi(10);
        Assert.InRange(fine, 0.275, 0.325);
        Assert.True(Math.Abs(fine - 0.3) < Math.Abs(coarse - 0.3), $"pi {fine} at eps = 0.025, {coarse} at eps = 0.1");
    }
}

public class ConvergenceTests
{
    private sealed class Recorder : IProgress<RunProgress>
    {
        public List<RunProgress> Reports { get; } = new();
        public void Report(RunProgress value) => Reports.Add(value);
    }

    [Fact]
    public void A_run_stopped_by_convergence_reports_the_steps_it_ran_as_done_not_its_planned_steps()
    {
        // Tolerances no run can miss, window of 2 records of 100 steps: the rule holds at the third record,
        // step 300, long before the planned 5000 steps. The last progress report must say 300 of 300, so
        // the console's "done, N in T (rate)" is true (it said 5000, with a rate 17x too high).
        var data = new BarsData();
        var until = new Convergence { Window = 2, ActivityTolerance = 10, PiTolerance = 10, AtomTolerance = 10 };
        var learning = new LearningSettings { Batch = 8, Steps = 5_000, TauX = 200, TauA = 2_000, RecordEvery = 100 };
        var progress = new Recorder();
        var r = Learner.Run(data.TrueModel(), data, new InferenceSettings(), learning, 5, progress: progress, until: until.Start(16, 64));
        Assert.True(r.Converged);
        Assert.Equal(300, r.History[^1].Step);
        Assert.Equal(new RunProgress("learning", 300, 300), progress.Reports[^1]);
    }

    private static LearningRecord Record(long step, double activity, double pi) => new(step, step, activity, pi, [1.0], null, 0.5);

    [Fact]
    public void A_run_whose_activity_matches_pi_with_still_atoms_has_converged_after_a_full_window()
    {
        var tracker = new Convergence { Window = 3 }.Start(k: 2, d: 2);
        double[] columns = [1, 0, 0, 1];
        var history = new List<LearningRecord>();
        var verdicts = new List<bool>();
        for (int i = 1; i <= 5; i++)
        {
            history.Add(Record(i * 100, 0.2, 0.2));
            verdicts.Add(tracker.Converged(history, columns));
        }
        // Needs Window + 1 records (a pi and a dictionary a full window back) before it can say yes.
        Assert.Equal([false, false, false, true, true], verdicts);
        Assert.Equal(1.0, tracker.ActivityRatio, 12);
        Assert.Equal(0.0, tracker.AtomChange, 12);
    }

    [Theory]
    [InlineData(0.17, 0.2, false, "activity 15% below pi")]
    [InlineData(0.2, 0.2, true, "atoms keep rotating")]
    public void Activity_off_pi_or_moving_atoms_are_not_convergence(double activity, double pi, bool rotate, string why)
    {
        var tracker = new Convergence { Window = 2 }.Start(k: 1, d: 2);
        var history = new List<LearningRecord>();
        bool last = false;
        for (int i = 1; i <= 6; i++)
        {
            history.Add(Record(i * 100, activity, pi));
            // Rotating: 0.3 rad per record, so 1 - cos over the window of two records is 0.17.
            double angle = rotate ? 0.3 * i : 0;
            double[] columns = [Math.Cos(angle), Math.Sin(angle)];
            last = tracker.Converged(history, columns);
        }
        Assert.False(last, why);
    }

    [Fact]
    public void A_pi_that_still_falls_is_not_convergence_even_when_activity_tracks_it()
    {
        var tracker = new Convergence { Window = 3, PiTolerance = 0.03 }.Start(k: 1, d: 1);
        var history = new List<LearningRecord>();
        bool last = false;
        for (int i = 0; i < 8; i++)
        {
            double pi = 0.3 * Math.Pow(0.97, i); // 3% per record: 9% over the window
            history.Add(Record((i + 1) * 100, pi, pi));
            last = tracker.Converged(history, [1.0]);
        }
        Assert.False(last);
        Assert.True(tracker.PiChange > 0.08);
    }
}

public class DivergenceTests
{
    [Fact]
    public void A_step_too_large_for_sigma_is_reported_as_bad_settings_not_a_crash()
    {
        // sigma = 0.05 with eps = 0.05 and 16 unit bars all active at pi = 1: the data drive's gain per step is
        // about eps x ||A||^2 / sigma^2 = 0.05 x 2 / 0.0025 = 40, far above 2, so u blows up within a few steps.
        var data = new BarsData();
        var model = data.TrueModel(1.0) with { Sigma = 0.05 };
        var learning = new LearningSettings { Batch = 4, Steps = 2_000, RecordEvery = 100 };
        // The step policy catches it before the first step, naming the limit (eps < 2 sigma^2 / lambda_max(A^T A)).
        var e = Assert.Throws<EdgeLangevin.Reference.Io.InvalidInputException>(() => Learner.Run(model, data, new InferenceSettings(), learning, 1));
        Assert.Contains("stability limit", e.Message);
        Assert.Contains("sigma = 0.05", e.Message);
    }

    [Fact]
    public void A_threshold_that_runs_away_until_pi_is_zero_is_reported_as_divergence_not_an_invalid_model()
    {
        // tau_u0 = 1e-12: the first step whose u0 gradient is positive moves u0 by ~1e11, so pi = exp(-u0) is 0
        // (no unit can be active again and the gradient stays 0). Before, this surfaced as the model's own
        // check "pi must be in (0, 1], got 0", which names no setting.
        var data = new BarsData();
        var model = data.TrueModel(0.5);
        var learning = new LearningSettings { Batch = 8, Steps = 400, RecordEvery = 50, LearnPi = true, LearnDictionary = false, TauU0 = 1e-12 };
        var e = Assert.Throws<EdgeLangevin.Reference.Io.InvalidInputException>(() => Learner.Run(model, data, new InferenceSettings(), learning, 1));
        Assert.Contains("pi = exp(-lambda u0) fell to 0", e.Message);
    }
}
