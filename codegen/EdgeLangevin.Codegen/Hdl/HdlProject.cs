using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// What every hdl verb starts from: the model (a --model file, or the --config's "vectors"
/// problem drawn from the seed), the config, the core's host conversion and the datapath.
/// </summary>
public sealed class HdlProject
{
    public required SparseCodingModel Model { get; init; }
    public required HdlConfig Config { get; init; }
    public required FixedParameters Parameters { get; init; }
    public required DatapathModel Datapath { get; init; }
    /// <summary>Name of the model's source for messages.</summary>
    public required string Source { get; init; }

    public static HdlProject Load(string? modelPath, string? configPath, int seed)
    {
        HdlConfig config = HdlConfig.Read(configPath);
        SparseCodingModel model = modelPath is not null ? ModelFile.Read(modelPath) : config.Vectors.BuildModel(seed);
        return Create(model, config, modelPath ?? configPath ?? "default problem", configPath);
    }

    /// <summary>The project for an in-memory model and config (<paramref name="source"/> names them in messages).</summary>
    public static HdlProject Create(SparseCodingModel model, HdlConfig config, string source, string? configPath = null)
    {
        config.Inference.Validate(configPath);
        config.Hdl.Validate(configPath);
        var format = config.Hdl.FixedFormat();
        // The step policy (StepPolicy): the model's default step unless the config sets inference.dt.
        StepChoice step = StepPolicy.Resolve(model, config.Inference, configPath ?? source);
        config = config with { Inference = step.Settings };
        FixedParameters p = FixedParameters.Create(model, format, step, source);
        var datapath = new DatapathModel(p, config.Hdl, configPath ?? source);
        return new HdlProject { Model = model, Config = config, Parameters = p, Datapath = datapath, Source = source };
    }
}
