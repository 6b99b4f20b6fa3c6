using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using RefRng = EdgeLangevin.Reference.Random.Rng;

namespace EdgeLangevin.Simulator;

/// <summary>
/// The problem a vector set is made from when no model file is given ("vectors" section of
/// a --config file; snake_case JSON, unknown fields rejected):
/// {"problem": "random" | "bars", "variant": "signed", "k": 4, "d": 8, "lambda": 1, "pi": 0.3,
///  "sigma": 0.5, "steps": 64, "format": "A=16.13,S=32.16"}.
/// "random": K unit-norm columns with Gaussian entries; "bars": the 8x8 bars (K = 16, D = 64; a k or d that says otherwise is an error).
/// </summary>
public sealed record VectorSettings
{
    public string Problem { get; init; } = "random";
    public Variant Variant { get; init; } = Variant.Signed;
    public int K { get; init; } = 4;
    public int D { get; init; } = 8;
    public double Lambda { get; init; } = 1.0;
    public double Pi { get; init; } = 0.3;
    public double Sigma { get; init; } = 0.5;
    public int Steps { get; init; } = 64;
    /// <summary>--format spec (empty: the defaults).</summary>
    public string Format { get; init; } = "";

    // Learning vectors only (a "learning" section is present): the data memory and the records.
    /// <summary>The data set in the data memory: "bars", "model" (draws from the model) or "images" (shipped photos); empty: bars for the bars problem, else model.</summary>
    public string Data { get; init; } = "";
    /// <summary>N, the number of data in the data memory.</summary>
    public int DataCount { get; init; } = 256;
    /// <summary>"random" (unit-norm Gaussian columns, seeded by --seed) or "model" (the model's dictionary).</summary>
    public string DictionaryInit { get; init; } = "random";
    /// <summary>The whole dictionary is recorded after every this many steps (and after the last).</summary>
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>
    /// Steps recorded word by word (noise, u, s, dictionary writes); later steps only in switch, u0,
    /// learner and the checkpoints, so a long run's folder stays small. 0: every step.
    /// </summary>
    public int TraceSteps { get; init; }

    /// <summary>The fields above that only learning vectors use.</summary>
    public static readonly string[] LearningOnlyFields = ["data", "data_count", "dictionary_init", "checkpoint_every", "trace_steps"];

    /// <summary>
    /// Without a "learning" section the vectors are an inference run: a learning-only field in the "vectors"
    /// section would do nothing, so it is an error (a forgotten or misnamed "learning" section, not a setting to drop).
    /// </summary>
    public static void RefuseLearningOnlyFields(System.Text.Json.Nodes.JsonNode? vectorsSection, bool hasLearning, string? file)
    {
        if (hasLearning || vectorsSection is not System.Text.Json.Nodes.JsonObject fields) return;
        foreach (string name in LearningOnlyFields)
            if (fields.ContainsKey(name))
                throw InvalidInputException.Field(file, "vectors." + name, "is for learning vectors and has no effect without a \"learning\" section; add that section or leave it out");
    }

    /// <summary>The data set name with the default applied.</summary>
    public string ResolvedData() => Data.Length > 0 ? Data : Problem == "bars" ? "bars" : "model";

    public void Validate(string? file)
    {
        if (Problem is not ("random" or "bars")) throw InvalidInputException.Field(file, "problem", $"expected \"random\" or \"bars\", got \"{Problem}\"");
        if (K < 1 || K > 4096) throw InvalidInputException.Field(file, "k", $"expected 1 to 4096 units, got {K}");
        if (D < 1 || D > 4096) throw InvalidInputException.Field(file, "d", $"expected 1 to 4096 dimensions, got {D}");
        // Bars is the 8x8 problem: its K and D are fixed, so a k or d that contradicts them is the user's
        // mistake, not something to ignore silently (4 and 8 are the record's defaults, i.e. "not given").
        if (Problem == "bars" && K is not (4 or BarsUnits)) throw InvalidInputException.Field(file, "k", $"the bars problem has {BarsUnits} units (8 horizontal + 8 vertical bars), got {K}: leave k out or set it to {BarsUnits}");
        if (Problem == "bars" && D is not (8 or BarsDimensions)) throw InvalidInputException.Field(file, "d", $"the bars problem has {BarsDimensions} dimensions (8x8 pixels), got {D}: leave d out or set it to {BarsDimensions}");
        if (Steps < 1 || Steps > 1_000_000) throw InvalidInputException.Field(file, "steps", $"expected 1 to 1000000, got {Steps}");
        if (!(Lambda > 0) || !double.IsFinite(Lambda)) throw InvalidInputException.Field(file, "lambda", "must be a positive finite number");
        if (!(Pi > 0 && Pi <= 1)) throw InvalidInputException.Field(file, "pi", "must be in (0, 1]");
        if (!(Sigma > 0) || !double.IsFinite(Sigma)) throw InvalidInputException.Field(file, "sigma", "must be a positive finite number");
        // The dictionary's K unit-norm columns give lambda_max(A^T A) up to K, and every step size starts from
        // lambda_max(A^T A) / sigma^2: sigma 1e-160 overflowed it and the error blamed a 'dt' nobody set ("dt < 0").
        int units = Problem == "bars" ? BarsUnits : K;
        if (!double.IsFinite(units / (Sigma * Sigma)))
            throw InvalidInputException.Field(file, "sigma", $"sigma = {Sigma.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} is too small: lambda_max(A^T A) / sigma^2 (up to K / sigma^2 = {units} / sigma^2 for unit-norm columns) overflows a double, and every step size starts from it");
        if (Data is not ("" or "bars" or "model" or "images")) throw InvalidInputException.Field(file, "data", $"expected \"bars\", \"model\" or \"images\", got \"{Data}\"");
        if (DataCount < 1 || DataCount > MaxDataCount) throw InvalidInputException.Field(file, "data_count", $"expected 1 to {MaxDataCount} data, got {DataCount}");
        if (DictionaryInit is not ("random" or "model")) throw InvalidInputException.Field(file, "dictionary_init", $"expected \"random\" or \"model\", got \"{DictionaryInit}\"");
        if (CheckpointEvery < 1) throw InvalidInputException.Field(file, "checkpoint_every", $"expected at least 1 step, got {CheckpointEvery}");
        if (TraceSteps < 0) throw InvalidInputException.Field(file, "trace_steps", $"expected 0 (every step) or a number of steps, got {TraceSteps}");
        FormatSpec.Parse(Format, file, "format");
    }

    private const int BarsUnits = 16, BarsDimensions = 64;

    /// <summary>Largest data memory the vectors write (a datum index must fit the 32-bit switch words; far above any chip's memory).</summary>
    public const int MaxDataCount = 1 << 20;

    /// <summary>The model these settings describe; the dictionary and data come from <paramref name="seed"/>.</summary>
    public SparseCodingModel BuildModel(long seed)
    {
        if (Problem == "bars")
            return new BarsData(8, Pi, Lambda, Sigma).TrueModel() with { Variant = Variant };
        var rng = new RefRng(seed, stream: 101);
        var a = new Matrix(D, K);
        for (int k = 0; k < K; k++)
        {
            double norm = 0;
            for (int d = 0; d < D; d++) { double v = rng.NextGaussian(); a[d, k] = v; norm += v * v; }
            norm = Math.Sqrt(norm);
            for (int d = 0; d < D; d++) a[d, k] /= norm;
        }
        return new SparseCodingModel { Variant = Variant, Lambda = Lambda, Pi = Pi, Sigma = Sigma, Dictionary = a };
    }
}

/// <summary>
/// One chain's run, recorded word by word for the HDL testbench (FIXED_POINT.md "Test
/// vectors"): inputs, initial state, every noise word, the state and code after every step.
/// </summary>
public sealed class VectorSet
{
    public required FixedParameters Parameters { get; init; }
    public required int Steps { get; init; }
    /// <summary>The --seed of the run.</summary>
    public required int RunSeed { get; init; }
    /// <summary>The chain-0 generator state before the first draw.</summary>
    public required int GeneratorSeed { get; init; }
    public required int[] X { get; init; }
    public required int[] UInit { get; init; }
    public required int[] MInit { get; init; }
    public required int[] Noise { get; init; }
    public required int[] U { get; init; }
    public required int[] M { get; init; }
    public required long[] S { get; init; }
    public required long SaturationCount { get; init; }
    public required InferenceSettings Settings { get; init; }
}

public static class TestVectors
{
    public const string FormatName = "edgelangevin-vectors";

    /// <summary>
    /// Runs one chain for <paramref name="steps"/> steps from u drawn from the Laplace prior
    /// (so some units start active) and m from N(0, mu T), on a datum x = A s + sigma noise
    /// drawn from the model, all from <paramref name="seed"/>. With <paramref name="generatorSeed"/> the noise generator
    /// is seeded from it instead (the datum and the initial state still from <paramref name="seed"/>): a chip in seeded
    /// noise mode draws its generator seed from its entropy source and reports it ('G').
    /// </summary>
    public static VectorSet Generate(SparseCodingModel model, FixedFormat format, InferenceSettings settings, int steps, int seed, string? source = null, int? generatorSeed = null)
    {
        settings.Validate(source);
        if (settings.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(source, "method", "test vectors are for the Langevin core only");
        StepChoice step = StepPolicy.Resolve(model, settings, source);
        settings = step.Settings;
        var p = FixedParameters.Create(model, format, step, source);
        int k = model.K, d = model.D;
        // Four arrays of steps x K words (noise, u, m; s as longs) and their hex files: --steps 2^31-1 overflowed steps * k
        // (an internal error with a stack trace); refuse with the numbers before allocating.
        string what = $"{steps} steps x K = {k} units of test vectors";
        MemoryBudget.CheckLength(what, (double)steps * k, "give fewer --steps");
        MemoryBudget.Check(what, (double)steps * k * (4 + 4 + 4 + 8), "give fewer --steps");
        var rng = new RefRng(seed, stream: 202);

        // The datum: spike-and-slab codes through the dictionary plus Gaussian noise.
        var x = new double[d];
        for (int i = 0; i < d; i++) x[i] = model.Sigma * rng.NextGaussian();
        for (int j = 0; j < k; j++)
        {
            if (rng.NextDouble() >= model.Pi) continue;
            double code = rng.NextExponential(model.Lambda);
            if (model.Variant == Variant.Signed && rng.NextDouble() < 0.5) code = -code;
            for (int i = 0; i < d; i++) x[i] += model.Dictionary[i, j] * code;
        }
        var xq = new int[d];
        FixedParameters.QuantizeData(x, format, xq, 0, source);

        var u0 = new double[k];
        var m0 = new double[k];
        for (int j = 0; j < k; j++)
        {
            double mag = rng.NextExponential(model.Lambda);
            u0[j] = rng.NextDouble() < 0.5 ? -mag : mag;
            m0[j] = settings.Order == 2 ? Math.Sqrt(settings.Mu * settings.Temperature) * rng.NextGaussian() : 0;
        }
        var uInit = new int[k];
        var mInit = new int[k];
        FixedParameters.QuantizeData(u0, format, uInit, 0, source);
        FixedParameters.QuantizeData(m0, format, mInit, 0, source);

        int noiseSeed = generatorSeed ?? seed;
        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, 1, noiseSeed);
        solver.SetData(0, xq, 0);
        Array.Copy(uInit, solver.Workspace.U, k);
        Array.Copy(mInit, solver.Workspace.M, k);
        // The noise words are regenerated by a second generator from the same seed: the solver
        // draws exactly K words per step, so the two must end in the same state (checked below).
        var noiseGen = new GaussianNoise(1, noiseSeed);
        int chain0State = noiseGen.StateOf(0);
        var noise = new int[steps * k];
        var u = new int[steps * k];
        var m = new int[steps * k];
        var s = new long[steps * k];
        for (int t = 0; t < steps; t++)
        {
            for (int j = 0; j < k; j++) noise[t * k + j] = noiseGen.Next(0);
            solver.Step();
            for (int j = 0; j < k; j++)
            {
                u[t * k + j] = solver.Workspace.U[j];
                m[t * k + j] = solver.Workspace.M[j];
                s[t * k + j] = solver.CodeQ(0, j);
            }
        }
        if (noiseGen.StateOf(0) != solver.Noise.StateOf(0))
            throw new InvalidOperationException("internal error: the solver did not draw exactly K noise words per step");
        SaturationLog.Add(solver.Workspace.Saturations);
        return new VectorSet
        {
            Parameters = p, Steps = steps, RunSeed = seed, GeneratorSeed = chain0State, X = xq, UInit = uInit, MInit = mInit,
            Noise = noise, U = u, M = m, S = s, SaturationCount = solver.Workspace.SaturationTotal, Settings = settings,
        };
    }

    /// <summary>Two's complement of <paramref name="value"/> in <paramref name="bits"/> bits, ceil(bits/4) lower-case hex digits.</summary>
    public static string Hex(long value, int bits)
    {
        long masked = value & ((1L << bits) - 1);
        return masked.ToString("x" + ((bits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>Writes the folder atomically: the $readmemh files and manifest.json with per-file checksums.</summary>
    public static void Write(string directory, VectorSet v)
    {
        FixedParameters p = v.Parameters;
        FixedFormat f = p.Format;
        bool second = p.Step.Order == 2;
        AtomicFile.WriteDirectory(directory, dir =>
        {
            var files = new VectorFileWriter(dir);
            files.Put("dictionary", "dictionary.hex", p.DictionaryRowMajor.Select(a => (long)a), f.DictionaryBits);
            files.Put("x", "x.hex", v.X.Select(a => (long)a), f.StateBits);
            files.Put("u_init", "u_init.hex", v.UInit.Select(a => (long)a), f.StateBits);
            if (second) files.Put("m_init", "m_init.hex", v.MInit.Select(a => (long)a), f.StateBits);
            files.Put("noise", "noise.hex", v.Noise.Select(a => (long)a), f.NoiseBits);
            files.Put("u", "u.hex", v.U.Select(a => (long)a), f.StateBits);
            if (second) files.Put("m", "m.hex", v.M.Select(a => (long)a), f.StateBits);
            files.Put("s", "s.hex", v.S, f.StateBits);
            JsonObject manifest = Manifest(v, files);
            File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        });
    }

    /// <summary>A manifest.json read with the readers' one parse (a repeated field, a syntax error: named with the file).</summary>
    public static JsonObject ReadManifest(string path) => JsonFieldReader.ReadObjectFile(path, "vectors manifest");

    /// <summary>
    /// Checks every file the manifest of <paramref name="directory"/> lists against its "checksums"
    /// entry (word count, digits per line, SHA-256), before a simulator reads them: a truncated,
    /// edited or corrupted file is an <see cref="InvalidInputException"/> naming the file, so it is
    /// never reported as an RTL mismatch. Returns the manifest.
    /// </summary>
    public static JsonObject CheckFiles(string directory)
    {
        string path = Path.Combine(directory, "manifest.json");
        if (!File.Exists(path)) throw new InvalidInputException($"{directory}: no manifest.json (write vectors with 'edgelangevin vectors')");
        JsonObject manifest = ReadManifest(path);
        if (manifest["format"] is not JsonValue fmt || fmt.GetValueKind() != JsonValueKind.String || fmt.GetValue<string>() != FormatName)
            throw InvalidInputException.Field(path, "format", $"expected \"{FormatName}\"");
        if (manifest["checksums"] is not JsonObject sums)
            throw InvalidInputException.Field(path, "checksums", "missing: the vectors were written by an older version without per-file checksums; write them again with 'edgelangevin vectors'");
        if (manifest["files"] is not JsonObject files) throw InvalidInputException.Field(path, "files", "missing");
        var reader = new JsonFieldReader(path);
        foreach (var (key, node) in files)
        {
            if (node is not JsonValue nameValue || nameValue.GetValueKind() != JsonValueKind.String) throw InvalidInputException.Field(path, "files." + key, "expected a file name");
            string name = nameValue.GetValue<string>();
            // The files sit beside the manifest: a path ("../model.json", "/etc/x") is not a vector file of this folder.
            if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or "..")
                throw InvalidInputException.Field(path, "files." + key, $"expected a file name in {directory}, got \"{name}\"");
            if (sums[name] is not JsonObject sum) throw InvalidInputException.Field(path, "checksums." + name, "missing");
            long words = reader.RequiredInt(sum, "words", $"checksums.{name}.");
            if (words < 0) throw InvalidInputException.Field(path, $"checksums.{name}.words", $"expected a word count >= 0, got {words}");
            int bits = reader.RequiredInt(sum, "bits", $"checksums.{name}.");
            string sha = reader.RequiredString(sum, "sha256", $"checksums.{name}.");
            string file = Path.Combine(directory, name);
            if (!File.Exists(file)) throw new InvalidInputException($"{file}: missing (listed in {path})");
            byte[] bytes = ReadableFile.ReadAllBytes(file, "vector file", ReadableFile.MaxDataBytes);
            int digits = (bits + 3) / 4;
            long lines = 0, start = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != (byte)'\n') continue;
                if (i - start != digits) throw new InvalidInputException($"{file}: line {lines + 1} has {i - start} characters, expected {digits} hex digits ({bits}-bit words)");
                lines++;
                start = i + 1;
            }
            if (start != bytes.Length) throw new InvalidInputException($"{file}: the last line is not terminated (file truncated?)");
            if (lines != words) throw new InvalidInputException($"{file}: {lines} words, the manifest says {words} (file truncated or extended?)");
            string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
                throw new InvalidInputException($"{file}: SHA-256 {actual} differs from the manifest's {sha} (the file was changed or corrupted after it was written)");
        }
        return manifest;
    }

    public static JsonObject Manifest(VectorSet v, VectorFileWriter files)
    {
        FixedParameters p = v.Parameters;
        FixedFormat f = p.Format;
        StepParameters s = p.Step;
        return new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = 1,
            ["variant"] = s.Variant == FixedVariant.Signed ? "signed" : "nonnegative",
            ["order"] = s.Order,
            ["K"] = p.K,
            ["D"] = p.D,
            ["steps"] = v.Steps,
            ["seed"] = v.GeneratorSeed,
            ["run_seed"] = v.RunSeed,
            ["formats"] = new JsonObject
            {
                ["WA"] = f.DictionaryBits, ["FA"] = f.DictionaryFracBits, ["WS"] = f.StateBits, ["FS"] = f.StateFracBits,
                ["WM"] = f.MacBits, ["FM"] = f.MacFracBits, ["WC"] = f.CoefficientBits, ["FC"] = f.CoefficientFracBits,
                ["WE"] = f.NoiseBits, ["FE"] = f.NoiseFracBits,
            },
            ["params"] = new JsonObject
            {
                ["u0_q"] = s.U0, ["leak_q"] = s.Leak, ["gain_q"] = s.Gain, ["noise_q"] = s.NoiseScale, ["half_q"] = s.Half, ["fric_q"] = s.Friction,
            },
            ["files"] = files.Files,
            ["checksums"] = files.Checksums,
            ["saturation_count"] = v.SaturationCount,
            ["settings"] = v.Settings.ToJson(),
        };
    }
}

/// <summary>
/// Writes $readmemh files into a vector folder (one word per line, two's complement, ceil(W/4)
/// lower-case hex digits) and collects the manifest's "files" and "checksums" entries.
/// </summary>
public sealed class VectorFileWriter(string directory)
{
    public JsonObject Files { get; } = new();
    public JsonObject Checksums { get; } = new();

    public void Put(string key, string name, IEnumerable<long> words, int bits)
    {
        var sb = new StringBuilder();
        long n = 0;
        foreach (long w in words) { sb.Append(TestVectors.Hex(w, bits)).Append('\n'); n++; }
        Save(key, name, sb.ToString(), n, bits);
    }

    /// <summary>Words wider than 64 bits (the learning vectors' dictionary write records).</summary>
    public void PutWide(string key, string name, IEnumerable<UInt128> words, int bits)
    {
        var sb = new StringBuilder();
        long n = 0;
        UInt128 mask = (UInt128.One << bits) - 1;
        string fmt = "x" + ((bits + 3) / 4).ToString(CultureInfo.InvariantCulture);
        foreach (UInt128 w in words) { sb.Append((w & mask).ToString(fmt, CultureInfo.InvariantCulture)).Append('\n'); n++; }
        Save(key, name, sb.ToString(), n, bits);
    }

    private void Save(string key, string name, string text, long words, int bits)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        File.WriteAllBytes(Path.Combine(directory, name), bytes);
        Files[key] = name;
        Checksums[name] = new JsonObject { ["words"] = words, ["bits"] = bits, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
    }
}
