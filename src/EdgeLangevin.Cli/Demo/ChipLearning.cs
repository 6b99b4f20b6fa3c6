using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Demo;

/// <summary>
/// The demo's chip stage: the bars dictionary learned by the generated Verilog (issue 11: B chains,
/// data memory, stochastic-rounding dictionary update, learned threshold), simulated, its dictionary
/// read out of the RTL's memories at the end, compared word for word with the C# learner's
/// (FixedLearner on the same data memory) and with the true bars.
/// <para>
/// The settings are one of the shipped hdl learning configurations (embedded in the tool): the
/// 2000-step verification's, codegen/examples/learning-bars-k16d64-b4.json (4 chains, 256 data), used
/// by the full demo (2000 steps, Verilator) and --quick (8 steps, Icarus), or the long run's,
/// codegen/examples/learning-bars-long.json (16 chains, 1024 data, 30000 steps: too long for the demo;
/// its data memory takes the 4 SPRAMs and the dictionary stays in block RAM).
/// </para>
/// </summary>
public static class ChipLearning
{
    /// <summary>The configurations the demo can learn with (codegen/examples/NAME.json, embedded).</summary>
    public static readonly string[] ConfigNames = ["learning-bars-long", "learning-bars-k16d64-b4"];

    /// <summary>Where the configuration comes from (for messages and the report).</summary>
    public static string ConfigPath(string name) => $"codegen/examples/{name}.json";

    /// <summary>One of <see cref="ConfigNames"/>'s hdl configurations.</summary>
    public static HdlConfig Config(string name)
    {
        if (Array.IndexOf(ConfigNames, name) < 0) throw new ArgumentException($"unknown chip configuration '{name}'", nameof(name));
        using Stream s = typeof(ChipLearning).Assembly.GetManifestResourceStream($"EdgeLangevin.Cli.{name}.json")
            ?? throw new InvalidOperationException($"internal error: the embedded {name}.json is missing");
        using var reader = new StreamReader(s);
        return HdlConfig.Parse(reader.ReadToEnd(), ConfigPath(name));
    }

    /// <summary>What a chip run produced: the simulator's verdict and both learned dictionaries.</summary>
    public sealed record Run(HdlProject Project, LearningVectorSet Learner, SimulationResult Simulation, short[] Chip, string SimulatorName,
        double LearnerSeconds, double BuildSeconds, double SimulationSeconds)
    {
        /// <summary>The C# learner's dictionary after the last step (row-major d*K + k).</summary>
        public short[] LearnerWords => Learner.CheckpointWords.Skip(Learner.CheckpointWords.Count - Project.Datapath.D * Project.Datapath.K).ToArray();
    }

    /// <summary>
    /// Learns for <paramref name="steps"/> steps in C# (the learning vectors) and on the simulated chip,
    /// and reads the chip's dictionary back. Does not judge: see <see cref="Check"/>.
    /// </summary>
    public static Run Learn(HdlProject project, HdlSimulator sim, int steps, int seed, string workRoot, string dictionaryOut, IProgress<RunProgress> progress, CancellationToken ct)
    {
        DatapathModel dp = project.Datapath;
        var verifier = new HdlVerifier(workRoot);
        string src = verifier.Sources(dp);
        string simName = sim == HdlSimulator.Icarus ? "icarus" : "verilator";

        var clock = Stopwatch.StartNew();
        progress.Report(new RunProgress($"chip: C# learner, {steps} steps", 0, 1));
        LearningVectorSet lv = LearningVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, project.Config.Learning!,
            project.Config.Vectors, steps, seed, project.Source);
        string vectors = Path.Combine(src, "vectors", $"seed{seed}-steps{steps}");
        if (!File.Exists(Path.Combine(vectors, "manifest.json"))) LearningVectors.Write(vectors, lv);
        var (n, generatorSeed) = HdlVerifier.CheckVectors(dp, vectors);
        double learnerSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        progress.Report(new RunProgress($"chip: build the {simName} model", 0, 1));
        verifier.Build(src, sim, ct);
        double buildSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        progress.Report(new RunProgress($"chip: {simName}, {n} learning steps", 0, 1));
        SimulationResult r = verifier.Simulate(src, sim, vectors, n, generatorSeed, ct, dictionaryOut: dictionaryOut);
        double simSeconds = clock.Elapsed.TotalSeconds;
        // a testbench that stopped with an error writes no dictionary: then the simulator's verdict is what Check reports
        short[] chip = File.Exists(dictionaryOut) || r.Passed ? HdlVerifier.ReadDictionary(dictionaryOut, dp.D, dp.K, dp.Format.DictionaryBits) : [];
        progress.Report(new RunProgress($"chip: {simName}, {n} learning steps", 1, 1));
        return new Run(project, lv, r, chip, simName, learnerSeconds, buildSeconds, simSeconds);
    }

    /// <summary>
    /// The stage's verdict: the testbench's word-for-word comparison must pass, and the dictionary
    /// read out of the RTL must equal the C# learner's word for word. Throws JobFailedException
    /// naming the first differing word (a chip that learned something else is a failure, never a plot).
    /// </summary>
    public static void Check(SimulationResult simulation, short[] chip, short[] learner, int d, int k)
    {
        if (!simulation.Passed)
            throw new JobFailedException($"the chip does not learn what the C# learner learns: {simulation.Summary()}");
        if (Difference(chip, learner, d, k) is { } diff)
            throw new JobFailedException($"the dictionary read from the chip differs from the C# learner's: {diff}");
    }

    /// <summary>Null when the two row-major D x K dictionaries are equal; else the count and the first differing A[d, k].</summary>
    public static string? Difference(short[] chip, short[] learner, int d, int k)
    {
        if (chip.Length != d * k || learner.Length != d * k)
            return $"expected D*K = {d * k} words each, got {chip.Length} (chip) and {learner.Length} (learner)";
        int first = FirstDifference(chip, learner);
        if (first < 0) return null;
        int count = 0;
        for (int i = first; i < chip.Length; i++)
            if (chip[i] != learner[i]) count++;
        return string.Create(CultureInfo.InvariantCulture, $"{count} of {chip.Length} words differ, the first A[d={first / k}, k={first % k}]: chip {chip[first]}, learner {learner[first]}");
    }

    /// <summary>The index of the first word where the two dictionaries differ (row-major: A[d = i / K, k = i % K]), or -1.</summary>
    public static int FirstDifference(short[] chip, short[] learner)
    {
        int same = chip.AsSpan().CommonPrefixLength(learner);
        return same < Math.Min(chip.Length, learner.Length) ? same : -1;
    }

    /// <summary>A row-major word dictionary as a matrix of its real values.</summary>
    public static Matrix ToMatrix(short[] words, int d, int k, FixedFormat format)
    {
        var m = new Matrix(d, k);
        for (int i = 0; i < words.Length; i++) m.Data[i] = FixedParameters.DictionaryToDouble(words[i], format);
        return m;
    }

    /// <summary>Matched cosine of a learned dictionary to the truth and the learned columns reordered to the true atoms' order (for plotting beside them).</summary>
    public static (double Cosine, double[] Reordered) MatchToTruth(Matrix learned, Matrix truth, bool signed)
    {
        double cosine = DictionaryMetrics.MatchedCosine(learned, truth, signed, out int[] assignment, out _);
        var reordered = new double[truth.Rows * truth.Cols];
        for (int i = 0; i < truth.Cols; i++)
            for (int r = 0; r < truth.Rows; r++) reordered[r * truth.Cols + i] = learned[r, assignment[i]];
        return (cosine, reordered);
    }

    /// <summary>The dictionaries as the report folder's chip_dictionary.json: words and format, so anyone can recompute the numbers.</summary>
    public static JsonObject DictionaryJson(Run run)
    {
        DatapathModel dp = run.Project.Datapath;
        JsonArray Words(IEnumerable<short> w) => new(w.Select(x => (JsonNode?)JsonValue.Create((int)x)).ToArray());
        return new JsonObject
        {
            ["rows"] = dp.D, ["cols"] = dp.K,
            ["dictionary_bits"] = dp.Format.DictionaryBits, ["dictionary_frac_bits"] = dp.Format.DictionaryFracBits,
            ["steps"] = run.Learner.Steps, ["simulator"] = run.SimulatorName,
            ["initial_q"] = Words(run.Learner.Parameters.DictionaryRowMajor),
            ["chip_q"] = Words(run.Chip),
            ["learner_q"] = Words(run.LearnerWords),
            ["u0_q_learner"] = run.Learner.U0[^1],
        };
    }
}
