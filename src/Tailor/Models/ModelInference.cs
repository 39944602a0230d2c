using Tailor.Graphs;
using Tailor.Layers;

namespace Tailor.Models;

/// <summary><c>model.DescribeInference()</c>: the model's inference computation as ONNX-named operators, which an exporter translates.</summary>
public static class ModelInference
{
    extension(Model model)
    {
        /// <summary>
        /// Each layer call's inference nodes in running order (<see cref="Layer.DescribeInference"/>), from the inputs
        /// (a Sequential's named as Keras names it, "conv2d_input"; a functional model's as its <see cref="Input"/>s) to
        /// the outputs, each named as the layer that gives it; all channels-last with a dynamic batch. A merge reads
        /// the tensors of the calls it is connected to; a shared layer's later calls are described again under
        /// "layer#1", "layer#2"..., with their own copy of its weights. A layer that cannot be described is a
        /// NotSupportedException naming it. Thread-safe: it waits for a Fit or Predict running on the model.
        /// </summary>
        public InferenceGraph DescribeInference()
        {
            ArgumentNullException.ThrowIfNull(model);
            using var held = model.EnterLock();
            if (!model.IsBuilt) throw new InvalidOperationException($"Model '{model.Name}' is not built, so it has no weights to export.");
            var inputNames = InputNames(model);
            var graph = new InferenceGraph(model.Name, [.. inputNames.Select((name, i) => (name, model.InputShapes[i]))]);
            // Slots as the model numbers them: the inputs, then one per call.
            var values = new GraphValue[inputNames.Count + model.Nodes.Count];
            var callNames = new string[values.Length];
            for (int i = 0; i < inputNames.Count; i++) values[i] = new GraphValue(inputNames[i], TensorLayout.ChannelsLast, model.InputShapes[i].Length + 1);
            var calls = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
            foreach (var node in model.Nodes)
            {
                int call = calls[node.Primary] = calls.GetValueOrDefault(node.Primary, -1) + 1;
                string name = call == 0 ? node.Primary.Name! : $"{node.Primary.Name}#{call}";
                graph.BeginLayer(name, [.. node.Inputs.Select(slot => values[slot])]);
                node.Layer.DescribeInference(graph);
                values[node.Output] = graph.Output with { Rank = node.Layer.OutputShape.Length + 1 };
                callNames[node.Output] = name;
            }
            var outputs = model.OutputSlots;
            for (int i = 0; i < outputs.Count; i++)
            {
                if (outputs.Take(i).Contains(outputs[i]))
                    throw new NotSupportedException($"Model '{model.Name}' gives the output of {callNames[outputs[i]]} twice; an ONNX graph names each output once.");
                graph.AddOutput(callNames[outputs[i]], values[outputs[i]], model.OutputShapes[i]);
            }
            return graph;
        }
    }

    /// <summary>
    /// The names of a model's inputs: a Sequential's as Keras names it, the first layer's name and "_input"; a functional
    /// model's as its inputs are named.
    /// </summary>
    internal static IReadOnlyList<string> InputNames(Model model) =>
        model.Graph is { } functional ? [.. functional.Inputs.Select(i => i.Name!)] : [$"{model.Layers[0].Name}_input"];
}
