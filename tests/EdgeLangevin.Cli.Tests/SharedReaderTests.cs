using System.Text.Json.Nodes;

namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// Session 11's break round over what landed after issue 14 (hdl configs with learning and entropy
/// sections, vectors manifests, model files, --threads): each test is one failure class fixed in the
/// shared reader, tried on several inputs. Every case: exit 2, the file and the field named, no .NET
/// wording, no stack trace, nothing written.
/// </summary>
public class SharedReaderTests
{
    private static void BadInput(CliRun run, params string[] expected)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        foreach (string e in expected) Assert.Contains(e, run.Err);
        Assert.DoesNotContain("   at ", run.Err);
        Assert.DoesNotContain("System.", run.Err);
        Assert.DoesNotContain("same key", run.Err);
        Assert.DoesNotContain("LineNumber", run.Err);
    }

    // ----- every JSON file goes through one parse (JsonFieldReader): hdl configs and manifests did not -----

    [Theory]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "vectors": {"k": 4, "d": 8}}""", "field 'vectors' appears twice")]
    [InlineData("""{"vectors": {"k": 16, "k": 4, "d": 8}}""", "field 'k' appears twice")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2, "entropy": {"enabled": true, "enabled": false}}}""", "field 'enabled' appears twice")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}""", "not valid JSON at line 1")]
    [InlineData("", "not valid JSON at line 1")]
    public void An_hdl_config_that_is_not_one_clean_JSON_object_is_refused_naming_the_file(string json, string problem)
    {
        using var tmp = new TempDir();
        string config = tmp.File("hdl.json", json);
        string output = Path.Combine(tmp.Path, "out");
        BadInput(CliRun.Of("hdl", "generate", "--threads", "1", "--config", config, "--out", output), config, problem);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_hdl_config_that_is_a_folder_is_named_as_a_folder()
    {
        using var tmp = new TempDir();
        string config = Path.Combine(tmp.Path, "hdl.json");
        Directory.CreateDirectory(config);
        BadInput(CliRun.Of("hdl", "generate", "--config", config, "--out", Path.Combine(tmp.Path, "out")), config, "is a folder");
    }

    /// <summary>
    /// Every JSON file a verb reads says the same two things about a wrong path, with the same words: "PATH: KIND not
    /// found" and "PATH: is a folder, expected a KIND" (one reader, JsonFieldReader.ReadFileText; the config, model and
    /// input readers each had their own wording, and the manifest reader a third one).
    /// </summary>
    [Theory]
    [InlineData("infer --config", "config file")]
    [InlineData("hdl --config", "config file")]
    [InlineData("infer --model", "model file")]
    [InlineData("infer --input", "input file")]
    public void A_missing_or_folder_file_is_named_with_its_kind_the_same_way_by_every_reader(string where, string kind)
    {
        foreach (bool folder in new[] { false, true })
        {
            using var tmp = new TempDir();
            string path = Path.Combine(tmp.Path, "given.json");
            if (folder) Directory.CreateDirectory(path);
            string model = where == "infer --model" ? path : Fixtures.Model(tmp);
            string input = where == "infer --input" ? path : Fixtures.Input(tmp);
            string json = Path.Combine(tmp.Path, "p.json");
            string[] args = where switch
            {
                "hdl --config" => ["hdl", "generate", "--config", path, "--out", Path.Combine(tmp.Path, "out")],
                "infer --config" => ["infer", "--model", model, "--input", input, "--config", path, "--json", json],
                _ => ["infer", "--model", model, "--input", input, "--json", json],
            };
            BadInput(CliRun.Of(args), folder ? $"{path}: is a folder, expected {(kind.StartsWith('i') ? "an" : "a")} {kind}" : $"{path}: {kind} not found");
            Assert.False(File.Exists(json));
        }
    }

    /// <summary>Writes inference vectors for K = 16, D = 8 (3 steps), lets <paramref name="edit"/> change the manifest, runs hdl verify on them.</summary>
    private static CliRun VerifyEditedVectors(TempDir tmp, Func<string, string> edit, out string manifest)
    {
        string config = tmp.File("hdl.json", """{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}}""");
        string vectors = Path.Combine(tmp.Path, "v");
        var written = CliRun.Of("vectors", "--threads", "1", "--config", tmp.File("v.json", """{"vectors": {"k": 16, "d": 8}}"""), "--steps", "3", "--out", vectors);
        Assert.True(written.ExitCode == 0, written.ToString());
        manifest = Path.Combine(vectors, "manifest.json");
        File.WriteAllText(manifest, edit(File.ReadAllText(manifest)));
        return CliRun.Of("hdl", "verify", "--threads", "1", "--config", config, "--vectors", vectors, "--simulators", "icarus", "--work", Path.Combine(tmp.Path, "work"));
    }

    private static Func<string, string> Field(Action<JsonObject> change) => text =>
    {
        var m = JsonNode.Parse(text)!.AsObject();
        change(m);
        return m.ToJsonString();
    };

    [Theory]
    [InlineData("duplicate", "field 'K' appears twice")]
    [InlineData("negative steps", "field 'steps': expected at least 1 step, got -3")]
    [InlineData("fewer steps than the files", "field 'steps': 2 steps of K = 16 units need 32 words in u.hex, the manifest lists 48")]
    [InlineData("more steps than the files", "field 'steps': 4 steps of K = 16 units need 64 words in u.hex, the manifest lists 48")]
    [InlineData("a path outside the folder", "field 'files.x': expected a file name")]
    [InlineData("an absolute path", "field 'files.x': expected a file name")]
    [InlineData("huge word count", "checksums.x.hex.words")]
    public void A_vectors_manifest_that_disagrees_with_its_files_is_refused_before_any_simulator_runs(string how, string problem)
    {
        using var tmp = new TempDir();
        Func<string, string> edit = how switch
        {
            "duplicate" => text => "{\"K\": 3, " + text.TrimStart()[1..],
            "negative steps" => Field(m => m["steps"] = -3),
            "fewer steps than the files" => Field(m => m["steps"] = 2),
            "more steps than the files" => Field(m => m["steps"] = 4),
            "a path outside the folder" => Field(m => { m["files"]!["x"] = "../v/x.hex"; m["checksums"]!["../v/x.hex"] = m["checksums"]!["x.hex"]!.DeepClone(); }),
            "an absolute path" => Field(m => { string abs = Path.Combine(tmp.Path, "v", "x.hex"); m["files"]!["x"] = abs; m["checksums"]![abs] = m["checksums"]!["x.hex"]!.DeepClone(); }),
            "huge word count" => Field(m => m["checksums"]!["x.hex"]!["words"] = 1e300),
            _ => throw new ArgumentException(how),
        };
        var run = VerifyEditedVectors(tmp, edit, out string manifest);
        BadInput(run, problem);
        Assert.Contains("manifest.json", run.Err);
        Assert.DoesNotContain("does not match", run.Err); // never blamed on the RTL
        Assert.DoesNotContain("icarus:", run.Err);          // refused before the simulator
    }

    // ----- integers written as 1e3 or 2.0 passed the shape check, then failed in the deserializer with .NET type names -----

    [Theory]
    [InlineData("learn", """{"learning": {"batch": 4, "steps": 1e3}}""", "learning.steps", "write 1000")]
    [InlineData("learn", """{"learning": {"batch": 2.0, "steps": 10}}""", "learning.batch", "write 2")]
    [InlineData("learn", """{"learning": {"batch": 4, "steps": 10, "record_every": 1E1}}""", "learning.record_every", "write 10")]
    [InlineData("hdl", """{"vectors": {"k": 1.6e1, "d": 8}}""", "vectors.k", "write 16")]
    [InlineData("hdl", """{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2.0}}""", "hdl.lanes", "write 2")]
    [InlineData("hdl", """{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}, "learning": {"batch": 4e0}}""", "learning.batch", "write 4")]
    public void An_integer_written_with_a_fraction_or_an_exponent_is_refused_naming_the_field(string verb, string json, string field, string hint)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", json);
        string output = Path.Combine(tmp.Path, "out");
        var run = verb == "learn"
            ? CliRun.Of("learn", "--threads", "1", "--data", "bars", "--config", config, "--out", output + ".json")
            : CliRun.Of("hdl", "generate", "--threads", "1", "--config", config, "--out", output);
        BadInput(run, config, $"field '{field}'", "expected an integer written with digits only", hint);
        Assert.False(File.Exists(output + ".json") || Directory.Exists(output));
    }

    // ----- a validator's error in an hdl config names the field as the shape check does: 'learning.steps', not 'steps' -----

    [Theory]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}, "learning": {"batch": 2, "steps": -5}}""", "field 'learning.steps': must be >= 1, got -5")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}, "learning": {"batch": 2, "tau_u0": -0.0, "learn_pi": true}}""", "field 'learning.tau_u0': must be a positive finite number, got -0")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}, "learning": {"batch": 2, "tau_a": 1e308}}""", "field 'learning.tau_a': 1E+308")]
    [InlineData("""{"vectors": {"k": 16, "d": 8, "data_count": 0}}""", "field 'vectors.data_count': expected 1 to")]
    [InlineData("""{"vectors": {"k": 5000, "d": 8}}""", "field 'vectors.k': expected 1 to 4096 units")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "inference": {"tau_u": -1}}""", "field 'inference.tau_u': must be a positive finite number")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "inference": {"dt": 5}}""", "field 'inference.dt': dt = 5")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 3}}""", "field 'hdl.lanes': expected 1, 2, 4 or 8")]
    public void A_settings_error_in_an_hdl_config_names_the_dotted_field(string json, string expected)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", json);
        string output = Path.Combine(tmp.Path, "out");
        BadInput(CliRun.Of("hdl", "generate", "--threads", "1", "--config", config, "--out", output), $"{config}: {expected}");
        Assert.False(Directory.Exists(output));
    }

    // ----- vectors: sizes are checked before allocating (steps x K, data_count x D overflowed an int: internal errors) -----

    [Theory]
    [InlineData("""{"vectors": {"k": 16, "d": 8}}""", "2147483647", "needs arrays of")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}}""", "500000000", "needs arrays of")]
    [InlineData("""{"vectors": {"k": 16, "d": 4096, "data_count": 1048576}, "learning": {"batch": 2}}""", "3", "data memory 1048576 x D = 4096")]
    [InlineData("""{"vectors": {"k": 16, "d": 8}, "learning": {"batch": 64}}""", "2147483647", "needs arrays of")]
    [InlineData("""{"vectors": {"k": 16, "d": 8, "trace_steps": 0}, "learning": {"batch": 64}}""", "40000000", "needs arrays of")]
    public void Vectors_too_large_to_hold_are_refused_with_the_numbers_before_any_work(string json, string steps, string expected)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", json);
        string output = Path.Combine(tmp.Path, "v");
        var run = CliRun.Of("vectors", "--threads", "1", "--config", config, "--steps", steps, "--out", output);
        BadInput(run, expected, "give fewer --steps");
        Assert.DoesNotContain("internal error", run.Err);
        Assert.False(Directory.Exists(output));
    }

    // ----- --port: a path that is not a serial device is the user's input (exit 2), not a failed tool (stty's exit 1) -----

    [Theory]
    [InlineData("file", "is a file, not a serial device")]
    [InlineData("folder", "is a folder, not a serial device")]
    [InlineData("/dev/null", "not a serial device")]
    [InlineData("link to /dev/null", "not a serial device")]
    public void A_port_that_is_not_a_serial_device_is_refused_naming_it(string what, string expected)
    {
        using var tmp = new TempDir();
        string config = tmp.File("c.json", """{"vectors": {"k": 16, "d": 8}, "hdl": {"lanes": 2}}""");
        string port = what switch
        {
            "file" => tmp.File("recording.txt", "0\n1\n"),
            "folder" => Directory.CreateDirectory(Path.Combine(tmp.Path, "ttyUSB1")).FullName,
            "/dev/null" => "/dev/null",
            _ => Path.Combine(tmp.Path, "ttyLINK"),
        };
        if (what == "link to /dev/null") File.CreateSymbolicLink(port, "/dev/null");
        string before = Fixtures.Snapshot(tmp.Path);
        var run = CliRun.Of("hdl", "run", "--threads", "1", "--port", port, "--config", config, "--steps", "2");
        BadInput(run, port, expected);
        Assert.Equal(before, Fixtures.Snapshot(tmp.Path));
    }

    // ----- model files: what they claim is checked (format, preprocessing, a dictionary A^T A can be formed from) -----

    private const string Dictionary = "\"dictionary\": {\"rows\": 4, \"cols\": 2, \"data\": [0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, -0.5]}";

    private static string Preprocessing(string patch = "2", string whitening = "\"zca\"", string scale = "1.0", string divisor = "255") =>
        $$""", "preprocessing": {"patch_size": {{patch}}, "mean_removal": true, "whitening": {{whitening}}, "whitening_parameters": {}, "scale": {{scale}}, "pixel_divisor": {{divisor}}}""";

    public static TheoryData<string, string> BadModels() => new()
    {
        { $$"""{"format": "edgelangevin-vectors", "variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}}""", "field 'format'" },
        { $$"""{"format": "edgelangevin-result", "variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}}""", "not a model file" },
        { $$"""{"format": 1, "variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}}""", "field 'format'" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing(patch: "-2")}}}""", "field 'preprocessing.patch_size': must be >= 1" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing(whitening: "\"foo\"")}}}""", "field 'preprocessing.whitening'" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing(scale: "0")}}}""", "field 'preprocessing.scale': must be > 0" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing(scale: "-1e308")}}}""", "field 'preprocessing.scale'" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing(divisor: "-1")}}}""", "field 'preprocessing.pixel_divisor': must be > 0" },
        { """{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 4, "cols": 2, "data": [1e300, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, -0.5]}}""", "column 0's squared norm overflows" },
        { """{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, "dictionary": {"rows": 4, "cols": 2, "data": [0.5, 0.5, 0.5, -0.5, 1e160, 1e160, 0.5, -0.5]}}""", "column 0's squared norm overflows" },
        // Finite parameters whose stiffness lambda_max(A^T A) / sigma^2 + lambda^2 overflows (was "field 'dt': ... got 0", no file)
        { $$"""{"variant": "signed", "lambda": 1e308, "pi": 0.3, "sigma": 0.5, {{Dictionary}}}""", "field 'lambda': lambda = 1E+308 is too large" },
        { $$"""{"variant": "signed", "lambda": 1e200, "pi": 0.3, "sigma": 0.5, {{Dictionary}}}""", "field 'lambda'" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 1e-200, {{Dictionary}}}""", "field 'sigma': sigma = 1E-200 is too small" },
        { $$"""{"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 5e-324, {{Dictionary}}}""", "field 'sigma'" },
    };

    [Theory]
    [MemberData(nameof(BadModels))]
    public void A_model_file_that_is_not_what_it_claims_is_refused_naming_the_field(string model, string problem)
    {
        using var tmp = new TempDir();
        string path = tmp.File("model.json", model);
        string json = Path.Combine(tmp.Path, "p.json");
        BadInput(CliRun.Of("infer", "--threads", "1", "--model", path, "--input", Fixtures.Input(tmp), "--samples", "20", "--burn-in", "5", "--json", json), path, problem);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void A_model_with_its_own_format_name_or_none_and_valid_preprocessing_is_read()
    {
        using var tmp = new TempDir();
        foreach (string format in new[] { "\"format\": \"edgelangevin-model\", ", "" })
        {
            string path = tmp.File("model.json", $$"""{{{format}}"variant": "signed", "lambda": 1, "pi": 0.3, "sigma": 0.5, {{Dictionary}}{{Preprocessing()}}}""");
            var run = CliRun.Of("infer", "--threads", "1", "--model", path, "--input", Fixtures.Input(tmp), "--samples", "20", "--burn-in", "5", "--json", Path.Combine(tmp.Path, "p.json"));
            Assert.True(run.ExitCode == 0, run.ToString());
        }
    }

    // ----- --threads: a token that does not convert crashed the parser's validator (exit 134, a stack trace) -----

    [Theory]
    [InlineData("99999999999")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("0x4")]
    public void A_threads_value_that_is_not_an_integer_is_a_usage_error(string threads)
    {
        using var tmp = new TempDir();
        string output = Path.Combine(tmp.Path, "m.json");
        var run = CliRun.Of("learn", "--data", "bars", "--out", output, "--steps", "10", "--threads", threads);
        BadInput(run, "--threads");
        Assert.False(File.Exists(output));
    }
}
