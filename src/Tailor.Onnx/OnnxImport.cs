using Onnx;
using Tailor.Common;
using Tailor.Models;
using Tailor.Serialization.OnnxImporting;

namespace Tailor.Serialization;

/// <summary>
/// Reads an ONNX model (opsets 9 to 21) as Tailor's layers holding its weights: a <see cref="Sequential"/> when the
/// graph is a chain, a functional <see cref="Model"/> when it branches and merges (a ResNet's residual Add, an
/// Inception block's Concat). Operators: Conv, Gemm, MatMul (+ Add), pooling, BatchNormalization, activations,
/// Flatten, Reshape, Transpose, Dropout, and Add, Sub, Mul, Sum, Max, Mean, Concat of computed tensors. A
/// channels-first image model, as PyTorch exports, takes Tailor's channels-last images (N, H, W, C): the kernels
/// are converted, the weights of a Dense after a Flatten permuted and a Concat over the channels joins Tailor's
/// last axis, so that predictions agree with the ONNX model's. An activation after a Conv or Dense becomes its
/// activation, as in Keras. The model is built and not compiled: compile it to fine-tune or evaluate.
/// </summary>
/// <remarks>
/// Anything Tailor cannot reproduce exactly is refused with an <see cref="OnnxImportException"/> whose one-line
/// message names the file, the node, its operator and the attribute.
/// </remarks>
public static class OnnxImport
{
    /// <summary>The model in the ONNX file at <paramref name="path"/>, named as the file (without extension): a Sequential for a chain.</summary>
    public static Model Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileNameWithoutExtension(path);
        return Build(OnnxGraph.Read(path), name.Length > 0 ? name : "model");
    }

    /// <summary>The model of <paramref name="model"/>; <paramref name="name"/> names it, and its errors.</summary>
    public static Model Read(ModelProto model, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Build(OnnxGraph.From(model, name), name);
    }

    private static Model Build(OnnxGraph graph, string name)
    {
        var imported = LayerMapping.Convert(graph, NodeOrder.Of(graph));
        var model = imported.IsChain ? Chain(graph, imported, name) : Functional(graph, imported, name);
        foreach (var layer in imported.Layers)
        {
            var parameters = layer.Layer.Parameters;
            if (parameters.Count != layer.Weights.Length)
                throw new InvalidOperationException($"{layer.Layer.Describe()} has {parameters.Count} parameters, the import gave {layer.Weights.Length}.");
            for (int k = 0; k < parameters.Count; k++)
            {
                if (parameters[k].Value.Length != layer.Weights[k].Length)
                    throw new InvalidOperationException($"{layer.Layer.Describe()}'s {parameters[k].Name} holds {parameters[k].Value.Length} values, the import gave {layer.Weights[k].Length}.");
                layer.Weights[k].CopyTo(parameters[k].Value.Span);
            }
        }
        return model;
    }

    private static Sequential Chain(OnnxGraph graph, ImportedGraph imported, string name)
    {
        var model = new Sequential(name);
        foreach (var layer in imported.Layers) model.Add(layer.Layer);
        model.ActivationBudget = ModelFile.MaxActivationValues;
        try { model.Build(imported.Input.Tailor); }
        catch (ArgumentException e) { throw graph.Error(null, $"the layers do not build: {ErrorText.Of(e)}", innerException: e); }
        finally { model.ActivationBudget = long.MaxValue; }
        return model;
    }

    /// <summary>The layers called on each other's outputs as the graph connects them; the input keeps the graph's input's name.</summary>
    private static Model Functional(OnnxGraph graph, ImportedGraph imported, string name)
    {
        var input = new Input(imported.Input.Tailor, graph.InputName);
        var outputs = new SymbolicTensor[imported.Layers.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            var layer = imported.Layers[i];
            var arguments = layer.Inputs.Select(from => from < 0 ? input : outputs[from]).ToArray();
            try { outputs[i] = layer.Layer.Call(arguments); }
            catch (ArgumentException e) { throw graph.Error(layer.Node, $"Tailor's {layer.Layer.TypeName} cannot take its inputs: {ErrorText.Of(e)}", innerException: e); }
        }
        try { return new Model([input], [outputs[imported.Output]], name, seed: 0, ModelFile.MaxActivationValues); }
        catch (ArgumentException e) { throw graph.Error(null, $"the layers do not build: {ErrorText.Of(e)}", innerException: e); }
    }
}

/// <summary><c>Sequential.LoadOnnx(path)</c>: <see cref="OnnxImport.Load"/> as a member of <see cref="Sequential"/> where this namespace is imported.</summary>
public static class SequentialOnnx
{
    extension(Sequential)
    {
        /// <summary>The chain of layers in an ONNX file (see <see cref="OnnxImport"/>); a graph that branches, or a file Tailor cannot import, is an <see cref="OnnxImportException"/>.</summary>
        public static Sequential LoadOnnx(string path) => OnnxImport.Load(path) as Sequential
            ?? throw new OnnxImportException(path, "the graph branches and merges, so it is a functional model, not a Sequential; load it with Model.LoadOnnx or OnnxImport.Load.");
    }
}

/// <summary><c>Model.LoadOnnx(path)</c>: <see cref="OnnxImport.Load"/> as a member of <see cref="Model"/> where this namespace is imported.</summary>
public static class ModelOnnx
{
    extension(Model)
    {
        /// <summary>The model in an ONNX file (see <see cref="OnnxImport"/>): a Sequential for a chain, else a functional model.</summary>
        public static Model LoadOnnx(string path) => OnnxImport.Load(path);
    }
}
