using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tailor.Benchmarks;

namespace Tailor.Cli.Commands;

/// <summary>
/// `tailor bench --runtime-defaults`: the tool runs with tiered compilation off (its runtimeconfig), a user's
/// program with .NET's defaults (on). The dense model and the CNN are measured again in a child process
/// of this command with DOTNET_TieredCompilation=1, and the two are printed side by side: the engine's hot
/// methods are marked for full optimisation at once, so the two should agree. The child measures the
/// models the tool's run measured.
/// </summary>
internal static class RuntimeDefaults
{
    public static List<Dictionary<string, object?>> Compare(IReadOnlyList<ModelBenchmark> tool, string dataDirectory, int threads, int? epochs)
    {
        string json = Path.Combine(Path.GetTempPath(), $"tailor-bench-defaults-{Guid.NewGuid():N}.json");
        try
        {
            string models = string.Join(",", tool.Select(t => t.Model));
            Console.WriteLine($"Measuring {models} again with .NET's default runtime settings (a child process)...");
            var start = ChildStart();
            foreach (string arg in (string[])["bench", "--models", models, "--json", json, "--data", dataDirectory, "--threads", threads.ToString(CultureInfo.InvariantCulture)])
                start.ArgumentList.Add(arg);
            if (epochs is int e) { start.ArgumentList.Add("--epochs"); start.ArgumentList.Add(e.ToString(CultureInfo.InvariantCulture)); }
            // .NET's defaults where the tool sets its own: tiered compilation and the concurrent GC on.
            start.Environment["DOTNET_TieredCompilation"] = "1";
            start.Environment["DOTNET_gcConcurrent"] = "1";
            start.RedirectStandardOutput = true;
            using (var child = Process.Start(start)!)
            {
                child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                if (child.ExitCode != 0) throw new IOException($"The bench with default runtime settings failed (exit code {child.ExitCode}).");
            }
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var table = new Table().Title("Runtime settings: the tool's (tiered compilation off) against .NET's defaults (a program of yours)")
                .AddColumn("Model").AddColumn(new TableColumn("Tool warm-up s").RightAligned()).AddColumn(new TableColumn("Defaults warm-up s").RightAligned())
                .AddColumn(new TableColumn("Tool s/epoch").RightAligned()).AddColumn(new TableColumn("Defaults s/epoch").RightAligned())
                .AddColumn(new TableColumn("Defaults / tool").RightAligned());
            var rows = new List<Dictionary<string, object?>>();
            foreach (var model in document.RootElement.GetProperty("models").EnumerateArray())
            {
                string name = model.GetProperty("model").GetString()!;
                if (tool.FirstOrDefault(t => t.Model == name) is not { } mine) continue;
                double median = model.GetProperty("median_epoch_s").GetDouble();
                double warmup = model.GetProperty("warmup_epoch_s").GetDouble();
                table.AddRow(name, F(mine.WarmupEpochSeconds), F(warmup), F(mine.MedianEpochSeconds), F(median), F(median / mine.MedianEpochSeconds, 2) + "x");
                rows.Add(new()
                {
                    ["model"] = name, ["tool_warmup_epoch_s"] = mine.WarmupEpochSeconds, ["defaults_warmup_epoch_s"] = warmup,
                    ["tool_median_epoch_s"] = mine.MedianEpochSeconds, ["defaults_median_epoch_s"] = median, ["ratio"] = median / mine.MedianEpochSeconds,
                });
            }
            AnsiConsole.Write(table);
            return rows;
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>This command again: the apphost itself, or the dotnet host with this assembly.</summary>
    private static ProcessStartInfo ChildStart()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(RuntimeDefaults).Assembly.Location);
        return start;
    }

    private static string F(double value, int digits = 3) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
}
