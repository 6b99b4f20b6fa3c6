using System.Text.Json.Nodes;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Reference.Tests;

public class SettingsTests
{
    [Fact]
    public void Defaults_follow_MODEL_md()
    {
        var i = InferenceSettings.Default;
        // dt, samples and burn-in are chosen per model by StepPolicy (tested in StepPolicyTests).
        Assert.Null(i.Dt);
        Assert.Null(i.Samples);
        Assert.Null(i.BurnIn);
        Assert.Equal(20.0, i.TauU);
        Assert.Equal(0.05, (i with { Dt = 1 }).Eps, 1e-15);
        Assert.Throws<InvalidOperationException>(() => i.Eps);
        var l = LearningSettings.Default;
        Assert.Equal(200.0, l.TauX);
        Assert.Equal(2000.0, l.TauA);
        Assert.Equal(2e8, l.TauU0);
        Assert.False(l.Normalise);
    }

    [Fact]
    public void Json_uses_snake_case_and_round_trips()
    {
        var s = new InferenceSettings { TauU = 10, BurnIn = 7, Method = InferenceMethod.Lca, Temperature = 0 };
        JsonObject json = s.ToJson();
        Assert.Equal(10.0, (double)json["tau_u"]!);
        Assert.Equal(7, (int)json["burn_in"]!);
        Assert.Equal("lca", (string)json["method"]!);
        Assert.Null(json["eps"]);
        Assert.Equal(s, InferenceSettings.FromJson(json));
        var l = new LearningSettings { Switching = DataSwitching.Asynchronous, TauU0 = 5 };
        Assert.Equal("asynchronous", (string)l.ToJson()["switching"]!);
        Assert.Equal(l, LearningSettings.FromJson(l.ToJson(), InferenceSettings.Default));
    }

    [Theory]
    [InlineData("""{"tau_u": 0}""", "tau_u")]
    [InlineData("""{"dt": 30}""", "dt")]
    [InlineData("""{"order": 3}""", "order")]
    [InlineData("""{"temperature": -1}""", "temperature")]
    [InlineData("""{"order": 2, "mu": 0.01, "dt": 1}""", "mu")]
    [InlineData("""{"chains": 0}""", "chains")]
    [InlineData("""{"tau_uu": 3}""", "tau_uu")]
    [InlineData("""{"method": "gibbs"}""", "method")]
    public void Bad_inference_settings_name_the_field(string json, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => InferenceSettings.FromJson(JsonNode.Parse(json), "c.json"));
        Assert.Contains(field, e.Message);
        Assert.Contains("c.json", e.Message);
    }

    [Theory]
    [InlineData("""{"batch": 0}""", "batch")]
    [InlineData("""{"tau_x": 0.5}""", "tau_x")]
    [InlineData("""{"tau_a": -3}""", "tau_a")]
    [InlineData("""{"record_every": 0}""", "record_every")]
    [InlineData("""{"switching": "sometimes"}""", "switching")]
    public void Bad_learning_settings_name_the_field(string json, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => LearningSettings.FromJson(JsonNode.Parse(json), InferenceSettings.Default, "c.json"));
        Assert.Contains(field, e.Message);
    }
}
