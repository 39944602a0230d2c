using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>A damaged functional architecture is refused in one line naming the file and what is wrong.</summary>
public sealed class FunctionalModelFileErrorTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>x (4) -> Dense 'stem' (4) -> Add with x -> Dense 'head' (2), its architecture changed by <paramref name="change"/>.</summary>
    private string Write(Func<string, string> change)
    {
        var input = new Input([4], "x");
        var output = new Dense(2, name: "head").Call(new Add(name: "sum").Call(new Dense(4, Activation.Tanh, name: "stem").Call(input), input));
        var (tensors, metadata) = ModelFile.Describe(new Model(input, output, name: "m"), includeOptimizer: false);
        string changed = change(metadata[ModelFile.ArchitectureKey]);
        Assert.NotEqual(metadata[ModelFile.ArchitectureKey], changed);
        metadata[ModelFile.ArchitectureKey] = changed;
        string path = _folder.File("model.safetensors");
        using (var stream = File.Create(path)) SafeTensors.Write(stream, tensors, metadata);
        return path;
    }

    private static void AssertRefused(string path, string expected)
    {
        var e = Assert.Throws<ModelFormatException>(() => Model.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_file_as_written_loads()
    {
        var model = Model.Load(Write(json => json.Replace("\"name\":\"m\"", "\"name\":\"n\"")));
        Assert.Equal(["stem", "sum", "head"], model.Layers.Select(l => l.Name));
    }

    [Fact]
    public void A_call_that_reads_a_tensor_no_layer_gives_is_refused()
    {
        AssertRefused(Write(json => json.Replace("[[[\"stem\",0,0,{}],", "[[[\"nowhere\",0,0,{}],")),
            "call 0 of layer 'sum' reads a tensor that no layer gives");
    }

    [Fact]
    public void An_output_no_layer_makes_is_refused()
    {
        AssertRefused(Write(json => json.Replace("\"output_layers\":[[\"head\",0,0]]", "\"output_layers\":[[\"head\",1,0]]")),
            "'output_layers' names call 1 of 'head', which the layers do not make");
    }

    [Fact]
    public void An_add_of_two_shapes_is_refused_as_an_architecture_that_does_not_build()
    {
        AssertRefused(Write(json => json.Replace("\"units\":4", "\"units\":5")),
            "the architecture does not build: Add 'sum' cannot be called on its inputs (input 0 is the output of Dense 'stem' (None, 5); input 1 is Input 'x' (None, 4))");
    }

    [Fact]
    public void An_input_without_its_shape_is_refused()
    {
        AssertRefused(Write(json => json.Replace("\"batch_input_shape\":[null,4]", "\"batch_input_shape\":[4]")),
            "expected input 'x' to have a 'batch_input_shape' of null then 1 to 8 positive integers");
    }
}
