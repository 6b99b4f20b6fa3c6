using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Cli.Commands;

/// <summary>The hdl verbs: generate, verify, synth, run (issue 4).</summary>
public static class HdlCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Add(RootCommand root)
    {
        var hdl = new Command("hdl", "The Verilog datapath: generate it, verify it bit for bit against the C# core, synthesise it for the iCE40 UP5K, run it on an iCEBreaker.");
        hdl.Subcommands.Add(Generate());
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
            parse.InvocationConfiguration.Output.WriteLine($"wrote {files.Count} files to {dir}: K={dp.K} D={dp.D} lanes={dp.Lanes} dictionary in {dp.DictionaryMemory.ToString().ToLowerInvariant()} config {dp.ConfigHash[..12]}");
            if (parse.GetValue(json) is { } j)
            {
                var result = new JsonObject
                {
                    ["command"] = "hdl generate", ["seed"] = s, ["out"] = dir, ["config_hash"] = dp.ConfigHash,
                    ["files"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(f.Path)).ToArray()),
                    ["config"] = dp.ConfigJson.DeepClone(),
                };
                AtomicFile.WriteAllText(j.FullName, result.ToJsonString(Indented) + "\n");
            }
            return ExitCodes.Success;
        });
        return cmd;
    }
}
