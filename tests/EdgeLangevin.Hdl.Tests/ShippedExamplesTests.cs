using EdgeLangevin.Codegen.Hdl;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// Every configuration shipped in codegen/examples is one the hdl verbs accept: the UP5K resource
/// model (DSPs, block RAM, SPRAM, data memory), the step policy and the learning rates. The READMEs
/// give commands on these files; when the resource model changes, a file it now refuses must be
/// changed with it (the long run's file was refused for a session before this test existed).
/// </summary>
public class ShippedExamplesTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(ExamplesDir(), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_hdl_verbs_accept_the_shipped_example(string file)
    {
        // seed 2: the seed the READMEs' long-run commands use (the resource checks do not depend on it)
        HdlProject project = HdlProject.Load(null, Path.Combine(ExamplesDir(), file), 2);
        Assert.True(project.Datapath.SpramEstimate <= DatapathModel.Up5kSpram, $"{file}: {project.Datapath.SpramEstimate} SPRAMs");
        Assert.True(project.Datapath.BramEstimate <= DatapathModel.Up5kBram, $"{file}: {project.Datapath.BramEstimate} block RAMs");
    }

    [Fact]
    public void The_examples_folder_holds_the_learning_configurations()
    {
        // guards the theory above against an empty or moved folder (it would then pass on nothing)
        string[] files = Directory.GetFiles(ExamplesDir(), "*.json").Select(Path.GetFileName).ToArray()!;
        Assert.Contains("learning-bars-long.json", files);
        Assert.True(files.Length >= 5, $"only {files.Length} examples");
    }

    private static string ExamplesDir()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "EdgeLangevin.sln")))
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        return Path.Combine(dir, "codegen", "examples");
    }
}
