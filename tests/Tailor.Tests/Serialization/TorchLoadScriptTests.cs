using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tailor.Data;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Xunit.Abstractions;

namespace Tailor.Tests.Serialization;

/// <summary>
/// scripts/torch_load_safetensors.py rebuilds a model from Tailor's file alone (a functional model's Functional config,
/// or a Sequential's layers, and the weights) and predicts within 1e-5 of Tailor. Needs PyTorch (Debian's python3-torch): skipped, saying so, without it.
/// </summary>
public sealed class TorchLoadScriptTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} is not installed.";
        var (exitCode, text) = Run(Python, "-c", "import torch, numpy");
        return exitCode == 0 ? null : $"{Python} cannot import torch and numpy (Debian packages python3-torch, python3-numpy): {text.Trim()}";
    });

    [SkippableTheory]
    [InlineData("residual")]
    [InlineData("resnet")]
    [InlineData("cnn")]
    public void The_script_rebuilds_a_trained_model_within_1e5_of_tailor(string which)
    {
        Skip.If(Missing.Value is not null, Missing.Value);
        // The residual model has every merge, a shared layer and BatchNormalization; the CNN is the notebook's Sequential.
        // The ResNet is `tailor train --model resnet`'s pre-activation network.
        Model model = which switch
        {
            "residual" => OnnxExportTests.ResidualModel(batchNorm: true, inputShape: [28, 28, 1]),
            "resnet" => Tailor.Models.ResidualNetwork.Create([28, 28, 1], 10, seed: 1),
            _ => Tailor.Models.NotebookModels.Create(Tailor.Models.NotebookModel.Cnn, seed: 1),
        };
        int classes = model.OutputLength;
        var train = OnnxImportTests.TestImages(256);
        var labels = Categorical.ToCategorical(Enumerable.Range(0, 256).Select(i => i % classes).ToArray(), classes);
        model.Compile("adam", "categorical_crossentropy");
        model.Fit(train, labels, epochs: 1, batchSize: 32, verbose: 0, seed: 1);
        using var folder = new TempDirectory();
        model.Save(folder.File("model.safetensors"));
        var probabilities = model.Predict(OnnxImportTests.TestImages(50)).Span.ToArray();
        var csv = new StringBuilder("sample_index,file_index,label").AppendJoin("", Enumerable.Range(0, classes).Select(c => $",p{c}")).Append('\n');
        for (int i = 0; i < 50; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{i},{i},0,")
                .AppendJoin(',', probabilities.Skip(classes * i).Take(classes).Select(p => p.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        File.WriteAllText(folder.File("probabilities.csv"), csv.ToString());
        string script = Path.Combine(VendoredData.Directory, "..", "..", "scripts", "torch_load_safetensors.py");

        var (exitCode, text) = Run(Python, script, folder.File("model.safetensors"), folder.File("probabilities.csv"), "--data", VendoredData.Directory);

        output.WriteLine(text);
        Assert.True(exitCode == 0, text);
        Assert.Contains("50 test images, max abs difference", text);
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + error.Result);
    }
}
