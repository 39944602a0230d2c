using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Models;

namespace Tailor.Tests.Models.Functional;

/// <summary>What a functional graph refuses when it is built, each in one line that names what is wrong.</summary>
public sealed class GraphErrorTests
{
    [Fact]
    public void Add_of_two_shapes_names_both_inputs_and_their_shapes()
    {
        var input = new Input([28, 28, 1], "image");
        var wide = new Conv2D(32, (3, 3), padding: Padding.Same, name: "wide").Call(input);
        var narrow = new Conv2D(16, (3, 3), padding: Padding.Same, name: "narrow").Call(input);

        var error = Assert.Throws<ArgumentException>(() => new Add(name: "residual").Call(wide, narrow));

        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("Add 'residual' cannot be called on its inputs (input 0 is the output of Conv2D 'wide' (None, 28, 28, 32); " +
            "input 1 is the output of Conv2D 'narrow' (None, 28, 28, 16))", error.Message);
    }

    [Fact]
    public void Concatenate_of_shapes_that_differ_off_its_axis_names_both_inputs()
    {
        var a = new Input([8, 8, 3], "a");
        var b = new Input([4, 4, 3], "b");

        var error = Assert.Throws<ArgumentException>(() => new Concatenate().Call(a, b));

        Assert.Contains("input 0 is Input 'a' (None, 8, 8, 3); input 1 is Input 'b' (None, 4, 4, 3)", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_output_the_inputs_do_not_reach_is_a_disconnected_graph()
    {
        var used = new Input([4], "used");
        var other = new Input([4], "other");
        var output = new Add().Call(new Dense(4).Call(used), new Dense(4).Call(other));

        var error = Assert.Throws<ArgumentException>(() => new Model(used, output));

        Assert.Equal("Graph disconnected: model 'model' needs Input 'other' (None, 4) to compute its outputs, but it is not one of the model's inputs (Input 'used' (None, 4)). (Parameter 'outputs')", error.Message);
    }

    [Fact]
    public void An_input_no_output_uses_is_refused()
    {
        var used = new Input([4], "used");
        var unused = new Input([3], "unused");

        var error = Assert.Throws<ArgumentException>(() => new Model([used, unused], [new Dense(2).Call(used)]));

        Assert.StartsWith("Model 'model' input Input 'unused' (None, 3) is never used: no output depends on it.", error.Message);
    }

    [Fact]
    public void A_cycle_is_refused_naming_the_calls_on_it()
    {
        // Symbolic tensors cannot form a cycle, so the ordering itself is checked on a graph given as data.
        var inputs = new Dictionary<string, string[]> { ["out"] = ["b"], ["b"] = ["c"], ["c"] = ["d", "b"], ["d"] = [] };

        var error = Assert.Throws<ArgumentException>(() => GraphOrder.Sort(["out"], n => inputs[n], n => n));

        Assert.Equal("The graph has a cycle: b -> c -> b.", error.Message);
        Assert.Equal(["d", "c", "b", "out"], GraphOrder.Sort(["out"], n => inputs[n] is ["d", "b"] ? ["d"] : inputs[n], n => n));
    }

    [Fact]
    public void A_layer_of_another_model_and_an_input_as_output_are_refused()
    {
        var input = new Input([4]);
        var dense = new Dense(2);
        _ = new Model(input, dense.Call(input));

        Assert.Contains("already belongs to a built model", Assert.Throws<ArgumentException>(() => dense.Call(new Input([4]))).Message);
        Assert.Contains("is an input itself", Assert.Throws<ArgumentException>(() => new Model(input, input)).Message);
        Assert.Contains("merges several inputs", Assert.Throws<ArgumentException>(() => new Sequential([new Add()])).Message);
    }
}
