using System.Globalization;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Parses the --format option: comma-separated WORD=W.F pairs that override the defaults
/// of FIXED_POINT.md, WORD one of A (dictionary), S (state), M (MAC operand),
/// C (coefficient). Example: "A=12.10,S=24.12" is a 12-bit dictionary Q1.10 and a 24-bit
/// state Q11.12, the rest default. An impossible format is an <see cref="InvalidInputException"/>.
/// </summary>
public static class FormatSpec
{
    public const string Help = "Number formats as WORD=BITS.FRAC pairs, WORD one of A (dictionary), S (state), M (MAC operand), C (coefficient); e.g. A=16.13,S=32.16 (defaults A=16.13,S=32.16,M=16.11,C=16.14)";

    /// <summary>
    /// The formats a command runs in: <paramref name="text"/> parsed (and used as given) when the
    /// option was given; without it, the defaults with M's fractional bits fitted to the data's
    /// largest |x| (<see cref="FixedParameters.FitMacFormat"/>, FIXED_POINT.md). <paramref name="dataMaxAbs"/>
    /// is only called in that case.
    /// </summary>
    public static FixedFormat ParseOrFit(string? text, Func<double> dataMaxAbs)
    {
        ArgumentNullException.ThrowIfNull(dataMaxAbs);
        return text is not null ? Parse(text) : FixedParameters.FitMacFormat(FixedFormat.Default, dataMaxAbs());
    }

    /// <summary>
    /// The format <paramref name="text"/> spells; errors name <paramref name="field"/> (the --format option,
    /// or a config file's field, with <paramref name="file"/>).
    /// </summary>
    public static FixedFormat Parse(string? text, string? file = null, string field = "--format")
    {
        FixedFormat def = FixedFormat.Default;
        int wa = def.DictionaryBits, fa = def.DictionaryFracBits, ws = def.StateBits, fs = def.StateFracBits;
        int wm = def.MacBits, fm = def.MacFracBits, wc = def.CoefficientBits, fc = def.CoefficientFracBits;
        if (!string.IsNullOrWhiteSpace(text)) // empty: the default (config files and the HDL project spell "no format" so)
        {
            // Every word given acts: an empty entry or a word given twice is an error, never skipped or "the last one wins".
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.Length == 0) throw InvalidInputException.Field(file, field, $"'{text}' has an empty entry between commas");
                int eq = part.IndexOf('=');
                string key = eq < 0 ? "" : part[..eq].Trim().ToUpperInvariant();
                string value = eq < 0 ? "" : part[(eq + 1)..].Trim();
                string[] wf = value.Split('.');
                if (wf.Length != 2 || !int.TryParse(wf[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) || !int.TryParse(wf[1], NumberStyles.None, CultureInfo.InvariantCulture, out int f))
                    throw InvalidInputException.Field(file, field, $"'{part}': expected WORD=BITS.FRAC, e.g. A=16.13");
                if (key is "A" or "S" or "M" or "C" && !seen.Add(key))
                    throw InvalidInputException.Field(file, field, $"'{text}' gives {key} twice: give each word once");
                switch (key)
                {
                    case "A": wa = w; fa = f; break;
                    case "S": ws = w; fs = f; break;
                    case "M": wm = w; fm = f; break;
                    case "C": wc = w; fc = f; break;
                    default: throw InvalidInputException.Field(file, field, $"'{part}': unknown word '{key}', expected A, S, M or C");
                }
            }
        }
        try
        {
            return new FixedFormat(wa, fa, ws, fs, wm, fm, wc, fc);
        }
        catch (ArgumentException e)
        {
            throw InvalidInputException.Field(file, field, e.Message);
        }
    }

    /// <summary>The spec that <see cref="Parse"/> turns back into <paramref name="format"/>.</summary>
    public static string ToSpec(FixedFormat format) =>
        $"A={format.DictionaryBits}.{format.DictionaryFracBits},S={format.StateBits}.{format.StateFracBits},M={format.MacBits}.{format.MacFracBits},C={format.CoefficientBits}.{format.CoefficientFracBits}";
}
