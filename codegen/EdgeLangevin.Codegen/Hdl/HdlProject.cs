using EdgeLangevin.Core;
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
        // The step policy (StepPolicy): the model's default step unless the config sets inference.dt; with learning,
        // dt = 1 when unset (the learning time scales are in units of dt), checked against the stability limit.
        // Errors about a config's settings name them as the config reader does ('learning.tau_a', not 'tau_a').
        T InSection<T>(string section, Func<T> read)
        {
            try { return read(); }
            catch (InvalidInputException e) when (configPath is not null) { throw e.InSection(section); }
        }
        StepChoice step = InSection("inference", () => config.Learning is null
            ? StepPolicy.Resolve(model, config.Inference, configPath ?? source)
            : StepPolicy.ResolveForLearning(model, config.Inference, configPath ?? source));
        config = config with { Inference = step.Settings };
        FixedParameters p = FixedParameters.Create(model, format, step, source);
        HdlLearning? learning = null;
        if (config.Learning is { } ls)
        {
            if (config.Inference.Order != 1)
                throw InvalidInputException.Field(configPath ?? source, "inference.order", "learning in hardware runs first-order steps only (second order has no hardware)");
            LearningParameters lp = InSection("learning", () => FixedLearning.Convert(model, format, config.Inference, ls, LearningRounding.Stochastic, configPath ?? source));
            learning = new HdlLearning(ls.Batch, config.Vectors.DataCount, lp);
        }
        var datapath = new DatapathModel(p, config.Hdl, configPath ?? source, learning);
        return new HdlProject { Model = model, Config = config, Parameters = p, Datapath = datapath, Source = source };
    }
}
