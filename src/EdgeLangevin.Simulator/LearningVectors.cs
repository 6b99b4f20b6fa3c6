using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Data.Images;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Metrics;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using RefRng = EdgeLangevin.Reference.Random.Rng;

namespace EdgeLangevin.Simulator;

/// <summary>A learning run of B chains on a data memory, recorded word by word (FIXED_POINT.md "Learning test vectors").</summary>
public sealed class LearningVectorSet
{
    /// <summary>The step parameters and the dictionary before step 0.</summary>
    public required FixedParameters Parameters { get; init; }
    public required LearningParameters Learning { get; init; }
    public required LearningSettings LearningSettings { get; init; }
    public required InferenceSettings Settings { get; init; }
    public required int Steps { get; init; }
    /// <summary>The first steps, recorded in noise, u, s and the dictionary writes (the others only in switch, u0, learner and the checkpoints).</summary>
    public required int TracedSteps { get; init; }
    public required int Chains { get; init; }
    public required int RunSeed { get; init; }
    /// <summary>"bars", "model" or "images".</summary>
    public required string DataName { get; init; }
    public required int DataCount { get; init; }
    /// <summary>The data memory, N * D words x_mem in the MAC operand format (a chain gets x_mem &lt;&lt; (FS - FM)).</summary>
    public required int[] Data { get; init; }
    public required int[] UInit { get; init; }
    /// <summary>Chain b's generator state before its first draw.</summary>
    public required int[] Seeds { get; init; }
    public required int LearnerSeed { get; init; }
    /// <summary>steps * B: the datum index chain b took before step t, -1 when it kept its datum.</summary>
    public required int[] Switch { get; init; }
    public required int[] Noise { get; init; }
    public required int[] U { get; init; }
    public required long[] S { get; init; }
    public required int[] U0 { get; init; }
    public required int[] LearnerState { get; init; }
    /// <summary>Every dictionary write in order: (step, k, d, value).</summary>
    public required List<(int Step, int K, int D, short Value)> Writes { get; init; }
    public required List<Checkpoint> Checkpoints { get; init; }
    /// <summary>C * D * K words: the whole dictionary (row-major) after each checkpoint.</summary>
    public required List<short> CheckpointWords { get; init; }
    public required long SaturationCount { get; init; }
    public required long DictionarySaturations { get; init; }

    public sealed record Checkpoint(int AfterSteps, int U0Q, double? MatchedCosine);
}

/// <summary>
/// Learning test vectors: B chains learning the dictionary (and u0) from a data memory of N data,
/// with <see cref="FixedLearner"/> and <see cref="FixedDataMemory"/>, the same code the C# learner
/// runs on a finite data set.
/// </summary>
public static class LearningVectors
{
    /// <summary>Format version of a learning vector folder (inference vectors are version 1).</summary>
    public const int Version = 2;

    /// <summary>
    /// Runs the learning and records it. The data memory holds <see cref="VectorSettings.DataCount"/> data
    /// drawn from <see cref="VectorSettings.Data"/>; the dictionary starts random (unit-norm Gaussian
    /// columns) or at the model's, as <see cref="VectorSettings.DictionaryInit"/> says; u starts from the
    /// Laplace prior; u0 from the model's pi. With <paramref name="externalNoise"/> the chains draw their noise
    /// words from it instead (K per chain in chain order, as a chip in physical noise mode draws them); the
    /// recorded Noise is then still the generators' words, the ones the chains would have drawn without it.
    /// With <paramref name="generatorSeed"/> the chains' generators and the learner stream are seeded from it instead of
    /// <paramref name="seed"/> (data, dictionary and u still from <paramref name="seed"/>): a chip in seeded noise mode
    /// draws its generator seed from its entropy source and reports it ('G').
    /// </summary>
    public static LearningVectorSet Generate(SparseCodingModel model, FixedFormat format, InferenceSettings inference, LearningSettings learning,
        VectorSettings vs, int steps, int seed, string? source = null, INoiseWordSource? externalNoise = null, int? generatorSeed = null)
    {
        inference.Validate(source);
        learning.Validate(inference, source);
        if (inference.Method != InferenceMethod.Langevin) throw InvalidInputException.Field(source, "method", "test vectors are for the Langevin core only");
        if (inference.Order != 1) throw InvalidInputException.Field(source, "order", $"learning runs with the first-order step only (the hardware has no second-order learning), got order {inference.Order}");
        if (learning.Normalise) throw InvalidInputException.Field(source, "normalise", "column normalisation is not in the hardware (an integer square root and a division per column); set \"normalise\": false");
        if (steps < 1) throw InvalidInputException.Field(source, "steps", $"expected at least 1, got {steps}");
        // The step policy as every hdl verb applies it (HdlProject): learning's dt (the paper's 1 when unset),
        // refused beyond the model's stability limit -- so `vectors` and `hdl verify` accept the same configs.
        inference = StepPolicy.ResolveForLearning(model, inference, source).Settings;
        int k = model.K, d = model.D, chains = learning.Batch, n = vs.DataCount;

        // The data memory (data_count x D words) and the traced steps (steps x chains x K words, four arrays) before
        // allocating: the products overflow an int at the settings' own limits (data_count 2^20 x D 4096).
        int tracedSteps = vs.TraceSteps == 0 ? steps : Math.Min(steps, vs.TraceSteps);
        string what = $"learning vectors of {steps} steps ({tracedSteps} traced) x {chains} chains x K = {k}, data memory {n} x D = {d}";
        MemoryBudget.CheckLength(what, Math.Max((double)n * d, Math.Max((double)tracedSteps * chains * k, (double)steps * chains)), "give fewer --steps, learning.batch chains, vectors.trace_steps or vectors.data_count");
        MemoryBudget.Check(what, 8.0 * n * d + 20.0 * tracedSteps * chains * k + 12.0 * steps * chains, "give fewer --steps, learning.batch chains, vectors.trace_steps or vectors.data_count");
        (IDataSource data, Matrix? truth) = DataSet(vs, model, seed, source);
        if (data.Dimension != d) throw InvalidInputException.Field(source, "data", $"\"{vs.ResolvedData()}\" data have {data.Dimension} dimensions, the model's dictionary {d} rows");
        var memoryWords = new int[n * d];
        var datum = new double[d];
        var dataRng = new RefRng(seed, stream: 303);
        for (int i = 0; i < n; i++)
        {
            data.Draw(dataRng, datum, 0);
            QuantizeDatum(datum, format, memoryWords, i, source);
        }
        // The C# data memory holds the words as the chains receive them, x_q = x_mem << (FS - FM).
        var words = new int[n * d];
        int dataShift = format.StateFracBits - format.MacFracBits;
        for (int i = 0; i < words.Length; i++) words[i] = memoryWords[i] << dataShift;

        SparseCodingModel initial = vs.DictionaryInit == "model" ? model : model with { Dictionary = Learner.RandomDictionary(d, k, seed) };
        FixedParameters p = FixedParameters.Create(initial, format, inference.Eps, inference.Temperature, 1, 0, source);
        LearningParameters lp = FixedLearning.Convert(initial, format, inference, learning, LearningRounding.Stochastic, source);

        var rng = new RefRng(seed, stream: 202);
        var u0 = new double[chains * k];
        for (int i = 0; i < u0.Length; i++)
        {
            double mag = rng.NextExponential(model.Lambda);
            u0[i] = rng.NextDouble() < 0.5 ? -mag : mag;
        }
        var uInit = new int[chains * k];
        FixedParameters.QuantizeData(u0, format, uInit, 0, source);

        int noiseSeed = generatorSeed ?? seed;
        var solver = new LangevinSolver(p.Step, p.DictionaryRowMajor, d, k, chains, noiseSeed);
        VectorStepKernel.Install(solver);
        solver.ExternalNoise = externalNoise;
        Array.Copy(uInit, solver.Workspace.U, uInit.Length);
        var learner = new FixedLearner(solver, lp, noiseSeed);
        var memory = new FixedDataMemory(words, n, d, chains);
        var noiseGen = new GaussianNoise(chains, noiseSeed);
        var seeds = new int[chains];
        for (int b = 0; b < chains; b++) seeds[b] = noiseGen.StateOf(b);
        int learnerSeed = learner.StreamState;

        int bk = chains * k;
        int traced = vs.TraceSteps == 0 ? steps : Math.Min(steps, vs.TraceSteps);
        var sw = new int[steps * chains];
        var noise = new int[traced * bk];
        var u = new int[traced * bk];
        var s = new long[traced * bk];
        var u0q = new int[steps];
        var lstate = new int[steps];
        var writes = new List<(int, int, int, short)>();
        var checkpoints = new List<LearningVectorSet.Checkpoint>();
        var ckWords = new List<short>();
        var rowMajor = new short[d * k];
        short[] columns = solver.DictionaryColumns;
        bool signed = model.Variant == Variant.Signed;
        for (int t = 0; t < steps; t++)
        {
            learner.DecideSwitching();
            memory.Feed(learner);
            Array.Copy(memory.Taken, 0, sw, t * chains, chains);
            bool trace = t < traced;
            for (int b = 0; b < chains; b++)
                for (int j = 0; j < k; j++)
                {
                    int eta = noiseGen.Next(b);
                    if (trace) noise[(t * chains + b) * k + j] = eta;
                }
            learner.Step();
            u0q[t] = solver.ThresholdQ;
            lstate[t] = learner.StreamState;
            if (trace)
            {
                Array.Copy(solver.Workspace.U, 0, u, t * bk, bk);
                for (int b = 0; b < chains; b++)
                    for (int j = 0; j < k; j++) s[t * bk + b * k + j] = solver.CodeQ(b, j);
                for (int w = 0; w < learner.WriteCount; w++)
                {
                    int i = learner.Writes[w];
                    writes.Add((t, i / d, i % d, columns[i]));
                }
            }
            if ((t + 1) % vs.CheckpointEvery == 0 || t == steps - 1)
            {
                solver.CopyDictionaryRowMajor(rowMajor);
                ckWords.AddRange(rowMajor);
                double? cos = truth is null ? null : DictionaryMetrics.MatchedCosine(Dequantize(rowMajor, d, k, format), truth, signed);
                checkpoints.Add(new LearningVectorSet.Checkpoint(t + 1, solver.ThresholdQ, cos));
            }
        }
        for (int b = 0; b < chains && externalNoise is null; b++)
            if (noiseGen.StateOf(b) != solver.Noise.StateOf(b))
                throw new InvalidOperationException("internal error: the solver did not draw exactly K noise words per chain and step");
        return new LearningVectorSet
        {
            Parameters = p, Learning = lp, LearningSettings = learning, Settings = inference, Steps = steps, TracedSteps = traced, Chains = chains, RunSeed = seed,
            DataName = vs.ResolvedData(), DataCount = n, Data = memoryWords, UInit = uInit, Seeds = seeds, LearnerSeed = learnerSeed, Switch = sw,
            Noise = noise, U = u, S = s, U0 = u0q, LearnerState = lstate, Writes = writes, Checkpoints = checkpoints, CheckpointWords = ckWords,
            SaturationCount = solver.Workspace.SaturationTotal, DictionarySaturations = learner.DictionarySaturations,
        };
    }

    /// <summary>
    /// One datum into the data memory (FIXED_POINT.md "The data memory"): x_mem = round(x 2^FM), ties
    /// away from zero, WM bits; a value outside the MAC operand range is an error naming the datum.
    /// </summary>
    public static void QuantizeDatum(ReadOnlySpan<double> x, FixedFormat format, int[] destination, int index, string? source = null)
    {
        double scale = Math.ScaleB(1.0, format.MacFracBits);
        long min = FixedFormat.MinOf(format.MacBits), max = FixedFormat.MaxOf(format.MacBits);
        for (int i = 0; i < x.Length; i++)
        {
            double v = Math.Round(x[i] * scale, MidpointRounding.AwayFromZero);
            if (!(v >= min && v <= max))
                throw InvalidInputException.Field(source, "data",
                    $"datum {index}, word {i} = {x[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} does not fit the MAC operand format Q{format.MacBits - 1 - format.MacFracBits}.{format.MacFracBits} that the data memory holds; give M fewer fractional bits (--format M=...)");
            destination[index * x.Length + i] = (int)v;
        }
    }

    /// <summary>The data source named by the settings and its true dictionary (null when unknown).</summary>
    public static (IDataSource Data, Matrix? Truth) DataSet(VectorSettings vs, SparseCodingModel model, int seed, string? source)
    {
        switch (vs.ResolvedData())
        {
            case "bars":
                var bars = new BarsData(8, model.Pi, model.Lambda, model.Sigma);
                return (bars, bars.TrueDictionary);
            case "model":
                return (new ModelDataSource(model), model.Dictionary);
            case "images":
                int side = (int)Math.Round(Math.Sqrt(model.D));
                if (side * side != model.D) throw InvalidInputException.Field(source, "data", $"\"images\" needs square patches, but the model has D = {model.D}");
                IReadOnlyList<GrayImage> images = ImageFolder.Load(ImageFolder.ShippedName, side);
                Preprocessing pre = model.Preprocessing ?? PatchPreprocessor.Fit(images, new PreprocessingOptions { PatchSize = side }, seed);
                if (pre.PatchSize != side) throw InvalidInputException.Field(source, "data", $"the model's preprocessing has {pre.PatchSize}x{pre.PatchSize} patches, its dictionary D = {model.D}");
                return (new ImagePatchSource(images, pre), null);
            default:
                throw InvalidInputException.Field(source, "data", $"expected \"bars\", \"model\" or \"images\", got \"{vs.ResolvedData()}\"");
        }
    }

    private static Matrix Dequantize(short[] rowMajor, int d, int k, FixedFormat format)
    {
        var m = new Matrix(d, k);
        for (int i = 0; i < rowMajor.Length; i++) m.Data[i] = FixedParameters.DictionaryToDouble(rowMajor[i], format);
        return m;
    }

    /// <summary>Writes the folder atomically: the $readmemh files and manifest.json with per-file checksums.</summary>
    public static void Write(string directory, LearningVectorSet v)
    {
        FixedParameters p = v.Parameters;
        FixedFormat f = p.Format;
        AtomicFile.WriteDirectory(directory, dir =>
        {
            var files = new VectorFileWriter(dir);
            files.Put("data", "data.hex", v.Data.Select(a => (long)a), f.MacBits);
            files.Put("dictionary", "dictionary.hex", p.DictionaryRowMajor.Select(a => (long)a), f.DictionaryBits);
            files.Put("u_init", "u_init.hex", v.UInit.Select(a => (long)a), f.StateBits);
            files.Put("seeds", "seeds.hex", v.Seeds.Select(a => (long)a), 32);
            files.Put("switch", "switch.hex", v.Switch.Select(a => (long)a), 32);
            files.Put("noise", "noise.hex", v.Noise.Select(a => (long)a), f.NoiseBits);
            files.Put("u", "u.hex", v.U.Select(a => (long)a), f.StateBits);
            files.Put("s", "s.hex", v.S, f.StateBits);
            files.Put("u0", "u0.hex", v.U0.Select(a => (long)a), f.StateBits);
            files.Put("learner", "learner.hex", v.LearnerState.Select(a => (long)a), 32);
            files.PutWide("dictionary_writes", "dictionary_writes.hex", v.Writes.Select(w => WriteRecord(w.Step, w.K, w.D, w.Value)), WriteRecordBits);
            files.Put("dictionary_checkpoints", "dictionary_checkpoints.hex", v.CheckpointWords.Select(a => (long)a), f.DictionaryBits);
            JsonObject manifest = Manifest(v, files);
            File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        });
    }

    /// <summary>Width of a dictionary write record: step (32) | k (16) | d (16) | value (16).</summary>
    public const int WriteRecordBits = 80;

    /// <summary>One dictionary write as an 80-bit record (wider than a long, hence UInt128).</summary>
    private static UInt128 WriteRecord(int step, int k, int d, short value) =>
        ((UInt128)(uint)step << 48) | ((UInt128)(ushort)k << 32) | ((UInt128)(ushort)d << 16) | (ushort)value;

    public static JsonObject Manifest(LearningVectorSet v, VectorFileWriter files)
    {
        var basic = new VectorSet
        {
            Parameters = v.Parameters, Steps = v.Steps, RunSeed = v.RunSeed, GeneratorSeed = v.Seeds[0], X = [], UInit = [], MInit = [], Noise = [], U = [], M = [], S = [],
            SaturationCount = v.SaturationCount, Settings = v.Settings,
        };
        JsonObject m = TestVectors.Manifest(basic, files);
        m["version"] = Version;
        LearningParameters lp = v.Learning;
        var checkpoints = new JsonArray();
        foreach (var c in v.Checkpoints)
            checkpoints.Add(new JsonObject { ["after_steps"] = c.AfterSteps, ["u0_q"] = c.U0Q, ["matched_cosine"] = c.MatchedCosine is double x ? Math.Round(x, 6) : null });
        m["learning"] = new JsonObject
        {
            ["chains"] = v.Chains,
            ["traced_steps"] = v.TracedSteps,
            ["data_count"] = v.DataCount,
            ["data"] = v.DataName,
            ["data_bits"] = v.Parameters.Format.MacBits,
            ["data_shift"] = v.Parameters.Format.StateFracBits - v.Parameters.Format.MacFracBits,
            ["switching"] = lp.Switching == FixedSwitching.Synchronous ? "synchronous" : "asynchronous",
            ["switch_every"] = lp.SwitchEvery,
            ["switch_probability"] = lp.SwitchProbability,
            ["learn_dictionary"] = lp.LearnDictionary,
            ["learn_u0"] = lp.LearnThreshold,
            ["rate_a"] = lp.DictionaryRate, ["shift_a"] = lp.DictionaryShift,
            ["rate_u0"] = lp.ThresholdRate, ["shift_u0"] = lp.ThresholdShift,
            ["learner_seed"] = v.LearnerSeed,
            ["dictionary_writes"] = v.Writes.Count,
            ["dictionary_saturations"] = v.DictionarySaturations,
            ["checkpoints"] = checkpoints,
            ["settings"] = v.LearningSettings.ToJson(),
        };
        return m;
    }
}
