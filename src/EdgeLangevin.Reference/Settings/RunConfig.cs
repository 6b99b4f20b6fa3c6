namespace EdgeLangevin.Reference.Settings;

/// <summary>Names of the sections of a `--config` file: <c>{"inference": {...}, "learning": {...}}</c>.</summary>
public static class ConfigSections
{
    public const string Inference = "inference";
    public const string Learning = "learning";

    /// <summary>`reproduce images` only: the second, settling stage (a learning section, run until converged).</summary>
    public const string Settling = "settling";

    /// <summary>Image learning only: the MAP finish (Data.Images.MapFinish: "sigma", "pi_steps", "dictionary").</summary>
    public const string MapFinish = "map_finish";
}
