using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>`infer --preprocess`: raw pixel patches through a model's stored preprocessing, and the warning without it.</summary>
public class InferPreprocessTests
{
    private static string ImageModel(TempDir dir)
    {
        string path = dir.File("image-model.json");
        ModelFile.Write(path, new SparseCodingModel
        {
            Variant = Variant.Signed, Lambda = 1, Pi = 0.3, Sigma = 0.5,
            Dictionary = new Matrix(4, 3, [0.5, 0.1, -0.2, 0.3, 0.6, 0.1, -0.1, 0.2, 0.7, 0.4, -0.3, 0.2]),
            Preprocessing = new Preprocessing
            {
                PatchSize = 2, MeanRemoval = true, Whitening = PatchPreprocessor.Zca, PixelDivisor = 128, Scale = 2,
                WhiteningMatrix = new Matrix(4, 4, [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, -1]),
            },
        });
        return path;
    }

    [Fact]
    public void A_raw_patch_with_preprocess_gives_the_posterior_of_its_preprocessed_x()
    {
        using var dir = new TempDir();
        string model = ImageModel(dir);
        // By hand, in numbers binary floating point holds exactly (so the two runs see the same x to the bit):
        // raw / 128 = (0.25, 0.5, 0.75, 1), mean 0.625 -> (-0.375, -0.125, 0.125, 0.375); W -> (-0.375, -0.25, 0.5, -0.375); x 2.
        string raw = dir.File("raw.json", """{"inputs": [[32, 64, 96, 128]]}"""), x = dir.File("x.json", """{"inputs": [[-0.75, -0.5, 1.0, -0.75]]}""");
        string[] common = ["--samples", "300", "--burn-in", "50", "--seed", "5", "--threads", "1", "--quiet"];
        CliRun a = CliRun.Of(["infer", "--model", model, "--input", raw, "--preprocess", "--json", dir.File("a.json"), .. common]);
        CliRun b = CliRun.Of(["infer", "--model", model, "--input", x, "--json", dir.File("b.json"), .. common]);
        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        JsonNode ja = JsonNode.Parse(File.ReadAllText(dir.File("a.json")))!, jb = JsonNode.Parse(File.ReadAllText(dir.File("b.json")))!;
        Assert.True((bool)ja["preprocessed"]!);
        Assert.False((bool)jb["preprocessed"]!);
        Assert.Equal(jb["results"]!.ToJsonString(), ja["results"]!.ToJsonString());
        Assert.DoesNotContain("warning", a.Err);
    }

    [Fact]
    public void A_raw_looking_input_without_preprocess_warns_and_names_the_flag()
    {
        using var dir = new TempDir();
        string raw = dir.File("raw.json", """{"inputs": [[0.1, 0.2, 0.3, 0.4], [55, 90, 12, 70]]}""");
        CliRun run = CliRun.Of("infer", "--model", ImageModel(dir), "--input", raw, "--json", dir.File("p.json"), "--samples", "100", "--burn-in", "20", "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("warning: " + raw + ": inputs[1] has RMS", run.Err);
        Assert.Contains("pass --preprocess", run.Err);
    }

    [Fact]
    public void Preprocess_with_a_model_not_learned_from_images_is_exit_2_naming_the_model()
    {
        using var dir = new TempDir();
        string model = Fixtures.Model(dir);
        CliRun run = CliRun.Of("infer", "--model", model, "--input", Fixtures.Input(dir), "--preprocess", "--json", dir.File("p.json"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(model + ": --preprocess needs a model learned from images", run.Err);
        Assert.False(File.Exists(dir.File("p.json")) && new FileInfo(dir.File("p.json")).Length > 0, "nothing is written on an error");
    }
}
