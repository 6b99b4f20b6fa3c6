using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Session 16's break round: a model too stiff to sample at its own default step (an entry of 1e150, lambda 1e8, sigma
/// 1e-10) was refused by `infer` as "command line: field 'dt'" although infer has no dt option and no config was given:
/// the error now names the model file, as `vectors` already did.
/// </summary>
public class StiffModelNamingTests
{
    [Theory]
    [InlineData(1e150, 1.0, 0.5)]
    [InlineData(0.5, 1e8, 0.5)]
    [InlineData(0.5, 1.0, 1e-10)]
    public void A_model_too_stiff_for_its_default_step_is_named_by_infer(double entry, double lambda, double sigma)
    {
        using var tmp = new TempDir();
        string model = Path.Combine(tmp.Path, "stiff.json");
        var dictionary = new Matrix(4, 3, [entry, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2]);
        ModelFile.Write(model, new SparseCodingModel { Variant = Variant.Signed, Lambda = lambda, Pi = 0.3, Sigma = sigma, Dictionary = dictionary });
        string output = Path.Combine(tmp.Path, "p.json");
        var run = CliRun.Of("infer", "--model", model, "--input", Fixtures.Input(tmp), "--json", output);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{model}: field 'dt'", run.Err);
        Assert.Contains("too stiff", run.Err);
        Assert.DoesNotContain("command line", run.Err);
        Assert.False(File.Exists(output));
    }

    /// <summary>
    /// The same class in `firmware export` (found in break-18, fixed after it): lambda 1e8 was refused as "field 'dt'"
    /// with no file (the learning board's advice about the model's own step resolved that step without a source), and
    /// a sigma of 1e10, whose fixed-point gain cannot be represented, was named by the generated class's short name.
    /// </summary>
    [Theory]
    [InlineData(1e8, 0.5)]
    [InlineData(1.0, 1e10)]
    public void Firmware_export_names_the_model_file_when_the_model_is_at_fault(double lambda, double sigma)
    {
        using var tmp = new TempDir();
        string model = Path.Combine(tmp.Path, "faulty.json");
        var dictionary = new Matrix(4, 3, [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2]);
        ModelFile.Write(model, new SparseCodingModel { Variant = Variant.Signed, Lambda = lambda, Pi = 0.3, Sigma = sigma, Dictionary = dictionary });
        string output = Path.Combine(tmp.Path, "board");
        var run = CliRun.Of("firmware", "export", "--model", model, "--target", "iot", "--out", output);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"error: {model}: ", run.Err);
        Assert.False(Directory.Exists(output));
    }
}
