using Onnx;
using Tailor.Common;
using Tailor.Models;
using Tailor.Serialization.OnnxImporting;

namespace Tailor.Serialization;

/// <summary>
/// Reads an ONNX model (opsets 9 to 21) as a <see cref="Sequential"/> of Tailor's layers holding its weights, for
/// models that are a chain of layers: Conv, Gemm, MatMul (+ Add), pooling, BatchNormalization, activations,
/// Flatten, Reshape, Transpose, Dropout. A channels-first image model, as PyTorch exports, takes Tailor's
/// channels-last images (N, H, W, C): the kernels are converted and the weights of a Dense after a Flatten
/// permuted, so that predictions agree with the ONNX model's. An activation after a Conv or Dense becomes its
/// activation, as in Keras. The model is built and not compiled: compile it to fine-tune or evaluate.
/// </summary>
/// <remarks>
/// A graph that branches (residual blocks) waits for functional models. Anything Tailor cannot reproduce exactly
/// is refused with an <see cref="OnnxImportException"/> whose one-line message names the file, the node, its
/// operator and the attribute.
/// </remarks>
public static class OnnxImport
{
    /// <summary>The model in the ONNX file at <paramref name="path"/>, named as the file (without extension).</summary>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileNameWithoutExtension(path);
        return Build(OnnxGraph.Read(path), name.Length > 0 ? name : "sequential");
    }

    /// <summary>The model of <paramref name="model"/>; <paramref name="name"/> names it, and its errors.</summary>
    public static Sequential Read(ModelProto model, string name = "sequential")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Build(OnnxGraph.From(model, name), name);
    }

    private static Sequential Build(OnnxGraph graph, string name)
    {
        var nodes = ChainWalk.Nodes(graph);
        var (input, layers) = LayerMapping.Convert(graph, nodes);
        var model = new Sequential(name);
        foreach (var imported in layers) model.Add(imported.Layer);
        model.ActivationBudget = ModelFile.MaxActivationValues;
        try { model.Build(input.Tailor); }
        catch (ArgumentException e) { throw graph.Error(null, $"the layers do not build: {ErrorText.Of(e)}", innerException: e); }
        finally { model.ActivationBudget = long.MaxValue; }
        foreach (var imported in layers)
        {
            var parameters = imported.Layer.Parameters;
            if (parameters.Count != imported.Weights.Length)
                throw new InvalidOperationException($"{imported.Layer.Describe()} has {parameters.Count} parameters, the import gave {imported.Weights.Length}.");
            for (int k = 0; k < parameters.Count; k++)
            {
                if (parameters[k].Value.Length != imported.Weights[k].Length)
                    throw new InvalidOperationException($"{imported.Layer.Describe()}'s {parameters[k].Name} holds {parameters[k].Value.Length} values, the import gave {imported.Weights[k].Length}.");
                imported.Weights[k].CopyTo(parameters[k].Value.Span);
            }
        }
        return model;
    }
}

/// <summary><c>Sequential.LoadOnnx(path)</c>: <see cref="OnnxImport.Load"/> as a member of <see cref="Sequential"/> where this namespace is imported.</summary>
public static class SequentialOnnx
{
    extension(Sequential)
    {
        /// <summary>The model in an ONNX file (see <see cref="OnnxImport"/>); a file Tailor cannot import is an <see cref="OnnxImportException"/>.</summary>
        public static Sequential LoadOnnx(string path) => OnnxImport.Load(path);
    }
}
