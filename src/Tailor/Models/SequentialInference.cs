using Tailor.Graphs;

namespace Tailor.Models;

/// <summary><c>model.DescribeInference()</c>: the model's inference computation as ONNX-named operators, which an exporter translates.</summary>
public static class SequentialInference
{
    extension(Sequential model)
    {
        /// <summary>
        /// Each layer's inference nodes in turn (<see cref="Layers.Layer.DescribeInference"/>), from the input
        /// named as Keras names it ("conv2d_input") to the output named as the last layer, both channels-last with
        /// a dynamic batch. A layer that cannot be described is a NotSupportedException naming it. Thread-safe: it
        /// waits for a Fit or Predict running on the model.
        /// </summary>
        public InferenceGraph DescribeInference()
        {
            ArgumentNullException.ThrowIfNull(model);
            using var held = model.EnterLock();
            if (!model.IsBuilt) throw new InvalidOperationException($"Model '{model.Name}' is not built, so it has no weights to export.");
            var graph = new InferenceGraph(model.Name, InputName(model), model.InputShape);
            foreach (var layer in model.Layers)
            {
                graph.BeginLayer(layer.Name!, layer.InputShape.Length + 1);
                layer.DescribeInference(graph);
            }
            var last = model.Layers[^1];
            graph.Finish(last.Name!, last.OutputShape);
            return graph;
        }
    }

    /// <summary>Keras's name for a model's input: the first layer's name and "_input".</summary>
    internal static string InputName(Sequential model) => $"{model.Layers[0].Name}_input";
}
