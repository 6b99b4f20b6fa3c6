using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Cli.Commands;

/// <summary>'hdl run' with learning (issue 11), in every noise mode of the entropy source (issue 16).</summary>
public static partial class HdlCommands
{
    /// <summary>
    /// 'hdl run' with learning: loads the initial dictionary, the data memory and every chain's u, seeds the
    /// generator (not in seeded mode: the chip seeds itself from its entropy pool), runs the learning steps ('L'),
    /// then with the entropy source reads the run's seed ('G'), the dictionary and u0 ('Q') and the health status
    /// ('H'), and checks the result by noise mode:
    /// deterministic: bit for bit the C# learner's (FixedLearner on the same data memory) from the host's seed;
    /// seeded: bit for bit the C# learner's from the seed the chip reports it took;
    /// physical, simulated RTL: every chain-step's K noise words (the testbench's log) are consecutive words of the C#
    /// PhysicalGaussianNoise mapping of the raw bits it logged, or after a health failure the chain's generator words
    /// of that step (fallback), and the dictionary and u0 are bit for bit the C# learner's with exactly those words;
    /// physical on a port: the words are not visible, nothing is compared.
    /// <paramref name="faultAt"/> (simulated RTL only) sticks the source's raw bits at 0 from that clock.
    /// </summary>
    private static int RunLearning(HdlProject project, int n, int s, string portName, string? work, FileInfo? json, bool netlist, long? faultAt)
    {
        string simulated = netlist ? "netlist" : "board";
        var output = JsonOutput.HumanWriter(json);
        DatapathModel dp = project.Datapath;
        EntropySettings es = dp.Settings.Entropy;
        NoiseMode mode = es.Enabled ? es.NoiseMode : NoiseMode.Deterministic;
        var cfg = project.Config;
        LearningVectorSet Learner(int? generatorSeed = null, INoiseWordSource? words = null) =>
            LearningVectors.Generate(project.Model, project.Parameters.Format, cfg.Inference, cfg.Learning!, cfg.Vectors, n, s, project.Source, words, generatorSeed);
        LearningVectorSet lv = Learner();
        // 'S' seeds chain 0 with S and the learner with S ^ 0x5EED1E, which is the contract's seeding for S != 0
        if ((lv.Seeds[0] ^ 0x5EED1E) != lv.LearnerSeed)
            throw InvalidInputException.Field(null, "--seed", "the board derives the learner's seed from a nonzero run seed; use a nonzero --seed");
        // seeded mode: no 'S', so that the run takes the entropy pool's seed (a host seed would win)
        bool hostSeeds = mode != NoiseMode.Seeded;
        var commands = new List<byte[]>
        {
            BoardProtocol.LoadDictionary(lv.Parameters.DictionaryRowMajor), BoardProtocol.LoadData(lv.Data), BoardProtocol.LoadU(lv.UInit),
        };
        if (hostSeeds) commands.Add(BoardProtocol.Seed(lv.Seeds[0]));
        string acks = hostSeeds ? "adus" : "adu";
        // the physical mode's check reads the testbench's log of raw bits and drawn words (RTL only; --netlist refuses the mode)
        bool replayWords = mode == NoiseMode.Physical && portName == "sim" && !netlist;

        short[] got;
        int u0;
        BoardHealth? health = null;
        BoardRunSeed? runSeed = null;
        string? log = null;
        bool refused = false;
        if (portName == "sim")
        {
            var verifier = new HdlVerifier(work ?? HdlVerifier.DefaultWorkRoot);
            string src = Guard(() => verifier.Sources(dp));
            var bytes = commands.Append(BoardProtocol.Learn(n)).SelectMany(c => c).ToList();
            // everything after the 'L' goes once its answer came, as BoardLink waits for it on a real board
            int hold = bytes.Count;
            var plusargs = new List<string>();
            if (es.Enabled) RequestRunSeed(bytes, plusargs);   // the 'Q' behind it waits for G's answer
            bytes.AddRange(BoardProtocol.Query());
            // an 'H' that arrives while the board answers 'Q' is kept and answered next
            if (es.Enabled) bytes.AddRange(EntropyProtocol.Health());
            if (replayWords) plusargs.Add("+log_noise=1");
            if (faultAt is { } f) plusargs.Add(FormattableString.Invariant($"+fault_at={f}"));
            int seedBytes = es.Enabled ? RunSeedReplyBytes : 0, healthBytes = es.Enabled ? 1 + BoardHealth.ReplyBytes : 0;
            int replyBytes = acks.Length + 1 + seedBytes + 1 + BoardProtocol.QueryBytes(dp.D, dp.K) + healthBytes;
            (byte[] reply, string stdout) = Guard(() => verifier.SimulateBoardLog(src, bytes.ToArray(), replyBytes, plusargs, default, holdAt: hold, holdFor: acks.Length + 1, netlist: netlist));
            log = stdout;
            WarnIfFaultNotReached(faultAt, stdout);
            string answered = System.Text.Encoding.ASCII.GetString(reply[..(acks.Length + 1)]);
            refused = answered == acks + "!";
            if (answered != acks + "l" && !refused)
                throw new JobFailedException($"the simulated board acknowledged '{answered}', expected '{acks}l'");
            int at = acks.Length + 1;
            if (es.Enabled)
            {
                runSeed = ParseRunSeedReply(reply.AsSpan(at, seedBytes));
                at += seedBytes;
            }
            if (reply[at] != (byte)'q') throw new JobFailedException($"the simulated board answered 0x{reply[at]:x2} to 'Q', expected 'q'");
            (got, u0) = BoardProtocol.ParseQuery(reply.AsSpan(at + 1, BoardProtocol.QueryBytes(dp.D, dp.K)), dp.D, dp.K);
            at += 1 + BoardProtocol.QueryBytes(dp.D, dp.K);
            if (es.Enabled) health = ParseHealthReply(reply.AsSpan(at, healthBytes));
        }
        else
        {
            using var stream = Guard(() => SerialDevice.Open(portName, dp.Settings.Baud));
            var link = new BoardLink(stream);
            for (int i = 0; i < commands.Count; i++) Guard(() => { link.Send(commands[i], acks[i]); return 0; });
            var entropy = new EntropyLink(stream);
            refused = !Guard(() => link.Learn(n));
            if (es.Enabled) runSeed = Guard(() => entropy.RunSeed());
            (got, u0) = Guard(() => link.Query(dp.D, dp.K));
            if (es.Enabled) health = Guard(() => entropy.Health());
        }
        if (health is not null) output.WriteLine(health.ToString());
        if (runSeed is not null) output.WriteLine(runSeed.ToString());
        if (refused)
        {
            output.WriteLine($"{simulated}: the learning run was refused ('!'): the entropy source failed a health test and the fallback is \"halt\" ('N' with bit 7 clears the failure)");
            WriteLearningJson(json, project, s, portName, netlist, n, mode, matches: false, lv.Chains, 0, u0, health, runSeed, null, null, null);
            throw new JobFailedException("the board refused the learning run (health failure, fallback \"halt\")");
        }

        // the C# learner run this chip's run must equal, by mode
        LearningVectorSet expected = lv;
        string? notCompared = null;
        string? wordsProblem = null;
        int physicalSteps = 0, fallbackSteps = 0;
        // seeded mode has the entropy source, so 'G' was read
        int generatorSeed = runSeed is null ? lv.Seeds[0] : GeneratorSeedOfTheRun(mode, runSeed, lv.Seeds[0], "learning run", output);
        if (mode == NoiseMode.Seeded)
        {
            if ((generatorSeed ^ 0x5EED1E) == 0)
                throw new JobFailedException("the chip's seed 0x005eed1e seeds its learner stream with 0, which C# replaces by 1 (FIXED_POINT.md): this run cannot be reproduced; run again");
            expected = Learner(generatorSeed: generatorSeed);
        }
        if (mode == NoiseMode.Physical && replayWords)
        {
            (int[]? drawn, physicalSteps, fallbackSteps, wordsProblem) = ClassifyPhysicalWords(log!, es, lv, dp.K);
            if (drawn is not null) expected = Learner(words: new WordReplay(drawn));
        }
        else if (mode == NoiseMode.Physical)
            notCompared = "not compared with the C# learner: its noise words are the ring oscillators', which a board does not send to the host (simulate with --port sim to check them)";

        short[] want = expected.CheckpointWords.Skip(expected.CheckpointWords.Count - dp.D * dp.K).ToArray();
        int moved = lv.Parameters.DictionaryRowMajor.Where((a, i) => a != got[i]).Count();
        double? cosine = ChipCosine(project, s, got);
        string truthName = lv.DataName == "bars" ? "the true bars" : "the model's dictionary";
        string summary = FormattableString.Invariant($"the dictionary ({moved} of {got.Length} words moved{(cosine is { } c ? $", matched cosine to {truthName} {c:0.0000}" : "")}) and u0 = {u0}");
        int firstBad = -1;
        string? difference = null;
        bool same = false;
        if (notCompared is null && wordsProblem is null)
        {
            difference = Demo.ChipLearning.Difference(got, want, dp.D, dp.K);
            if (difference is not null) firstBad = Demo.ChipLearning.FirstDifference(got, want);
            same = difference is null && u0 == expected.U0[n - 1];
        }
        string chains = $"{lv.Chains} chain{(lv.Chains == 1 ? "" : "s")}";
        string withWhat = mode switch
        {
            NoiseMode.Seeded => FormattableString.Invariant($" (run from the chip's seed 0x{generatorSeed:x8})"),
            NoiseMode.Physical when replayWords => $" run with the words the chip drew: {physicalSteps} of {n * lv.Chains} chain-steps drew physical words (in order, words of the C# mapping of the raw bits the board logged), {fallbackSteps} their chain's generator words (fallback after a health failure)",
            _ => "",
        };
        string verdict = notCompared is not null
            ? $"{simulated}: after {n} learning steps ({chains}) with physical noise {summary}; {notCompared}"
            : wordsProblem is not null
                ? $"{simulated}: MISMATCH after {n} learning steps: {wordsProblem}"
                : same
                    ? $"{simulated}: after {n} learning steps ({chains}) {summary} equal the C# learner's{withWhat}"
                    : difference is not null
                        ? $"{simulated}: MISMATCH after {n} learning steps: {difference} (C# learner{withWhat})"
                        : $"{simulated}: MISMATCH after {n} learning steps: u0 {u0} (learner {expected.U0[n - 1]}{withWhat})";
        output.WriteLine(verdict);
        bool failed = notCompared is null && !same;
        WriteLearningJson(json, project, s, portName, netlist, n, mode, notCompared is null ? same : null, lv.Chains, moved, u0, health, runSeed,
            firstBad < 0 ? null : new JsonObject { ["d"] = firstBad / dp.K, ["k"] = firstBad % dp.K },
            replayWords ? new JsonObject { ["physical"] = physicalSteps, ["fallback"] = fallbackSteps } : null, cosine);
        if (failed) throw new JobFailedException(wordsProblem is not null
            ? "the chip's noise words are not the C# mapping of its raw bits or its generators' words"
            : "the board's learned dictionary or threshold differs from the C# learner's");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The physical run's noise words from the testbench log ("ETA", in draw order: chain-step by chain-step, K each).
    /// Each chain-step draws either physical words or, after a health failure, its chain's generator words at that step
    /// (the deterministic run's: each chain's generator follows its walks in physical mode too, ENTROPY.md). The physical
    /// words, in draw order, must be words of the C# PhysicalGaussianNoise mapping of the logged raw bits ("RAW") in
    /// their order, the first chain-step's the first K: el_noise_phys keeps 2^KBITS >= K words and drops those that
    /// arrive while it is full, so a chain-step takes what was left in the buffer and then newer words (K consecutive
    /// words only when K is a power of 2). Each drawn word is matched to the next mapped word equal to it; a wrong word
    /// (e.g. a buffer that skips or repeats a write) finds no match within the few hundred mapped words, as words take
    /// about 2500 values. Returns the words, how many chain-steps were of each kind and how many runs of mapped
    /// words were skipped (dropped while the buffer was full), or what is wrong.
    /// </summary>
    private static (int[]? Words, int Physical, int Fallback, string? Problem) ClassifyPhysicalWords(string log, EntropySettings es, LearningVectorSet det, int k)
    {
        int[] Values(string tag) => log.Split('\n').Where(l => l.StartsWith(tag + " ", StringComparison.Ordinal))
            .Select(l => int.Parse(l[(tag.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).ToArray();
        int[] raw = Values("RAW"), eta = Values("ETA");
        int chainSteps = det.Steps * det.Chains;
        if (eta.Length != chainSteps * k)
            return (null, 0, 0, $"the chip drew {eta.Length} noise words, {chainSteps * k} expected ({chainSteps} chain-steps of K = {k})");
        int[] mapped = PhysicalNoiseWords.Words(PhysicalNoiseWords.Condition(raw, es.CondRaw));
        int from = 0, physical = 0, fallback = 0;
        for (int c = 0; c < chainSteps; c++)
        {
            ReadOnlySpan<int> block = eta.AsSpan(c * k, k);
            int end = c == 0 ? (mapped.AsSpan(0, Math.Min(k, mapped.Length)).SequenceEqual(block) ? k : -1) : MatchInOrder(mapped, block, from);
            if (end >= 0) { physical++; from = end; continue; }
            if (c < det.TracedSteps * det.Chains && det.Noise.AsSpan(c * k, k).SequenceEqual(block)) { fallback++; continue; }
            return (null, physical, fallback, FormattableString.Invariant(
                $"chain-step {c} (step {c / det.Chains}, chain {c % det.Chains}) drew words {string.Join(", ", block.ToArray().Take(4))}, ... that are neither words of the C# mapping of the {raw.Length} raw bits logged in their order (after word {from} of {mapped.Length}{(c == 0 ? ", the first chain-step takes the first K" : "")}) nor its chain's generator words"));
        }
        return (eta, physical, fallback, null);
    }

    /// <summary>The index after the last of <paramref name="block"/>'s words matched in order in <paramref name="mapped"/> from <paramref name="from"/> (each to the next equal word), or -1.</summary>
    private static int MatchInOrder(int[] mapped, ReadOnlySpan<int> block, int from)
    {
        int pos = from;
        foreach (int w in block)
        {
            while (pos < mapped.Length && mapped[pos] != w) pos++;
            if (pos == mapped.Length) return -1;
            pos++;
        }
        return pos;
    }

    /// <summary>The chip dictionary's matched cosine to the true dictionary when the data have one (bars, model), else null.</summary>
    private static double? ChipCosine(HdlProject project, int seed, short[] rowMajor)
    {
        var (_, truth) = LearningVectors.DataSet(project.Config.Vectors, project.Model, seed, project.Source);
        if (truth is null) return null;
        var m = Demo.ChipLearning.ToMatrix(rowMajor, project.Model.D, project.Model.K, project.Parameters.Format);
        return DictionaryMetrics.MatchedCosine(m, truth, project.Model.Variant == Variant.Signed);
    }

    private static void WriteLearningJson(FileInfo? json, HdlProject project, int s, string portName, bool netlist, int n, NoiseMode mode, bool? matches, int chains,
        int moved, int u0, BoardHealth? health, BoardRunSeed? runSeed, JsonObject? firstMismatch, JsonObject? chainSteps, double? cosine)
    {
        if (json is null) return;
        DatapathModel dp = project.Datapath;
        var obj = new JsonObject
        {
            ["command"] = "hdl run", ["seed"] = s, ["port"] = portName, ["netlist"] = netlist, ["steps"] = n, ["learning"] = true, ["matches_core"] = matches,
            ["noise_mode"] = EntropySettings.Snake(mode), ["chains"] = chains, ["dictionary_words_moved"] = moved, ["u0_q"] = u0,
            ["matched_cosine"] = cosine is { } c ? JsonOutput.Number(c) : null, ["config_hash"] = dp.ConfigHash, ["first_mismatch"] = firstMismatch,
        };
        if (health is not null) obj["entropy_health"] = HealthJson(health);
        if (runSeed is not null)
            obj["run_seed"] = RunSeedJson(runSeed);
        if (chainSteps is not null) obj["chain_steps"] = chainSteps;
        JsonOutput.Write(json, "hdl run", s, obj, dp.ConfigJson);
    }

    /// <summary>Noise words replayed in the order a chip drew them (physical mode).</summary>
    private sealed class WordReplay(int[] words) : INoiseWordSource
    {
        private int _next;
        public int NextEta() => words[_next++];
    }
}
