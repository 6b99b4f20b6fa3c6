using System.Globalization;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Inference;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Host conversion of the double model and step settings to the integers the fixed-point
/// core runs on (FIXED_POINT.md, "Host conversions"): round to nearest with ties away
/// from zero, then check the range. A value that does not fit its format (a dictionary
/// that would saturate, a gain too large for the coefficient word, a leak or gain that
/// rounds to 0) is an <see cref="InvalidInputException"/> naming the field and the format:
/// parameters are never saturated silently.
/// </summary>
public sealed class FixedParameters
{
    private FixedParameters(FixedFormat format, StepParameters step, short[] dictionary, int d, int k, double eps, double temperature, double mu)
    {
        Format = format;
        Step = step;
        DictionaryRowMajor = dictionary;
        D = d;
        K = k;
        Eps = eps;
        Temperature = temperature;
        Mu = mu;
    }

    public FixedFormat Format { get; }
    /// <summary>u0_q, leak_q, gain_q, noise_q, half_q, fric_q, variant and order.</summary>
    public StepParameters Step { get; }
    /// <summary>A_q, row-major D x K, WA bits.</summary>
    public short[] DictionaryRowMajor { get; }
    public int D { get; }
    public int K { get; }
    /// <summary>eps = dt / tau_u.</summary>
    public double Eps { get; }
    public double Temperature { get; }
    /// <summary>Mass (order 2), 0 for order 1.</summary>
    public double Mu { get; }

    /// <summary>
    /// Converts <paramref name="model"/> with step eps = dt / tau_u, temperature T and, for
    /// order 2, mass mu. <paramref name="source"/> names the model file in error messages.
    /// </summary>
    public static FixedParameters Create(SparseCodingModel model, FixedFormat format, double eps, double temperature, int order, double mu, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(format);
        CheckStep(model, eps, temperature, order, mu, source);
        return Create(model, format, QuantizeDictionary(model.Dictionary, format, source), eps, temperature, order, mu, source);
    }

    private static void CheckStep(SparseCodingModel model, double eps, double temperature, int order, double mu, string? source)
    {
        if (!(eps > 0) || !double.IsFinite(eps)) throw InvalidInputException.Field(source, "eps (dt / tau_u)", $"must be a positive finite number, got {F(eps)}");
        if (!(temperature >= 0) || !double.IsFinite(temperature)) throw InvalidInputException.Field(source, "temperature", $"must be >= 0, got {F(temperature)}");
        if (order != 1 && order != 2) throw InvalidInputException.Field(source, "order", $"expected 1 or 2, got {order}");
        if (order == 2 && (!(mu > 0) || !double.IsFinite(mu))) throw InvalidInputException.Field(source, "mu", $"a second-order run needs a positive mass, got {F(mu)}");
        model.Validate();
    }

    // The step words for a dictionary already quantized (a = QuantizeDictionary(model.Dictionary, format); CheckStep passed).
    private static FixedParameters Create(SparseCodingModel model, FixedFormat format, short[] a, double eps, double temperature, int order, double mu, string? source)
    {
        int fs = format.StateFracBits, fc = format.CoefficientFracBits;
        int u0 = ToWord(source, "u0 = -ln(pi) / lambda", model.U0, fs, format.StateBits, "state", allowZero: true);
        int leak = ToWord(source, "leak = eps * lambda", eps * model.Lambda, fs, format.StateBits, "state", allowZero: false);
        int gain = ToWord(source, "gain = eps / sigma^2", eps / (model.Sigma * model.Sigma), fc, format.CoefficientBits, "coefficient", allowZero: false);
        int noise = ToWord(source, "noise = sqrt(2 T eps)", Math.Sqrt(2 * temperature * eps), fc, format.CoefficientBits, "coefficient", allowZero: temperature == 0);
        int half = 0, fric = 0;
        if (order == 2)
        {
            half = ToWord(source, "half = eps / (2 mu)", eps / (2 * mu), fc, format.CoefficientBits, "coefficient", allowZero: false);
            fric = ToWord(source, "fric = eps / mu", eps / mu, fc, format.CoefficientBits, "coefficient", allowZero: false);
        }
        var variant = model.Variant == Variant.Signed ? FixedVariant.Signed : FixedVariant.NonNegative;
        var step = new StepParameters(format, variant, order, u0, leak, gain, noise, half, fric);
        return new FixedParameters(format, step, a, model.D, model.K, eps, temperature, order == 2 ? mu : 0);
    }

    /// <summary>
    /// <see cref="Create"/> for settings resolved by the step policy (<see cref="StepPolicy.Resolve"/>). When the policy
    /// chose the step and a step word does not fit the formats (a leak or gain that rounds to 0, a coefficient too large)
    /// the error names sigma, the curvature and the step: the model is too stiff for these formats at a step that keeps
    /// the bias below 0.01 (FIXED_POINT.md "Host conversions").
    /// </summary>
    public static FixedParameters Create(SparseCodingModel model, FixedFormat format, StepChoice step, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        InferenceSettings s = step.Settings;
        // The dictionary's own words first: an entry too large or a column that rounds away is the model's scale against
        // FA, whatever the step (inside the try below it read "the default step ... cannot be held by the fixed-point formats").
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(format);
        short[] a = QuantizeDictionary(model.Dictionary, format, source);
        try
        {
            CheckStep(model, s.Eps, s.Temperature, s.Order, s.Mu, source);
            return Create(model, format, a, s.Eps, s.Temperature, s.Order, s.Mu, source);
        }
        catch (InvalidInputException e) when (step.DtChosen)
        {
            throw new InvalidInputException(
                $"sigma = {F(model.Sigma)}, curvature lambda_max(A^T A) / sigma^2 = {F(step.Curvature)}: the default step eps = {F(s.Eps)} " +
                $"(bias below {F(StepPolicy.BiasTolerance)}) cannot be held by the fixed-point formats: {e.Message}", e);
        }
    }

    /// <summary>A_q = round(A 2^FA), WA bits; an entry outside the format is an error naming it.</summary>
    public static short[] QuantizeDictionary(Matrix dictionary, FixedFormat format, string? source = null)
    {
        var q = new short[dictionary.Data.Length];
        double scale = Math.ScaleB(1.0, format.DictionaryFracBits);
        long min = FixedFormat.MinOf(format.DictionaryBits), max = FixedFormat.MaxOf(format.DictionaryBits);
        for (int i = 0; i < q.Length; i++)
        {
            double v = Math.Round(dictionary.Data[i] * scale, MidpointRounding.AwayFromZero);
            if (!(v >= min && v <= max))
            {
                int d = i / dictionary.Cols, k = i % dictionary.Cols;
                throw InvalidInputException.Field(source, $"dictionary.data[{i}] (d = {d}, k = {k})",
                    $"{F(dictionary.Data[i])} does not fit the dictionary format Q{format.DictionaryBits - 1 - format.DictionaryFracBits}.{format.DictionaryFracBits} (range {F(min / scale)} to {F(max / scale)}); use fewer fractional bits (FA) or rescale the dictionary");
            }
            q[i] = (short)v;
        }
        // The mirror of an entry too large: a column whose entries all round to 0 is a unit the fixed-point core does not
        // have (it never explains any x), while the model and the float reference do. A model scaled down by 1e-6 was
        // written out as an all-zero dictionary by vectors, hdl generate and firmware export, exit 0.
        for (int k = 0; k < dictionary.Cols; k++)
        {
            bool lost = true, present = false;
            for (int d = 0; d < dictionary.Rows && lost; d++)
            {
                lost = q[d * dictionary.Cols + k] == 0;
                present |= dictionary[d, k] != 0;
            }
            if (lost && present)
            {
                double norm = 0;
                for (int d = 0; d < dictionary.Rows; d++) norm += dictionary[d, k] * dictionary[d, k];
                throw InvalidInputException.Field(source, $"dictionary column {k}",
                    $"every entry rounds to 0 in the dictionary format Q{format.DictionaryBits - 1 - format.DictionaryFracBits}.{format.DictionaryFracBits} (resolution {F(1 / scale)}; the column's norm is {F(Math.Sqrt(norm))}): the fixed-point core would lose unit {k}; use more fractional bits (FA) or rescale the dictionary (its columns are about unit norm)");
            }
        }
        return q;
    }

    /// <summary>
    /// x_q = round(x 2^FS), WS bits, into <paramref name="destination"/> at <paramref name="offset"/>; a value outside the
    /// format is an error naming <paramref name="source"/> and the entry as <paramref name="field"/>[i].
    /// </summary>
    public static void QuantizeData(ReadOnlySpan<double> x, FixedFormat format, int[] destination, int offset, string? source = null, string field = "x")
    {
        double scale = Math.ScaleB(1.0, format.StateFracBits);
        long min = FixedFormat.MinOf(format.StateBits), max = FixedFormat.MaxOf(format.StateBits);
        for (int i = 0; i < x.Length; i++)
        {
            double v = Math.Round(x[i] * scale, MidpointRounding.AwayFromZero);
            if (!(v >= min && v <= max))
                throw InvalidInputException.Field(source, $"{field}[{i}]", $"{F(x[i])} does not fit the state format Q{format.StateBits - 1 - format.StateFracBits}.{format.StateFracBits}");
            destination[offset + i] = (int)v;
        }
    }

    /// <summary>
    /// <paramref name="format"/> with the MAC operand format (WM.FM) narrowed in its fractional
    /// bits, if needed, so that its range covers data of largest magnitude
    /// <paramref name="dataMaxAbs"/> with one guard bit: the residual r = x - A s is x itself
    /// while no unit is active, the codes s reach the scale of x, and all of them are narrowed
    /// to WM bits for the MACs (sites r_m, s_m, g_m). The default Q4.11 holds |v| &lt; 16;
    /// whitened image patches reach |x| of about 18 (heavy tails: rms 1, max 18.2 on the shipped
    /// images), and learning on them clipped s_m about 11,000 times in the demo's 30,000 steps
    /// (Q5.10 or Q6.9: none). FM never grows, and stays at least FS - FA and FS - FC (the
    /// format's constraints), so for very wide data the range may still fall short.
    /// </summary>
    public static FixedFormat FitMacFormat(FixedFormat format, double dataMaxAbs)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (!(dataMaxAbs >= 0) || !double.IsFinite(dataMaxAbs)) throw new ArgumentOutOfRangeException(nameof(dataMaxAbs), dataMaxAbs, "expected a finite magnitude >= 0");
        int integerBits = SolverProfile.IntegerBits(dataMaxAbs) + 1; // one guard bit
        int fm = Math.Min(format.MacFracBits, format.MacBits - 1 - integerBits);
        fm = Math.Max(fm, Math.Max(format.StateFracBits - format.DictionaryFracBits, format.StateFracBits - format.CoefficientFracBits));
        fm = Math.Max(fm, 0);
        return fm == format.MacFracBits ? format
            : new FixedFormat(format.DictionaryBits, format.DictionaryFracBits, format.StateBits, format.StateFracBits,
                format.MacBits, fm, format.CoefficientBits, format.CoefficientFracBits);
    }

    /// <summary>Draws <see cref="DataMaxAbs"/> takes when fitting a format to a data source (the demo, `compare`).</summary>
    public const int FitSamples = 20_000;

    /// <summary>The largest |x| over <paramref name="samples"/> data drawn from <paramref name="data"/> with its own random stream (seed, stream -7), for <see cref="FitMacFormat"/>.</summary>
    public static double DataMaxAbs(EdgeLangevin.Reference.Data.IDataSource data, int samples, long seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var rng = new EdgeLangevin.Reference.Random.Rng(seed, -7);
        var x = new double[data.Dimension];
        double max = 0;
        for (int n = 0; n < samples; n++)
        {
            data.Draw(rng, x, 0);
            foreach (double v in x) max = Math.Max(max, Math.Abs(v));
        }
        return max;
    }

    /// <summary>Double value of a state word.</summary>
    public static double StateToDouble(long q, FixedFormat format) => q * Math.ScaleB(1.0, -format.StateFracBits);

    /// <summary>Double value of a dictionary word.</summary>
    public static double DictionaryToDouble(long q, FixedFormat format) => q * Math.ScaleB(1.0, -format.DictionaryFracBits);

    private static int ToWord(string? source, string field, double value, int frac, int bits, string formatName, bool allowZero)
    {
        double v = Math.Round(value * Math.ScaleB(1.0, frac), MidpointRounding.AwayFromZero);
        long max = FixedFormat.MaxOf(bits);
        string q = $"Q{bits - 1 - frac}.{frac}";
        if (!(v <= max))
            throw InvalidInputException.Field(source, field, $"{F(value)} does not fit the {formatName} format {q} (largest {F(max * Math.ScaleB(1.0, -frac))}); use fewer fractional bits or a smaller step");
        if (v == 0 && !allowZero)
            throw InvalidInputException.Field(source, field, $"{F(value)} rounds to 0 in the {formatName} format {q} (resolution {F(Math.ScaleB(1.0, -frac))}); use more fractional bits or a larger step");
        return (int)v;
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
