using System.Globalization;
using System.Text;
using EdgeLangevin.Cli;
using EdgeLangevin.Core;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;
using Xunit.Abstractions;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The entropy source in the board top (simulated with the behavioural rings), its settings'
/// bad-input rules, and the host-side estimate.
/// </summary>
public sealed class EntropyBoardTests(ITestOutputHelper output)
{
    private static HdlProject EntropyProject(NoiseMode mode, int sampleDiv = 4)
    {
        HdlProject plain = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 21);
        var config = plain.Config with { Hdl = plain.Config.Hdl with { Entropy = new EntropySettings { Enabled = true, NoiseMode = mode, SampleDiv = sampleDiv } } };
        return HdlProject.Create(plain.Model, config, "test K=16 D=8 with the entropy source");
    }

    /// <summary>
    /// Physical mode on the simulated board (Icarus, behavioural rings, a raw bit every 2 clocks): the
    /// core draws every noise word from the source, and each step's 16 words are 16 consecutive words of
    /// the C# PhysicalGaussianNoise mapping applied to the raw bits the board logged (the first step the
    /// first 16); the run's result is the C# core's with those words. Then the same run with the raw
    /// bits stuck at 0 from just after the first step: the health tests fail (RCT), the LED and 'H' say
    /// so, and the later steps draw the generator's words from the host's seed (fallback "generator").
    /// Under Icarus and Verilator.
    /// </summary>
    [Theory]
    [InlineData(HdlSimulator.Icarus)]
    [InlineData(HdlSimulator.Verilator)]
    public void Physical_mode_draws_the_csharp_mapping_of_the_raw_bits_and_a_fault_falls_back_to_the_generator(HdlSimulator sim)
    {
        HdlTestConfigs.RequireTools(sim == HdlSimulator.Icarus ? "iverilog" : "verilator");
        HdlProject p = EntropyProject(NoiseMode.Physical, sampleDiv: 2);
        const int steps = 3, k = 16;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        byte[] host = HostRunThenHealth(p, v, steps);
        int runReply = 5 + BoardProtocol.ReplyBytes(k);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);

        var (reply, log) = verifier.SimulateBoardLog(src, host, runReply + 17, ["+log_noise=1"], sim: sim);
        int[] raw = LogValues(log, "RAW").Select(x => (int)x[0]).ToArray();
        long[][] drawn = LogValues(log, "ETA");
        int[] words = PhysicalNoiseWords.Words(PhysicalNoiseWords.Condition(raw, p.Datapath.Settings.Entropy.CondRaw));
        Assert.Equal(steps * k, drawn.Length);
        int[] eta = drawn.Select(x => (int)x[0]).ToArray();
        int from = 0;
        for (int t = 0; t < steps; t++)
        {
            int at = IndexOfBlock(words, eta.AsSpan(t * k, k), from);
            Assert.True(at >= 0, $"step {t}: its words {string.Join(", ", eta.Skip(t * k).Take(k))} are not 16 consecutive words of the C# mapping after word {from} ({words.Length} words)");
            if (t == 0) Assert.Equal(0, at);
            output.WriteLine($"step {t}: C# words {at}..{at + k - 1}, first drawn at clock {drawn[t * k][1]}");
            from = at + k;
        }
        output.WriteLine($"{raw.Length} raw bits logged, {words.Length} C# words from them");
        AssertCoreResult(p, v, steps, eta, reply.AsSpan(0, runReply));
        BoardHealth h = BoardHealth.Parse(reply.AsSpan(runReply + 1, 16));
        Assert.Equal((NoiseHealthStatus.Ok, 2, 0), (h.Status, h.Mode, h.Failures));
        Assert.Contains("LED fault=0", log);

        // stuck at 0 from 200 clocks after the first step's walk
        long faultAt = drawn[0][1] + 200;
        var (faultReply, faultLog) = verifier.SimulateBoardLog(src, host, runReply + 17, ["+log_noise=1", $"+fault_at={faultAt}"], sim: sim);
        int[] faultEta = LogValues(faultLog, "ETA").Select(x => (int)x[0]).ToArray();
        Assert.Equal(eta.Take(k), faultEta.Take(k));
        Assert.Equal(v.Noise.Take((steps - 1) * k), faultEta.Skip(k));
        AssertCoreResult(p, v, steps, faultEta, faultReply.AsSpan(0, runReply));
        BoardHealth f = BoardHealth.Parse(faultReply.AsSpan(runReply + 1, 16));
        Assert.Equal((NoiseHealthStatus.RepetitionCount, 2, 1), (f.Status, f.Mode, f.Failures));
        Assert.Equal(p.Datapath.Settings.Entropy.Health.RepetitionCutoff, f.FaultMeasure);
        Assert.Contains("LED fault=1", faultLog);
    }

    /// <summary>
    /// Physical mode in a learning design (the board top under Icarus and Verilator, behavioural rings, a raw bit every 2 clocks;
    /// K = 8, D = 8, 2 chains, 3 learning steps; a claimed 1 bit per raw bit and 2 raw bits per conditioned
    /// bit, so that a word takes 432 clocks instead of 1728 and the test stays short): every chain's step draws 8 consecutive words of the C#
    /// PhysicalGaussianNoise mapping of the logged raw bits, and the dictionary and u0 that 'Q' reads back
    /// equal the C# learner's (FixedLearner through LearningVectors) run with the words the chip drew.
    /// Then the raw bits stuck at 0 from just after the first chain-step: the RCT fails, 'H' and the LED say
    /// so, and every later chain-step draws its own generator's words at that step (each chain's generator
    /// state follows its walks in physical mode too), which are the deterministic run's noise words there;
    /// the result again equals the learner's with the words drawn.
    /// </summary>
    [Theory]
    [InlineData(HdlSimulator.Icarus)]
    [InlineData(HdlSimulator.Verilator)]
    public void Physical_mode_in_a_learning_design_learns_with_the_csharp_mapping_and_falls_back_to_each_chains_generator(HdlSimulator sim)
    {
        HdlTestConfigs.RequireTools(sim == HdlSimulator.Icarus ? "iverilog" : "verilator");
        HdlProject p = HdlTestConfigs.FromConfig("""
            {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
             "vectors": {"problem": "random", "variant": "signed", "k": 8, "d": 8, "pi": 0.3, "sigma": 0.5, "data_count": 4, "checkpoint_every": 40},
             "learning": {"batch": 2, "tau_x": 2, "tau_a": 300, "switching": "synchronous", "learn_pi": true, "tau_u0": 2000},
             "hdl": {"lanes": 1, "entropy": {"enabled": true, "noise_mode": "physical", "sample_div": 2, "cond_raw": 2, "entropy_eighths": 8}}}
            """, 24);
        const int steps = 3, seed = 24;
        int k = p.Model.K, chains = p.Datapath.Chains, d = p.Model.D;
        Assert.Equal(2, chains);
        var cfg = p.Config;
        LearningVectorSet det = LearningVectors.Generate(p.Model, p.Parameters.Format, cfg.Inference, cfg.Learning!, cfg.Vectors, steps, seed, p.Source);
        byte[] host = BoardProtocol.LoadDictionary(det.Parameters.DictionaryRowMajor).Concat(BoardProtocol.LoadData(det.Data))
            .Concat(BoardProtocol.LoadU(det.UInit)).Concat(BoardProtocol.Seed(det.Seeds[0])).Concat(BoardProtocol.Learn(steps)).ToArray();
        int query = host.Length;
        host = host.Concat(BoardProtocol.Query()).Concat(EntropyProtocol.Health()).ToArray();
        int replyBytes = 6 + BoardProtocol.QueryBytes(d, k) + 17;
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);

        // 'Q' (and the 'H' behind it) only after the 'l'
        (byte[] Reply, string Log) Run(params string[] plusargs) =>
            verifier.SimulateBoardLog(src, host, replyBytes, ["+log_noise=1", .. plusargs], default, holdAt: query, holdFor: 5, sim: sim);
        // chain-steps before physicalUntil draw K consecutive words of the C# mapping (the index of the
        // first returned), the later ones their chain's generator words at that step (-1)
        int[] Check(byte[] reply, string log, int physicalUntil)
        {
            Assert.Equal("aduslq"u8.ToArray(), reply[..6]);
            int[] raw = LogValues(log, "RAW").Select(x => (int)x[0]).ToArray();
            int[] words = PhysicalNoiseWords.Words(PhysicalNoiseWords.Condition(raw, p.Datapath.Settings.Entropy.CondRaw));
            int[] eta = LogValues(log, "ETA").Select(x => (int)x[0]).ToArray();
            Assert.Equal(steps * chains * k, eta.Length);
            var at = new int[steps * chains];
            int from = 0;
            for (int c = 0; c < at.Length; c++)
            {
                at[c] = c < physicalUntil ? IndexOfBlock(words, eta.AsSpan(c * k, k), from) : -1;
                if (c < physicalUntil) Assert.True(at[c] >= 0, $"chain-step {c}: its words {string.Join(", ", eta.Skip(c * k).Take(k))} are not {k} consecutive words of the C# mapping after word {from}");
                if (at[c] >= 0) from = at[c] + k;
                else Assert.Equal(det.Noise.Skip(c * k).Take(k), eta.Skip(c * k).Take(k));   // chain c % B's generator at step c / B
                output.WriteLine($"chain-step {c} (step {c / chains}, chain {c % chains}): {(at[c] >= 0 ? $"C# physical words {at[c]}..{at[c] + k - 1}" : "its generator's words")}");
            }
            LearningVectorSet withWords = LearningVectors.Generate(p.Model, p.Parameters.Format, cfg.Inference, cfg.Learning!, cfg.Vectors, steps, seed, p.Source, new Replay(eta));
            var (dict, u0) = BoardProtocol.ParseQuery(reply.AsSpan(6, BoardProtocol.QueryBytes(d, k)), d, k);
            Assert.Equal(withWords.CheckpointWords.Skip(withWords.CheckpointWords.Count - d * k), dict);
            Assert.Equal(withWords.U0[steps - 1], u0);
            Assert.NotEqual(det.Parameters.DictionaryRowMajor, dict);                     // it learned
            Assert.NotEqual(det.CheckpointWords.Skip(det.CheckpointWords.Count - d * k), dict);   // not with the generator's words
            Assert.Equal((byte)'h', reply[6 + BoardProtocol.QueryBytes(d, k)]);
            return at;
        }

        var (reply, log) = Run();
        int[] at = Check(reply, log, steps * chains);
        Assert.Equal(0, at[0]);
        BoardHealth h = BoardHealth.Parse(reply.AsSpan(replyBytes - 16, 16));
        Assert.Equal((NoiseHealthStatus.Ok, 2, 0), (h.Status, h.Mode, h.Failures));
        Assert.Contains("LED fault=0", log);

        // stuck at 0 from 200 clocks after the first chain-step's first word: the RCT (cutoff 21) fails ~50
        // clocks later, long before the second chain-step's K words can arrive (432 clocks each), so that
        // chain-step and all later ones draw their generators' words
        long faultAt = LogValues(log, "ETA")[0][1] + 200;
        var (faultReply, faultLog) = Run($"+fault_at={faultAt}");
        int[] fat = Check(faultReply, faultLog, 1);
        Assert.Equal(0, fat[0]);
        BoardHealth f = BoardHealth.Parse(faultReply.AsSpan(replyBytes - 16, 16));
        Assert.Equal((NoiseHealthStatus.RepetitionCount, 2, 1), (f.Status, f.Mode, f.Failures));
        Assert.Contains("LED fault=1", faultLog);
    }

    /// <summary>
    /// A 1-chain learning design in physical mode that the host never seeds ('L' with no 'S' before it):
    /// the first run seeds the generator with 1, as if the host had sent 'S' 1 (before, the generator's
    /// state was its flip-flops' power-up value: x in Icarus, where the core waited forever in ST_BEGIN
    /// for the generator's priming, and 0 on the iCE40, a constant word after a fallback). Checked with
    /// the raw bits stuck at 0 after the first step's first word: step 0 draws the C# mapping's words
    /// 0..7, step 1 (after the RCT failure) words 8..15 of the C# generator seeded with 1 (the generator
    /// advances with every word drawn in a learning design).
    /// </summary>
    [Fact]
    public void An_unseeded_one_chain_learning_design_in_physical_mode_runs_and_falls_back_to_the_generator_seeded_with_1()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = HdlTestConfigs.FromConfig("""
            {"inference": {"dt": 1, "tau_u": 10, "temperature": 1},
             "vectors": {"problem": "random", "variant": "signed", "k": 8, "d": 8, "pi": 0.3, "sigma": 0.5, "data_count": 2, "checkpoint_every": 40},
             "learning": {"batch": 1, "tau_x": 2, "tau_a": 300, "switching": "synchronous", "learn_pi": true, "tau_u0": 2000},
             "hdl": {"lanes": 1, "entropy": {"enabled": true, "noise_mode": "physical", "sample_div": 2, "cond_raw": 2, "entropy_eighths": 8}}}
            """, 25);
        const int steps = 2;
        int k = p.Model.K;
        Assert.Equal(1, p.Datapath.Chains);
        var cfg = p.Config;
        LearningVectorSet det = LearningVectors.Generate(p.Model, p.Parameters.Format, cfg.Inference, cfg.Learning!, cfg.Vectors, steps, 25, p.Source);
        byte[] host = BoardProtocol.LoadDictionary(det.Parameters.DictionaryRowMajor).Concat(BoardProtocol.LoadData(det.Data))
            .Concat(BoardProtocol.LoadU(det.UInit)).Concat(BoardProtocol.Learn(steps)).ToArray();   // no 'S'
        int health = host.Length;
        host = host.Concat(EntropyProtocol.Health()).ToArray();
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        // the stuck raw bits from between the steps: the bytes up to 'L' take 80 clocks each (after 400 of
        // reset), step 0 draws the 8 words buffered by then ~1800 clocks later, and step 1 waits for 8 new
        // words, 432 clocks each
        long faultAt = 400 + 80L * health + 2500;
        var (reply, log) = verifier.SimulateBoardLog(src, host, 4 + 17, ["+log_noise=1", $"+fault_at={faultAt}"], default, holdAt: health, holdFor: 4);
        Assert.Equal("adul"u8.ToArray(), reply[..4]);
        long[][] drawn = LogValues(log, "ETA");
        Assert.Equal(steps * k, drawn.Length);
        Assert.True(drawn[0][1] < faultAt && drawn[k][1] > faultAt, $"the fault (clock {faultAt}) must fall between the steps: words drawn at clocks {drawn[0][1]} and {drawn[k][1]}");
        int[] eta = drawn.Select(x => (int)x[0]).ToArray();
        int[] raw = LogValues(log, "RAW").Select(x => (int)x[0]).ToArray();
        int[] words = PhysicalNoiseWords.Words(PhysicalNoiseWords.Condition(raw, p.Datapath.Settings.Entropy.CondRaw));
        Assert.Equal(words.Take(k), eta.Take(k));
        var generator = new GaussianNoise(1, 1);
        int[] seeded1 = Enumerable.Range(0, 2 * k).Select(_ => generator.Next(0)).ToArray();
        Assert.Equal(seeded1.Skip(k), eta.Skip(k));
        BoardHealth f = BoardHealth.Parse(reply.AsSpan(5, 16));
        Assert.Equal((NoiseHealthStatus.RepetitionCount, 2, 1), (f.Status, f.Mode, f.Failures));
    }

    /// <summary>
    /// A design without the entropy source whose host never sends 'S': the first run draws the words of the
    /// generator seeded with 1 (as if 'S' 1 had come), the C# core's result with those words. (Before, the
    /// generator ran from its power-up state: x in Icarus, 0 on the iCE40, where xorshift stays at 0.)
    /// </summary>
    [Fact]
    public void A_design_never_seeded_runs_from_the_generator_seeded_with_1()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 21);
        const int steps = 3;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        byte[] host = BoardProtocol.LoadDictionary(p.Parameters.DictionaryRowMajor)
            .Concat(BoardProtocol.LoadX(v.X)).Concat(BoardProtocol.LoadU(v.UInit)).Concat(BoardProtocol.Run(steps)).ToArray();   // no 'S'
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        var (reply, _) = verifier.SimulateBoardLog(verifier.Sources(p.Datapath), host, 4 + BoardProtocol.ReplyBytes(16), ["+max_wait=1000000"]);
        var generator = new GaussianNoise(1, 1);
        int[] seeded1 = Enumerable.Range(0, steps * 16).Select(_ => generator.Next(0)).ToArray();
        AssertCoreResult(p, v, steps, seeded1, reply, "axur");
    }

    /// <summary>
    /// Seeded mode after reset: the first run without an 'S' takes its seed from the entropy pool (full long
    /// before the 'R': the dictionary's bytes alone take ~20,000 clocks), so its 16 noise words are not those
    /// of the generator seeded with 1; with 'S' 1 before the 'R' they are exactly those (the host seed wins).
    /// (From 86f19dd to issue-16f the reset's seed_pending_r counted as a host seed and the first run drew
    /// seed 1's words.) A physical design switched to seeded mode: its testbench logs the words drawn.
    /// </summary>
    [Fact]
    public void The_first_seeded_mode_run_after_reset_takes_the_pools_seed_unless_the_host_seeds()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Physical);
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, 1, 21);
        byte[] load = BoardProtocol.LoadDictionary(p.Parameters.DictionaryRowMajor)
            .Concat(BoardProtocol.LoadX(v.X)).Concat(BoardProtocol.LoadU(v.UInit)).ToArray();
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        var generator = new GaussianNoise(1, 1);
        int[] seeded1 = Enumerable.Range(0, 16).Select(_ => generator.Next(0)).ToArray();
        int[] Drawn(bool hostSeed, string acks)
        {
            byte[] host = EntropyProtocol.Mode(1, false).Concat(load)
                .Concat(hostSeed ? BoardProtocol.Seed(1) : []).Concat(BoardProtocol.Run(1)).ToArray();
            var (reply, log) = verifier.SimulateBoardLog(src, host, acks.Length + BoardProtocol.ReplyBytes(16), ["+log_noise=1", "+max_wait=1000000"]);
            Assert.Equal(Encoding.ASCII.GetBytes(acks), reply[..acks.Length]);
            return LogValues(log, "ETA").Select(x => (int)x[0]).ToArray();
        }
        int[] pool = Drawn(hostSeed: false, "n\u0001axur"), host1 = Drawn(hostSeed: true, "n\u0001axusr");
        Assert.Equal(seeded1, host1);
        Assert.Equal(16, pool.Length);
        Assert.NotEqual(seeded1, pool);
    }

    /// <summary>The host's bytes for an inference run: A, X, U, 'S' with the vectors' seed, 'R', then 'H'.</summary>
    private static byte[] HostRunThenHealth(HdlProject p, VectorSet v, int steps) =>
        BoardProtocol.LoadDictionary(p.Parameters.DictionaryRowMajor)
            .Concat(BoardProtocol.LoadX(v.X)).Concat(BoardProtocol.LoadU(v.UInit))
            .Concat(BoardProtocol.Seed(v.GeneratorSeed)).Concat(BoardProtocol.Run(steps))
            .Concat(EntropyProtocol.Health()).ToArray();

    private static long[][] LogValues(string log, string tag) =>
        log.Split('\n').Where(l => l.StartsWith(tag + " ", StringComparison.Ordinal))
            .Select(l => l[(tag.Length + 1)..].Trim().Split(' ').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    /// <summary>
    /// Runs <paramref name="host"/> once to find the clock at which its byte <paramref name="at"/> reaches the
    /// top's registered receiver (it comes during the run) and the first clock in C_CMD (0) after the run's
    /// reply (C_SEND, 3), then again with that byte delayed (+delay_clks) onto exactly that clock. Returns the
    /// first run's reply (<paramref name="probeBytes"/>), the second's (<paramref name="replyBytes"/>) and log,
    /// and the clock.
    /// </summary>
    private static (byte[] Probe, byte[] Reply, string Log, long CmdClock) ByteOntoTheReplysEnd(HdlVerifier verifier, string src, byte[] host, int at, int probeBytes, int replyBytes)
    {
        var (probe, probeLog) = verifier.SimulateBoardLog(src, host, probeBytes, ["+log_link=1"]);
        long byteClock = LogValues(probeLog, "RXQ")[^1][0];
        long[][] states = LogValues(probeLog, "ST");
        int send = Array.FindLastIndex(states, s => s[1] == 3);
        Assert.True(send >= 0 && send + 1 < states.Length && states[send + 1][1] == 0, "the run's reply did not end in C_CMD");
        long cmdClock = states[send + 1][0];
        Assert.True(cmdClock > byteClock, $"byte {at} ({byteClock}) came after the reply ended ({cmdClock})");
        var (reply, log) = verifier.SimulateBoardLog(src, host, replyBytes,
            ["+log_link=1", $"+delay_at={at}", $"+delay_clks={cmdClock - byteClock}", "+max_wait=100000"]);
        Assert.Equal(cmdClock, LogValues(log, "RXQ")[^1][0]);   // the window was hit
        return (probe, reply, log, cmdClock);
    }

    private static int IndexOfBlock(int[] words, ReadOnlySpan<int> block, int from)
    {
        for (int i = from; i + block.Length <= words.Length; i++)
            if (words.AsSpan(i, block.Length).SequenceEqual(block)) return i;
        return -1;
    }

    /// <summary>The board's reply to the run equals the C# core (LangevinSolver) run with <paramref name="eta"/> as its noise words.</summary>
    private static void AssertCoreResult(HdlProject p, VectorSet v, int steps, int[] eta, ReadOnlySpan<byte> reply, string acks = "axusr")
    {
        int k = p.Model.K;
        var solver = new LangevinSolver(v.Parameters.Step, v.Parameters.DictionaryRowMajor, p.Model.D, k, 1, v.RunSeed);
        solver.SetData(0, v.X, 0);
        Array.Copy(v.UInit, solver.Workspace.U, k);
        Array.Copy(v.MInit, solver.Workspace.M, k);
        solver.ExternalNoise = new Replay(eta);
        for (int t = 0; t < steps; t++) solver.Step();
        Assert.Equal(acks, System.Text.Encoding.ASCII.GetString(reply[..acks.Length]));
        var (codes, states) = BoardProtocol.ParseReply(reply[acks.Length..], k);
        Assert.Equal(solver.Workspace.U.Take(k).ToArray(), states);
        Assert.Equal(Enumerable.Range(0, k).Select(j => (int)solver.CodeQ(0, j)).ToArray(), codes);
    }

    private sealed class Replay(int[] words) : INoiseWordSource
    {
        private int _next;
        public int NextEta() => words[_next++];
    }

    [Fact]
    public void The_board_answers_health_mode_and_raw_bit_commands_and_a_host_seed_still_gives_the_cores_result()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Seeded);
        const int steps = 20;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        // the simulated host sends every byte at once; the board keeps one arg-less command ('H')
        // that arrives while it is busy, so 'H' may follow 'R' at once, and the rest go in their own runs
        byte[] host = HostRunThenHealth(p, v, steps);
        int runReply = 5 + BoardProtocol.ReplyBytes(16);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        byte[] reply = verifier.SimulateBoard(src, host, runReply + 17);

        // seeded mode, but the host sent 'S': its seed wins and the run is bit for bit the core's
        Assert.Equal("axusr"u8.ToArray(), reply[..5]);
        var (codes, states) = BoardProtocol.ParseReply(reply.AsSpan(5, BoardProtocol.ReplyBytes(16)), 16);
        int last = (steps - 1) * 16;
        Assert.Equal(v.U.Skip(last).Take(16).ToArray(), states);
        Assert.Equal(v.S.Skip(last).Take(16).Select(s => (int)s).ToArray(), codes);
        Assert.Equal((byte)'h', reply[runReply]);
        BoardHealth h = BoardHealth.Parse(reply.AsSpan(runReply + 1, 16));
        Assert.Equal(NoiseHealthStatus.Ok, h.Status);
        Assert.Equal(1, h.Mode);
        Assert.True(h.RawBitsTested > 512, $"only {h.RawBitsTested} raw bits tested by the time of 'H'");
        Assert.Equal(0, h.Failures);

        // a mode the design does not have leaves it unchanged; 0 selects deterministic
        Assert.Equal(new byte[] { (byte)'n', 1 }, verifier.SimulateBoard(src, EntropyProtocol.Mode(3, false), 2));
        Assert.Equal(new byte[] { (byte)'n', 0 }, verifier.SimulateBoard(src, EntropyProtocol.Mode(0, true), 2));

        // raw bits, then the status behind them
        byte[] raw = verifier.SimulateBoard(src, EntropyProtocol.ReadRaw(128).Concat(EntropyProtocol.Health()).ToArray(), 129 + 17);
        Assert.Equal((byte)'e', raw[0]);
        int[] bits = EntropyProtocol.UnpackBits(raw.AsSpan(1, 128));
        Assert.InRange(bits.Count(b => b == 1), 400, 624);                    // 1024 bits of a healthy model source
        Assert.Null(HealthTestVerifier.Expected(bits, p.Datapath.Settings.Entropy.Health).FirstDetection);
        Assert.Equal((byte)'h', raw[129]);
        Assert.True(BoardHealth.Parse(raw.AsSpan(130, 16)).RawBitsTested >= 1024);
    }

    /// <summary>
    /// The 'E' count n at the edges of its decode (el_entropy_ctl: the two bytes decoded into flags as they arrive,
    /// the last byte's index set on the capture's first clock): n = 0 reads 1 byte, 1 reads 1, 256 (low byte 0) and
    /// 257 (high byte's bit 0 with a low byte 1) read n, 0x0300 (over 512) reads 512. The 'H' behind each 'E' is kept
    /// and answered after the raw bytes, so its 'h' marks where the raw bytes ended.
    /// </summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(256, 256)]
    [InlineData(257, 257)]
    [InlineData(0x0300, 512)]
    public void A_raw_bit_read_returns_the_bytes_its_count_asks_for(int count, int expectedBytes)
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Seeded, sampleDiv: 2);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        byte[] host = [(byte)'E', (byte)count, (byte)(count >> 8), (byte)'H'];
        byte[] reply = verifier.SimulateBoard(src, host, 1 + expectedBytes + 17);
        Assert.Equal((byte)'e', reply[0]);
        Assert.Equal((byte)'h', reply[1 + expectedBytes]);
        // the status's raw bit count: the capture took 8 n consecutive raw bits before the 'H' was answered
        Assert.True(BoardHealth.Parse(reply.AsSpan(2 + expectedBytes, 16)).RawBitsTested >= 8 * expectedBytes);
    }

    /// <summary>
    /// Every byte of an 'E' and an 'H' reply in its place (el_entropy_ctl moves its byte index a clock after the
    /// decision and selects the next reply byte in two registered steps, so each byte is ready 3 clocks after the
    /// one before went; the bench's 8 clocks per UART bit are fewer than any generated design's, and its raw bits
    /// come every other clock, the fastest the source allows): a physical design, 'E' for 40 bytes, then 'H'. The
    /// 320 bits are 320 consecutive raw bits of the bench's log, first bit first; and each of the 16 status bytes is
    /// the C# monitor's on the logged raw bits up to the count the reply gives (status, mode, failures, the failure's
    /// index and measure, the last correlation window's rho). A byte from the wrong index (a select a byte behind
    /// or ahead, a capture index not restarted for the reply) moves or repeats bits or fields and fails here.
    /// </summary>
    [Fact]
    public void Every_byte_of_a_raw_bit_read_and_a_status_reply_is_the_one_its_index_names()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Physical, sampleDiv: 2);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        const int n = 40;
        byte[] host = EntropyProtocol.ReadRaw(n).Concat(EntropyProtocol.Health()).ToArray();
        var (reply, log) = verifier.SimulateBoardLog(src, host, 1 + n + 17, ["+log_noise=1"]);
        int[] raw = LogValues(log, "RAW").Select(x => (int)x[0]).ToArray();

        Assert.Equal((byte)'e', reply[0]);
        int[] bits = EntropyProtocol.UnpackBits(reply.AsSpan(1, n));
        int at = IndexOfBlock(raw, bits, 0);
        Assert.True(at >= 0, $"the {8 * n} bits read are not {8 * n} consecutive raw bits of the {raw.Length} logged");
        Assert.Equal(-1, IndexOfBlock(raw, bits, at + 1));   // and only one such run: the place is the capture's
        output.WriteLine($"'E' {n}: raw bits {at}..{at + 8 * n - 1} of {raw.Length} logged");

        Assert.Equal((byte)'h', reply[1 + n]);
        BoardHealth h = BoardHealth.Parse(reply.AsSpan(2 + n, 16));
        Assert.InRange(h.RawBitsTested, at + 8 * n, raw.Length);
        HealthRun expected = HealthTestVerifier.Expected(raw.Take((int)h.RawBitsTested).ToArray(), p.Datapath.Settings.Entropy.Health);
        HealthEvent[] windows = expected.Events.Where(e => e.Kind == "WINDOW").ToArray();
        Assert.True(windows.Length >= 2, $"{windows.Length} correlation windows before the 'H': too few to tell the rho bytes");
        Assert.Empty(expected.FailuresOnly);
        Assert.Equal(new BoardHealth(NoiseHealthStatus.Ok, 2, 0, h.RawBitsTested, 0, 0, windows[^1].Measure), h);
        output.WriteLine($"'H': {h.RawBitsTested} raw bits tested, {windows.Length} windows, last rho {h.LastLag1Q15}");
    }

    /// <summary>
    /// While el_entropy_ctl answers 'H' the source takes no raw bit (issue-16l: its o_hold, instead of a snapshot of 67
    /// of the 128 bits when 'H' arrived), so every field is read from registers that stand still. The bench's raw
    /// bits come every other clock and its UART bit is 8 clocks: the 17 bytes of the reply take ~1360 clocks. After the
    /// reply's last byte is handed to the transmitter the hold ends, and the bench stops when that byte has arrived,
    /// 10 UART bit times (80 clocks, at most 40 raw bits) later; so the raw bits logged beyond the count the reply
    /// gives are at most 40 and a few clocks' worth. Without the hold the count is read (byte 4) ~13 byte times before
    /// the end (~520 bits more), and main 8958d54's snapshot took it when 'H' arrived (~680 more): both fail.
    /// </summary>
    [Fact]
    public void The_source_takes_no_raw_bit_while_a_status_reply_is_answered()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Seeded, sampleDiv: 2);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        var (reply, log) = verifier.SimulateBoardLog(src, EntropyProtocol.Health(), 17, ["+log_noise=1"]);
        int logged = LogValues(log, "RAW").Length;
        Assert.Equal((byte)'h', reply[0]);
        BoardHealth h = BoardHealth.Parse(reply.AsSpan(1, 16));
        output.WriteLine($"'H' says {h.RawBitsTested} raw bits tested; {logged} logged when its last byte arrived");
        Assert.True(h.RawBitsTested > 0, "no raw bit before the 'H': the bench shows nothing");
        Assert.InRange(logged - (long)h.RawBitsTested, 0, 10 * 8 / 2 + 4);
    }

    /// <summary>
    /// The acknowledgement mailbox and el_entropy_ctl share the transmitter. An 'H' kept while a run replies,
    /// and an unknown command byte timed (+delay_clks) to reach the top's registered receiver on the very
    /// clock its FSM is back in C_CMD after the run's reply: the top answers '?' (the acknowledgement waits:
    /// the reply's last byte is still on the line) and then, in C_ENT, lets the kept 'H' be answered. Both
    /// reach the host, '?' first. (Before: el_entropy_ctl started the 'H' from that same clock while the
    /// top stayed in C_CMD, and sent its 'h' on the clock the transmitter became free, one clock before
    /// the acknowledgement, which the busy transmitter then dropped.)
    /// </summary>
    [Fact]
    public void An_acknowledgement_and_a_kept_health_reply_due_on_the_same_clock_both_reach_the_host()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Seeded);
        const int steps = 2;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        byte[] host = HostRunThenHealth(p, v, steps).Append((byte)'Z').ToArray();
        int z = host.Length - 1;
        int runReply = 5 + BoardProtocol.ReplyBytes(16);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);

        // without a delay the 'Z' comes during the run and is lost (as the protocol says)
        var (probe, reply, log, cmdClock) = ByteOntoTheReplysEnd(verifier, src, host, z, runReply + 17, runReply + 18);
        Assert.Equal((byte)'h', probe[runReply]);
        Assert.Equal(probe[..runReply], reply[..Math.Min(runReply, reply.Length)]);
        Assert.True(reply.Length == runReply + 18, $"{reply.Length - runReply} bytes after the run's reply, not 18 ('?', 'h' and 16)");
        Assert.Equal((byte)'?', reply[runReply]);
        Assert.Equal((byte)'h', reply[runReply + 1]);
        Assert.Equal(1, BoardHealth.Parse(reply.AsSpan(runReply + 2, 16)).Mode);
        // the top waited in C_ENT (4) while the 'H' was answered
        Assert.Contains(LogValues(log, "ST"), s => s[0] > cmdClock && s[1] == 4);
    }

    /// <summary>
    /// An 'H' kept while a run replies, and a second 'H' timed (+delay_clks) to reach the top's registered
    /// receiver on the very clock its FSM is back in C_CMD after the run's reply: the kept 'H' is answered
    /// first and the new one is kept in its place and answered next, as it would be a clock later (the top
    /// is then in C_ENT, so el_entropy_ctl keeps it). Two 'h' replies reach the host. (Before: the kept
    /// command started on that clock and its start cleared the pending flag, so the new byte was dropped:
    /// one 'h'.)
    /// </summary>
    [Fact]
    public void A_kept_health_command_and_a_new_one_on_the_same_clock_are_both_answered()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Seeded);
        const int steps = 2;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        byte[] host = HostRunThenHealth(p, v, steps).Concat(EntropyProtocol.Health()).ToArray();
        int second = host.Length - 1;
        int runReply = 5 + BoardProtocol.ReplyBytes(16);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);

        // without a delay the second 'H' comes during the run, while the first is kept, and is lost (one command is kept)
        var (probe, reply, _, _) = ByteOntoTheReplysEnd(verifier, src, host, second, runReply + 17, runReply + 34);
        Assert.Equal((byte)'h', probe[runReply]);
        Assert.Equal(probe[..runReply], reply[..Math.Min(runReply, reply.Length)]);
        Assert.True(reply.Length == runReply + 34, $"{reply.Length - runReply} bytes after the run's reply, not 34 (two 'h' and 16)");
        Assert.Equal((byte)'h', reply[runReply]);
        Assert.Equal((byte)'h', reply[runReply + 17]);
        BoardHealth first = BoardHealth.Parse(reply.AsSpan(runReply + 1, 16)), then = BoardHealth.Parse(reply.AsSpan(runReply + 18, 16));
        Assert.Equal(1, then.Mode);
        Assert.True(then.RawBitsTested > first.RawBitsTested, $"the second reply's raw bit count {then.RawBitsTested} is not after the first's {first.RawBitsTested}");
    }

    /// <summary>
    /// 'N' with bit 7 clears a latched health failure on the board (a physical design, switched to seeded mode;
    /// the board testbench's +fault_at is in physical designs): raw bits stuck at 0 from the first clock latch an
    /// RCT failure within ~200 clocks; 'N' 0x81 a thousand clocks later, then 'H': status ok, 1 failure counted. The same bytes with 'N' 0x01 (no clear): the RCT failure still latched.
    /// </summary>
    [Fact]
    public void A_mode_command_with_the_clear_bit_clears_a_latched_failure_on_the_board()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = EntropyProject(NoiseMode.Physical);   // the board testbench's +fault_at is in physical designs
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        string src = verifier.Sources(p.Datapath);
        string[] args = ["+fault_at=1", "+delay_at=0", "+delay_clks=1000"];
        BoardHealth Health(bool clear)
        {
            byte[] reply = verifier.SimulateBoardLog(src, EntropyProtocol.Mode(1, clear).Concat(EntropyProtocol.Health()).ToArray(), 2 + 17, args).Reply;
            Assert.Equal(new byte[] { (byte)'n', 1, (byte)'h' }, reply[..3]);
            return BoardHealth.Parse(reply.AsSpan(3, 16));
        }
        BoardHealth kept = Health(clear: false), cleared = Health(clear: true);
        Assert.Equal((NoiseHealthStatus.RepetitionCount, 1), (kept.Status, kept.Failures));
        // cleared: status and count frozen when 'H' came (the stuck bits fail the RCT again during the reply,
        // whose evidence bytes, read as they go, then show that new failure: ENTROPY.md)
        Assert.Equal((NoiseHealthStatus.Ok, 1), (cleared.Status, cleared.Failures));
    }

    [Theory]
    [InlineData(NoiseMode.Seeded)]
    [InlineData(NoiseMode.Physical)]
    public void The_board_top_with_the_entropy_source_is_lint_clean(NoiseMode mode)
    {
        HdlTestConfigs.RequireTools("verilator");
        HdlProject p = EntropyProject(mode);
        ToolResult r = HdlVerifier.Lint(new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath), "el_top_icebreaker");
        Assert.True(r.Ok && !(r.Stdout + r.Stderr).Contains("%Warning", StringComparison.Ordinal), r.Tail(30));
    }

    [Fact]
    public void A_design_without_the_entropy_source_refuses_its_commands()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 21);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        Assert.Equal((byte)'?', verifier.SimulateBoard(verifier.Sources(p.Datapath), "H"u8.ToArray(), 1)[0]);
    }

    public static TheoryData<string, string> BadEntropy() => new()
    {
        { """{"noise_mode": "physical"}""", "hdl.entropy.enabled" },
        { """{"enabled": true, "noise_mode": "physical", "cond_raw": 2}""", "the physical mode needs" },
        { """{"noise_mode": "seeded"}""", "hdl.entropy.enabled" },
        { """{"enabled": true, "rings": 200, "stages": 3}""", "528" },
        { """{"enabled": true, "stages": 1}""", "hdl.entropy.stages" },
        { """{"enabled": true, "sample_div": 0}""", "hdl.entropy.sample_div" },
        { """{"enabled": true, "sample_div": 256}""", "8-bit divider" },
        { """{"enabled": true, "entropy_eighths": 4, "rct_cutoff": 21}""", "1 + ceil(20 / H) = 41" },
        { """{"enabled": true, "entropy_eighths": 8, "apt_cutoff": 793}""", "589 of 1024" },
        { """{"enabled": true, "noise_mode": "seeded", "cond_raw": 2}""", "raise cond_raw" },
    };

    [Theory]
    [MemberData(nameof(BadEntropy))]
    public void Impossible_entropy_settings_exit_2_naming_the_field_and_write_nothing(string entropy, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"el-ent-{Guid.NewGuid():N}");
        string cfg = dir + ".json";
        try
        {
            File.WriteAllText(cfg, """{"hdl": {"lanes": 2, "entropy": """ + entropy + """}, "vectors": {"k": 16, "d": 8}}""");
            var o = new StringWriter();
            var e = new StringWriter();
            int code = CliApp.Run(["hdl", "generate", "--config", cfg, "--out", dir], o, e);
            Assert.Equal(2, code);
            Assert.Contains(expected, e.ToString());
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    [Theory]
    [InlineData("seeded")]
    [InlineData("physical")]
    public void Verify_refuses_a_seeded_or_physical_design_and_says_which_mode_to_verify(string mode)
    {
        string cfg = Path.Combine(Path.GetTempPath(), $"el-ent-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(cfg, $$$"""{"hdl": {"lanes": 2, "entropy": {"enabled": true, "noise_mode": "{{{mode}}}"}}, "vectors": {"k": 16, "d": 8}}""");
            var o = new StringWriter();
            var e = new StringWriter();
            int code = CliApp.Run(["hdl", "verify", "--config", cfg, "--steps", "10", "--simulators", "icarus", "--work", HdlTestConfigs.WorkRoot], o, e);
            Assert.Equal(2, code);
            Assert.Contains("\"noise_mode\": \"deterministic\"", e.ToString());
            Assert.Contains($"\"{mode}\" noise cannot be verified", e.ToString());
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    [Fact]
    public void Hdl_run_in_physical_mode_prints_the_health_status_and_counts_and_compares_nothing()
    {
        HdlTestConfigs.RequireTools("iverilog");
        string cfg = Path.Combine(Path.GetTempPath(), $"el-ent-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(cfg, """{"hdl": {"lanes": 2, "entropy": {"enabled": true, "noise_mode": "physical", "sample_div": 2}}, "vectors": {"k": 16, "d": 8}}""");
            var o = new StringWriter();
            var e = new StringWriter();
            int code = CliApp.Run(["hdl", "run", "--port", "sim", "--config", cfg, "--steps", "1", "--work", HdlTestConfigs.WorkRoot], o, e);
            Assert.True(code == 0, e.ToString());
            Assert.Matches(@"entropy source: .*; noise mode physical; [1-9][0-9]+ raw bits tested, 0 failures", o.ToString());
            Assert.Contains("not compared with the C# core", o.ToString());
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    [Fact]
    public void The_most_common_value_estimate_follows_SP_800_90B_6_3_1()
    {
        // 600 ones in 1000: p = 0.6, p_u = 0.6 + 2.576 sqrt(0.24 / 999) = 0.6399272, H = 0.6440203 (computed by hand)
        int[] samples = Enumerable.Range(0, 1000).Select(i => i < 600 ? 1 : 0).ToArray();
        var mcv = MinEntropy.MostCommonValue(samples);
        Assert.Equal(1, mcv.MostCommon);
        Assert.Equal(0.6, mcv.PHat, 12);
        Assert.Equal(0.6399272, mcv.PUpper, 6);
        Assert.Equal(0.6440203, mcv.BitsPerSample, 6);
    }

    [Fact]
    public void The_fewest_bits_that_can_show_a_claim_are_where_a_perfect_sources_bound_reaches_it()
    {
        // claim 0.5: a perfect read of L = 40 bits (p = 1/2): p_u = 0.5 + 2.576 sqrt(0.25 / 39) = 0.706245, -log2 = 0.50177 >= 0.5;
        // L = 39 (p = 20/39): p_u = 0.721527, 0.47084; L = 38: p_u = 0.711749, 0.49058 (by hand): 40 is the first
        Assert.Equal(40, MinEntropy.BinarySamplesToShow(0.5));
        Assert.True(MinEntropy.MostCommonValue(Enumerable.Range(0, 40).Select(i => i % 2).ToArray()).BitsPerSample >= 0.5);
        Assert.True(MinEntropy.MostCommonValue(Enumerable.Range(0, 39).Select(i => i % 2).ToArray()).BitsPerSample < 0.5);
        Assert.True(MinEntropy.MostCommonValue(Enumerable.Range(0, 38).Select(i => i % 2).ToArray()).BitsPerSample < 0.5);
        // claim 7/8: 1 + (1.288 / (2^-0.875 - 1/2))^2 = 811.5 -> L = 812 (even); a claim of 1 bit no finite read shows
        Assert.Equal(812, MinEntropy.BinarySamplesToShow(0.875));
        Assert.Null(MinEntropy.BinarySamplesToShow(1.0));
    }

    [Fact]
    public void Hdl_entropy_refuses_a_read_too_short_to_show_the_claim_and_a_claim_no_read_can_show_before_any_work()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"el-ent-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string cfg = Path.Combine(dir, "c.json"), raw = Path.Combine(dir, "raw.txt");
            File.WriteAllText(cfg, """{"hdl": {"lanes": 2, "entropy": {"enabled": true}}, "vectors": {"k": 16, "d": 8}}""");
            var o = new StringWriter();
            var e = new StringWriter();
            // the default claim 4/8 needs 40 bits: 4 bytes are 32
            int code = CliApp.Run(["hdl", "entropy", "--port", "sim", "--config", cfg, "--bytes", "4", "--out", raw, "--work", HdlTestConfigs.WorkRoot], o, e);
            Assert.True(code == 2, e.ToString());
            Assert.Contains("--bytes", e.ToString(), StringComparison.Ordinal);
            Assert.Contains("read at least 5 bytes", e.ToString(), StringComparison.Ordinal);
            File.WriteAllText(cfg, """{"hdl": {"lanes": 2, "entropy": {"enabled": true, "noise_mode": "physical", "cond_raw": 2, "entropy_eighths": 8}}, "vectors": {"k": 16, "d": 8}}""");
            e = new StringWriter();
            code = CliApp.Run(["hdl", "entropy", "--port", "sim", "--config", cfg, "--bytes", "512", "--out", raw, "--work", HdlTestConfigs.WorkRoot], o, e);
            Assert.True(code == 2, e.ToString());
            Assert.Contains("hdl.entropy.entropy_eighths", e.ToString(), StringComparison.Ordinal);
            Assert.False(File.Exists(raw));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_conditioned_entropy_claim_is_the_piling_up_bound()
    {
        // H = 0.5 bit per raw bit: p = 2^-0.5, bias e = 2p - 1 = 0.41421; parity of 8: -log2(1/2 + e^8 / 2) = 0.99875 (by hand)
        Assert.Equal(0.9987504, new EntropySettings { CondRaw = 8, EntropyEighths = 4 }.ConditionedEntropyPerBit, 6);
        Assert.Equal(0.5, new EntropySettings { CondRaw = 1, EntropyEighths = 4 }.ConditionedEntropyPerBit, 9);
    }

    [Fact]
    public void Raw_bits_unpack_first_bit_in_bit_0_and_the_file_reads_back_as_the_recordings_format()
    {
        Assert.Equal(new[] { 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0 }, EntropyProtocol.UnpackBits(new byte[] { 0x81, 0x02 }));
        string text = EntropyProtocol.RawFileText([[1, 0], [1]], "test");
        int[] back = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(int.Parse).ToArray();
        Assert.Equal(new[] { 1, 0, 1 }, back);
    }
}
