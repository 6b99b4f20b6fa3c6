using System.Globalization;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Exact;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Benchmarks;

/// <summary>
/// `-- --step-bias [chains] [tau_u]`: the posterior bias of the old default step (the paper's eps = 0.05) and of the
/// step policy's default on the stiff K &lt;= 2 cases (<see cref="StiffCases"/>), float and fixed point, against the exact
/// grid posterior. Prints a Markdown table: max over units of |P(s != 0) - exact| and |E[s] - exact|, with the
/// largest standard error beside them. Not a test: minutes of sampling.
/// </summary>
public static class StepBiasTable
{
    public static void Run(int chains, double tauU)
    {
        Console.WriteLine($"chains {chains}, {tauU} tau_u of samples after the default burn-in (50 tau_u)");
        Console.WriteLine("| case | order | engine | step | eps | max dP | max dE | max SE |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (string name in StiffCases.Names)
            foreach (Variant v in new[] { Variant.Signed, Variant.NonNegative })
                foreach (int order in new[] { 1, 2 })
                {
                    ExactCase c = StiffCases.Get(name, v);
                    var exact = new ExactPosterior(c.Model, c.X, 200);
                    foreach (bool old in new[] { true, false })
                        foreach (string engine in new[] { "float", "fixed" })
                        {
                            var request = new InferenceSettings { Order = order, Chains = chains, Dt = old ? 1.0 : null };
                            string row = $"| {c.Name} | {order} | {engine} | {(old ? "old (0.05)" : "default")} |";
                            try
                            {
                                InferenceSettings s = StepPolicy.Resolve(c.Model, request).Settings;
                                s = s with { Samples = (int)Math.Ceiling(tauU / s.Eps), BurnIn = (int)Math.Ceiling(50 / s.Eps) };
                                PosteriorSummary r = engine == "float"
                                    ? FloatEngine.Infer(c.Model, [c.X], s, 5)[0]
                                    : FixedEngine.Infer(c.Model, [c.X], s, 5, FixedFormat.Default).Summaries[0];
                                double dp = 0, dm = 0, se = 0;
                                for (int k = 0; k < c.Model.K; k++)
                                {
                                    dp = Math.Max(dp, Math.Abs(r.PActive[k] - exact.PActive[k]));
                                    dm = Math.Max(dm, Math.Abs(r.Mean[k] - exact.Mean[k]));
                                    se = Math.Max(se, Math.Max(r.PActiveStdError[k], r.MeanStdError[k]));
                                }
                                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row} {s.Eps:G3} | {dp:F4} | {dm:F4} | {se:F4} |"));
                            }
                            catch (InvalidInputException e)
                            {
                                Console.WriteLine($"{row} - | refused: {e.Message.Split(':')[0]} ... | | |");
                            }
                        }
                }
    }
}
