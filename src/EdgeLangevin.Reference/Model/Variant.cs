namespace EdgeLangevin.Reference.Model;

/// <summary>The two thresholded-Laplacian latents of shared/MODEL.md.</summary>
public enum Variant
{
    /// <summary>s = sign(u) max(|u| - u0, 0).</summary>
    Signed,
    /// <summary>s = max(|u| - u0, 0): the sign of u is dropped.</summary>
    NonNegative,
}

public static class VariantNames
{
    public static string ToJson(this Variant v) => v == Variant.Signed ? "signed" : "nonnegative";

    public static bool TryParse(string? text, out Variant variant)
    {
        switch (text)
        {
            case "signed": variant = Variant.Signed; return true;
            case "nonnegative": variant = Variant.NonNegative; return true;
            default: variant = default; return false;
        }
    }
}
