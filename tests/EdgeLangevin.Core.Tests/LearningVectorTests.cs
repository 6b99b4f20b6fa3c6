using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The learning test vectors (FIXED_POINT.md "Learning test vectors") replayed from the written
/// files alone by a plain transcription of the contract: B <see cref="NaiveGoldModel"/> chains
/// sharing one row-major dictionary, the learner stream, the switching decisions and the data
/// memory's cursor written here from the text, not from FixedLearner or FixedDataMemory. Every
/// file must agree word for word.
/// </summary>
public class LearningVectorTests
{
    private static string[] Lines(string dir, string name) => File.ReadAllLines(Path.Combine(dir, name));

    private static long[] ReadHex(string dir, string name, int bits) =>
        Lines(dir, name).Select(line =>
        {
            Assert.Equal((bits + 3) / 4, line.Length);
            long v = long.Parse(line, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return v >= 1L << (bits - 1) ? v - (1L << bits) : v;
        }).ToArray();

    internal static LearningVectorSet Make(string switching, int steps, int chains = 3, int dataCount = 5, bool learnPi = true, string variant = "signed",
        int traceSteps = 0, double tauA = 50, double tauX = 4)
    {
        var vs = new VectorSettings
        {
            Problem = "random", Variant = variant == "signed" ? Variant.Signed : Variant.NonNegative, K = 6, D = 8, Steps = steps,
            DataCount = dataCount, CheckpointEvery = 7, TraceSteps = traceSteps,
        };
        var model = vs.BuildModel(21);
        var inference = InferenceSettings.Default with { Dt = 1, TauU = 8 };
        var learning = new LearningSettings
        {
            Batch = chains, TauX = tauX, TauA = tauA, LearnPi = learnPi, TauU0 = 2e3,
            Switching = switching == "asynchronous" ? DataSwitching.Asynchronous : DataSwitching.Synchronous,
        };
        return LearningVectors.Generate(model, FormatSpec.Parse("A=12.10,S=24.12,M=12.8,C=12.10"), inference, learning, vs, steps, 21);
    }

    [Theory]
    [InlineData("asynchronous", "signed", 3, 5)]
    [InlineData("asynchronous", "nonnegative", 4, 3)]
    [InlineData("synchronous", "signed", 2, 7)]
    public void TheWrittenFilesReplayInAPlainTranscriptionOfTheContract(string switching, string variant, int chains, int dataCount)
    {
        const int steps = 60;
        LearningVectorSet set = Make(switching, steps, chains, dataCount, true, variant);
        string dir = Path.Combine(Path.GetTempPath(), "el-lvec-" + Guid.NewGuid().ToString("N"));
        try
        {
            LearningVectors.Write(dir, set);
            JsonObject manifest = TestVectors.CheckFiles(dir);
            Assert.Equal(2, (int)manifest["version"]!);
            int k = (int)manifest["K"]!, d = (int)manifest["D"]!;
            var fm = manifest["formats"]!;
            int wa = (int)fm["WA"]!, ws = (int)fm["WS"]!, we = (int)fm["WE"]!;
            var format = new FixedFormat(wa, (int)fm["FA"]!, ws, (int)fm["FS"]!, (int)fm["WM"]!, (int)fm["FM"]!, (int)fm["WC"]!, (int)fm["FC"]!);
            var prm = manifest["params"]!;
            bool signed = (string)manifest["variant"]! == "signed";
            var p = new StepParameters(format, signed ? FixedVariant.Signed : FixedVariant.NonNegative, 1,
                (int)prm["u0_q"]!, (int)prm["leak_q"]!, (int)prm["gain_q"]!, (int)prm["noise_q"]!, 0, 0);
            var lm = manifest["learning"]!;
            int b0 = (int)lm["chains"]!, n = (int)lm["data_count"]!;
            Assert.Equal(chains, b0);
            Assert.Equal(dataCount, n);
            long rateA = (long)lm["rate_a"]!, rateU0 = (long)lm["rate_u0"]!;
            int shiftA = (int)lm["shift_a"]!, shiftU0 = (int)lm["shift_u0"]!;
            bool async = (string)lm["switching"]! == "asynchronous";
            int every = (int)lm["switch_every"]!, prob = (int)lm["switch_probability"]!;
            int runSeed = (int)manifest["run_seed"]!;

            int wm = (int)fm["WM"]!, shift = (int)fm["FS"]! - (int)fm["FM"]!;
            Assert.Equal(wm, (int)lm["data_bits"]!);
            Assert.Equal(shift, (int)lm["data_shift"]!);
            long[] data = ReadHex(dir, "data.hex", wm).Select(v => v << shift).ToArray(); // x_q = x_mem << (FS - FM)
            short[] a = ReadHex(dir, "dictionary.hex", wa).Select(v => (short)v).ToArray(); // shared, row-major
            long[] uInit = ReadHex(dir, "u_init.hex", ws);
            long[] seeds = ReadHex(dir, "seeds.hex", 32);
            long[] sw = ReadHex(dir, "switch.hex", 32);
            long[] noise = ReadHex(dir, "noise.hex", we);
            long[] u = ReadHex(dir, "u.hex", ws);
            long[] s = ReadHex(dir, "s.hex", ws);
            long[] u0 = ReadHex(dir, "u0.hex", ws);
            long[] learner = ReadHex(dir, "learner.hex", 32);
            long[] ck = ReadHex(dir, "dictionary_checkpoints.hex", wa);
            string[] writes = Lines(dir, "dictionary_writes.hex");
            Assert.Equal(n * d, data.Length);
            Assert.Equal(steps * chains, sw.Length);

            var gold = new NaiveGoldModel[chains];
            var replay = new NaiveGoldModel[chains];
            for (int b = 0; b < chains; b++)
            {
                uint seedB = unchecked((uint)(runSeed ^ (b * -1640531527)));
                if (seedB == 0) seedB = 1;
                Assert.Equal(unchecked((int)seedB), (int)seeds[b]);
                gold[b] = new NaiveGoldModel(format, p, a, d, k, new int[d], seedB);
                replay[b] = new NaiveGoldModel(format, p, a, d, k, new int[d], seedB);
                for (int j = 0; j < k; j++) gold[b].U[j] = uInit[b * k + j];
            }
            uint stream = unchecked((uint)(runSeed ^ 0x5EED1E));
            if (stream == 0) stream = 1;
            Assert.Equal(unchecked((int)stream), (int)lm["learner_seed"]!);
            uint Next()
            {
                stream ^= stream << 13; stream ^= stream >> 17; stream ^= stream << 5;
                return stream;
            }
            long Round(long product, int shift)
            {
                if (shift > 31) { product >>= shift - 31; shift = 31; }
                long r = Next() & 0x7FFFFFFFu & ((1L << shift) - 1);
                return (product + r) >> shift;
            }
            long minA = -(1L << (wa - 1)), maxA = (1L << (wa - 1)) - 1;
            int cursor = 0, write = 0, checkpoint = 0, switches = 0;
            for (int t = 0; t < steps; t++)
            {
                // 1. switching, then the data memory's cursor, chains in increasing order
                var flags = new bool[chains];
                for (int b = 0; b < chains; b++)
                    flags[b] = t == 0 || (async ? (Next() & 0x7FFFFFFFu) < (uint)prob : t % every == 0);
                for (int b = 0; b < chains; b++)
                {
                    long expected = -1;
                    if (flags[b])
                    {
                        for (int i = 0; i < d; i++) gold[b].X[i] = data[cursor * d + i];
                        expected = cursor;
                        cursor = (cursor + 1) % n;
                        switches++;
                    }
                    Assert.Equal(expected, sw[t * chains + b]);
                }
                // 2. inference, every chain with the old dictionary and u0
                for (int b = 0; b < chains; b++)
                {
                    for (int j = 0; j < k; j++) Assert.Equal(noise[(t * chains + b) * k + j], replay[b].Eta());
                    gold[b].Step();
                }
                // 3. dictionary, k-major; 4. threshold
                for (int unit = 0; unit < k; unit++)
                    for (int i = 0; i < d; i++)
                    {
                        long acc = 0;
                        for (int b = 0; b < chains; b++) acc += gold[b].LastSm[unit] * gold[b].LastRm[i];
                        if (acc == 0) continue;
                        long delta = Round(rateA * acc, shiftA);
                        if (delta == 0) continue;
                        a[i * k + unit] = (short)Math.Clamp(a[i * k + unit] + delta, minA, maxA);
                        var rec = BigInteger.Parse("0" + writes[write++], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                        Assert.Equal((BigInteger)t, rec >> 48);
                        Assert.Equal((BigInteger)unit, (rec >> 32) & 0xFFFF);
                        Assert.Equal((BigInteger)i, (rec >> 16) & 0xFFFF);
                        Assert.Equal((BigInteger)(ushort)a[i * k + unit], rec & 0xFFFF);
                    }
                long sum = 0;
                for (int b = 0; b < chains; b++)
                    for (int j = 0; j < k; j++)
                        sum -= signed ? Math.Sign(gold[b].LastSm[j]) * gold[b].LastGm[j] : gold[b].LastGm[j];
                if (sum != 0)
                {
                    long next = Math.Clamp(gold[0].U0 + Round(rateU0 * sum, shiftU0), 0, (1L << (ws - 1)) - 1);
                    foreach (var g in gold) g.U0 = next;
                }
                Assert.Equal(gold[0].U0, u0[t]);
                Assert.Equal(unchecked((int)stream), (int)learner[t]);
                for (int b = 0; b < chains; b++)
                    for (int j = 0; j < k; j++)
                    {
                        Assert.Equal(gold[b].U[j], u[(t * chains + b) * k + j]);
                        Assert.Equal(gold[b].Code(j), s[(t * chains + b) * k + j]);
                    }
                if ((t + 1) % 7 == 0 || t == steps - 1)
                {
                    Assert.Equal(t + 1, (int)manifest["learning"]!["checkpoints"]![checkpoint]!["after_steps"]!);
                    for (int i = 0; i < d * k; i++) Assert.Equal(a[i], ck[checkpoint * d * k + i]);
                    checkpoint++;
                }
            }
            Assert.Equal(writes.Length, write);
            Assert.Equal(ck.Length, checkpoint * d * k);
            // guards: the run exercised what it claims to
            Assert.True(write > 100, $"only {write} dictionary writes");
            Assert.NotEqual((long)(int)prm["u0_q"]!, u0[^1]);
            Assert.True(switches > chains * (async ? 5 : 2), $"only {switches} switches");
            Assert.True(cursor != 0 || switches % n == 0);
            Assert.True(switches > n, "the cursor never wrapped");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("extend")]
    [InlineData("delete")]
    [InlineData("no-checksums")]
    public void CheckFilesNamesTheDamagedFileBeforeAnySimulatorRuns(string damage)
    {
        LearningVectorSet set = Make("asynchronous", 12);
        string dir = Path.Combine(Path.GetTempPath(), "el-lvec-" + Guid.NewGuid().ToString("N"));
        try
        {
            LearningVectors.Write(dir, set);
            TestVectors.CheckFiles(dir); // intact: no exception
            string u = Path.Combine(dir, "u.hex");
            string text = File.ReadAllText(u);
            string manifestPath = Path.Combine(dir, "manifest.json");
            switch (damage)
            {
                case "flip": // one hex digit changed, same length and word count: only the SHA-256 sees it
                    int i = text.Length / 2;
                    while (text[i] == '\n') i++;
                    File.WriteAllText(u, text[..i] + (text[i] == '0' ? '1' : '0') + text[(i + 1)..]);
                    break;
                case "truncate": File.WriteAllText(u, text[..text.LastIndexOf('\n', text.Length - 2)] + "\n"); break;
                case "extend": File.AppendAllText(u, text[..(text.IndexOf('\n') + 1)]); break;
                case "delete": File.Delete(u); break;
                case "no-checksums":
                    var m = (JsonObject)JsonNode.Parse(File.ReadAllText(manifestPath))!;
                    m.Remove("checksums");
                    File.WriteAllText(manifestPath, m.ToJsonString());
                    break;
            }
            var e = Assert.Throws<InvalidInputException>(() => TestVectors.CheckFiles(dir));
            Assert.Contains(damage == "no-checksums" ? "checksums" : "u.hex", e.Message);
            string expected = damage switch { "flip" => "SHA-256", "truncate" or "extend" => "words", "delete" => "missing", _ => "older version" };
            Assert.Contains(expected, e.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void InferenceVectorsCarryChecksumsToo()
    {
        var vs = new VectorSettings { K = 5, D = 7, Steps = 10 };
        VectorSet set = TestVectors.Generate(vs.BuildModel(3), FixedFormat.Default, InferenceSettings.Default, 10, 3);
        string dir = Path.Combine(Path.GetTempPath(), "el-vec-" + Guid.NewGuid().ToString("N"));
        try
        {
            TestVectors.Write(dir, set);
            JsonObject m = TestVectors.CheckFiles(dir);
            Assert.Equal(1, (int)m["version"]!);
            Assert.Equal(50, (long)m["checksums"]!["u.hex"]!["words"]!);
            File.AppendAllText(Path.Combine(dir, "noise.hex"), "0000\n");
            Assert.Contains("noise.hex", Assert.Throws<InvalidInputException>(() => TestVectors.CheckFiles(dir)).Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ALongRunTracesItsFirstStepsAndCheckpointsTheRest()
    {
        LearningVectorSet full = Make("asynchronous", 30);
        LearningVectorSet traced = Make("asynchronous", 30, traceSteps: 10);
        Assert.Equal(10, traced.TracedSteps);
        Assert.Equal(full.U.Take(traced.U.Length), traced.U);
        Assert.Equal(10 * 3 * 6, traced.U.Length);
        Assert.Equal(full.U0, traced.U0);
        Assert.Equal(full.LearnerState, traced.LearnerState);
        Assert.Equal(full.CheckpointWords, traced.CheckpointWords);
        Assert.Equal(full.Writes.Where(w => w.Step < 10), traced.Writes);
    }

    /// <summary>
    /// The shipped long-run settings (the chip's long Verilator run) learn the bars: from a random
    /// dictionary to matched cosine >= 0.95 (the target) within the config's steps, with the
    /// seed its notes name (4: 0.95 at step 25000, 0.9577 best; seeds 1-8: 5 pass within the 30000 steps; session 19, the one-raw-step noise word). About 4 s:
    /// 30000 steps of 16 chains, recording only checkpoints.
    /// </summary>
    [Fact]
    public void TheShippedLongRunSettingsLearnTheBarsPastCosine095()
    {
        string path = Path.Combine(NanoFrameworkSubsetTests.RepoRoot(), "src", "EdgeLangevin.Simulator", "Configs", "bars-learning-long.json");
        var root = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        var inference = SettingsJson.Parse<InferenceSettings>(root["inference"], path, (x, f) => x.Validate(f));
        var vs = SettingsJson.Parse<VectorSettings>(root["vectors"], path, (x, f) => x.Validate(f)) with { TraceSteps = 1 };
        var learning = LearningSettings.FromJson(root["learning"], inference, path);
        LearningVectorSet set = LearningVectors.Generate(vs.BuildModel(2), FormatSpec.Parse(null), inference, learning, vs, vs.Steps, 4, path);
        double best = set.Checkpoints.Max(c => c.MatchedCosine ?? 0);
        Assert.True(best >= 0.95, $"matched cosine reached only {best:0.000} in {vs.Steps} steps");
        Assert.True(set.Checkpoints[0].MatchedCosine < 0.6, "the run must start from a dictionary unlike the bars");
    }
}
