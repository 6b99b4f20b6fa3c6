using System.Globalization;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Inference;

/// <summary>What <see cref="StepPolicy.Resolve"/> decided for one model.</summary>
/// <param name="Settings">The settings with dt, samples and burn_in all set.</param>
/// <param name="Curvature">lambda_max(A^T A) / sigma^2, the largest curvature of the data term.</param>
/// <param name="Stiffness">Curvature + lambda^2, or with inputs max(curvature + lambda^2, the threshold layer's w (lambda + J)^2) (<see cref="StepPolicy.ThresholdLayer"/>): the scale of the squared force that sets the step's bias.</param>
/// <param name="StabilityLimitEps">The largest stable eps of the explicit step (first order 2 / curvature, second order 2 sqrt(mu / curvature)).</param>
/// <param name="ExpectedBias">The policy's estimate of the step's bias on P(s != 0) and E[s] at the chosen eps (0 at T = 0 and for LCA).</param>
/// <param name="DtChosen">True when dt came from the policy, false when the user set it.</param>
/// <param name="Warning">Set when an explicit dt is expected to bias the posterior by more than <see cref="StepPolicy.BiasTolerance"/>.</param>
public sealed record StepChoice(InferenceSettings Settings, double Curvature, double Stiffness, double StabilityLimitEps, double ExpectedBias, bool DtChosen, string? Warning)
{
    /// <summary>
    /// Samples were left unset and the chains sample: the inference engines run until the standard errors reach
    /// <see cref="RunLengthPolicy"/>'s targets, from Settings.Samples (the first checkpoint) up to <see cref="MaxSamples"/>.
    /// Other users of the resolved settings (learning, compare, reproduce) run Settings.Samples as before.
    /// </summary>
    public bool AdaptiveSamples { get; init; }

    /// <summary>The most samples per chain an adaptive run takes (<see cref="StepPolicy.MaxSampleTauU"/> tau_u, within <see cref="StepPolicy.MaxDefaultStepsPerChain"/>).</summary>
    public long MaxSamples { get; init; }

    /// <summary>
    /// Burn-in was left unset and the chains sample: the engines end it when every chain's every unit has left the zero
    /// region once (<see cref="FloatEngine.RunLoop"/>), and not before Settings.BurnIn (<see cref="StepPolicy.BurnInTauU"/>).
    /// </summary>
    public bool AdaptiveBurnIn { get; init; }

    /// <summary>
    /// J, the largest force beyond lambda pushing a non-negative unit back to its threshold for the inputs resolved with
    /// (<see cref="StepPolicy.ThresholdLayer"/>, which puts it in Stiffness); 0 without inputs, signed, or for MALA.
    /// </summary>
    public double ThresholdDrive { get; init; }

    /// <summary>
    /// w, the weight min(1, 2.5 x the layer's largest mass) of the threshold layer whose w (lambda + J)^2 is the largest
    /// (<see cref="StepPolicy.ThresholdLayer(ZeroMassBound.LassoMaps)"/>); 0 when no unit has one. Stiffness above
    /// Curvature + lambda^2 means that layer set the step.
    /// </summary>
    public double ThresholdLayerWeight { get; init; }

    /// <summary>The prior's escape time from the zero region in steps (<see cref="StepPolicy.ZeroRegionEscapeTauU"/> / eps); 0 when the chains do not sample.</summary>
    public double EscapeSteps { get; init; }
}

/// <summary>
/// The one step-size policy (README.md of this project, "Step size"; FIXED_POINT.md "Host conversions" for the
/// fixed side). The explicit Euler-Maruyama step u += eps F(u) + sqrt(2 eps) xi has, on a quadratic energy of
/// curvature c, the stationary variance 1 / (c (1 - eps c / 2)): it diverges for eps c &gt;= 2 and is biased by
/// about eps c / 2 below. Here c is the data term's largest curvature lambda_max(A^T A) / sigma^2 (every unit
/// active: the worst case), and the bias on P(s != 0) also grows with the prior's force lambda (the kinks at
/// u = 0 and |u| = u0), so the step is set by the stiffness c + lambda^2:
/// <list type="bullet">
/// <item>first order: eps = <see cref="FirstOrderH"/> / (c + lambda^2) (0.04);</item>
/// <item>second order (mass mu): the leapfrog-like half steps are stable for eps sqrt(c / mu) &lt; 2 and biased by
/// O((eps sqrt(c / mu))^2): eps = <see cref="SecondOrderH"/> sqrt(mu / (c + lambda^2)) (0.1);</item>
/// <item>never above the paper's eps = 0.05 (<see cref="PaperEps"/>);</item>
/// <item>never above <see cref="MaxGain"/> sigma^2, so that the fixed-point core's data gain eps / sigma^2 fits its
/// coefficient word at the default formats (FIXED_POINT.md: gain_q in Q1.14, below 2). Without it the default
/// second-order step of a model with small atoms at small sigma (a = 0.3, sigma = 0.1: eps = 0.032, gain 3.2) made
/// `infer --engine fixed` refuse the model at default settings while the float engine ran it: the posterior sweep
/// (bench/posterior-sweep) found it on small-norm and near-zero atoms. A smaller step only lowers the bias; the float
/// engine takes the same step so that the two engines stay comparable at default settings.</item>
/// </list>
/// The constants come from runs against the exact grid posterior on K &lt;= 2 models with sigma 0.1 to 0.5 and
/// atoms of cosine 0.9 (both variants, both orders; tests/EdgeLangevin.Reference.Tests/DefaultStepExactTests.cs):
/// the bias on P(s != 0) was about 0.15 h to 0.24 h for first order (h = eps stiffness, larger h worse) and about
/// 0.17 h^2 for second order (h = eps sqrt(stiffness / mu)). <see cref="ExpectedBias"/> uses the upper ends,
/// 0.25 h and 0.2 h^2: the defaults give about 0.01 and 0.002 at most; the exact tests measure them.
/// Samples and burn-in left unset are lengths in units of tau_u, so a smaller step does not shorten the run in time:
/// burn-in 50 tau_u (the old 1000 steps at eps = 0.05), which the inference engines extend until every chain's every
/// unit has left the zero region once (<see cref="StepChoice.AdaptiveBurnIn"/>); samples 100 tau_u for a first look, after which the inference engines
/// (FloatEngine, FixedEngine) go on until the standard errors reach <see cref="RunLengthPolicy"/>'s targets or
/// <see cref="MaxSampleTauU"/> (<see cref="StepChoice.AdaptiveSamples"/>).
/// An explicit dt at or beyond the stability limit is an error naming it; an explicit dt expected to bias
/// the posterior by more than <see cref="BiasTolerance"/> gives a warning saying by how much.
/// </summary>
public static class StepPolicy
{
    /// <summary>The paper's eps = dt / tau_u = 1 / 20; the policy never exceeds it.</summary>
    public const double PaperEps = 0.05;
    /// <summary>
    /// The largest data gain eps / sigma^2 the default step gives: the fixed core's coefficient word (FIXED_POINT.md, WC.FC
    /// = 16.14 by default, Q1.14) holds values below 2 - 2^-14; 1.99 leaves the rounding room.
    /// </summary>
    public const double MaxGain = 1.99;
    /// <summary>The paper's dt = 1 time unit (with tau_u = 20), which learning keeps when dt is unset.</summary>
    public const double PaperDt = 1;
    /// <summary>First order: eps times the stiffness.</summary>
    public const double FirstOrderH = 0.04;
    /// <summary>Second order: eps times sqrt(stiffness / mu).</summary>
    public const double SecondOrderH = 0.1;
    /// <summary>The largest bias on P(s != 0) and E[s] the defaults aim for.</summary>
    public const double BiasTolerance = 0.01;
    /// <summary>Samples per chain left unset: this many tau_u.</summary>
    public const double SampleTauU = 100;
    /// <summary>
    /// Burn-in left unset: at least this many tau_u, and in the inference engines until every chain's every unit has
    /// left the zero region once (<see cref="StepChoice.AdaptiveBurnIn"/>): every chain starts at u = 0, the deepest
    /// point of that region, and no data drive helps it out, so a unit whose posterior is active can sit there far longer
    /// than 50 tau_u when pi is small or lambda weak (mean escape 16 tau_u at pi = 0.05 first order, 56 second order,
    /// with long tails; the sweep found 2 of 4 second-order chains still inside after 150 tau_u, P(s != 0) 0.54 for 0.95).
    /// </summary>
    public const double BurnInTauU = 50;
    /// <summary>
    /// Samples left unset: the most tau_u an adaptive run takes before it stops with a warning (16 times the first
    /// checkpoint, <see cref="SampleTauU"/>). The sweep's slowest K = 1 cells (pi = 0.05, lambda = 0.3) reach the targets within it.
    /// </summary>
    public const double MaxSampleTauU = 16 * SampleTauU;
    /// <summary>
    /// The most steps per chain the policy chooses on its own: a model stiffer than about 27000 (e.g. sigma 1e-9) would
    /// otherwise get int.MaxValue steps and run for days without a word; such a model is refused, naming its stiffness.
    /// Explicit samples and burn_in are run as given.
    /// </summary>
    public const long MaxDefaultStepsPerChain = 100_000_000;

    /// <summary>lambda_max(A^T A) / sigma^2 (the largest eigenvalue of the smaller Gram matrix).</summary>
    public static double Curvature(SparseCodingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.D, k = model.K, n = Math.Min(d, k);
        double[] a = model.Dictionary.Data;
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                double s = 0;
                if (k <= d) for (int r = 0; r < d; r++) s += a[r * k + i] * a[r * k + j];   // A^T A
                else for (int c = 0; c < k; c++) s += a[i * k + c] * a[j * k + c];          // A A^T, same nonzero eigenvalues
                g[i * n + j] = s;
                g[j * n + i] = s;
            }
        double lmax = n == 1 ? g[0] : SymmetricEigen.Decompose(g, n).Values[0];
        return Math.Max(0, lmax) / (model.Sigma * model.Sigma);
    }

    /// <summary>
    /// The mean time, in tau_u, a chain started at u = 0 takes to leave the zero region |u| &lt; u0 at temperature T.
    /// Below threshold a unit has no data drive (MODEL.md: the gate is 0), so this is the prior's alone: the diffusion
    /// du = -lambda sign(u) dt + sqrt(2 T) dW, whose mean exit time from 0 solves T tau'' - lambda sign(u) tau' = -1 with
    /// tau(+-u0) = 0: tau(0) = (e^(k u0) - 1 - k u0) / (k^2 T), k = lambda / T; at T = 1, (1 / pi - 1 + ln pi) / lambda^2.
    /// 1.1 at lambda = 1, pi = 0.3; 16 at pi = 0.05; 13 at lambda = 0.3, pi = 0.3; 0 at pi = 1 (no zero region).
    /// First order; the second-order chain (mass mu, unit friction) is taken the same.
    /// </summary>
    public static double ZeroRegionEscapeTauU(SparseCodingModel model, double temperature)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(temperature > 0)) return 0;
        double kappa = model.Lambda / temperature, a = kappa * model.U0;
        // e^a - 1 - a without cancellation for small a
        double excess = a < 1e-3 ? a * a / 2 * (1 + a / 3) : Math.Exp(a) - 1 - a;
        return excess / (kappa * kappa * temperature);
    }

    /// <summary>Whether the chains sample (Langevin or MALA at T &gt; 0) rather than descend (T = 0, LCA): only samplers get the
    /// policy's step and run length, and only their Monte Carlo errors have the rare-switch floor.</summary>
    public static bool IsSampler(InferenceSettings settings) =>
        settings.Method is InferenceMethod.Langevin or InferenceMethod.Mala && settings.Temperature > 0;

    /// <summary>Curvature + lambda^2.</summary>
    public static double Stiffness(SparseCodingModel model) => Curvature(model) + model.Lambda * model.Lambda;

    /// <summary>The policy's eps for this model, order and mass (mu is ignored for order 1).</summary>
    public static double DefaultEps(SparseCodingModel model, int order, double mu) => DefaultEps(Stiffness(model), model.Sigma, order, mu);

    private static double DefaultEps(double stiffness, double sigma, int order, double mu) =>
        Math.Min(Math.Min(PaperEps, MaxGain * sigma * sigma), order == 1 ? FirstOrderH / stiffness : SecondOrderH * Math.Sqrt(mu / stiffness));

    /// <summary>The largest stable eps of the explicit step for a data curvature c (infinite when c = 0).</summary>
    public static double StabilityLimitEps(double curvature, int order, double mu) =>
        curvature <= 0 ? double.PositiveInfinity : order == 1 ? 2 / curvature : 2 * Math.Sqrt(mu / curvature);

    /// <summary>Estimated bias of P(s != 0) (and E[s]) from the step (see the type's remarks): 0.25 h (order 1), 0.2 h^2 (order 2).</summary>
    public static double ExpectedBias(double stiffness, double eps, int order, double mu)
    {
        double h = order == 1 ? eps * stiffness : eps * Math.Sqrt(stiffness / mu);
        return order == 1 ? 0.25 * h : 0.2 * h * h;
    }

    /// <summary>
    /// Fills in dt (when null: <see cref="DefaultEps(SparseCodingModel, int, double)"/> times tau_u), samples and burn_in
    /// (when null: <see cref="SampleTauU"/> and <see cref="BurnInTauU"/> tau_u of steps), checks an explicit dt against the
    /// stability limit (an <see cref="InvalidInputException"/> naming sigma, the curvature and the limit) and estimates its
    /// bias. LCA and T = 0 runs keep the paper's step when dt is null (they are descents, not samplers; only stability
    /// matters). <paramref name="source"/> names where the settings came from in messages (e.g. a config file).
    /// </summary>
    public static StepChoice Resolve(SparseCodingModel model, InferenceSettings settings, string? source = null) =>
        Resolve(model, settings, source, continuing: false, learningPaperDt: false, maps: null);

    /// <summary>
    /// <see cref="Resolve(SparseCodingModel, InferenceSettings, string?)"/> for a run on these inputs: the unadjusted
    /// Langevin step (first or second order, float or fixed) then also resolves the thin layer a non-negative unit keeps
    /// just beyond its threshold when its data want a negative code (<see cref="ThresholdLayer"/>): stiffness
    /// max(c + lambda^2, w (lambda + J)^2). `infer` (both engines and the CLI's report of the step) resolves this way;
    /// learning, compare and the exports have no inputs and keep c + lambda^2.
    /// </summary>
    public static StepChoice Resolve(SparseCodingModel model, InferenceSettings settings, double[][] inputs, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Resolve(model, settings, source, continuing: false, learningPaperDt: false, new ZeroMassBound.LassoMaps(model, inputs));
    }

    /// <summary>
    /// <see cref="Resolve(SparseCodingModel, InferenceSettings, double[][], string?)"/> from the inputs' lasso MAPs, solved
    /// once and shared with the zero-mass bound (<see cref="ZeroMassBound.LassoMaps"/>; `infer` passes one to its step report
    /// and its engine). <paramref name="maps"/> must be of <paramref name="model"/>.
    /// </summary>
    public static StepChoice Resolve(SparseCodingModel model, InferenceSettings settings, ZeroMassBound.LassoMaps maps, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (!ReferenceEquals(maps.Model, model)) throw new ArgumentException("the lasso MAPs are of another model", nameof(maps));
        return Resolve(model, settings, source, continuing: false, learningPaperDt: false, maps);
    }

    /// <summary>
    /// The threshold layer's share of the stiffness, max over the inputs and units of w (lambda + J)^2, and the largest J
    /// (both 0 for the signed variant and without inputs).
    /// <para>
    /// J is the force, beyond the prior's lambda, that pushes a non-negative unit back toward its threshold when it is just
    /// active: max(0, -a_k . (x - sum_{j != k} a_j m_j)) / sigma^2 with m the lasso MAP of x (<see cref="ZeroMassBound.Map"/>).
    /// Inside the zero region the force is the prior's lambda (hence lambda^2 in the stiffness); just beyond such a threshold
    /// it is lambda + J, and the unit's active mass is a layer of width about 1 / (lambda + J) there (and at -u0). The step
    /// must resolve it: at sigma 0.1, lambda 3, pi 0.7, atoms at cosine 0.3, x = a0 - a1 (J = 90), the model-only second-order
    /// step crossed it in about one step (eps (lambda + J) / sqrt(mu) = 0.8) and reported P(s_1 != 0) 0.0933 +- 0.0042 for exact
    /// 0.0693 (z 5.8); first order at pi 0.95, 0.520 +- 0.010 for 0.377 (z 14: eps (lambda + J)^2 = 2.7, and the noise step
    /// jumped the whole zero region, 2 u0 = 0.034). In the signed variant the layer is on the side the data do not want, a
    /// small share of the other side's mass, so J is 0 there.
    /// </para>
    /// <para>
    /// w: the layer biases P(s != 0) and E[s] in proportion to its mass (measured: first order the layer's mass is off by
    /// about 0.03 to 0.2 eps (lambda + J)^2 of itself, second order about 0.5 (eps (lambda + J))^2 / mu), so a layer that holds
    /// little of the posterior needs less resolution. Its mass is at most P = o / (1 + o), o = pi lambda / ((1 - pi)
    /// (lambda + J)) (the slab's odds against the zero state with the layer's integral 1 / (lambda + J), an upper bound since
    /// the curvature only thins it), and w = min(1, 2.5 P), so that stiffness >= w (lambda + J)^2 keeps the layer's bias
    /// within the policy's own bound (<see cref="ExpectedBias"/>: 0.25 h first order, 0.2 h^2 second order). At sigma 0.05,
    /// x = -1 (J = 400, P &lt;= 0.0025) the layer then costs 3.5 times the model's steps, not 400 times.
    /// </para>
    /// <para>
    /// J is read at the MAP state of the other units (where the posterior is); modes far from the MAP are not looked at.
    /// With all units at 0 instead, an input 40 times atom 0 would give its negatively correlated partner a J of hundreds
    /// for a state the chains never visit.
    /// </para>
    /// </summary>
    /// <returns>The layer's stiffness, the largest J (Drive), and the w of the unit whose layer sets the stiffness (Weight; 0 without a layer).</returns>
    public static (double Stiffness, double Drive, double Weight) ThresholdLayer(SparseCodingModel model, double[][]? inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (inputs is null || inputs.Length == 0 || model.Variant == Variant.Signed) return (0, 0, 0);
        return ThresholdLayer(new ZeroMassBound.LassoMaps(model, inputs));
    }

    /// <summary><see cref="ThresholdLayer(SparseCodingModel, double[][])"/> from the inputs' lasso MAPs (solved here if not yet).</summary>
    public static (double Stiffness, double Drive, double Weight) ThresholdLayer(ZeroMassBound.LassoMaps maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        SparseCodingModel model = maps.Model;
        if (maps.Inputs.Length == 0 || model.Variant == Variant.Signed) return (0, 0, 0);
        int k = model.K;
        double[] gram = maps.Gram;
        double s2 = model.Sigma * model.Sigma, lambda = model.Lambda, pi = model.Pi, stiffness = 0, drive = 0, stiffestWeight = 0;
        for (int i = 0; i < maps.Inputs.Length; i++)
        {
            (double[] m, double[] correlations) = maps.Map(i); // a_j . (x - A m)
            for (int j = 0; j < k; j++)
            {
                // unit j's own code taken out: the drive it meets at its threshold (s_j = 0)
                double opposing = -(correlations[j] + gram[j * k + j] * m[j]) / s2;
                if (!(opposing > 0)) continue; // NaN never counts
                double force = lambda + opposing;
                double odds = pi >= 1 ? double.PositiveInfinity : pi * lambda / ((1 - pi) * force);
                double weight = Math.Min(1, LayerWeight * (double.IsPositiveInfinity(odds) ? 1 : odds / (1 + odds)));
                if (weight * force * force > stiffness) { stiffness = weight * force * force; stiffestWeight = weight; }
                drive = Math.Max(drive, opposing);
            }
        }
        return (stiffness, drive, stiffestWeight);
    }

    /// <summary>w = min(1, this x the layer's largest mass) (<see cref="ThresholdLayer"/>).</summary>
    public const double LayerWeight = 2.5;

    /// <param name="learningPaperDt">learning runs at the paper's dt because dt was left unset: "leave dt unset" is then no advice.</param>
    private static StepChoice Resolve(SparseCodingModel model, InferenceSettings settings, string? source, bool continuing, bool learningPaperDt, ZeroMassBound.LassoMaps? maps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(source);
        double curvature = Curvature(model);
        bool sampler = IsSampler(settings);
        bool mala = settings.Method == InferenceMethod.Mala; // exact at any step: no stability error, no bias
        // MALA is exact at any step: its step stays the model's (a thin layer costs it acceptance, not bias)
        (double layer, double drive, double layerWeight) = sampler && !mala && maps is not null ? ThresholdLayer(maps) : (0, 0, 0);
        // the steepest scale sets the step: the layer's term is a budget of its own, not added to the curvature's (a layer
        // no steeper than c + lambda^2 is already resolved by the model's step, so case E's J = 0.5 changes nothing)
        double stiffness = Math.Max(curvature + model.Lambda * model.Lambda, layer);
        double mu = settings.Order == 2 ? settings.Mu : 1;
        // LCA's step is eps (A^T r - u + s): its curvature is lambda_max(A^T A) + 1, without 1 / sigma^2.
        double limit = settings.Method == InferenceMethod.Lca
            ? 2 / (curvature * model.Sigma * model.Sigma + 1)
            : StabilityLimitEps(curvature, settings.Order, mu);
        bool chosen = settings.Dt is null;
        double eps = chosen ? (sampler ? DefaultEps(stiffness, model.Sigma, settings.Order, mu) : Math.Min(PaperEps, 0.5 * limit)) : settings.Eps;
        if (chosen && sampler && layer > curvature + model.Lambda * model.Lambda)
        {
            // the threshold's force never makes the default lengths refuse a model whose own step fits them: the step is
            // then kept at the shortest that fits, and its larger bias goes into the error bars (ExpectedBias below)
            double modelEps = DefaultEps(curvature + model.Lambda * model.Lambda, model.Sigma, settings.Order, mu);
            double shortest = (SampleTauU + BurnInTauU) / (MaxDefaultStepsPerChain - 2);
            if (eps < shortest) eps = Math.Min(modelEps, shortest);
        }
        if (chosen && settings.Order == 2) eps = Math.Min(eps, mu); // the friction step needs eps / mu <= 1
        string at = $"sigma = {F(model.Sigma)}, lambda_max(A^T A) / sigma^2 = {F(curvature)}";
        if (!mala && !(eps < limit) && !(continuing && !chosen))
        {
            string limitText = settings.Method == InferenceMethod.Lca ? "2 / (lambda_max(A^T A) + 1)"
                : settings.Order == 1 ? "2 sigma^2 / lambda_max(A^T A)" : "2 sqrt(mu sigma^2 / lambda_max(A^T A))";
            string what = chosen ? "the default step"
                : learningPaperDt ? $"learning's dt = {F(settings.ResolvedDt)} (the paper's, used when inference.dt is unset; eps = dt / tau_u = {F(eps)})"
                : $"dt = {F(settings.ResolvedDt)} (eps = dt / tau_u = {F(eps)})";
            string advice = learningPaperDt
                ? "set a smaller inference.dt (and scale learning.steps and the time constants by the same factor to keep the learning time)"
                : "use a smaller dt or leave dt unset";
            throw InvalidInputException.Field(source, "dt",
                $"{what} is at or beyond the explicit step's stability limit eps < {limitText} = {F(limit)} (dt < {F(limit * settings.TauU)}) at {at}: the chains would diverge; {advice}");
        }
        double dtValue = chosen ? eps * settings.TauU : settings.ResolvedDt;
        double bias = sampler && !mala ? ExpectedBias(stiffness, eps, settings.Order, mu) : 0;
        string? warning = null;
        if (!chosen && bias > BiasTolerance)
            warning = $"dt = {F(dtValue)} (eps = {F(eps)}) is expected to bias P(s != 0) and E[s] by about {F(bias)} (above {F(BiasTolerance)}) at {at}; " +
                      $"the default step for this model is dt = {F(DefaultEps(stiffness, model.Sigma, settings.Order, mu) * settings.TauU)}";
        double escapeTauU = sampler ? ZeroRegionEscapeTauU(model, settings.Temperature) : 0;
        var resolved = settings with
        {
            Dt = dtValue,
            Samples = settings.Samples ?? Steps(SampleTauU, eps),
            BurnIn = settings.BurnIn ?? Steps(BurnInTauU, eps),
        };
        long lengthsChosen = (settings.Samples is null ? (long)resolved.ResolvedSamples : 0) + (settings.BurnIn is null ? (long)resolved.ResolvedBurnIn : 0);
        if (chosen && sampler && lengthsChosen > MaxDefaultStepsPerChain)
            throw InvalidInputException.Field(source, "dt",
                $"the default step for this model, eps = {F(eps)} (dt = {F(dtValue)}), needs {F(lengthsChosen)} steps per chain for the default " +
                $"{F(BurnInTauU)} tau_u of burn-in and {F(SampleTauU)} tau_u of samples (more than {F(MaxDefaultStepsPerChain)}): the model is too stiff to sample at default settings " +
                $"(stiffness lambda_max(A^T A) / sigma^2 + lambda^2 = {F(stiffness)} at {at}, lambda = {F(model.Lambda)}); check sigma and lambda, or set samples and burn_in (and dt) explicitly");
        bool adaptive = sampler && settings.Samples is null;
        long maxSamples = adaptive
            ? Math.Max(resolved.ResolvedSamples, Math.Min(Steps(MaxSampleTauU, eps), MaxDefaultStepsPerChain - resolved.ResolvedBurnIn))
            : resolved.ResolvedSamples;
        return new StepChoice(resolved, curvature, stiffness, limit, bias, chosen, warning)
        {
            ThresholdDrive = drive, ThresholdLayerWeight = layerWeight,
            AdaptiveSamples = adaptive, MaxSamples = maxSamples, EscapeSteps = escapeTauU / eps,
            AdaptiveBurnIn = sampler && settings.BurnIn is null,
        };
    }

    /// <summary>
    /// Learning's step: the learning schedules (tau_x, tau_a, tau_u0 in time units, and step counts) were set at the
    /// paper's dt = 1, so when dt is null learning keeps dt = <see cref="PaperDt"/>, checked against the stability
    /// limit like any explicit dt (an error for models too stiff for it: set inference.dt, and scale learning.steps by
    /// the same factor to keep the learning time).
    /// <para>
    /// <paramref name="continuing"/>: the model was just learned at this dt by an earlier stage of the same run (settling,
    /// averaging, evaluation), which ran stably. Its learned atoms may then put lambda_max(A^T A) / sigma^2 beyond
    /// 2 / eps, but that bound counts every unit active at once; the chains feel only the active units' curvature (the
    /// drive's Jacobian is diag(g) A^T A diag(g) / sigma^2, g = 0 below threshold), and sparse codes keep few units
    /// active. Measured: `learn --data images --quick --k 64 --steps 300000` ran stably at dt = 1 while its dictionary's
    /// curvature grew to 51 (the bound is 40) with 2 to 13 active units per patch; random 11-unit subsets of the
    /// 120000-step dictionary (full curvature 36) have curvature at most 20 (median 15).
    /// So a continuing stage is not refused for the all-active bound; the learner still stops with its divergence
    /// error if u, u0 or the dictionary blow up.
    /// </para>
    /// </summary>
    public static StepChoice ResolveForLearning(SparseCodingModel model, InferenceSettings settings, string? source = null, bool continuing = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Resolve(model, settings with { Dt = LearningDt(settings) }, source, continuing, learningPaperDt: settings.Dt is null, maps: null);
    }

    /// <summary>Learning's dt: the explicit one, else the paper's <see cref="PaperDt"/>.</summary>
    public static double LearningDt(InferenceSettings settings) => settings.Dt ?? PaperDt;

    /// <summary>
    /// The number of steps at <paramref name="eps"/> that covers the same time as <paramref name="stepsAtPaperEps"/> steps at
    /// <see cref="PaperEps"/>: run lengths written for the paper's step (e.g. `compare`'s) keep their length in time.
    /// </summary>
    public static int SameTime(int stepsAtPaperEps, double eps) => Steps(stepsAtPaperEps * PaperEps, eps);

    /// <summary>Steps that cover <paramref name="tauU"/> tau_u at step eps (at least 1, at most int.MaxValue).</summary>
    private static int Steps(double tauU, double eps) => (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(tauU / eps - 1e-9)));

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
