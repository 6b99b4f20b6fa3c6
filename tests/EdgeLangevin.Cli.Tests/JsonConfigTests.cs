using System.Text.Json.Serialization;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Settings;

namespace EdgeLangevin.Cli.Tests;

public class JsonConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("el-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, "c.json");
        File.WriteAllText(path, json);
        return path;
    }

    private InvalidInputException LoadInferenceFails(string json) =>
        Assert.Throws<InvalidInputException>(() =>
            ConfigFile.Load(Write(json), "inference", "learning").Section("inference", InferenceSettings.Default, (s, f) => s.Validate(f)));

    [Fact]
    public void A_valid_section_overrides_only_the_given_fields()
    {
        var config = ConfigFile.Load(Write("""{"inference": {"tau_u": 40, "method": "lca"}}"""), "inference", "learning");
        var s = config.Section("inference", InferenceSettings.Default with { Samples = 77 }, (x, f) => x.Validate(f));
        Assert.Equal(40.0, s.TauU);
        Assert.Equal(InferenceMethod.Lca, s.Method);
        Assert.Equal(77, s.Samples); // the caller's default, not the type's
        Assert.Equal(InferenceSettings.Default.Dt, s.Dt);
    }

    [Fact]
    public void A_missing_section_keeps_the_defaults()
    {
        var config = ConfigFile.Load(Write("""{"learning": {"batch": 8}}"""), "inference", "learning");
        Assert.Equal(InferenceSettings.Default, config.Section("inference", InferenceSettings.Default));
    }

    [Fact]
    public void A_file_that_is_not_json_is_reported_with_file_line_and_column()
    {
        var e = LoadInferenceFails("{\n  \"inference\": {\"tau_u\": 20,}\n}");
        Assert.Contains("c.json: not valid JSON at line 2", e.Message);
    }

    [Fact]
    public void A_misspelt_field_is_reported_with_the_nearest_valid_name()
    {
        var e = LoadInferenceFails("""{"inference": {"tau_uu": 20}}""");
        Assert.Contains("c.json: field 'inference.tau_uu': unknown field; did you mean 'tau_u'?", e.Message);
        Assert.Contains("valid fields: ", e.Message);
    }

    [Fact]
    public void A_misspelt_section_is_reported_with_the_nearest_section_name()
    {
        var e = LoadInferenceFails("""{"inferense": {}}""");
        Assert.Contains("field 'inferense': unknown section; did you mean 'inference'?", e.Message);
    }

    [Fact]
    public void A_field_far_from_every_valid_name_gets_no_guess_but_the_list()
    {
        var e = LoadInferenceFails("""{"inference": {"colour": 3}}""");
        Assert.DoesNotContain("did you mean", e.Message);
        Assert.Contains("tau_u", e.Message);
    }

    [Fact]
    public void A_string_where_a_number_belongs_is_a_type_error_naming_the_field()
    {
        var e = LoadInferenceFails("""{"inference": {"samples": "many"}}""");
        Assert.Contains("field 'inference.samples': expected an integer, got the string \"many\"", e.Message);
    }

    [Fact]
    public void A_fraction_where_an_integer_belongs_is_rejected()
    {
        var e = LoadInferenceFails("""{"inference": {"chains": 2.5}}""");
        Assert.Contains("field 'inference.chains': expected an integer, got 2.5", e.Message);
    }

    [Fact]
    public void An_integer_too_large_for_its_field_is_rejected()
    {
        var e = LoadInferenceFails("""{"inference": {"samples": 1e12}}""");
        Assert.Contains("field 'inference.samples': expected an integer from", e.Message);
    }

    [Fact]
    public void A_misspelt_enum_value_lists_the_allowed_values_and_the_nearest()
    {
        var e = LoadInferenceFails("""{"inference": {"method": "langevn"}}""");
        Assert.Contains("field 'inference.method': expected one of \"langevin\", \"lca\", \"mala\", got \"langevn\"; did you mean \"langevin\"?", e.Message);
    }

    [Fact]
    public void An_out_of_range_value_is_reported_by_the_settings_validation_with_the_file_and_section()
    {
        var e = LoadInferenceFails("""{"inference": {"tau_u": -5}}""");
        Assert.Contains("c.json: field 'inference.tau_u': must be a positive finite number, got -5", e.Message);
    }

    [Fact]
    public void A_field_given_twice_is_rejected_rather_than_the_last_silently_winning()
    {
        var e = LoadInferenceFails("""{"inference": {"tau_u": 20, "tau_u": 40}}""");
        Assert.Contains("c.json: not valid JSON: field 'tau_u' appears twice", e.Message);
    }

    [Fact]
    public void A_section_that_is_not_an_object_is_rejected()
    {
        var e = LoadInferenceFails("""{"inference": [1, 2]}""");
        Assert.Contains("field 'inference': expected an object", e.Message);
    }

    [Fact]
    public void A_top_level_that_is_not_an_object_is_rejected()
    {
        var e = LoadInferenceFails("[]");
        Assert.Contains("c.json: expected a JSON object", e.Message);
    }

    [Fact]
    public void A_missing_file_is_bad_input_naming_the_file()
    {
        var e = Assert.Throws<InvalidInputException>(() => ConfigFile.Load(Path.Combine(_dir, "nope.json"), "inference"));
        Assert.Contains("nope.json: config file not found", e.Message);
    }

    public sealed record WithRequired
    {
        public required int Width { get; init; }
        public int Depth { get; init; } = 3;
    }

    [Fact]
    public void A_missing_required_field_is_reported_by_name()
    {
        var e = Assert.Throws<InvalidInputException>(() => JsonConfig.Load(Write("""{"depth": 4}"""), new WithRequired { Width = 1 }));
        Assert.Contains("c.json: field 'width': is required but missing", e.Message);
    }

    public sealed class ConstructorOnly
    {
        [JsonConstructor]
        public ConstructorOnly(int wordBits, int fracBits)
        {
            if (fracBits >= wordBits) throw new ArgumentException($"frac_bits ({fracBits}) must be below word_bits ({wordBits})");
            WordBits = wordBits;
            FracBits = fracBits;
        }

        public int WordBits { get; }
        public int FracBits { get; }
    }

    [Fact]
    public void A_type_built_by_its_constructor_binds_and_its_argument_errors_become_bad_input()
    {
        var ok = JsonConfig.Load(Write("""{"word_bits": 16, "frac_bits": 12}"""), new ConstructorOnly(32, 16));
        Assert.Equal(12, ok.FracBits);
        var e = Assert.Throws<InvalidInputException>(() => JsonConfig.Load(Write("""{"word_bits": 16, "frac_bits": 20}"""), new ConstructorOnly(32, 16)));
        Assert.Contains("c.json: frac_bits (20) must be below word_bits (16)", e.Message);
    }

    [Theory]
    [InlineData("tauu", "tau_u")]
    [InlineData("burnin", "burn_in")]
    [InlineData("Samples", "samples")]
    [InlineData("temprature", "temperature")]
    public void Nearest_finds_the_intended_name_for_common_typos(string typo, string intended) =>
        Assert.Equal(intended, JsonShape.Nearest(typo, ["method", "order", "dt", "tau_u", "temperature", "mu", "chains", "samples", "burn_in"]));
}
