namespace Tailor.Tests.Reports;

/// <summary>A fact that needs headless Chromium; reported as skipped, not passed, where it is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
            Skip = $"{Chromium} is not installed (Debian package chromium).";
    }
}
