using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>The configurations the tests generate hardware for, and where their builds are shared.</summary>
internal static class HdlTestConfigs
{
    /// <summary>
    /// One work folder for the whole test run (and across runs: builds are keyed by the hash of the
    /// generated sources, so an unchanged configuration is compiled once).
    /// </summary>
    public static readonly string WorkRoot = Path.Combine(AppContext.BaseDirectory, "hdl-work");

    public static HdlProject Project(int k, int d, int lanes, Variant variant, double pi = 0.3, int seed = 1,
        string format = "", DictionaryMemory memory = DictionaryMemory.Auto, int tbMaxSteps = 4096, double temperature = 1.0)
    {
        var config = new HdlConfig
        {
            // dt = 1 (eps = 0.05) explicitly: these tests check structure and bit-exactness, also in narrow formats
            // (S = 16.8) that cannot hold the step policy's smaller default step for these models, and the golden
            // files were made at this step.
            Inference = EdgeLangevin.Reference.Settings.InferenceSettings.Default with { Temperature = temperature, Dt = 1 },
            Hdl = new HdlSettings { Lanes = lanes, DictionaryMemory = memory, Format = format, TbMaxSteps = tbMaxSteps },
            Vectors = new VectorSettings { Problem = "random", Variant = variant, K = k, D = d, Pi = pi, Sigma = 0.5, Lambda = 1 },
        };
        SparseCodingModel model = config.Vectors.BuildModel(seed);
        return HdlProject.Create(model, config, $"test K={k} D={d}");
    }

    /// <summary>
    /// The project of an hdl --config text (sections inference, hdl, vectors, learning), its
    /// model drawn from <paramref name="seed"/> as the CLI does.
    /// </summary>
    public static HdlProject FromConfig(string json, int seed)
    {
        HdlConfig config = HdlConfig.Parse(json, "test config");
        return HdlProject.Create(config.Vectors.BuildModel(seed), config, "test config");
    }

    /// <summary>A fresh temporary copy of a vector folder, for a test that changes a word in it (the caller deletes it).</summary>
    public static string CopyVectors(string vectors)
    {
        string copy = Path.Combine(Path.GetTempPath(), "el-corrupt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (string f in Directory.GetFiles(vectors)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        return copy;
    }

    /// <summary>Replaces line <paramref name="index"/> of a vector file and reseals it (<see cref="Reseal"/>).</summary>
    public static void RewriteLine(string dir, string file, int index, string line)
    {
        string path = Path.Combine(dir, file);
        string[] lines = File.ReadAllLines(path);
        lines[index] = line;
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        Reseal(dir, file);
    }

    /// <summary>
    /// Writes <paramref name="file"/>'s new SHA-256 into the folder's manifest, so that a word a
    /// test changed on purpose reaches the testbench instead of the checksum check.
    /// </summary>
    public static void Reseal(string dir, string file)
    {
        string manifest = Path.Combine(dir, "manifest.json");
        var m = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        m["checksums"]![file]!["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, file))));
        File.WriteAllText(manifest, m.ToJsonString());
    }

    /// <summary>Skips a test when a tool is missing (CI installs them with codegen/install-hdl-tools.sh).</summary>
    /// <summary>
    /// Compiles (once per configuration and simulator, shared under <see cref="WorkRoot"/>) and simulates
    /// the design against its test vectors for <paramref name="steps"/> steps from <paramref name="seed"/>;
    /// the vectors are written once and shared by the tests that ask for the same run.
    /// </summary>
    public static SimulationResult Simulate(HdlProject project, HdlSimulator sim, int steps, int seed, out string vectors)
    {
        RequireTools(sim == HdlSimulator.Icarus ? "iverilog" : "verilator");
        var verifier = new HdlVerifier(WorkRoot);
        string src = verifier.Sources(project.Datapath);
        vectors = Path.Combine(src, "vectors", $"seed{seed}-steps{steps}");
        lock (string.Intern(vectors))
        {
            if (!File.Exists(Path.Combine(vectors, "manifest.json"))) HdlVerifier.WriteVectors(project, steps, seed, vectors);
        }
        var (n, generatorSeed) = HdlVerifier.CheckVectors(project.Datapath, vectors);
        return verifier.Simulate(src, sim, vectors, n, generatorSeed);
    }

    public static void RequireTools(params string[] tools)
    {
        foreach (string t in tools)
            if (!ToolRunner.Exists(t)) throw new InvalidOperationException($"{t} is not installed: run codegen/install-hdl-tools.sh");
    }
}
