using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Commands;

/// <summary>The hdl verbs: generate, verify, synth, run (issue 4).</summary>
public static partial class HdlCommands
{
    public static void Add(RootCommand root)
    {
        var hdl = new Command("hdl", "The Verilog datapath: generate it, verify it bit for bit against the C# core, synthesise it for the iCE40 UP5K, run it on an iCEBreaker.");
        hdl.Subcommands.Add(Generate());
        hdl.Subcommands.Add(Verify());
        hdl.Subcommands.Add(Synth());
        hdl.Subcommands.Add(RunOnBoard());
        hdl.Subcommands.Add(EntropyCommand());   // HdlCommands.Entropy.cs
        root.Subcommands.Add(hdl);
    }

    private static Option<FileInfo?> ModelOption() => new("--model") { Description = "Model file (JSON); without it the config's \"vectors\" problem is drawn from --seed" };
    private static Option<FileInfo?> ConfigOption() => new("--config") { Description = "JSON with optional \"inference\" (dt, tau_u, temperature), \"hdl\" (lanes, dictionary_memory, clock_mhz, baud, format) and \"vectors\" sections; without it, defaults that fit the UP5K" };

    private static Command Generate()
    {
        var model = ModelOption();
        var config = ConfigOption();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Output folder (replaced atomically)", Required = true };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("generate",
            "Render the RTL (datapath, iCEBreaker top and pins), the self-checking testbench and the memory images.\n" +
            "Example: edgelangevin hdl generate --model model.json --config hdl.json --out build/hdl")
        { model, config, outDir, seed, json };
        cmd.SetAction(parse =>
        {
            int s = parse.GetValue(seed);
            HdlProject project = HdlProject.Load(parse.GetValue(model)?.FullName, parse.GetValue(config)?.FullName, s);
            string dir = parse.GetValue(outDir)!.FullName;
            var files = new HdlGenerator().Write(project.Datapath, dir);
            DatapathModel dp = project.Datapath;
            JsonOutput.HumanWriter(parse.GetValue(json)).WriteLine($"wrote {files.Count} files to {dir}: K={dp.K} D={dp.D} lanes={dp.Lanes} dictionary in {dp.DictionaryMemory.ToString().ToLowerInvariant()} config {dp.ConfigHash[..12]}");
            if (parse.GetValue(json) is { } j)
            {
                var result = new JsonObject
                {
                    ["command"] = "hdl generate", ["seed"] = s, ["out"] = dir, ["config_hash"] = dp.ConfigHash,
                    ["files"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(f.Path)).ToArray()),
                    ["config"] = dp.ConfigJson.DeepClone(),
                };
                JsonOutput.Write(j, "hdl generate", s, result, dp.ConfigJson);
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static Option<DirectoryInfo?> WorkOption() => new("--work") { Description = "Folder for generated sources and simulator builds, shared between runs (default $EDGELANGEVIN_HDL_WORK or ~/.cache/edgelangevin/hdl)" };

    /// <summary>Loads the project; a template error is a failed job (exit 1), not bad input.</summary>
    private static T Guard<T>(Func<T> f)
    {
        try { return f(); }
        catch (EdgeLangevin.Codegen.Templates.TemplateException e) { throw new JobFailedException(e.Message); }
        catch (HdlToolException e) { throw new JobFailedException(e.Message); }
        catch (ToolMissingException e) { throw new JobFailedException(e.Message); }
    }

    private static Command Verify()
    {
        var model = ModelOption();
        var config = ConfigOption();
        var vectors = new Option<DirectoryInfo?>("--vectors") { Description = "Vector folder from 'edgelangevin vectors' (default: written now from the same model and config)" };
        var steps = new Option<int>("--steps") { Description = "Steps to simulate when the vectors are written now", DefaultValueFactory = _ => 2000 };
        var sims = new Option<string>("--simulators") { Description = "Comma-separated: icarus, verilator", DefaultValueFactory = _ => "icarus,verilator" };
        var waves = new Option<DirectoryInfo?>("--waves") { Description = "On a mismatch, write <simulator>-mismatch.vcd here: every testbench signal from two steps before the first mismatch to it (GTKWave)" };
        var work = WorkOption();
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("verify",
            "Run the generated testbench on vectors from the C# core under Icarus Verilog and Verilator; compares every noise word, every state word u_k and every code s_k after every step, and with a \"learning\" config section every chain's words, u0, the learner stream, every dictionary write (step, d, k, value) and the dictionary at checkpoints. Prints pass/fail per simulator with the first mismatching word; exit 1 on any mismatch.\n" +
            "Example: edgelangevin hdl verify --model model.json --steps 2000 --seed 3")
        { model, config, vectors, steps, sims, waves, work, seed, json };
        cmd.SetAction(parse =>
        {
            var output = JsonOutput.HumanWriter(parse.GetValue(json));
            int s = parse.GetValue(seed);
            HdlProject project = Guard(() => HdlProject.Load(parse.GetValue(model)?.FullName, parse.GetValue(config)?.FullName, s));
            project.Datapath.Settings.Entropy.RequireVerifiable(parse.GetValue(config)?.FullName);
            var simulators = ParseSimulators(parse.GetValue(sims)!);
            if (parse.GetValue(vectors) is not null)
                CommonOptions.RefuseGiven(parse, "with --vectors (the vectors' own steps are simulated; --steps is how many to write now)", steps);
            else HdlVerifier.CheckVectorSteps(project, parse.GetValue(steps));
            var verifier = new HdlVerifier(parse.GetValue(work)?.FullName ?? HdlVerifier.DefaultWorkRoot);
            string src = Guard(() => verifier.Sources(project.Datapath));
            string vecDir;
            if (parse.GetValue(vectors) is { } given) vecDir = given.FullName;
            else
            {
                int n = parse.GetValue(steps);
                vecDir = Path.Combine(src, "vectors", $"seed{s}-steps{n}");
                if (!File.Exists(Path.Combine(vecDir, "manifest.json"))) HdlVerifier.WriteVectors(project, n, s, vecDir);
            }
            var (vsteps, gseed) = HdlVerifier.CheckVectors(project.Datapath, vecDir);
            // Building and running a simulator takes from seconds to minutes: one progress stage per simulator.
            List<SimulationResult> results = CliProgress.Run("hdl verify", (progress, ct) =>
            {
                var done = new List<SimulationResult>();
                foreach (HdlSimulator sim in simulators)
                {
                    string stage = $"{SimulatorName(sim)}: build and simulate {vsteps} steps";
                    progress.Report(new RunProgress(stage, 0, 1));
                    string? vcd = parse.GetValue(waves) is { } wd ? Path.Combine(wd.FullName, $"{SimulatorName(sim)}-mismatch.vcd") : null;
                    done.Add(Guard(() => verifier.Simulate(src, sim, vecDir, vsteps, gseed, ct, vcd)));
                    progress.Report(new RunProgress(stage, 1, 1));
                }
                return done;
            });
            foreach (SimulationResult r in results)
            {
                output.WriteLine(r.Summary());
                if (r.Waves is not null) output.WriteLine($"waves around the first mismatch: {r.Waves}");
            }
            if (parse.GetValue(json) is { } j)
            {
                var obj = new JsonObject
                {
                    ["command"] = "hdl verify", ["seed"] = s, ["vectors"] = vecDir, ["config_hash"] = project.Datapath.ConfigHash,
                    ["passed"] = results.All(r => r.Passed),
                    ["results"] = new JsonArray(results.Select(r => (JsonNode?)r.ToJson()).ToArray()),
                };
                JsonOutput.Write(j, "hdl verify", s, obj, project.Datapath.ConfigJson);
            }
            if (!results.All(r => r.Passed)) throw new JobFailedException("the RTL does not match the C# core (see above)");
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static string SimulatorName(HdlSimulator sim) => sim == HdlSimulator.Icarus ? "icarus" : "verilator";

    private static List<HdlSimulator> ParseSimulators(string text)
    {
        var list = new List<HdlSimulator>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            list.Add(part.ToLowerInvariant() switch
            {
                "icarus" or "iverilog" => HdlSimulator.Icarus,
                "verilator" => HdlSimulator.Verilator,
                _ => throw InvalidInputException.Field(null, "--simulators", $"unknown simulator '{part}', expected icarus or verilator"),
            });
        if (list.Count == 0) throw InvalidInputException.Field(null, "--simulators", "name at least one simulator");
        if (list.Distinct().Count() != list.Count) throw InvalidInputException.Field(null, "--simulators", $"'{text}' names a simulator twice: give each once");
        return list;
    }

    private static Command Synth()
    {
        var model = ModelOption();
        var config = ConfigOption();
        var steps = new Option<int>("--steps") { Description = "Steps of the Verilator run that measures cycles per step", DefaultValueFactory = _ => 200 };
        var netlistOnly = new Option<bool>("--netlist-only")
        {
            Description = "Stop after yosys: write the iCE40 netlist of the board top (the checked flow that 'hdl synth' places; refused, exit 2, when yosys's log says it is not the RTL) and print its path and the generated sources' folder; no place and route, no other families, no simulation; made also for a learning design larger than the UP5K. For scripts that place it themselves (codegen/measure-entropy-beside.sh, measure-learning-lc.sh)",
        };
        var work = WorkOption();
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("synth",
            "Synthesise for the iCE40 UP5K (yosys synth_ice40 + nextpnr-ice40: fmax, logic cells, DSP, block RAM, SPRAM, fits), count resources for Xilinx 7-series and ECP5 (yosys), and measure cycles per step in simulation against the MAC bound. Exit 1 when the design does not fit or misses the clock.\n" +
            "Example: edgelangevin hdl synth --model model.json --json synth.json")
        { model, config, steps, netlistOnly, work, seed, json };
        cmd.SetAction(parse =>
        {
            var output = JsonOutput.HumanWriter(parse.GetValue(json));
            int s = parse.GetValue(seed);
            if (parse.GetValue(netlistOnly)) CommonOptions.RefuseGiven(parse, "with --netlist-only (nothing is simulated)", steps);
            HdlProject project = Guard(() => HdlProject.Load(parse.GetValue(model)?.FullName, parse.GetValue(config)?.FullName, s));
            if (!parse.GetValue(netlistOnly)) HdlVerifier.CheckVectorSteps(project, parse.GetValue(steps)); // not minutes of synthesis later
            DatapathModel dp = project.Datapath;
            // a learning design the UP5K's logic cells cannot hold: exit 2 before anything is written or run; a netlist alone
            // is still made (codegen/measure-learning-lc.sh counts the cells of shapes larger than the UP5K for the estimate's fit)
            if (!parse.GetValue(netlistOnly)) dp.RequireUp5kLogicCells();
            var verifier = new HdlVerifier(parse.GetValue(work)?.FullName ?? HdlVerifier.DefaultWorkRoot);
            string src = Guard(() => verifier.Sources(dp));
            if (parse.GetValue(netlistOnly)) return SynthNetlistOnly(src, dp, s, output, parse.GetValue(json));
            double target = IcePll.For(dp.Settings.ClockMhz).OutputMhz;
            int n = parse.GetValue(steps);
            string vecDir = Path.Combine(src, "vectors", $"seed{s}-steps{n}");
            HdlSimulator sim = ToolRunner.Exists("verilator") ? HdlSimulator.Verilator : HdlSimulator.Icarus;
            // yosys + nextpnr take minutes: one progress stage per tool run, so the user sees which one is working.
            var (ice, xilinx, ecp5, r) = CliProgress.Run("hdl synth", (progress, ct) =>
            {
                T Stage<T>(string stage, Func<T> run)
                {
                    progress.Report(new RunProgress(stage, 0, 1));
                    T value = Guard(run);
                    progress.Report(new RunProgress(stage, 1, 1));
                    return value;
                }
                Ice40Result iceResult = Stage($"iCE40 UP5K: yosys synth_ice40 + nextpnr-ice40 at {target.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} MHz", () => HdlSynthesizer.Ice40(src, target, ct));
                JsonObject xilinxCells = Stage("Xilinx 7-series: yosys synth_xilinx", () => HdlSynthesizer.OtherFamily(src, "xilinx", ct));
                JsonObject ecp5Cells = Stage("ECP5: yosys synth_ecp5", () => HdlSynthesizer.OtherFamily(src, "ecp5", ct));
                SimulationResult cycles = Stage($"{SimulatorName(sim)}: cycles per step over {n} steps", () =>
                {
                    if (!File.Exists(Path.Combine(vecDir, "manifest.json"))) HdlVerifier.WriteVectors(project, n, s, vecDir);
                    var (vsteps, gseed) = HdlVerifier.CheckVectors(dp, vecDir);
                    return verifier.Simulate(src, sim, vecDir, vsteps, gseed, ct);
                });
                return (iceResult, xilinxCells, ecp5Cells, cycles);
            });
            output.WriteLine(ice.Error ?? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"iCE40 UP5K: fmax {ice.FmaxMhz:0.00} MHz (target {target:0.###}), {ice.LogicCells}/{DatapathModel.Up5kLogicCells} logic cells, {ice.Dsp} DSP, {ice.Bram} BRAM, {ice.Spram} SPRAM, fits {ice.Fits}"));
            string bitstream = Path.Combine(src, "synth-ice40", "top.bin");
            if (File.Exists(bitstream)) output.WriteLine($"bitstream: {bitstream} (flash with: iceprog {bitstream})");
            output.WriteLine($"xilinx: {Cells(xilinx)}");
            output.WriteLine($"ecp5: {Cells(ecp5)}");
            output.WriteLine(r.Summary());
            if (parse.GetValue(json) is { } j)
            {
                var obj = new JsonObject
                {
                    ["command"] = "hdl synth", ["seed"] = s, ["config_hash"] = dp.ConfigHash, ["config"] = dp.ConfigJson.DeepClone(),
                    ["fmax_mhz"] = Math.Round(ice.FmaxMhz, 2), ["logic_cells"] = ice.LogicCells, ["dsp"] = ice.Dsp, ["bram"] = ice.Bram,
                    ["spram"] = ice.Spram, ["fits"] = ice.Fits, ["timing_met"] = ice.TimingMet,
                    ["ice40"] = ice.ToJson(), ["xilinx"] = xilinx, ["ecp5"] = ecp5,
                    ["bitstream"] = File.Exists(bitstream) ? bitstream : null,
                    ["cycles_per_step"] = Math.Round(r.SteadyCyclesPerStep, 2), ["mac_bound_cycles_per_step"] = Math.Round(r.SteadyMacBoundPerStep, 2),
                    ["cycles_overhead_fraction"] = double.IsFinite(r.OverheadFraction) ? Math.Round(r.OverheadFraction, 4) : null,
                    ["simulation"] = r.ToJson(),
                };
                JsonOutput.Write(j, "hdl synth", s, obj, dp.ConfigJson);
            }
            if (!ice.Fits) throw new JobFailedException(ice.Error ?? "the design does not fit the UP5K");
            if (!ice.TimingMet) throw new JobFailedException($"fmax {ice.FmaxMhz:0.00} MHz misses the {target} MHz clock");
            if (!r.Passed) throw new JobFailedException("the cycle-count simulation did not match the C# core: " + r.Summary());
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>`hdl synth --netlist-only`: the checked yosys flow of <see cref="HdlSynthesizer.Ice40Netlist"/>, nothing placed.</summary>
    private static int SynthNetlistOnly(string src, DatapathModel dp, int seed, TextWriter output, FileInfo? json)
    {
        string? netlist = CliProgress.Run("hdl synth --netlist-only", (progress, ct) =>
        {
            const string stage = "iCE40 UP5K: yosys synth_ice40 (checked)";
            progress.Report(new RunProgress(stage, 0, 1));
            var (path, error) = Guard(() => HdlSynthesizer.Ice40Netlist(src, ct));
            if (path is null) throw new JobFailedException(error!);
            progress.Report(new RunProgress(stage, 1, 1));
            return path;
        });
        output.WriteLine($"netlist: {netlist}");
        output.WriteLine($"sources: {src}");
        if (json is not null)
        {
            var obj = new JsonObject
            {
                ["command"] = "hdl synth", ["seed"] = seed, ["config_hash"] = dp.ConfigHash, ["config"] = dp.ConfigJson.DeepClone(),
                ["netlist"] = netlist, ["sources"] = src, ["entropy_source"] = HdlGenerator.HasEntropySource(src),
            };
            JsonOutput.Write(json, "hdl synth", seed, obj, dp.ConfigJson);
        }
        return ExitCodes.Success;
    }

    private static string Cells(JsonObject family) =>
        family["cells"] is JsonObject c ? string.Join(", ", c.Where(kv => kv.Key != "cells").Select(kv => $"{kv.Key} {kv.Value}")) : family["error"]?.ToString() ?? "?";

    private static Command RunOnBoard()
    {
        var model = ModelOption();
        var config = ConfigOption();
        var port = new Option<string>("--port") { Description = "Serial device of the iCEBreaker's UART (FTDI channel B), e.g. /dev/ttyUSB1; 'sim' runs the generated board top under Icarus instead", Required = true };
        var steps = new Option<int>("--steps") { Description = "Steps to run on the board (1..65535)", DefaultValueFactory = _ => 100 };
        var netlist = new Option<bool>("--netlist")
        {
            Description = "With --port sim: simulate the gate-level netlist that yosys synth_ice40 makes of the board top (Verilator with yosys's iCE40 cell models) instead of the RTL, to check that the synthesised chip is the simulated one. The UART divider is synthesised for the testbench's bit time and the PLL is a wire; the entropy source's rings are the RTL runs' behavioural model (everything behind them is gates), its noise mode \"physical\" is refused",
        };
        var faultAt = new Option<long?>("--fault-at")
        {
            Description = "With --port sim and the entropy source (RTL, not --netlist): stick the simulated source's raw bits at 0 from this clock of the board testbench on (fault injection, the testbench's +fault_at), to see the chip report the failed health test and fall back as configured",
        };
        var work = WorkOption();
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("run",
            "Load the dictionary, a datum x and an initial state over the UART of an iCEBreaker running the bitstream that 'hdl synth' builds for the same model and config (it prints its path), run the steps, read the codes and states back and compare them with the C# core bit for bit. " +
            "The datum and initial state are the ones 'edgelangevin vectors' draws from --seed. With the entropy source it prints the board's health status and counts ('H') and the run's generator seed ('G'); in seeded mode it sends no 'S' and compares with the C# core or learner from the seed the chip reports (inference and learning); with \"noise_mode\": \"physical\" an inference result is printed, not compared (its noise words are the ring oscillators'), and a learning run with --port sim is compared with the learner given the words the chip drew, each checked as the C# mapping of its logged raw bits (on a serial port it is printed, not compared). Uses stty and the device file (System.IO.Ports is not served here).\n" +
            "Example: edgelangevin hdl run --port /dev/ttyUSB1 --model model.json --steps 1000 --seed 2\n" +
            "Example (gate level): edgelangevin hdl run --port sim --netlist --config learning.json --steps 20 --seed 2")
        { model, config, port, steps, netlist, faultAt, work, seed, json };
        cmd.SetAction(parse =>
        {
            var output = JsonOutput.HumanWriter(parse.GetValue(json));
            int s = parse.GetValue(seed);
            int n = parse.GetValue(steps);
            if (n < 1 || n > 65535) throw InvalidInputException.Field(null, "--steps", $"expected 1 to 65535, got {n}");
            if (parse.GetValue(port) != "sim") CommonOptions.RefuseGiven(parse, "with a serial --port (the netlist and faults are simulated with --port sim)", netlist, faultAt);
            bool gates = parse.GetValue(netlist);
            if (gates) CommonOptions.RefuseGiven(parse, "with --netlist (the fault is forced on an RTL signal the netlist does not have)", faultAt);
            long? fault = parse.GetValue(faultAt);
            if (fault is < 0) throw InvalidInputException.Field(null, "--fault-at", $"expected a clock >= 0, got {fault}");
            HdlProject project = Guard(() => HdlProject.Load(parse.GetValue(model)?.FullName, parse.GetValue(config)?.FullName, s));
            DatapathModel dp = project.Datapath;
            // the physical mode's testbench logs the source's internal signals, which a netlist does not have, and its result is not compared
            if (gates && dp.Settings.Entropy is { Enabled: true, NoiseMode: NoiseMode.Physical })
                throw InvalidInputException.Field(parse.GetValue(config)?.FullName, "hdl.entropy.noise_mode", "--netlist runs the entropy source's \"deterministic\" and \"seeded\" modes (\"physical\" noise is not compared with the C# core)");
            string simulated = gates ? "netlist" : "board";
            if (fault is not null && !dp.Settings.Entropy.Enabled)
                throw InvalidInputException.Field(parse.GetValue(config)?.FullName, "hdl.entropy.enabled", "--fault-at injects a fault into the entropy source, and this design has none");
            if (dp.Learning is not null) return RunLearning(project, n, s, parse.GetValue(port)!, parse.GetValue(work)?.FullName, parse.GetValue(json), gates, fault);
            var v = EdgeLangevin.Simulator.TestVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, n, s, project.Source);
            EntropySettings es = dp.Settings.Entropy;
            NoiseMode mode = es.Enabled ? es.NoiseMode : NoiseMode.Deterministic;
            // seeded mode: no 'S', so that the run takes the entropy pool's seed (a host seed would win); 'G' reads it after the run
            bool hostSeeds = mode != NoiseMode.Seeded;
            var commands = new List<byte[]>
            {
                BoardProtocol.LoadDictionary(project.Parameters.DictionaryRowMajor), BoardProtocol.LoadX(v.X), BoardProtocol.LoadU(v.UInit),
            };
            if (hostSeeds) commands.Add(BoardProtocol.Seed(v.GeneratorSeed));
            string acks = hostSeeds ? "axus" : "axu";
            string portName = parse.GetValue(port)!;
            int[] codes, states;
            BoardHealth? health = null;
            BoardRunSeed? runSeed = null;
            if (portName == "sim")
            {
                var verifier = new HdlVerifier(parse.GetValue(work)?.FullName ?? HdlVerifier.DefaultWorkRoot);
                string src = Guard(() => verifier.Sources(dp));
                var bytes = commands.Append(BoardProtocol.Run(n)).SelectMany(c => c).ToList();
                int runReply = acks.Length + 1 + BoardProtocol.ReplyBytes(dp.K);
                // with the entropy source, 'G' and then 'H' go once the run's answer came, as EntropyLink sends them on a port
                int hold = bytes.Count;
                var plusargs = new List<string>();
                if (es.Enabled)
                {
                    RequestRunSeed(bytes, plusargs);
                    bytes.AddRange(EntropyProtocol.Health());
                }
                if (fault is { } f) plusargs.Add(FormattableString.Invariant($"+fault_at={f}"));
                int healthBytes = es.Enabled ? 1 + BoardHealth.ReplyBytes : 0, seedBytes = es.Enabled ? RunSeedReplyBytes : 0;
                (byte[] reply, string log) = Guard(() => verifier.SimulateBoardLog(src, bytes.ToArray(), runReply + seedBytes + healthBytes, plusargs, default,
                    holdAt: es.Enabled ? hold : -1, holdFor: runReply, netlist: gates));
                WarnIfFaultNotReached(fault, log);
                string answered = System.Text.Encoding.ASCII.GetString(reply[..(acks.Length + 1)]);
                if (answered != acks + "r")
                    throw new JobFailedException($"the simulated board acknowledged '{answered}', expected '{acks}r'");
                (codes, states) = BoardProtocol.ParseReply(reply.AsSpan(acks.Length + 1, BoardProtocol.ReplyBytes(dp.K)), dp.K);
                if (es.Enabled)
                {
                    runSeed = ParseRunSeedReply(reply.AsSpan(runReply, seedBytes));
                    health = ParseHealthReply(reply.AsSpan(runReply + seedBytes, healthBytes));
                }
            }
            else
            {
                using var stream = Guard(() => SerialDevice.Open(portName, dp.Settings.Baud));
                var link = new BoardLink(stream);
                for (int i = 0; i < commands.Count; i++) Guard(() => { link.Send(commands[i], acks[i]); return 0; });
                (codes, states) = Guard(() => link.Run(n, dp.K));
                if (es.Enabled)
                {
                    var entropy = new EntropyLink(stream);
                    runSeed = Guard(() => entropy.RunSeed());
                    health = Guard(() => entropy.Health());
                }
            }
            if (health is not null) output.WriteLine(health.ToString());
            if (runSeed is not null) output.WriteLine(runSeed.ToString());
            // the C# run this chip's run must equal: in seeded mode from the seed the chip reports (the datum and u still from --seed)
            int generatorSeed = runSeed is null ? v.GeneratorSeed : GeneratorSeedOfTheRun(mode, runSeed, v.GeneratorSeed, "run", output);
            if (generatorSeed != v.GeneratorSeed)
                v = EdgeLangevin.Simulator.TestVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, n, s, project.Source, generatorSeed);
            string withWhat = mode == NoiseMode.Seeded ? FormattableString.Invariant($" (run from the chip's seed 0x{generatorSeed:x8})") : "";
            // physical noise (ENTROPY.md): the words come from the ring oscillators, so the result has nothing to equal
            bool physical = mode == NoiseMode.Physical;
            int last = (n - 1) * dp.K;
            int firstBad = -1;
            for (int k = 0; k < dp.K && firstBad < 0 && !physical; k++)
                if (codes[k] != (int)v.S[last + k] || states[k] != v.U[last + k]) firstBad = k;
            int active = codes.Count(c => c != 0);
            string verdict = physical
                ? $"board: {n} steps with physical noise, {active} of {dp.K} units active at the end; not compared with the C# core (its noise words are the ring oscillators'; compare in mode \"deterministic\")"
                : firstBad < 0
                ? $"{simulated}: after {n} steps all {dp.K} codes and states equal the C# core's ({active} active units){withWhat}"
                : $"{simulated}: MISMATCH after {n} steps at unit {firstBad}: code {codes[firstBad]} (core {v.S[last + firstBad]}), state {states[firstBad]} (core {v.U[last + firstBad]}){withWhat}";
            output.WriteLine(verdict);
            if (parse.GetValue(json) is { } j)
            {
                var obj = new JsonObject
                {
                    ["command"] = "hdl run", ["seed"] = s, ["port"] = portName, ["netlist"] = gates, ["steps"] = n, ["matches_core"] = physical ? null : firstBad < 0,
                    ["first_mismatch_unit"] = firstBad < 0 ? null : firstBad, ["active_units"] = active,
                    ["codes"] = new JsonArray(codes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                    ["config_hash"] = dp.ConfigHash,
                };
                if (health is not null) obj["entropy_health"] = HealthJson(health);
                if (runSeed is not null) obj["run_seed"] = RunSeedJson(runSeed);
                JsonOutput.Write(j, "hdl run", s, obj, dp.ConfigJson);
            }
            if (firstBad >= 0) throw new JobFailedException("the board's result differs from the C# core");
            return ExitCodes.Success;
        });
        return cmd;
    }

    /// <summary>
    /// A --fault-at clock that the simulated run never reached injected nothing (the board testbench says "FAULT not
    /// reached" with the run's clocks): a warning, so that a fault-free health line is not taken for the fault's.
    /// </summary>
    private static void WarnIfFaultNotReached(long? faultAt, string log)
    {
        if (faultAt is null) return;
        const string Marker = "FAULT not reached: ";
        int at = log.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) return;
        string clocks = log[(at + Marker.Length)..].Split(' ', '\n')[0];
        CliContext.Current.Error.WriteLine($"warning: --fault-at {faultAt}: the simulated board's run ended at clock {clocks}, before it; no fault was injected (the health status is the fault-free one)");
    }
}
