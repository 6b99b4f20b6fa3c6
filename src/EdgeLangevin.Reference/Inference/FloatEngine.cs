using System.Numerics;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Inference;

/// <summary>
/// Posterior summaries from the double-precision sampler: every input gets
/// settings.Chains independent chains started at u = 0 (m = 0), run for burn_in steps (dt, samples and burn_in
/// left unset are chosen by <see cref="StepPolicy"/>),
/// then settings.Samples steps each recorded as a sample of s = h(u).
/// The chains step in double (<see cref="ChainBatch"/>, the default) or, for first-order Langevin at T &gt; 0, in float32
/// (<see cref="SingleChainBatch"/>, <see cref="InferencePrecision.Single"/>); everything after the step (the posterior
/// sums, the run length, the checks) is the same double code for both.
/// </summary>
public static class FloatEngine
{
    public static PosteriorSummary[] Infer(SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, InferencePrecision precision = InferencePrecision.Double) =>
        Run(model, inputs, settings, seed, progress, cancellationToken, precision).Summaries;

    /// <summary><see cref="Infer"/> with the run's length and why it stopped (samples left unset: <see cref="RunLengthPolicy"/>).</summary>
    /// <param name="maps">the inputs' lasso MAPs when the caller has them already (`infer`: solved once for its step report,
    /// this step and the zero-mass bounds; <see cref="MapsFor"/>); null: solved here.</param>
    public static (PosteriorSummary[] Summaries, RunLength RunLength) Run(SparseCodingModel model, double[][] inputs, InferenceSettings settings, long seed,
        IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default, InferencePrecision precision = InferencePrecision.Double,
        ZeroMassBound.LassoMaps? maps = null)
    {
        settings.Validate();
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision));
        if (precision == InferencePrecision.Single && !SingleChainBatch.Supports(settings))
            throw new InvalidInputException(SingleUnsupported);
        try { model.Validate(); }
        catch (ArgumentException e) { throw new InvalidInputException($"model: {e.Message}", e); }
        CheckInputs(model, inputs);
        maps = MapsFor(model, inputs, maps);
        StepChoice step = StepPolicy.Resolve(model, settings, maps);
        settings = step.Settings;
        int n = inputs.Length, c = settings.Chains, k = model.K;
        MemoryBudget.CheckChains(ChainsAsked(n, c, model), (double)n * c, model.D, k, posterior: true, FewerChains);
        bool single = precision == InferencePrecision.Single;
        ChainBatch? batch = single ? null : new ChainBatch(model, settings, n * c, seed);
        SingleChainBatch? batch32 = single ? new SingleChainBatch(model, settings, n * c, seed) : null;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < c; j++)
            {
                batch?.SetInput(i * c + j, inputs[i]);
                batch32?.SetInput(i * c + j, inputs[i]);
            }

        var posterior = NewAccumulator(step, maps);
        var run = new RunLoop(step, model.Lambda, n * c * k);
        long reportEvery = Math.Max(1, run.PlannedSteps / 100);
        for (long t = 0; run.Continues(t); t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (batch is not null) batch.Step();
                else batch32!.Step();
            }
            catch (Exception e) when (e is ArithmeticException || (e is AggregateException ae && ae.InnerExceptions.Any(x => x is ArithmeticException)))
            {
                // The step's NaN check fired before CheckFinite could see a summary (break-21: inference.temperature 1e308
                // was "internal error: u became NaN" with a stack trace, exit 1): the same refusal, at the step it happened.
                throw new InvalidInputException(
                    $"{Diverged} at step {t} (u became NaN) at dt = {settings.ResolvedDt:G4} (eps = {settings.Eps:G4}), temperature = {settings.Temperature:G4}, " +
                    $"sigma = {model.Sigma:G4}: the noise sqrt(2 T eps) or the step is too large for double precision; use a smaller temperature or dt, or leave dt unset (README 'Step size')", e);
            }
            if (run.InBurnIn(t))
            {
                if (run.WatchingBurnIn)
                {
                    if (batch is not null) run.ObserveBurnIn(t, batch.S);
                    else run.ObserveBurnIn(t, batch32!.S);
                }
            }
            else
            {
                if (batch is not null)
                {
                    double[] s = batch.S;
                    for (int i = 0; i < s.Length; i++) posterior.Add(i, s[i]);
                }
                else
                {
                    float[] s = batch32!.S;
                    for (int i = 0; i < s.Length; i++) posterior.Add(i, s[i]);
                }
                posterior.EndSample();
                run.AfterSample(posterior);
            }
            if (progress is not null && (t % reportEvery == 0 || !run.Continues(t + 1))) progress.Report(new RunProgress("sampling", t + 1, run.PlannedSteps));
        }

        PosteriorSummary[] result = run.Result(posterior);
        if (settings.Method == InferenceMethod.Mala)
            for (int i = 0; i < n; i++) result[i] = result[i] with { AcceptanceRate = batch!.AcceptanceRate(i * c, (i + 1) * c) };
        return (CheckFinite(model, inputs, result, settings), run.Report(result, posterior.SampleCount));
    }

    /// <summary>The refusal of <see cref="InferencePrecision.Single"/> for settings without a float32 step.</summary>
    public const string SingleUnsupported =
        "precision single (float32) runs first-order Langevin at a temperature > 0 only (not LCA, MALA, order 2 or temperature 0); use precision double";

    /// <summary>
    /// <see cref="NewAccumulator(StepChoice, int, int)"/> for these inputs of this model, with the zero-mass bounds of its
    /// units (<see cref="ZeroMassBound"/>) for the rare-switch floors.
    /// </summary>
    public static PosteriorAccumulator NewAccumulator(StepChoice step, SparseCodingModel model, double[][] inputs) =>
        NewAccumulator(step, new ZeroMassBound.LassoMaps(model, inputs));

    /// <summary><see cref="NewAccumulator(StepChoice, SparseCodingModel, double[][])"/> with the bounds from these lasso MAPs.</summary>
    public static PosteriorAccumulator NewAccumulator(StepChoice step, ZeroMassBound.LassoMaps maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        PosteriorAccumulator posterior = NewAccumulator(step, maps.Inputs.Length, maps.Model.K);
        posterior.ZeroMassBounds = ZeroMassBound.ForInputs(maps);
        return posterior;
    }

    /// <summary>
    /// The lasso MAPs an engine resolves its step and zero-mass bounds from: <paramref name="given"/> if it is of this model
    /// and these inputs (the same objects; anything else is a programming error), else new ones.
    /// </summary>
    public static ZeroMassBound.LassoMaps MapsFor(SparseCodingModel model, double[][] inputs, ZeroMassBound.LassoMaps? given)
    {
        if (given is null) return new ZeroMassBound.LassoMaps(model, inputs);
        if (!ReferenceEquals(given.Model, model) || !ReferenceEquals(given.Inputs, inputs))
            throw new ArgumentException("the lasso MAPs are of another model or other inputs", nameof(given));
        return given;
    }

    /// <summary>The accumulator for a resolved step: growing when the run length is the policy's, else for exactly the samples given.</summary>
    public static PosteriorAccumulator NewAccumulator(StepChoice step, int inputs, int k)
    {
        ArgumentNullException.ThrowIfNull(step);
        InferenceSettings s = step.Settings;
        bool stochastic = StepPolicy.IsSampler(s);
        return step.AdaptiveSamples
            ? PosteriorAccumulator.Growing(inputs, s.Chains, k, s.ResolvedSamples, stochastic, step.EscapeSteps)
            : new PosteriorAccumulator(inputs, s.Chains, k, s.ResolvedSamples, stochastic, step.EscapeSteps);
    }

    /// <summary>
    /// The engines' step loop's length (shared by the float and fixed engines so they stop alike).
    /// Burn-in as given, or, when the policy chooses it (<see cref="StepChoice.AdaptiveBurnIn"/>), until every chain's
    /// every unit has left the zero region once (s != 0 at the end of a step) and at least Settings.BurnIn steps; those
    /// first exits also measure the zero region's escape time for this engine and order (below threshold a unit has no
    /// data drive, so every unit's first exit is a sample of the same prior-only time), which the run-length policy and
    /// the rare-switch floor use, never below <see cref="StepPolicy.ZeroRegionEscapeTauU"/>.
    /// Samples as given, or, when the policy chooses them, until <see cref="RunLengthPolicy.Reached"/> at a checkpoint
    /// no earlier than the first length, or until the next checkpoint would pass the budget.
    /// Every decision reads chain states and sums that are the same bits for any thread count.
    /// </summary>
    public sealed class RunLoop
    {
        private readonly StepChoice _step;
        private readonly double _lambda;
        private readonly bool[] _exited;
        private int _remaining;
        private long _exits;
        private double _exitStepsSum;
        private long _burnIn;
        private bool _burnInDone;
        private PosteriorSummary[]? _last;
        private RunStop _stop;
        private bool _done;
        private int _reachedInARow;

        /// <param name="chainUnits">chains x K: the length of the code arrays passed to <see cref="ObserveBurnIn{T}(long, T[])"/>.</param>
        public RunLoop(StepChoice step, double lambda, int chainUnits)
        {
            _step = step;
            _lambda = lambda;
            _stop = step.AdaptiveSamples ? RunStop.Budget : RunStop.AsGiven;
            _burnIn = step.Settings.ResolvedBurnIn;
            _burnInDone = !step.AdaptiveBurnIn;
            _exited = step.AdaptiveBurnIn ? new bool[chainUnits] : [];
            _remaining = _exited.Length;
        }

        /// <summary>Steps per chain if the run goes to its end (as given, or the budget), for progress.</summary>
        public long PlannedSteps => _burnIn + _step.MaxSamples;

        /// <summary>Burn-in steps per chain (final once burn-in is over).</summary>
        public long BurnIn => _burnIn;

        /// <summary>The zero region's escape time in steps: the chains' mean first exit, at least the first-order formula's.</summary>
        public double EscapeSteps => Math.Max(_step.EscapeSteps, _exits > 0 ? _exitStepsSum / _exits : 0);

        public bool Continues(long t) => !_burnInDone || (_step.AdaptiveSamples ? !_done : t < _burnIn + _step.Settings.ResolvedSamples);

        /// <summary>Whether step t (0-based) is a burn-in step.</summary>
        public bool InBurnIn(long t) => !_burnInDone || t < _burnIn;

        /// <summary>Whether the burn-in is still watching the chains' codes (the caller then passes them to ObserveBurnIn).</summary>
        public bool WatchingBurnIn => !_burnInDone;

        /// <summary>After burn-in step t: the codes s (chain-major, chains x K), to see which units have left the zero region.</summary>
        /// <typeparam name="T">double (the float engine's codes) or long (the fixed core's state words).</typeparam>
        public void ObserveBurnIn<T>(long t, T[] s) where T : INumberBase<T>
        {
            for (int i = 0; i < _exited.Length; i++)
                if (!_exited[i] && !T.IsZero(s[i])) Exit(i, t);
            EndBurnInStep(t);
        }

        private void Exit(int i, long t)
        {
            _exited[i] = true;
            _remaining--;
            _exits++;
            _exitStepsSum += t + 1;
        }

        private void EndBurnInStep(long t)
        {
            // at most the samples' budget: a unit that has not left by then is left to the standard errors (chains disagree)
            if ((_remaining == 0 && t + 1 >= _step.Settings.ResolvedBurnIn) || t + 1 >= Math.Max(_step.Settings.ResolvedBurnIn, _step.MaxSamples))
            {
                _burnInDone = true;
                _burnIn = t + 1;
            }
        }

        /// <summary>After each recorded sample: at a checkpoint, summarise and decide.</summary>
        public void AfterSample(PosteriorAccumulator posterior)
        {
            if (!_step.AdaptiveSamples || !posterior.AtCheckpoint || posterior.SampleCount < _step.Settings.ResolvedSamples) return;
            posterior.EscapeSamples = EscapeSteps;
            _last = posterior.Summarise();
            double escapeShare = EscapeSteps / ((double)_step.Settings.Chains * posterior.SampleCount);
            _reachedInARow = RunLengthPolicy.Reached(_last, _lambda, escapeShare) ? _reachedInARow + 1 : 0;
            bool last = posterior.NextCheckpoint > _step.MaxSamples;
            // the targets must hold at consecutive checkpoints (RunLengthPolicy's remarks, "Optional stopping"); at the
            // last checkpoint before the budget, once is enough
            if (_reachedInARow >= RunLengthPolicy.CheckpointsInARow || (last && _reachedInARow > 0)) { _stop = RunStop.TargetReached; _done = true; }
            else if (last) { _stop = RunStop.Budget; _done = true; }
        }

        public PosteriorSummary[] Result(PosteriorAccumulator posterior)
        {
            if (_last is not null) return _last;
            posterior.EscapeSamples = EscapeSteps;
            return posterior.Summarise();
        }

        public RunLength Report(PosteriorSummary[] result, long samples) =>
            RunLengthPolicy.Report(result, _lambda, _burnIn, samples, _step.Settings.Eps, _stop);
    }

    /// <summary>How <see cref="CheckFinite"/>'s message starts, so a verb can name where the settings came from.</summary>
    public const string Diverged = "the chains diverged";

    /// <summary>
    /// The safety net behind the step policy's stability check: a summary that is not finite, or a mean beyond
    /// 10 times the posterior's reach (<see cref="PlausibleReach"/>), means the chains diverged; that is an
    /// <see cref="InvalidInputException"/> naming the step, never an output file.
    /// </summary>

    public static PosteriorSummary[] CheckFinite(SparseCodingModel model, double[][] inputs, PosteriorSummary[] summaries, InferenceSettings settings)
    {
        for (int i = 0; i < summaries.Length; i++)
        {
            double limit = 10 * PlausibleReach(model, inputs[i], settings.Temperature);
            PosteriorSummary r = summaries[i];
            for (int k = 0; k < r.K; k++)
                if (!double.IsFinite(r.PActive[k]) || !double.IsFinite(r.Mean[k]) || !double.IsFinite(r.Std[k]) || Math.Abs(r.Mean[k]) > limit)
                    throw new InvalidInputException(
                        $"{Diverged} (input {i}, unit {k}: E[s] = {r.Mean[k]:G4}, beyond any plausible value {limit:G4}) at dt = {settings.ResolvedDt:G4} " +
                        $"(eps = {settings.Eps:G4}), temperature = {settings.Temperature:G4}, sigma = {model.Sigma:G4}; use a smaller dt or leave dt unset (README 'Step size')");
        }
        return summaries;
    }

    /// <summary>
    /// How far from 0 the sampled posterior can plausibly reach: the exact posterior's half-width
    /// (<see cref="Exact.ExactPosterior.HalfWidth"/>: the likelihood's range plus 40 / lambda) widened for a temperature T > 1,
    /// which samples exp(-E / T): its Gaussian part is sqrt(T) wider and its Laplace tail T times longer. Without the
    /// widening, a run at temperature 1e12 (a legitimate, if odd, setting) was refused as diverged.
    /// </summary>
    public static double PlausibleReach(SparseCodingModel model, double[] x, double temperature)
    {
        double t = Math.Max(1, temperature);
        return Exact.ExactPosterior.Reach(model, x) * Math.Sqrt(t) + 40 * t / model.Lambda;
    }

    /// <summary>"2 input(s) x 200000000 chains (K = 16, D = 64)", for the memory estimate's message.</summary>
    public static string ChainsAsked(int inputs, int chains, SparseCodingModel model) =>
        $"{inputs} input(s) x {chains} chains (K = {model.K}, D = {model.D})";

    public const string FewerChains = "give fewer chains (--chains, inference.chains) or fewer inputs";

    /// <summary>Largest |x| / sigma the samplers accept (far from any real data; far enough from double's 1e308 that squares and sums stay finite).</summary>
    public const double MaxInputOverSigma = 1e100;

    /// <summary>Every input must have D finite numbers, each with |x| / sigma below <see cref="MaxInputOverSigma"/>.</summary>
    public static void CheckInputs(SparseCodingModel model, double[][] inputs, string? fileName = null)
    {
        if (inputs.Length == 0) throw InvalidInputException.Field(fileName, "inputs", "expected at least one input vector");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) throw InvalidInputException.Field(fileName, $"inputs[{i}]", "expected an array of numbers, got null");
            if (inputs[i].Length != model.D)
                throw InvalidInputException.Field(fileName, $"inputs[{i}]", $"expected {model.D} numbers (the dictionary has {model.D} rows), got {inputs[i].Length}");
            for (int d = 0; d < model.D; d++)
            {
                if (!double.IsFinite(inputs[i][d])) throw InvalidInputException.Field(fileName, $"inputs[{i}][{d}]", "must be a finite number");
                // The energy has |x|^2 / sigma^2: beyond about 1e150 it overflows double precision and the sampler's state becomes NaN.
                if (Math.Abs(inputs[i][d]) / model.Sigma > MaxInputOverSigma)
                    throw InvalidInputException.Field(fileName, $"inputs[{i}][{d}]", $"|x| = {Math.Abs(inputs[i][d]).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} is too large: |x| / sigma must stay below {MaxInputOverSigma:G0} for double precision; scale the inputs");
            }
        }
    }
}
