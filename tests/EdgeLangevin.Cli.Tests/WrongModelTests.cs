using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Models and configurations that are legal JSON with wrong values, through the fixed-point verbs (vectors, hdl generate,
/// firmware export): refused with exit 2 naming the file and the field, and no output folder written.
/// </summary>
public class WrongModelTests
{
    private static string ModelWith(TempDir tmp, double scale, bool zeroColumn = false)
    {
        string path = Path.Combine(tmp.Path, "model.json");
        double[] data = [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2];
        for (int i = 0; i < data.Length; i++) data[i] *= zeroColumn && i % 3 == 1 ? 0 : scale;
        ModelFile.Write(path, new SparseCodingModel { Variant = Variant.Signed, Lambda = 1.0, Pi = 0.3, Sigma = 0.5, Dictionary = new Matrix(4, 3, data) });
        return path;
    }

    public static TheoryData<string[]> FixedPointVerbs => new()
    {
        new[] { "vectors", "--steps", "4" },
        new[] { "hdl", "generate" },
        new[] { "firmware", "export", "--target", "iot" },
    };

    [Theory]
    [MemberData(nameof(FixedPointVerbs))]
    public void A_dictionary_whose_columns_round_to_zero_in_the_dictionary_format_is_refused_naming_the_column(string[] verb)
    {
        // Columns of norm about 1e-6 against A's resolution 2^-13: before, each verb wrote an all-zero dictionary, exit 0
        // (vectors said "saturations 0"), while the model and the float reference have three working units.
        using var tmp = new TempDir();
        string model = ModelWith(tmp, 1e-6);
        string output = Path.Combine(tmp.Path, "out");
        CliRun run = CliRun.Of([.. verb, "--model", model, "--out", output, "--quiet"]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{model}: field 'dictionary column 0': every entry rounds to 0 in the dictionary format Q2.13", run.Err);
        Assert.Contains("the fixed-point core would lose unit 0", run.Err);
        Assert.DoesNotContain("cannot be held", run.Err); // the dictionary's scale, not the step's
        Assert.DoesNotContain("   at ", run.Err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_dictionary_with_a_zero_column_of_its_own_is_still_accepted()
    {
        // A zero column is the model's (a unit without any effect), not one the format lost: nothing to refuse.
        using var tmp = new TempDir();
        string model = ModelWith(tmp, 1, zeroColumn: true);
        CliRun run = CliRun.Of("vectors", "--steps", "4", "--model", model, "--out", Path.Combine(tmp.Path, "out"), "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Theory]
    [InlineData("1e-160")]
    [InlineData("1e-300")]
    public void A_vectors_sigma_so_small_that_the_curvature_overflows_is_named_not_a_dt_never_set(string sigma)
    {
        // Before: "field 'inference.dt': the default step is at or beyond the explicit step's stability limit ... = 0
        // (dt < 0) at sigma = 1E-160, lambda_max(A^T A) / sigma^2 = Infinity".
        using var tmp = new TempDir();
        string config = tmp.File("c.json", """{"vectors": {"k": 16, "d": 8, "sigma": """ + sigma + "}}");
        string output = Path.Combine(tmp.Path, "out");
        CliRun run = CliRun.Of("hdl", "generate", "--config", config, "--out", output, "--quiet");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{config}: field 'vectors.sigma': sigma = {double.Parse(sigma, System.Globalization.CultureInfo.InvariantCulture).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} is too small", run.Err);
        Assert.DoesNotContain("'dt'", run.Err);
        Assert.DoesNotContain("inference.dt", run.Err);
        Assert.False(Directory.Exists(output));
    }
}
