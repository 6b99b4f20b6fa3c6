using System.Text.Json.Nodes;
using EdgeLangevin.Codegen.Firmware;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Firmware.Tests.Export;

public class FirmwareExportTests
{
    private static string BarsModelPath => Path.Combine(SourceTree.Root, "firmware", "models", "bars8x8.json");

    private static string TemplateDir => Path.Combine(SourceTree.Root, "firmware", "templates");

    private static SparseCodingModel Bars => ModelFile.Read(BarsModelPath);

    private static string ExportTo(SparseCodingModel model, FirmwareExportOptions options, string name = "bars8x8")
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgelangevin-fw-" + Guid.NewGuid().ToString("N"));
        FirmwareExporter.Export(model, name, options, dir, TemplateDir);
        return dir;
    }

    [Theory]
    [InlineData(FirmwareTarget.NanoFramework, "A=16.13,S=32.16", 1, 1.0, 0.0, true, true)]
    [InlineData(FirmwareTarget.Meadow, "A=12.10,S=24.12,M=12.9,C=12.10", 1, 0.0, 0.0, false, false)]
    [InlineData(FirmwareTarget.Iot, "A=16.13,S=32.16", 2, 1.0, 2.0, false, true)]
    public void The_exported_model_compiles_into_a_desktop_board_build_and_reproduces_the_golden_vector_bit_for_bit(FirmwareTarget target, string format, int order, double temperature, double mu, bool learnDictionary, bool learnPi)
    {
        // Short time constants so that 32 golden steps really change the dictionary and the threshold.
        var options = new FirmwareExportOptions { Target = target, Format = FormatSpec.Parse(format), Order = order, Temperature = temperature, Mu = mu, Seed = 77, GoldenSteps = 32,
            LearnDictionary = learnDictionary, LearnPi = learnPi, TauA = 50, TauU0 = 500 };
        string dir = ExportTo(Bars, options);
        try
        {
            var board = BoardBuild.Compile(File.ReadAllText(Path.Combine(dir, "ExportedModel.cs")));
            object model = BoardBuild.CreateModel(board);
            var (passed, message) = BoardBuild.RunSelfTest(board, model);
            Assert.True(passed, message);
            bool learning = learnDictionary || learnPi;
            Assert.Equal($"PASS (32 steps{(learning ? " with learning" : "")}, K = 16, D = 64, seed 77, bit for bit)", message);

            // The golden vector is the core's own run, recomputed here from the double model:
            // same quantised tables, same input, same seed, same steps.
            var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
            var fixedParams = FixedParameters.Create(Bars, options.Format, options.Eps, temperature, order, mu);
            Assert.Equal(fixedParams.DictionaryRowMajor, BoardBuild.Field<short[]>(model, "DictionaryRowMajor"));
            var solver = new LangevinSolver(fixedParams.Step, fixedParams.DictionaryRowMajor, 64, 16, 1, 77);
            int[] input = golden["input"]!.AsArray().Select(n => (int)n!).ToArray();
            Assert.Equal(FirmwareExporter.GoldenInput(Bars, options.Format, null), input);
            solver.SetData(0, input, 0);
            int[] initial = golden["initial_state"]!.AsArray().Select(n => (int)n!).ToArray();
            Assert.Equal(FirmwareExporter.GoldenInitialState(fixedParams.Step, 16), initial);
            Array.Copy(initial, solver.Workspace.U, 16);
            var learner = learning ? new FixedLearner(solver, FirmwareExporter.Learning(Bars, options), 77) : null;
            for (int s = 0; s < 32; s++)
            {
                if (learner is null) solver.Step();
                else learner.Step();
            }
            Assert.Equal(solver.ThresholdQ, (int)golden["final_threshold"]!);
            if (learnPi) Assert.NotEqual(fixedParams.Step.U0, solver.ThresholdQ);
            if (learnDictionary)
            {
                var learned = new short[64 * 16];
                solver.CopyDictionaryRowMajor(learned);
                Assert.NotEqual(fixedParams.DictionaryRowMajor, learned);
            }
            Assert.Equal(solver.Workspace.U, golden["final_state"]!.AsArray().Select(n => (int)n!).ToArray());
            Assert.Equal(solver.Workspace.U, BoardBuild.Field<int[]>(model, "GoldenFinalState"));
            // The run must move: a golden vector that stays at its start would pass a board whose step does nothing.
            Assert.NotEqual(initial, solver.Workspace.U[..16]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("                2896, 0, 0,", "                2897, 0, 0,", "FAIL: the dictionary table hash is ")]   // A[0, 0] one LSB off
    [InlineData("1, 78904, 3277, 3277, 5181,", "1, 78904, 3277, 3278, 5181,", "FAIL: after step 16 u[")] // gain_q one LSB off
    public void A_board_whose_tables_or_parameters_differ_by_one_lsb_fails_the_golden_self_test(string original, string changed, string failure)
    {
        string dir = ExportTo(Bars, new FirmwareExportOptions { Target = FirmwareTarget.NanoFramework });
        try
        {
            string source = File.ReadAllText(Path.Combine(dir, "ExportedModel.cs"));
            int at = source.IndexOf(original, StringComparison.Ordinal);
            Assert.True(at > 0, "the exported source has the expected text");
            var board = BoardBuild.Compile(source[..at] + changed + source[(at + original.Length)..]);
            var (passed, message) = BoardBuild.RunSelfTest(board, BoardBuild.CreateModel(board));
            Assert.False(passed);
            Assert.StartsWith(failure, message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Exporting_twice_gives_byte_identical_files()
    {
        var options = new FirmwareExportOptions { Target = FirmwareTarget.Iot, Seed = 5 };
        string a = ExportTo(Bars, options), b = ExportTo(Bars, options);
        try
        {
            foreach (string f in new[] { "ExportedModel.cs", "golden.json" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [Fact]
    public void A_model_too_large_for_the_nanoframework_budget_is_an_input_error_naming_the_budget_and_fits_meadow()
    {
        // 8 x 8 patches, K = 256 (4x overcomplete): the dictionary alone is 2 x 32 KiB on the board.
        var random = new Random(3);
        var a = new Matrix(64, 256);
        for (int i = 0; i < a.Data.Length; i++) a.Data[i] = random.NextDouble() - 0.5;
        var big = new SparseCodingModel { Variant = Variant.Signed, Lambda = 1, Pi = 0.1, Sigma = 0.5, Dictionary = a };
        long ram = FirmwareTargets.EstimateRamBytes(64, 256, 1, 16, learning: true);
        Assert.True(ram > 64 * 1024);
        string dir = Path.Combine(Path.GetTempPath(), "edgelangevin-fw-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<InvalidInputException>(() => FirmwareExporter.Export(big, "big", new FirmwareExportOptions { Target = FirmwareTarget.NanoFramework }, dir, TemplateDir));
        Assert.Contains("more than the nanoframework budget of 64.0 KiB", e.Message);
        Assert.False(Directory.Exists(dir), "nothing is written when the export fails");
        string ok = ExportTo(big, new FirmwareExportOptions { Target = FirmwareTarget.Meadow }, "big");
        Directory.Delete(ok, true);
    }

    [Theory]
    [InlineData(64, 16, 1, 16, false)]
    [InlineData(64, 128, 1, 16, true)]
    [InlineData(16, 8, 4, 100, true)]
    public void The_ram_estimate_counts_the_arrays_the_board_code_allocates(int d, int k, int chains, int steps, bool learning)
    {
        // Independent count from the constructors: model tables (dictionary, golden initial state,
        // input, hashes, final state), the solver (column copy, noise state, workspace), the loop (x) and the IoT
        // window (counts), with one header per array; the 1 KiB covers line and health buffers.
        long model = 2L * d * k + 4L * k + 4L * d + 4L * steps + 4L * k;
        long solver = 2L * d * k + 4L * chains
            + chains * (4L * k * 5 + 4L * d * 3) + 4L * chains + 4L * k + k + 8L * d + 8 * 7;
        long loop = 4L * d + 4L * d;
        long arrays = 5 + 2 + 13 + 2 + 1;
        long learner = learning ? 8L * d * k + chains + 2 * FirmwareTargets.ArrayOverheadBytes : 0;
        Assert.Equal(model + solver + loop + learner + 1024 + arrays * FirmwareTargets.ArrayOverheadBytes, FirmwareTargets.EstimateRamBytes(d, k, chains, steps, learning));
    }
}
