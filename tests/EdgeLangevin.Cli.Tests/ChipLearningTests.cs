using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Demo;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// The demo's chip stage (issue 11): bars learned by the simulated Verilog, its dictionary read out of
/// the RTL and compared with the C# learner's; and the verdict that turns any difference into a failed
/// stage instead of a plot.
/// </summary>
public class ChipLearningTests
{
    [Fact]
    public void The_chip_stage_reads_the_chips_dictionary_equal_to_the_learners_and_reports_its_cosine_to_the_true_bars()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        string out_ = Path.Combine(tmp.Path, "report");
        string config = tmp.File("c.json", DemoCommandTests.TinyConfig.Replace("\"chip_steps\": 0", "\"chip_steps\": 3", StringComparison.Ordinal));
        var run = CliRun.Of("demo", "--quick", "--out", out_, "--seed", "4", "--config", config);
        Assert.True(run.ExitCode == 0, run.ToString());

        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(out_, "summary.json")))!;
        JsonNode stage = summary["stages"]!.AsArray().First(s => (string?)s!["id"] == "chip_learn")!;
        Assert.True((string?)stage["status"] == "done", (string?)stage["detail"]);
        JsonNode metrics = summary["metrics"]!["chip_learn"]!;
        Assert.Equal("icarus", (string?)metrics["simulator"]);
        Assert.Equal(3, (int?)metrics["steps"]);

        // The words as the testbench wrote them from the RTL's memories, and the report's copy of both dictionaries.
        JsonNode dict = JsonNode.Parse(File.ReadAllText(Path.Combine(out_, "chip_dictionary.json")))!;
        int d = (int)dict["rows"]!, k = (int)dict["cols"]!, frac = (int)dict["dictionary_frac_bits"]!;
        short[] Words(string name) => dict[name]!.AsArray().Select(w => (short)(int)w!).ToArray();
        short[] chip = Words("chip_q"), learner = Words("learner_q"), initial = Words("initial_q");
        short[] hex = File.ReadAllLines(Path.Combine(out_, "chip_dictionary.hex")).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal))
            .Select(l => unchecked((short)Convert.ToUInt16(l.Trim(), 16))).ToArray();
        Assert.Equal(chip, hex);
        Assert.Equal(learner, chip);
        // three steps of 4 chains at the configuration's rates move many entries: the chip learned, it did not just hold its start
        int moved = chip.Where((a, i) => a != initial[i]).Count();
        Assert.True(moved > 100, $"only {moved} dictionary words moved");
        Assert.Equal(moved, (int)metrics["dictionary_words_moved"]!);

        // The reported cosine is the chip dictionary's, against the true 8x8 bars.
        var a = new Matrix(d, k);
        for (int i = 0; i < chip.Length; i++) a.Data[i] = chip[i] * Math.ScaleB(1.0, -frac);
        double cosine = DictionaryMetrics.MatchedCosine(a, new BarsData(8).TrueDictionary, ignoreSign: false);
        Assert.Equal(cosine, (double)metrics["matched_cosine_chip"]!, 12);
        Assert.True(File.Exists(Path.Combine(out_, "plots", "chip_atoms.png")));
        Assert.Contains("equal", (string?)stage["detail"]);
    }

    /// <summary>
    /// `hdl run --port sim` with learning: the board top under Icarus is loaded over its UART (A, D, U, S),
    /// learns ('L') and is queried ('Q'); its dictionary and u0 must equal FixedLearner's after the same steps.
    /// A small signed model (K = 12, D = 8, 3 chains, one lane) keeps the UART traffic to seconds.
    /// </summary>
    [Fact]
    public void Hdl_run_on_the_simulated_board_learns_the_learners_dictionary_and_threshold()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        string config = tmp.File("c.json", """
            {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
             "vectors": {"problem": "random", "variant": "signed", "k": 12, "d": 8, "pi": 0.3, "sigma": 0.5, "data_count": 5, "checkpoint_every": 40},
             "learning": {"batch": 3, "tau_x": 7, "tau_a": 300, "switching": "synchronous", "learn_pi": true, "tau_u0": 2000},
             "hdl": {"lanes": 1}}
            """);
        string json = tmp.File("run.json");
        var run = CliRun.Of("hdl", "run", "--port", "sim", "--config", config, "--steps", "5", "--seed", "3", "--json", json);
        Assert.True(run.ExitCode == 0, run.ToString());
        JsonNode result = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.True((bool)result["learning"]!);
        Assert.True((bool)result["matches_core"]!);
        Assert.Equal(3, (int)result["chains"]!);
        // five steps at tau_a = 300 move most of the 96 entries: the comparison is not between two unchanged dictionaries
        Assert.True((int)result["dictionary_words_moved"]! > 48, result.ToJsonString());
        Assert.Contains("equal the C# learner's", run.Out);
    }

    /// <summary>
    /// The K = 12, D = 8, 3-chain learning design of the test above with the entropy source in <paramref name="mode"/>
    /// (the board testbench's model rings, a raw bit every 2 clocks, 2 raw bits per conditioned bit at a claimed
    /// 1 bit per raw bit: a noise word every ~430 clocks, so that a physical run stays under a minute).
    /// </summary>
    private static string EntropyLearningConfig(string mode, string fallback = "generator") => """
        {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
         "vectors": {"problem": "random", "variant": "signed", "k": 12, "d": 8, "pi": 0.3, "sigma": 0.5, "data_count": 5, "checkpoint_every": 40},
         "learning": {"batch": 3, "tau_x": 7, "tau_a": 300, "switching": "synchronous", "learn_pi": true, "tau_u0": 2000},
         "hdl": {"lanes": 1, "entropy": {"enabled": true, "noise_mode": "MODE", "fallback": "FALLBACK", "sample_div": 2, "cond_raw": 2, "entropy_eighths": 8}}}
        """.Replace("MODE", mode, StringComparison.Ordinal).Replace("FALLBACK", fallback, StringComparison.Ordinal);

    /// <summary>Clock of the board testbench at which the 'L' of <see cref="EntropyLearningConfig"/>'s host bytes has arrived: 400 clocks of reset, 80 per byte (A, D, U, S, L).</summary>
    private const long LearnArrives = 400 + 80L * ((1 + 2 * 96) + (1 + 4 * 5 * 8) + (1 + 4 * 3 * 12) + 5 + 3);

    private static (CliRun Run, JsonNode Result) HdlRunLearning(TempDir tmp, string config, params string[] extra)
    {
        string cfg = tmp.File("c.json", config), json = tmp.File("run.json");
        var run = CliRun.Of(["hdl", "run", "--port", "sim", "--config", cfg, "--steps", "3", "--seed", "3", "--json", json, .. extra]);
        return (run, File.Exists(json) ? JsonNode.Parse(File.ReadAllText(json))! : new JsonObject());
    }

    /// <summary>
    /// Deterministic mode with the entropy source: bit for bit the learner from the host's seed, the health status
    /// printed ('H'), and the seed the board reports ('G') is the host's (3), not the pool's. (On main: no status line.)
    /// </summary>
    [Fact]
    public void Hdl_run_in_deterministic_mode_with_the_entropy_source_prints_the_health_status_and_equals_the_learner()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("deterministic"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"entropy source: ok; noise mode deterministic; [1-9][0-9]+ raw bits tested, 0 failures", run.Out);
        Assert.Contains("equal the C# learner's", run.Out);
        Assert.True((bool)result["matches_core"]!);
        Assert.Equal((3, true, false), ((int)result["run_seed"]!["seed"]!, (bool)result["run_seed"]!["from_last_run"]!, (bool)result["run_seed"]!["from_pool"]!));
        Assert.Equal("ok", (string?)result["entropy_health"]!["status"], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Seeded mode: the host sends no 'S', the chip seeds its chains and its learner stream from its entropy pool, reports
    /// that seed ('G'), and the C# learner from that seed (data, dictionary and u from --seed as always) equals the chip
    /// bit for bit. The seed is neither the host's (3) nor the reset's (1). (On main the host sent 'S', its seed won, and
    /// the mode was silently the deterministic one: no 'G', no status line.)
    /// </summary>
    [Fact]
    public void Hdl_run_in_seeded_mode_learns_from_the_chips_own_seed_bit_for_bit_with_the_learner_from_that_seed()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("seeded"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"entropy source: ok; noise mode seeded; [1-9][0-9]+ raw bits tested, 0 failures", run.Out);
        Assert.Contains("came from the entropy pool", run.Out);
        Assert.True((bool)result["matches_core"]!);
        int seed = (int)result["run_seed"]!["seed"]!;
        Assert.True((bool)result["run_seed"]!["from_last_run"]! && (bool)result["run_seed"]!["from_pool"]!, result.ToJsonString());
        Assert.NotEqual(3, seed);
        Assert.NotEqual(1, seed);
        Assert.True((int)result["dictionary_words_moved"]! > 24, result.ToJsonString());
    }

    /// <summary>
    /// Physical mode, simulated RTL: each chain-step's 12 words are, in order, words of the C# mapping of the raw bits
    /// the testbench logged, and the C# learner run with exactly the words the chip drew equals the chip bit for bit
    /// (not the learner with its generator words: that was main's false comparison, "MISMATCH ... words differ", exit 1).
    /// </summary>
    [Fact]
    public void Hdl_run_in_physical_mode_equals_the_learner_replayed_with_the_chips_physical_words()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("physical"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"entropy source: ok; noise mode physical; [1-9][0-9]+ raw bits tested, 0 failures", run.Out);
        Assert.Contains("9 of 9 chain-steps drew physical words", run.Out);
        Assert.True((bool)result["matches_core"]!);
        Assert.Equal((9, 0), ((int)result["chain_steps"]!["physical"]!, (int)result["chain_steps"]!["fallback"]!));
    }

    /// <summary>
    /// Physical mode with the raw bits stuck at 0 (--fault-at) after the first chain-step drew its words: the RCT
    /// fails, 'H' says so (status, one failure, its measure = the cutoff), the later chain-steps draw their chains'
    /// generator words (fallback "generator"), and the chip still equals the learner with the words it drew.
    /// </summary>
    [Fact]
    public void Hdl_run_in_physical_mode_reports_a_health_failure_during_learning_and_the_fallback_chain_steps()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        // chain-step 0 draws ~4100 clocks after the 'L' arrives, chain-step 1 ~3200 clocks later (12 words of ~430)
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("physical"), "--fault-at", (LearnArrives + 5500).ToString(CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"entropy source: .*repetition.*; noise mode physical; [1-9][0-9]+ raw bits tested, 1 failures, the failure at raw bit [0-9]+ \(measure 21\)", run.Out);
        Assert.Contains("1 of 9 chain-steps drew physical words", run.Out);
        Assert.Contains("8 their chain's generator words (fallback after a health failure)", run.Out);
        Assert.True((bool)result["matches_core"]!);
        Assert.Equal("RepetitionCount", (string?)result["entropy_health"]!["status"]);
    }

    /// <summary>
    /// Seeded mode with the raw bits stuck at 0 from the start: the health tests fail before the pool is full, so the run
    /// takes no pool seed (fallback "generator"): it runs from the reset's seed 1, which 'G' reports (not the pool's), the
    /// output says so, and the learner from seed 1 equals the chip.
    /// </summary>
    [Fact]
    public void Hdl_run_in_seeded_mode_after_a_health_failure_reports_the_seed_the_chip_fell_back_to()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("seeded"), "--fault-at", "0");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"entropy source: .*repetition.*; noise mode seeded; .*1 failures", run.Out);
        Assert.Contains("the entropy pool gave no seed for this run", run.Out);
        Assert.True((bool)result["matches_core"]!);
        Assert.Equal((1, true, false), ((int)result["run_seed"]!["seed"]!, (bool)result["run_seed"]!["from_last_run"]!, (bool)result["run_seed"]!["from_pool"]!));
    }

    /// <summary>
    /// A --fault-at clock after the run's end injects nothing: the run is fault-free (0 failures), and hdl run warns that
    /// the fault was never injected instead of printing a clean health line as if the fault had been tried; a fault
    /// within the run (clock 0, the test above) draws no such warning.
    /// </summary>
    [Fact]
    public void A_fault_injection_after_the_runs_end_is_reported_as_not_injected()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, result) = HdlRunLearning(tmp, EntropyLearningConfig("seeded"), "--fault-at", "2000000000");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"noise mode seeded; [1-9][0-9]+ raw bits tested, 0 failures", run.Out);
        Assert.Matches(@"warning: --fault-at 2000000000: the simulated board's run ended at clock [1-9][0-9]+, before it; no fault was injected", run.Err);
        Assert.True((bool)result["matches_core"]!);
        var (within, _) = HdlRunLearning(tmp, EntropyLearningConfig("seeded"), "--fault-at", "0");
        Assert.True(within.ExitCode == 0, within.ToString());
        Assert.DoesNotContain("no fault was injected", within.Err, StringComparison.Ordinal);
    }

    /// <summary>Fallback "halt": after a health failure the board answers 'L' with '!'; hdl run says so and fails (exit 1), with the status.</summary>
    [Fact]
    public void Hdl_run_with_fallback_halt_reports_the_refused_learning_run()
    {
        Assert.True(EdgeLangevin.Codegen.Hdl.ToolRunner.Exists("iverilog"), "iverilog is needed: bash codegen/install-hdl-tools.sh");
        using var tmp = new TempDir();
        var (run, _) = HdlRunLearning(tmp, EntropyLearningConfig("seeded", "halt"), "--fault-at", "0");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"entropy source: .*repetition.*; noise mode seeded; .*1 failures", run.Out);
        Assert.Contains("the learning run was refused ('!')", run.Out);
    }

    [Fact]
    public void A_fault_injection_without_the_entropy_source_or_on_a_serial_port_is_refused()
    {
        using var tmp = new TempDir();
        string plain = tmp.File("p.json", EntropyLearningConfig("deterministic").Replace("\"enabled\": true", "\"enabled\": false", StringComparison.Ordinal).Replace("\"noise_mode\": \"deterministic\", ", "", StringComparison.Ordinal));
        var run = CliRun.Of("hdl", "run", "--port", "sim", "--config", plain, "--steps", "1", "--fault-at", "0");
        Assert.True(run.ExitCode == 2 && run.Err.Contains("hdl.entropy.enabled", StringComparison.Ordinal), run.ToString());
        run = CliRun.Of("hdl", "run", "--port", tmp.File("c.json", EntropyLearningConfig("seeded")), "--config", tmp.File("c.json"), "--steps", "1", "--fault-at", "0");
        Assert.True(run.ExitCode == 2 && run.Err.Contains("--fault-at", StringComparison.Ordinal), run.ToString());
    }

    private const string BarsLearning = """
        {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
         "vectors": {"problem": "bars", "variant": "non_negative", "data_count": 64, "checkpoint_every": 25},
         "learning": {"batch": 4, "tau_x": 20, "tau_a": 2000, "switching": "asynchronous", "learn_pi": true, "tau_u0": 1e5},
         "hdl": {"lanes": 2}}
        """;

    /// <summary>The learning settings the hardware refuses, and what the message must name: the setting and its limit.</summary>
    public static TheoryData<string, string, string, string> RefusedLearning() => new()
    {
        { "second order", "\"temperature\": 1}", "\"temperature\": 1, \"order\": 2}", "field 'inference.order': learning in hardware runs first-order steps only" },
        { "dictionary rate that rounds to zero", "\"tau_a\": 2000", "\"tau_a\": 1e30", "field 'learning.tau_a': 1E+30: the dictionary increment" },
        { "threshold rate that rounds to zero", "\"tau_u0\": 1e5", "\"tau_u0\": 1e30", "use tau_u0 <= " },
        { "switching probability that rounds to zero", "\"tau_x\": 20", "\"tau_x\": 1e12", "field 'learning.tau_x': 1E+12: the asynchronous switching probability dt / tau_x rounds to 0" },
        { "data set larger than the data memory", "\"data_count\": 64", "\"data_count\": 4096", "field 'vectors.data_count': a data memory of 4096 data" },
        { "more chains than the hardware multiplexes", "\"batch\": 4", "\"batch\": 65", "field 'learning.batch': 65 chains: the hardware multiplexes 1 to 64 chains" },
        { "lanes beyond the DSPs", "\"lanes\": 2", "\"lanes\": 8", "field 'hdl.lanes': 8 lanes with learning need 13 SB_MAC16 multipliers (8 lanes + 2 + 3 for the dictionary's rounding unit), the UP5K has 8; use 2 lanes" },
        { "column normalisation", "\"learn_pi\": true", "\"learn_pi\": true, \"normalise\": true", "field 'learning.normalise': column normalisation is not in the hardware" },
    };

    [Theory]
    [MemberData(nameof(RefusedLearning))]
    public void A_learning_configuration_the_hardware_refuses_exits_2_naming_the_setting_and_writes_nothing(string name, string from, string to, string expected)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", BarsLearning.Replace(from, to, StringComparison.Ordinal));
        Assert.NotEqual(BarsLearning, File.ReadAllText(config));
        string out_ = Path.Combine(tmp.Path, "hdl");
        var run = CliRun.Of("hdl", "generate", "--config", config, "--out", out_);
        Assert.True(run.ExitCode == 2, $"{name}: {run}");
        Assert.Contains(config, run.Err);
        Assert.Contains(expected, run.Err);
        Assert.False(Directory.Exists(out_), $"{name}: the output folder was written");
        Assert.Equal([config], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void The_unchanged_learning_configuration_is_accepted()
    {
        using var tmp = new TempDir();
        string out_ = Path.Combine(tmp.Path, "hdl");
        var run = CliRun.Of("hdl", "generate", "--config", tmp.File("c.json", BarsLearning), "--out", out_);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(out_, "tb", "el_tb.v")));
    }

    [Fact]
    public void Equal_dictionaries_have_no_difference()
    {
        short[] a = [1, -2, 3, 4, 5, 6];
        Assert.Null(ChipLearning.Difference(a, (short[])a.Clone(), 2, 3));
    }

    [Fact]
    public void A_changed_word_is_named_by_d_and_k_with_the_count_of_differences()
    {
        short[] learner = [1, -2, 3, 4, 5, 6];
        short[] chip = [1, -2, 3, 4, 7, 8];   // A[1, 1] and A[1, 2] differ
        string? diff = ChipLearning.Difference(chip, learner, 2, 3);
        Assert.Equal("2 of 6 words differ, the first A[d=1, k=1]: chip 7, learner 5", diff);
    }

    [Fact]
    public void A_chip_dictionary_unlike_the_learners_fails_the_stage_even_when_the_testbench_passed()
    {
        var passed = new SimulationResult("icarus", true, null, null, 3, 300, 200, 100, 60);
        short[] learner = [1, 2, 3, 4];
        short[] chip = [1, 2, 3, -4];
        var e = Assert.Throws<JobFailedException>(() => ChipLearning.Check(passed, chip, learner, 2, 2));
        Assert.Contains("A[d=1, k=1]", e.Message, StringComparison.Ordinal);
        ChipLearning.Check(passed, learner, (short[])learner.Clone(), 2, 2);   // equal: no exception
    }

    [Fact]
    public void A_testbench_mismatch_fails_the_stage_with_its_step_and_word()
    {
        var failed = new SimulationResult("verilator", false, null, new Mismatch(12, 3, "s", "4", "5", Chain: 2), 0, 0, 0, 0, 0);
        short[] same = [1, 2, 3, 4];
        var e = Assert.Throws<JobFailedException>(() => ChipLearning.Check(failed, same, (short[])same.Clone(), 2, 2));
        Assert.Contains("step 12, chain 2, unit 3, word s", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("learning-bars-long")]
    [InlineData("learning-bars-k16d64-b4")]
    public void The_embedded_chip_configurations_are_the_shipped_files(string name)
    {
        string path = Path.Combine(Fixtures.RepoRoot(), "codegen", "examples", name + ".json");
        HdlConfig shipped = HdlConfig.Read(path);
        HdlConfig embedded = ChipLearning.Config(name);
        Assert.Equal(shipped.Learning, embedded.Learning);
        Assert.Equal(shipped.Vectors, embedded.Vectors);
        Assert.Equal(shipped.Hdl.Lanes, embedded.Hdl.Lanes);
        Assert.Equal(shipped.Inference.TauU, embedded.Inference.TauU);
    }

    /// <summary>
    /// The long run's hdl configuration is the shipped long-run learning configuration plus the
    /// hardware section: the C# learner's numbers for the one hold for the other.
    /// </summary>
    [Fact]
    public void The_long_runs_hdl_configuration_learns_with_the_shipped_long_run_settings()
    {
        JsonObject hdl = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.RepoRoot(), "codegen", "examples", "learning-bars-long.json")))!;
        JsonObject sim = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.RepoRoot(), "src", "EdgeLangevin.Simulator", "Configs", "bars-learning-long.json")))!;
        foreach (string section in new[] { "inference", "vectors", "learning" })
            Assert.True(JsonNode.DeepEquals(sim[section], hdl[section]), $"section \"{section}\" differs");
        Assert.Equal(["hdl", "inference", "learning", "vectors"], hdl.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray());
    }
}
