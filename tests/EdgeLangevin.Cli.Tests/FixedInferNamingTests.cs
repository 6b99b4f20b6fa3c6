using System.Globalization;
using CsCheck;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// `infer --engine fixed` converts the model and the inputs to the fixed-point formats inside the engine, which did not
/// know the files: a dictionary entry outside Q2.13 was "field 'dictionary.data[0] (d = 0, k = 0)'", an input outside
/// Q15.16 "inputs[0]: field 'x[0]'", and the model's default step too fine for the state format "field 'leak = eps * lambda'",
/// none with a file (break-21). Every such value is refused with exit 2 naming the file it is in and the entry.
/// </summary>
public class FixedInferNamingTests
{
    private static readonly double[] Dictionary = [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2];
    private static readonly double[] Input = [0.5, -0.25, 1.0, 0.0];

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static CliRun Infer(TempDir tmp, double[] dictionary, double[] input, Variant variant = Variant.Signed)
    {
        string model = Path.Combine(tmp.Path, "model.json"), inputs = Path.Combine(tmp.Path, "x.json");
        ModelFile.Write(model, new SparseCodingModel { Variant = variant, Lambda = 1.0, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(4, 3, dictionary) });
        File.WriteAllText(inputs, $"{{\"inputs\": [[{string.Join(", ", input.Select(Number))}]]}}");
        return CliRun.Of("infer", "--engine", "fixed", "--model", model, "--input", inputs, "--json", Path.Combine(tmp.Path, "p.json"),
            "--samples", "4", "--burn-in", "1", "--chains", "1", "--quiet");
    }

    private static void RefusedNaming(CliRun run, string file, string field)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: {file}: field '{field}'", run.Err);
        Assert.DoesNotContain("   at ", run.Err);
    }

    /// <summary>One entry of <paramref name="valid"/> replaced by +-[lowest, 1e100]: <paramref name="check"/> gets the values and the index.</summary>
    private static void EachEntryOutOfRange(double[] valid, double lowest, Action<double[], int> check) =>
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Double[lowest, 1e100], Gen.Bool).Sample((i, magnitude, negative) =>
        {
            double[] values = [.. valid];
            values[i] = negative ? -magnitude : magnitude;
            check(values, i);
        }, iter: 25, threads: 1);

    [Fact]
    public void A_dictionary_entry_outside_the_dictionary_format_names_the_model_file()
    {
        // Q2.13 holds -4 .. 3.99988; the column norms stay finite in double, so only the fixed-point format refuses it
        using var tmp = new TempDir();
        EachEntryOutOfRange(Dictionary, 4.5, (d, i) =>
            RefusedNaming(Infer(tmp, d, Input), Path.Combine(tmp.Path, "model.json"), $"dictionary.data[{i}] (d = {i / 3}, k = {i % 3})"));
    }

    [Fact]
    public void An_input_outside_the_state_format_names_the_input_file_and_the_entry()
    {
        // Q15.16 holds about +-32768; up to 1e100, below the float engine's own limit (|x| / sigma < 1e100)
        using var tmp = new TempDir();
        EachEntryOutOfRange(Input, 40_000, (x, i) => RefusedNaming(Infer(tmp, Dictionary, x), Path.Combine(tmp.Path, "x.json"), $"inputs[0][{i}]"));
    }

    [Fact]
    public void A_default_step_too_fine_for_the_state_format_names_the_model_file()
    {
        // A non-negative model pushed hard below its thresholds: the step that resolves the threshold layer is so small
        // that eps * lambda rounds to 0 in Q15.16. The step came from the model (no inference.dt), so the model is named.
        using var tmp = new TempDir();
        RefusedNaming(Infer(tmp, Dictionary, [-20_000, -20_000, -20_000, -20_000], Variant.NonNegative), Path.Combine(tmp.Path, "model.json"), "leak = eps * lambda");
    }
}
