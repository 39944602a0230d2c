using System.Diagnostics;
using SkiaSharp;
using Tailor.Tests.Visualization;
using Tailor.Visualization;

namespace Tailor.Tests.Reports;

/// <summary>Runs scripts/check-report.sh on reports that should pass and on ones that should not.</summary>
public sealed class CheckReportScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tailor-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [ChromiumFact]
    public void SampleReport_PassesAndGivesAScreenshot()
    {
        // Also kept in the test output, for a person to open or check by hand.
        string report = Path.Combine(AppContext.BaseDirectory, "report-check", "sample-report.html");
        SampleReport.Build().Save(report);
        string screenshot = Path.Combine(_directory, "sample.png");

        (int exitCode, string output) = CheckReport("--screenshot", screenshot, "--window-size", "1000,1600", report);

        Assert.True(exitCode == 0, output);
        Assert.Contains("OK: ", output);
        Assert.Contains("images=7 problems=0", output);
        using SKBitmap bitmap = DecodedPng.Decode(File.ReadAllBytes(screenshot));
        Assert.Equal((1000, 1600), (bitmap.Width, bitmap.Height));
    }

    [ChromiumFact]
    public void ABrokenImage_Fails()
    {
        string report = Write("broken.html", """<img src="data:image/png;base64,iVBORw0KGgoAAAAN" alt="half a PNG">""");

        (int exitCode, string output) = CheckReport(report);

        Assert.True(exitCode == 1, output);
        Assert.Contains("image not shown: half a PNG", output);
    }

    [ChromiumFact]
    public void AnImageBesideTheReport_FailsBecauseTheReportIsNotSelfContained()
    {
        File.WriteAllBytes(Path.Combine(_directory, "beside.png"), TrainingCurves.Loss([0.5, 0.4], [0.6, 0.5]));
        string report = Write("relative.html", """<img src="beside.png" alt="a file next to the report">""");

        (int exitCode, string output) = CheckReport(report);

        Assert.True(exitCode == 1, output);
        Assert.Contains("image not shown: a file next to the report", output);
    }

    [ChromiumFact]
    public void AConsoleError_Fails()
    {
        string report = Write("console.html", """<script>console.error("something went wrong");</script>""");

        (int exitCode, string output) = CheckReport(report);

        Assert.True(exitCode == 1, output);
        Assert.Contains("console.error: something went wrong", output);
        Assert.Contains("the page logged to the console", output);
    }

    [ChromiumFact]
    public void AMissingFile_IsAUsageError()
    {
        (int exitCode, string output) = CheckReport(Path.Combine(_directory, "absent.html"));

        Assert.True(exitCode == 2, output);
        Assert.Contains("no such file", output);
    }

    private string Write(string name, string body)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, $"<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>{name}</title></head>\n<body>\n{body}\n</body>\n</html>\n");
        return path;
    }

    private static (int ExitCode, string Output) CheckReport(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script());
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["CHROMIUM"] = ChromiumFactAttribute.Chromium;
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"check-report.sh {string.Join(' ', arguments)} ran over 3 minutes.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Script()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "scripts", "check-report.sh");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"scripts/check-report.sh not found above {AppContext.BaseDirectory}.");
    }
}
