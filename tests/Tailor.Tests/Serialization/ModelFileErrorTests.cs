using System.Text;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>A damaged or foreign file is refused with a <see cref="ModelFormatException"/> naming the file and the problem.</summary>
public sealed class ModelFileErrorTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Sequential Model()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 2);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        return model;
    }

    /// <summary>Writes the model's file with its tensors and metadata changed by <paramref name="change"/>.</summary>
    private string Write(Action<List<NamedTensor>, Dictionary<string, string>> change)
    {
        var (tensors, metadata) = ModelFile.Describe(Model(), includeOptimizer: true);
        change(tensors, metadata);
        string path = _folder.File("model.safetensors");
        using (var stream = File.Create(path)) SafeTensors.Write(stream, tensors, metadata);
        return path;
    }

    private static void AssertRefused(string path, string expected)
    {
        var e = Assert.Throws<ModelFormatException>(() => Sequential.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void A_file_of_another_kind_is_refused()
    {
        string path = _folder.File("notes.safetensors");
        File.WriteAllText(path, "just some text that is long enough");
        AssertRefused(path, "not a safetensors file");
    }

    [Fact]
    public void Safetensors_from_elsewhere_without_the_format_is_refused()
    {
        AssertRefused(Write((_, m) => m.Remove(ModelFile.FormatKey)), "not a Tailor model file");
        AssertRefused(Write((_, m) => m[ModelFile.FormatKey] = "keras"), "expected format 'tailor.sequential', found 'keras'");
    }

    [Fact]
    public void A_newer_version_is_refused()
    {
        AssertRefused(Write((_, m) => m[ModelFile.VersionKey] = "2"), "format version 2 is not supported; this Tailor reads version 1");
    }

    [Fact]
    public void Truncated_weights_are_refused()
    {
        string path = Write((_, _) => { });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        AssertRefused(path, "it is truncated");
    }

    [Fact]
    public void A_tensor_whose_shape_disagrees_with_the_architecture_is_refused()
    {
        string path = Write((t, _) =>
        {
            int i = t.FindIndex(x => x.Name == "dense/kernel");
            t[i] = t[i] with { Shape = [64, 576] };
        });
        AssertRefused(path, "weight tensor 'dense/kernel' has shape (64, 576), the architecture expects (576, 64)");
    }

    [Fact]
    public void A_missing_or_extra_tensor_is_refused()
    {
        AssertRefused(Write((t, _) => t.RemoveAll(x => x.Name == "conv2d_1/bias")), "weight tensor 'conv2d_1/bias' of shape (64,) is missing");
        AssertRefused(Write((t, _) => t.Add(new NamedTensor("extra/kernel", [2], [1, 2]))), "tensor 'extra/kernel' belongs to no layer");
    }

    [Fact]
    public void An_unknown_layer_type_is_refused_with_the_known_ones()
    {
        string path = Write((_, m) => m[ModelFile.ArchitectureKey] = m[ModelFile.ArchitectureKey].Replace("\"Flatten\"", "\"LSTM\""));
        // Layers that other tests register (LayerRegistryTests) are known as well, so the list is the registry's.
        AssertRefused(path, $"LSTM 'flatten': unknown layer type. Known types: {string.Join(", ", LayerRegistry.ClassNames)}.");
        Assert.Subset(LayerRegistry.ClassNames.ToHashSet(), new HashSet<string> { "Activation", "AveragePooling1D", "AveragePooling2D", "BatchNormalization",
            "Conv1D", "Conv2D", "Dense", "Dropout", "Flatten", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
            "MaxPooling1D", "MaxPooling2D", "Reshape" });
    }

    [Fact]
    public void Malformed_json_is_refused()
    {
        AssertRefused(Write((_, m) => m[ModelFile.ArchitectureKey] = m[ModelFile.ArchitectureKey][..^3]), "'model_config' is not valid JSON");
        AssertRefused(Write((_, m) => m[ModelFile.CompileKey] = "{\"optimizer\": {\"name\": \"adam\", \"learning_rate\": \"fast\"}, \"loss\": \"x\"}"),
            "expected 'learning_rate' to be a finite number, found \"fast\"");
        AssertRefused(Write((_, m) => m[ModelFile.ArchitectureKey] = m[ModelFile.ArchitectureKey].Replace("\"units\":64", "\"units\":-64")),
            "Dense 'dense': expected 'units' to be 1 to 65536, found -64");

        string path = _folder.File("header.safetensors");
        var header = Encoding.UTF8.GetBytes("{\"a\": {\"dtype\": \"F32\", ");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        AssertRefused(path, "the safetensors header is not valid JSON");
    }

    [Fact]
    public void Optimizer_state_that_does_not_fit_is_refused()
    {
        var model = Model();
        model.TrainOnBatch(new Tailor.Tensors.Tensor(2, 28, 28, 1), new Tailor.Tensors.Tensor(2, 10));
        var (tensors, metadata) = ModelFile.Describe(model, includeOptimizer: true);
        tensors.RemoveAll(t => t.Name == "optimizer/dense/bias/1");
        string path = _folder.File("opt.safetensors");
        using (var stream = File.Create(path)) SafeTensors.Write(stream, tensors, metadata);
        AssertRefused(path, "the optimizer state has 2 slots for one weight and 1 for 'dense/bias'");
    }

    [Fact]
    public void A_missing_file_is_an_io_error_naming_it()
    {
        string path = _folder.File("absent.safetensors");
        var e = Assert.ThrowsAny<IOException>(() => Sequential.Load(path));
        Assert.Contains(path, e.Message);
    }
}
