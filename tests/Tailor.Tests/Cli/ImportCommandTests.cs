using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>
/// `tailor import --onnx FILE --out model.safetensors` writes the model OnnxImport reads; a file it cannot import
/// is one line naming the node, operator and attribute, exit code 1, and nothing written.
/// </summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("model.safetensors");

    [Fact]
    public void Import_writes_a_model_file_that_predicts_as_the_imported_model()
    {
        string onnx = OnnxImportTests.Fixture("peer_cnn.onnx");

        var result = CliProcess.Run(_temp.Path, "import", "--onnx", onnx, "--out", Out);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("Total params: 93,322", result.Stdout);
        Assert.Contains($"Wrote {Out} (input (None, 28, 28, 1)).", result.Stdout);
        var x = OnnxImportTests.TestImages(20);
        Assert.Equal(ModelFileTests.Bits(OnnxImport.Load(onnx).Predict(x)), ModelFileTests.Bits(Sequential.Load(Out).Predict(x)));
    }

    [Fact]
    public void Import_writes_a_branching_graph_as_a_functional_model_file()
    {
        string onnx = OnnxImportTests.Fixture("resnet.onnx");

        var result = CliProcess.Run(_temp.Path, "import", "--onnx", onnx, "--out", Out);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("Total params: 77,418", result.Stdout);
        Assert.Contains("Connected to", result.Stdout);
        var x = OnnxImportTests.TestImages(20);
        var loaded = Model.Load(Out);
        Assert.IsNotType<Sequential>(loaded);
        Assert.Equal(ModelFileTests.Bits(OnnxImport.Load(onnx).Predict(x)), ModelFileTests.Bits(loaded.Predict(x)));
    }

    [Theory]
    [InlineData("conv-group")]
    [InlineData("add-shapes")]
    [InlineData("truncated")]
    public void A_file_that_does_not_import_is_one_line_and_nothing_is_written(string name)
    {
        string onnx = _temp.File(name + ".onnx");
        File.WriteAllBytes(onnx, OnnxImportErrorTests.Cases[name].File());
        var inputs = PathSnapshot.Take(_temp.Path);

        var result = CliProcess.Run(_temp.Path, "import", "--onnx", onnx, "--out", Out);

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"tailor: error: {onnx}: ", line);
        foreach (string fragment in OnnxImportErrorTests.Cases[name].Expected) Assert.Contains(fragment, line);
        Assert.Equal("", result.Stdout);
        inputs.AssertUnchanged();
    }

    [Fact]
    public void The_onnx_file_is_an_input_the_output_may_not_replace()
    {
        string onnx = _temp.File("m.onnx");
        File.Copy(OnnxImportTests.Fixture("dense.onnx"), onnx);
        var inputs = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(CliProcess.Run(_temp.Path, "import", "--onnx", onnx, "--out", onnx), "--out", onnx, "the ONNX model given as --onnx");

        inputs.AssertUnchanged();
    }

    [Fact]
    public void An_onnx_file_that_is_a_fifo_is_refused_before_it_is_opened()
    {
        string fifo = SpecialFiles.Fifo(_temp.File("m.onnx"));

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "import", "--onnx", fifo, "--out", Out), fifo, "is a FIFO (named pipe), not a regular file; an ONNX model must be a regular file.");

        Assert.False(File.Exists(Out));
    }
}
