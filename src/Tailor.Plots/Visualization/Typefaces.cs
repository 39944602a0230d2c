using SkiaSharp;

namespace Tailor.Visualization;

/// <summary>
/// The sans-serif family used for every label. Skia's default typeface on Debian is a serif one,
/// so plots and captions ask for a common sans family and fall back to the default.
/// </summary>
internal static class Typefaces
{
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans"];

    public static string SansFamily { get; } = FindSansFamily();

    public static SKTypeface Sans { get; } = SKTypeface.FromFamilyName(SansFamily) ?? SKTypeface.Default;

    public static SKTypeface SansBold { get; } =
        SKTypeface.FromFamilyName(SansFamily, SKFontStyle.Bold) ?? Sans;

    private static string FindSansFamily()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        return Preferred.FirstOrDefault(installed.Contains) ?? SKTypeface.Default.FamilyName;
    }
}
