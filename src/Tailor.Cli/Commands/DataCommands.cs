using System.CommandLine;
using Spectre.Console;
using Tailor.Common;
using Tailor.Data;
using Tailor.Visualization;

namespace Tailor.Cli.Commands;

/// <summary>`tailor data info|show|download|export`.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Look at the Fashion-MNIST files: counts, images, download.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Download());
        command.Subcommands.Add(ExportCommand.Create());
        return command;
    }

    private static Command Info()
    {
        var command = new Command("info", "Where the files were found, their shapes and the images per class.");
        command.SetAction(parsed =>
        {
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Found in {location}");
            Console.WriteLine($"Train: {dataset.Train.Count:N0} images of {dataset.Train.Height}x{dataset.Train.Width}; test: {dataset.Test.Count:N0}.");
            var table = new Table().AddColumn("Label").AddColumn("Class").AddColumn(new TableColumn("Train").RightAligned()).AddColumn(new TableColumn("Test").RightAligned());
            foreach (var c in ClassCounts.Of(dataset))
                table.AddRow(c.Label.ToString(), Markup.Escape(c.Name), c.Train.ToString("N0"), c.Test.ToString("N0"));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var index = new Option<int?>("--index") { Description = "Write one image with its label name (at most the last index of the chosen file)." }
            .Within(new ValueRange(0, FashionMnist.TrainCount - 1));
        var grid = new Option<bool>("--grid") { Description = "Write a grid of examples, one row per class." };
        var test = new Option<bool>("--test") { Description = "Take images from the test file instead of the training file." };
        var output = new Option<string?>("--out") { Description = "PNG to write (default: image-N.png or grid.png)." };
        var command = new Command("show", "Write a PNG of an image (--index N) or of a grid of examples per class (--grid).") { index, grid, test, output };
        command.SetAction(parsed =>
        {
            int? n = parsed.GetValue(index);
            bool wantGrid = parsed.GetValue(grid);
            if (n == null && !wantGrid) throw new UsageException("data show needs --index N or --grid.");
            var (dataset, _) = CommonOptions.LoadDataset(parsed);
            var set = parsed.GetValue(test) ? dataset.Test : dataset.Train;
            string which = parsed.GetValue(test) ? "test" : "training";
            byte[] png;
            string path;
            if (n is int i)
            {
                if (i < 0 || i >= set.Count)
                    throw new UsageException($"--index must be in [0, {set.Count - 1}] for the {set.Count:N0} {which} images, received {i}.");
                png = ImageRendering.Image(set.ToTensor([i]), $"{i}: {FashionMnist.ClassNames[set.Labels[i]]}");
                path = parsed.GetValue(output) ?? $"image-{i}.png";
            }
            else
            {
                var (images, captions) = set.ExamplesPerClass(8, FashionMnist.ClassNames);
                png = ImageRendering.Grid(images, captions, columns: 8, title: $"Fashion-MNIST {which} images, 8 per class");
                path = parsed.GetValue(output) ?? "grid.png";
            }
            PngFile.Save(png, path);
            Console.WriteLine($"Wrote {Path.GetFullPath(path)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Download()
    {
        var to = new Option<string>("--to") { Description = "Folder to download into.", DefaultValueFactory = _ => DataLocator.DefaultUserCacheDirectory };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each file.", DefaultValueFactory = _ => 30 }
            .Within(new ValueRange(1, 3_600));
        var command = new Command("download", "Fetch the official files, verify their checksums and write them atomically.") { to, timeout };
        command.SetAction(async (parsed, _) =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            string target = parsed.GetValue(to)!;
            int seconds = parsed.GetValue(timeout);
            await AnsiConsole.Progress().StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new Progress<(string File, long Done, long? Total)>(p =>
                {
                    if (!tasks.TryGetValue(p.File, out var task)) tasks[p.File] = task = ctx.AddTask(p.File, maxValue: p.Total ?? 1);
                    if (p.Total is long total) task.MaxValue = total;
                    task.Value = p.Done;
                });
                await new DatasetDownloader().DownloadAsync(target, progress, TimeSpan.FromSeconds(seconds), cancel);
            });
            Console.WriteLine($"Downloaded and verified the four files in {Path.GetFullPath(target)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
