using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Cli.Tests;

/// <summary>`reproduce images --config`: the "settling" section (stage 2) is bound and actually run.</summary>
public class ImageConfigTests
{
    [Fact]
    public void A_settling_section_adds_a_second_stage_with_its_own_time_scales_and_steps()
    {
        using var dir = new TempDir();
        string config = dir.File("c.json", """{"inference": {"dt": 0.5}, "settling": {"tau_x": 50, "steps": 300, "record_every": 100}}""");
        string json = dir.File("r.json");
        var run = CliRun.Of("reproduce", "images", "--quick", "-r", "1", "--steps", "200", "--config", config,
            "--out", Path.Combine(dir.Path, "img"), "--seed", "3", "--json", json);
        Assert.True(run.ExitCode == 0, run.ToString());

        JsonNode result = JsonNode.Parse(File.ReadAllText(json))!;
        JsonNode settling = result["configuration"]!["settling"]!;
        Assert.Equal(50.0, settling["tau_x"]!.GetValue<double>());
        Assert.Equal(0.5, result["configuration"]!["inference"]!["dt"]!.GetValue<double>());
        // --quick's stage 1 (200 steps) then all 300 settling steps: the convergence rule's 80000-step minimum
        // cannot be met, so the stage runs to its end.
        Assert.Equal(500, result["runs"]![0]!["learning_steps"]!.GetValue<long>());
        // The evaluation shows each patch for the last stage's tau_x: 50 time units.
        Assert.Equal(50.0, result["configuration"]!["evaluation_tau_x"]!.GetValue<double>());
    }

    [Fact]
    public void A_misspelt_settling_field_is_bad_input_naming_the_field_and_writes_nothing()
    {
        using var dir = new TempDir();
        string config = dir.File("c.json", """{"settling": {"stepz": 5}}""");
        string outDir = Path.Combine(dir.Path, "img");
        var run = CliRun.Of("reproduce", "images", "--quick", "-r", "1", "--config", config, "--out", outDir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("field 'settling.stepz': unknown field; did you mean 'steps'?", run.Err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void The_shipped_half_step_config_halves_eps_and_keeps_every_stage_at_least_as_long_in_time_units()
    {
        // src/EdgeLangevin.Reference/Data/Images/dt-0.5.json is what Data/Images/README.md tells users to run for
        // the pi-versus-R figure: half the step, the full run's time scales, and no stage cut short in time.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeLangevin.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string path = Path.Combine(dir!.FullName, "src", "EdgeLangevin.Reference", "Data", "Images", "dt-0.5.json");
        var full = ImageExperimentSettings.Full;
        var cfg = ConfigFile.Load(path, ConfigSections.Inference, ConfigSections.Learning, ConfigSections.Settling);
        var inference = cfg.Section(ConfigSections.Inference, full.Inference, (x, f) => x.Validate(f));
        var learning = cfg.Section(ConfigSections.Learning, full.Learning, (x, f) => x.Validate(inference, f));
        var settling = cfg.Section(ConfigSections.Settling, full.Settling!, (x, f) => x.Validate(inference, f));

        Assert.Equal(full.Inference.Eps / 2, inference.Eps, 12);
        Assert.Equal((full.Learning.TauX, full.Learning.TauA, full.Learning.TauU0), (learning.TauX, learning.TauA, learning.TauU0));
        Assert.Equal((full.Settling!.TauX, full.Settling.TauA, full.Settling.TauU0), (settling.TauX, settling.TauA, settling.TauU0));
        Assert.True(learning.Steps * inference.Dt >= full.Learning.Steps * full.Inference.Dt, "stage 1 shorter in time");
        Assert.True(settling.Steps * inference.Dt >= full.Settling.Steps * full.Inference.Dt, "settling shorter in time");
    }
}
