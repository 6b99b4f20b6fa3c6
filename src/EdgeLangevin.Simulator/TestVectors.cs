using System.Globalization;
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
/// "random": K unit-norm columns with Gaussian entries; "bars": the 8x8 bars (k and d ignored).
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

    public void Validate(string? file)
    {
        if (Problem is not ("random" or "bars")) throw InvalidInputException.Field(file, "problem", $"expected \"random\" or \"bars\", got \"{Problem}\"");
        if (K < 1 || K > 4096) throw InvalidInputException.Field(file, "k", $"expected 1 to 4096 units, got {K}");
        if (D < 1 || D > 4096) throw InvalidInputException.Field(file, "d", $"expected 1 to 4096 dimensions, got {D}");
        if (Steps < 1 || Steps > 1_000_000) throw InvalidInputException.Field(file, "steps", $"expected 1 to 1000000, got {Steps}");
        if (!(Lambda > 0) || !double.IsFinite(Lambda)) throw InvalidInputException.Field(file, "lambda", "must be a positive finite number");
        if (!(Pi > 0 && Pi <= 1)) throw InvalidInputException.Field(file, "pi", "must be in (0, 1]");
        if (!(Sigma > 0) || !double.IsFinite(Sigma)) throw InvalidInputException.Field(file, "sigma", "must be a positive finite number");
    }

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
    /// drawn from the model, all from <paramref name="seed"/>.
    /// </summary>
    public static VectorSet Generate(SparseCodingModel model, FixedFormat format, InferenceSettings settings, int steps, int seed, string? source = null)
    {
        settings.Validate(source);
        if (settings.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(source, "method", "test vectors are for the Langevin core only");
        StepChoice step = StepPolicy.Resolve(model, settings, source);
        settings = step.Settings;
        var p = FixedParameters.Create(model, format, step, source);
        int k = model.K, d = model.D;
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

        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, 1, seed);
        solver.SetData(0, xq, 0);
        Array.Copy(uInit, solver.Workspace.U, k);
        Array.Copy(mInit, solver.Workspace.M, k);
        // The noise words are regenerated by a second generator from the same seed: the solver
        // draws exactly K words per step, so the two must end in the same state (checked below).
        var noiseGen = new GaussianNoise(1, seed);
        int generatorSeed = noiseGen.StateOf(0);
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
        return new VectorSet
        {
            Parameters = p, Steps = steps, RunSeed = seed, GeneratorSeed = generatorSeed, X = xq, UInit = uInit, MInit = mInit,
            Noise = noise, U = u, M = m, S = s, SaturationCount = solver.Workspace.SaturationTotal, Settings = settings,
        };
    }

    /// <summary>Two's complement of <paramref name="value"/> in <paramref name="bits"/> bits, ceil(bits/4) lower-case hex digits.</summary>
    public static string Hex(long value, int bits)
    {
        long masked = value & ((1L << bits) - 1);
        return masked.ToString("x" + ((bits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string HexFile(IEnumerable<long> words, int bits)
    {
        var sb = new StringBuilder();
        foreach (long w in words) sb.Append(Hex(w, bits)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes the folder atomically: the $readmemh files and manifest.json.</summary>
    public static void Write(string directory, VectorSet v)
    {
        FixedParameters p = v.Parameters;
        FixedFormat f = p.Format;
        bool second = p.Step.Order == 2;
        var files = new JsonObject();
        AtomicFile.WriteDirectory(directory, dir =>
        {
            void Put(string key, string name, IEnumerable<long> words, int bits)
            {
                File.WriteAllText(Path.Combine(dir, name), HexFile(words, bits));
                files[key] = name;
            }
            Put("dictionary", "dictionary.hex", p.DictionaryRowMajor.Select(a => (long)a), f.DictionaryBits);
            Put("x", "x.hex", v.X.Select(a => (long)a), f.StateBits);
            Put("u_init", "u_init.hex", v.UInit.Select(a => (long)a), f.StateBits);
            if (second) Put("m_init", "m_init.hex", v.MInit.Select(a => (long)a), f.StateBits);
            Put("noise", "noise.hex", v.Noise.Select(a => (long)a), f.NoiseBits);
            Put("u", "u.hex", v.U.Select(a => (long)a), f.StateBits);
            if (second) Put("m", "m.hex", v.M.Select(a => (long)a), f.StateBits);
            Put("s", "s.hex", v.S, f.StateBits);
            JsonObject manifest = Manifest(v, files);
            File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        });
    }

    public static JsonObject Manifest(VectorSet v, JsonObject files)
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
            ["files"] = files,
            ["saturation_count"] = v.SaturationCount,
            ["settings"] = v.Settings.ToJson(),
        };
    }
}
