using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Commands;

/// <summary>hdl entropy: raw bits of the chip's ring-oscillator source into a file, with a min-entropy estimate (issue 16).</summary>
public static partial class HdlCommands
{
    private static Command EntropyCommand()
    {
        var model = ModelOption();
        var config = ConfigOption();
        var port = new Option<string>("--port") { Description = "Serial device of the iCEBreaker's UART, e.g. /dev/ttyUSB1; 'sim' runs the generated board top under Icarus with the behavioural ring model instead", Required = true };
        var bytes = new Option<int>("--bytes") { Description = "Bytes of raw bits to read (8 bits each; read in blocks of 512 consecutive bytes)", DefaultValueFactory = _ => 1024 };
        var outFile = new Option<FileInfo>("--out") { Description = "Raw-sample file to write (one bit per line, '#' comments: the format of the firmware's --replay recordings)", Required = true };
        var work = WorkOption();
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var cmd = new Command("entropy",
            "Read raw bits of the entropy source (hdl.entropy.enabled) from an iCEBreaker, write them to a file, estimate their min-entropy per bit (SP 800-90B most common value) and replay them through the C# health tests with the design's cutoffs; prints the board's own health status ('H') too. " +
            "Exit 1 when the C# health tests fail on the bits or the estimate is below the claimed min-entropy.\n" +
            "Example: edgelangevin hdl entropy --port /dev/ttyUSB1 --config entropy.json --bytes 4096 --out raw.txt")
        { model, config, port, bytes, outFile, work, seed, json };
        cmd.SetAction(parse =>
        {
            var output = JsonOutput.HumanWriter(parse.GetValue(json));
            int s = parse.GetValue(seed);
            int nBytes = parse.GetValue(bytes);
            if (nBytes < 1 || nBytes > 1 << 20) throw InvalidInputException.Field(null, "--bytes", $"expected 1 to {1 << 20}, got {nBytes}");
            string? configPath = parse.GetValue(config)?.FullName;
            HdlProject project = Guard(() => HdlProject.Load(parse.GetValue(model)?.FullName, configPath, s));
            DatapathModel dp = project.Datapath;
            EntropySettings es = dp.Settings.Entropy;
            if (!es.Enabled) throw InvalidInputException.Field(configPath, "hdl.entropy.enabled", "the design has no entropy source; generate and load one with \"entropy\": {\"enabled\": true}");
            // the estimate at the end checks the claim: refuse a read too short for even a perfect source to pass it
            double claimedBits = es.EntropyEighths / 8.0;
            if (MinEntropy.BinarySamplesToShow(claimedBits) is not int enough)
                throw InvalidInputException.Field(configPath, "hdl.entropy.entropy_eighths", $"{es.EntropyEighths}/8 bit per raw bit cannot be shown by the most common value estimate hdl entropy checks (its 99 % bound on the most common bit's probability stays above 1/2 for any finite read); claim at most 7/8");
            if (8L * nBytes < enough)
                throw InvalidInputException.Field(null, "--bytes", string.Create(CultureInfo.InvariantCulture,
                    $"{nBytes} bytes ({8 * nBytes} raw bits) cannot show the claimed {claimedBits:0.000} bit per raw bit even from a perfect source (the most common value estimate's 99 % bound needs {enough} bits); read at least {(enough + 7) / 8} bytes"));
            string portName = parse.GetValue(port)!;
            string outPath = parse.GetValue(outFile)!.FullName;
            if (portName == "sim" && nBytes > EntropyProtocol.MaxRawBytesPerRead)
                throw InvalidInputException.Field(null, "--bytes", $"the simulated board is read with one 'E' (its host sends every byte at once): at most {EntropyProtocol.MaxRawBytesPerRead} bytes, got {nBytes}");

            List<int[]> blocks;
            BoardHealth health;
            if (portName == "sim")
            {
                var verifier = new HdlVerifier(parse.GetValue(work)?.FullName ?? HdlVerifier.DefaultWorkRoot);
                string src = Guard(() => verifier.Sources(dp));
                var commands = new List<byte>();
                var sizes = new List<int>();
                for (int left = nBytes; left > 0; left -= EntropyProtocol.MaxRawBytesPerRead)
                {
                    int n = Math.Min(left, EntropyProtocol.MaxRawBytesPerRead);
                    sizes.Add(n);
                    commands.AddRange(EntropyProtocol.ReadRaw(n));
                }
                commands.AddRange(EntropyProtocol.Health());
                int replyBytes = sizes.Sum(n => 1 + n) + 1 + BoardHealth.ReplyBytes;
                byte[] reply = Guard(() => verifier.SimulateBoard(src, commands.ToArray(), replyBytes));
                blocks = [];
                int at = 0;
                foreach (int n in sizes)
                {
                    if (reply[at] != (byte)'e') throw new JobFailedException($"the simulated board answered 0x{reply[at]:x2} to 'E', expected 'e'");
                    blocks.Add(EntropyProtocol.UnpackBits(reply.AsSpan(at + 1, n)));
                    at += 1 + n;
                }
                health = ParseHealthReply(reply.AsSpan(at));
            }
            else
            {
                using var stream = Guard(() => SerialDevice.Open(portName, dp.Settings.Baud));
                var link = new EntropyLink(stream);
                blocks = Guard(() => link.ReadRaw(nBytes));
                health = Guard(() => link.Health());
            }

            AtomicFile.WriteAllText(outPath, EntropyProtocol.RawFileText(blocks, portName == "sim" ? "simulated board (behavioural ring model, not silicon)" : portName));
            int[] all = blocks.SelectMany(b => b).ToArray();
            var mcv = MinEntropy.MostCommonValue(all);
            double claimed = es.EntropyEighths / 8.0;
            // the C# monitor over each block (blocks are consecutive inside only)
            HealthRun[] replays = blocks.Select(b => HealthTestVerifier.Expected(b, es.Health)).ToArray();
            HealthEvent? firstFail = replays.SelectMany(r => r.FailuresOnly).FirstOrDefault();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {all.Length} raw bits ({blocks.Count} blocks) to {outPath}; ones {all.Count(b => b == 1)}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"most common value estimate (SP 800-90B 6.3.1): p = {mcv.PHat:0.00000}, upper bound {mcv.PUpper:0.00000}, min-entropy {mcv.BitsPerSample:0.0000} bit per raw bit (claimed {claimed:0.000})"));
            output.WriteLine(firstFail is null
                ? $"C# health tests ({es.Health}): pass on every block"
                : $"C# health tests ({es.Health}): {firstFail}");
            output.WriteLine(health.ToString());
            if (parse.GetValue(json) is { } j)
            {
                var obj = new JsonObject
                {
                    ["command"] = "hdl entropy", ["seed"] = s, ["port"] = portName, ["out"] = outPath, ["raw_bits"] = all.Length, ["blocks"] = blocks.Count,
                    ["ones"] = all.Count(b => b == 1), ["mcv_p_hat"] = mcv.PHat, ["mcv_p_upper"] = mcv.PUpper, ["mcv_min_entropy_bits"] = mcv.BitsPerSample,
                    ["claimed_min_entropy_bits"] = claimed, ["csharp_health_passed"] = firstFail is null,
                    ["entropy_health"] = HealthJson(health), ["config_hash"] = dp.ConfigHash,
                };
                JsonOutput.Write(j, "hdl entropy", s, obj, dp.ConfigJson);
            }
            if (firstFail is not null) throw new JobFailedException("the raw bits fail the health tests");
            if (mcv.BitsPerSample < claimed)
            {
                // how much of the shortfall is the read's length: the bound a perfect source gets from this many bits
                double perfect = MinEntropy.PerfectBinaryBits(all.Length);
                throw new JobFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"the estimated min-entropy {mcv.BitsPerSample:0.0000} is below the claimed {claimed:0.000} bit per raw bit (hdl.entropy.entropy_eighths); from {all.Length} raw bits even a perfect source shows at most {perfect:0.0000}, so a longer read (--bytes) tightens the estimate"));
            }
            return ExitCodes.Success;
        });
        return cmd;
    }

    private static BoardHealth ParseHealthReply(ReadOnlySpan<byte> reply)
    {
        if (reply.Length != 1 + BoardHealth.ReplyBytes || reply[0] != (byte)'h')
            throw new JobFailedException($"the board's answer to 'H' was {reply.Length} bytes starting 0x{(reply.Length > 0 ? reply[0] : 0):x2}, expected 'h' and {BoardHealth.ReplyBytes} bytes");
        return BoardHealth.Parse(reply[1..]);
    }

    private static JsonObject HealthJson(BoardHealth h) => new()
    {
        ["status"] = h.Status.ToString(), ["mode"] = h.ModeName, ["failures"] = h.Failures, ["raw_bits_tested"] = h.RawBitsTested,
        ["fault_raw_bit"] = h.FaultRawBit, ["fault_measure"] = h.FaultMeasure, ["last_lag1_q15"] = h.LastLag1Q15,
    };
}
