using System.CommandLine;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Cli.Commands;

/// <summary>`tailor data export`: the notebook's sample (or the full set) as folders of PNG or JPEG files.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "png (lossless), jpeg or webp.", DefaultValueFactory = _ => "png" };
        var quality = new Option<int>("--quality") { Description = "JPEG or WebP quality.", DefaultValueFactory = _ => 95 }.Within(new Common.ValueRange(1, 100));
        var output = new Option<string>("--out") { Description = "Folder to write train/, validation/, test/ and export.json into.", Required = true };
        var sampleSeed = CommonOptions.SampleSeed();
        var command = new Command("export",
            "Write the images as DIR/{train,validation,test}/<class>/NNNNN.png, numbered in sample order, for `tailor train --images DIR`.")
        {
            format, quality, output, sampleSeed,
        };
        var sampleSize = SampleSizeOptions.AddTo(command);
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            var fileFormat = ParseFormat(parsed.GetValue(format)!);
            int q = parsed.GetValue(quality);
            string target = parsed.GetValue(output)!;
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var sample = FashionSample.Draw(dataset, sampleSize.Read(parsed, parsed.GetValue(sampleSeed)));
            if (ImageFolderManifest.IsUnfinished(target))
                Console.WriteLine($"Resuming the unfinished export in {Path.GetFullPath(target)}");
            int written = FashionMnistImages.Export(dataset, sample, target, fileFormat, q, cancellationToken: cancel);
            Console.WriteLine($"Wrote {written:N0} {fileFormat.ToString().ToUpperInvariant()} files ({sample.Train.Count:N0} train, {sample.Validation.Count:N0} validation, {sample.Test.Count:N0} test) and {FashionMnistImages.ManifestName} to {Path.GetFullPath(target)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ImageFileFormat ParseFormat(string name) => name.Trim().ToLowerInvariant() switch
    {
        "png" => ImageFileFormat.Png,
        "jpeg" or "jpg" => ImageFileFormat.Jpeg,
        "webp" => ImageFileFormat.Webp,
        _ => throw new UsageException($"--format: unknown format '{name}'. Valid formats: png, jpeg, webp."),
    };
}
