using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Exact;

/// <summary>One K &lt;= 2 problem with an exact grid posterior: a model and one input.</summary>
public sealed record ExactCase(string Name, SparseCodingModel Model, double[] X);

/// <summary>
/// The stiff K &lt;= 2 problems the step policy (<see cref="Inference.StepPolicy"/>) is judged on: small sigma and
/// nearly collinear atoms, where the paper's eps = 0.05 is biased by several hundredths or unstable. Inputs sit
/// where P(s != 0 | x) is neither near 0 nor near 1, so that a bias in it shows. Used by the exact tests (float in
/// EdgeLangevin.Reference.Tests, fixed point in EdgeLangevin.Core.Tests) and the bias table
/// (`dotnet run -c Release --project tests/EdgeLangevin.Benchmarks -- --step-bias`).
/// </summary>
public static class StiffCases
{
    /// <summary>Case names, for test data.</summary>
    public static readonly string[] Names = ["k1-sigma0.3", "k2-cos0.9-sigma0.3", "k1-sigma0.1"];

    /// <summary>
    /// What the default-step exact tests run, float and fixed point alike: the sigma = 0.3 cases x both variants x both
    /// orders (the sigma = 0.1 case takes minutes at its step and is measured by the bias table instead).
    /// </summary>
    public static IEnumerable<(string Name, Variant Variant, int Order)> DefaultStepCases() =>
        from name in Names.Where(n => !n.Contains("sigma0.1"))
        from variant in new[] { Variant.Signed, Variant.NonNegative }
        from order in new[] { 1, 2 }
        select (name, variant, order);

    /// <summary>
    /// The default-step tests' settings: the step policy's step for the model and order, <paramref name="chains"/> chains
    /// and 300 tau_u of samples (first order) or 1200 (second order: its larger step makes that cheap, and with mass
    /// mu = 1 its P(s != 0) decorrelates more slowly: 300 tau_u left standard errors of 0.005 to 0.006).
    /// </summary>
    public static InferenceSettings AtDefaultStep(SparseCodingModel model, int order, int chains)
    {
        InferenceSettings s = StepPolicy.Resolve(model, new InferenceSettings { Order = order, Chains = chains }).Settings;
        return s with { Samples = (int)Math.Ceiling((order == 1 ? 300 : 1200) / s.Eps) };
    }

    /// <summary>The case <paramref name="name"/> in <paramref name="variant"/>; lambda = 1, pi = 0.3.</summary>
    public static ExactCase Get(string name, Variant variant)
    {
        (double sigma, Matrix a, double[] x) = name switch
        {
            // K = 1: curvature 1 / sigma^2 = 11.1; P(s != 0 | x) = 0.40 (signed), 0.57 (non-negative).
            "k1-sigma0.3" => (0.3, new Matrix(1, 1, [1.0]), new[] { 0.6 }),
            // K = 2, unit atoms at cosine 0.9: lambda_max(A^T A) = 1.9, curvature 21.1; the units explain each other away.
            "k2-cos0.9-sigma0.3" => (0.3, new Matrix(2, 2, [1.0, 0.9, 0.0, Math.Sqrt(1 - 0.81)]), new[] { 0.9, 0.3 }),
            // K = 1, curvature 100: eps = 0.05 is beyond the stability limit 0.02.
            "k1-sigma0.1" => (0.1, new Matrix(1, 1, [1.0]), new[] { 0.3 }),
            _ => throw new ArgumentException($"unknown case '{name}', expected one of {string.Join(", ", Names)}", nameof(name)),
        };
        var model = new SparseCodingModel { Variant = variant, Lambda = 1, Pi = 0.3, Sigma = sigma, Dictionary = a };
        return new ExactCase($"{name} {variant.ToJson()}", model, x);
    }
}
