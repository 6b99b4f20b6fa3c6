using System.Globalization;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Reference.Data.Images;

/// <summary>
/// Inputs for a model learned from images: its x are preprocessed patches (the stored "preprocessing": pixel divisor,
/// mean removal, whitening, scale), but a user usually has raw pixel patches. `infer --preprocess` turns raw patches
/// into the model's x with the model's own transform; without it, inputs that look raw get a warning, because a raw
/// 8-bit patch is about a hundred times larger than the unit-RMS data the model learned from and its posterior
/// answers a different question.
/// </summary>
public static class RawPatchInputs
{
    /// <summary>
    /// An input whose RMS per pixel exceeds this many times the preprocessed training data's (1 by construction, the
    /// stored scale) is called raw-looking. Preprocessed patches of the shipped photos stay below 5 (4.5 the largest of
    /// 4000 in RawPatchInputsTests); raw 8-bit patches sit near 50 to 200 (their mean is not removed).
    /// </summary>
    public const double RawLookingRms = 10;

    /// <summary>
    /// Each row of <paramref name="raw"/> (patch_size^2 pixels, row-major, in the images' sample scale 0..pixel_divisor)
    /// through the model's stored preprocessing. Errors name the model file (no preprocessing; whitening that needs
    /// whole images) or the input (a pixel outside 0..pixel_divisor).
    /// </summary>
    public static double[][] Transform(SparseCodingModel model, double[][] raw, string modelName, string inputName)
    {
        if (model.Preprocessing is not { } p)
            throw new InvalidInputException($"{modelName}: --preprocess needs a model learned from images (its \"preprocessing\" says how patches become x); this model has none, so give its inputs as x without --preprocess");
        if (p.Whitening == OlshausenFieldWhitening.Name)
            throw new InvalidInputException($"{modelName}: --preprocess cannot whiten a lone patch: this model's patches were whitened by Olshausen-Field filtering of whole images (whitening \"{p.Whitening}\"); filter the whole image the same way and give the patches as x, or learn with --whitening zca");
        var transform = new PatchTransform(p);
        var x = new double[raw.Length][];
        for (int i = 0; i < raw.Length; i++)
        {
            for (int j = 0; j < raw[i].Length; j++)
                if (!(raw[i][j] >= 0 && raw[i][j] <= p.PixelDivisor))
                    throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                        $"{inputName}: inputs[{i}][{j}] = {raw[i][j]:G6} is not a raw pixel of the model's images (0 to their maxval {p.PixelDivisor:G6}); --preprocess expects raw patches, row-major {p.PatchSize}x{p.PatchSize}"));
            x[i] = new double[raw[i].Length];
            transform.Apply(raw[i], x[i]);
        }
        return x;
    }

    /// <summary>
    /// For a model learned from images and inputs given as x: a warning naming the first input whose RMS per pixel is
    /// beyond <see cref="RawLookingRms"/> (probably a raw patch), else null.
    /// </summary>
    public static string? RawLookingWarning(SparseCodingModel model, double[][] inputs, string inputName)
    {
        if (model.Preprocessing is null) return null;
        for (int i = 0; i < inputs.Length; i++)
        {
            double rms = Math.Sqrt(inputs[i].Sum(v => v * v) / inputs[i].Length);
            if (rms > RawLookingRms)
                return string.Create(CultureInfo.InvariantCulture,
                    $"{inputName}: inputs[{i}] has RMS {rms:G3} per pixel, more than {RawLookingRms:G3} times the RMS 1 of the preprocessed patches this model learned from: if these are raw pixel patches, pass --preprocess to apply the model's preprocessing");
        }
        return null;
    }
}
