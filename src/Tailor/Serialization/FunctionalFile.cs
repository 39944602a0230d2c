using System.Text.Json;
using Tailor.Layers;
using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// A functional model's architecture in its file, as Keras 2 writes one: {"class_name": "Functional", "config":
/// {"name", "layers": [{"class_name", "config", "name", "inbound_nodes"}], "input_layers", "output_layers"}}, where
/// each layer's inbound_nodes lists its calls in order, each call the [layer, call, tensor, {}] it reads.
/// The inputs are "InputLayer" entries with their batch_input_shape.
/// </summary>
internal static class FunctionalFile
{
    private const string ClassName = "Functional";

    public static string ArchitectureJson(Model model)
    {
        var graph = model.Graph ?? throw new InvalidOperationException($"Model '{model.Name}' is not a functional model.");
        if (model.Layers.OfType<ModelLayer>().FirstOrDefault() is { } nested)
            throw new NotSupportedException($"Model '{model.Name}' holds model '{nested.Name}' as a layer; a file cannot hold a nested model yet. Save the inner model on its own.");
        var layers = new List<Dictionary<string, object?>>();
        foreach (var input in graph.Inputs)
            layers.Add(new()
            {
                ["class_name"] = "InputLayer",
                ["config"] = new Dictionary<string, object?> { ["batch_input_shape"] = new int?[] { null }.Concat(input.Shape.ToArray().Select(d => (int?)d)).ToArray(), ["name"] = input.Name },
                ["name"] = input.Name,
                ["inbound_nodes"] = Array.Empty<object>(),
            });
        foreach (var layer in model.Layers)
            layers.Add(new()
            {
                ["class_name"] = layer.TypeName,
                ["config"] = layer.GetConfig(),
                ["name"] = layer.Name,
                ["inbound_nodes"] = graph.Calls.Where(c => ReferenceEquals(c.Layer, layer))
                    .Select(c => c.Inputs.Select(i => Reference(graph, i)).ToArray()).ToArray(),
            });
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["class_name"] = ClassName,
            ["config"] = new Dictionary<string, object?>
            {
                ["name"] = model.Name,
                ["seed"] = model.Seed,
                ["layers"] = layers,
                ["input_layers"] = graph.Inputs.Select(i => new object?[] { i.Name, 0, 0 }).ToArray(),
                ["output_layers"] = graph.Outputs.Select(o => Reference(graph, o)[..3]).ToArray(),
            },
        });
    }

    /// <summary>Keras's [layer name, call index, tensor index, kwargs] for the value a call reads.</summary>
    private static object?[] Reference(FunctionalGraph graph, SymbolicTensor value)
    {
        string connection = graph.Connection(value);
        int bracket = connection.IndexOf('[');
        int call = int.Parse(connection[(bracket + 1)..connection.IndexOf(']')], System.Globalization.CultureInfo.InvariantCulture);
        return [connection[..bracket], call, 0, new Dictionary<string, object?>()];
    }

    /// <summary>Whether an architecture is a functional model's (a JSON that does not parse is left to the Sequential reader's message).</summary>
    public static bool IsFunctional(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("class_name", out var c)
                && c.ValueKind == JsonValueKind.String && c.GetString() == ClassName;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>
    /// The built model an architecture describes: its inputs, its layers (each allowed <paramref name="slack"/> more weight
    /// values than <paramref name="held"/> says the file holds for it), and its calls replayed in an order where each call's
    /// inputs exist.
    /// </summary>
    public static Model Parse(string json, string path, IReadOnlyDictionary<string, long> held, long slack, long activationBudget, int maxLayers)
    {
        using var document = ModelFile.ParseJson(json, path, ModelFile.ArchitectureKey);
        var root = document.RootElement;
        if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, "expected the architecture to be {\"class_name\": \"Functional\", \"config\": {...}}.");
        var reader = new LayerConfig(ClassName, config, path);
        if (!config.TryGetProperty("layers", out var entries) || entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() == 0)
            throw new ModelFormatException(path, "expected the architecture to have a non-empty 'layers' array.");
        if (entries.GetArrayLength() > maxLayers)
            throw new ModelFormatException(path, $"the architecture has {entries.GetArrayLength():N0} layers; a model file may have at most {maxLayers:N0}.");

        var tensors = new Dictionary<(string Layer, int Call), SymbolicTensor>();
        var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        var pending = new List<(Layer Layer, List<JsonElement> Calls)>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("class_name", out var className) || className.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("config", out var layerConfig) || !entry.TryGetProperty("inbound_nodes", out var inbound) || inbound.ValueKind != JsonValueKind.Array)
                throw new ModelFormatException(path, "expected each layer to be an object with a 'class_name' string, a 'config' and an 'inbound_nodes' array.");
            var layerReader = new LayerConfig(className.GetString()!, layerConfig, path);
            if (className.GetString() == "InputLayer")
            {
                string name = layerReader.String("name", null) ?? throw layerReader.Missing("name");
                int[] shape = BatchInputShape(layerConfig, path, name);
                var input = new Input(shape, name);
                if (!inputs.TryAdd(name, input)) throw new ModelFormatException(path, $"two inputs are named '{name}'.");
                tensors[(name, 0)] = input;
                continue;
            }
            var layer = LayerRegistry.Create(layerReader);
            if (layer.Name == null) throw layerReader.Missing("name");
            layer.ParameterBudget = slack + held.GetValueOrDefault(layer.Name);
            pending.Add((layer, [.. inbound.EnumerateArray()]));
        }

        // Keras's replay: call each layer's next call once every tensor it reads exists, until no call is left.
        var next = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        foreach (var (layer, _) in pending) next[layer] = 0;
        bool progress = true;
        while (progress)
        {
            progress = false;
            foreach (var (layer, calls) in pending)
                while (next[layer] < calls.Count && TryCall(layer, calls[next[layer]], next[layer], tensors, path))
                {
                    next[layer]++;
                    progress = true;
                }
        }
        foreach (var (layer, calls) in pending)
            if (next[layer] < calls.Count)
                throw new ModelFormatException(path, $"call {next[layer]} of layer '{layer.Name}' reads a tensor that no layer gives (or the calls form a cycle).");

        var inputOrder = References(config, "input_layers", path).Select(r => inputs.GetValueOrDefault(r.Layer)
            ?? throw new ModelFormatException(path, $"'input_layers' names '{r.Layer}', which is no InputLayer.")).ToList();
        var outputs = References(config, "output_layers", path).Select(r => tensors.GetValueOrDefault((r.Layer, r.Call))
            ?? throw new ModelFormatException(path, $"'output_layers' names call {r.Call} of '{r.Layer}', which the layers do not make.")).ToList();
        try { return new Model(inputOrder, outputs, reader.String("name", "model")!, reader.ULong("seed") ?? 0, activationBudget); }
        finally { foreach (var (layer, _) in pending) layer.ParameterBudget = long.MaxValue; }
    }

    private static bool TryCall(Layer layer, JsonElement call, int index, Dictionary<(string, int), SymbolicTensor> tensors, string path)
    {
        if (call.ValueKind != JsonValueKind.Array || call.GetArrayLength() == 0)
            throw new ModelFormatException(path, $"call {index} of layer '{layer.Name}' must be a non-empty array of [layer, call, tensor, {{}}] references.");
        var arguments = new List<SymbolicTensor>();
        foreach (var reference in call.EnumerateArray())
        {
            var (name, callIndex) = Reference(reference, path);
            if (!tensors.TryGetValue((name, callIndex), out var tensor)) return false;
            arguments.Add(tensor);
        }
        tensors[(layer.Name!, index)] = layer.Call([.. arguments]);
        return true;
    }

    private static (string Layer, int Call) Reference(JsonElement reference, string path)
    {
        if (reference.ValueKind != JsonValueKind.Array || reference.GetArrayLength() < 3 || reference[0].ValueKind != JsonValueKind.String
            || reference[1].ValueKind != JsonValueKind.Number || !reference[1].TryGetInt32(out int call) || call < 0
            || reference[2].ValueKind != JsonValueKind.Number || !reference[2].TryGetInt32(out int tensor) || tensor != 0)
            throw new ModelFormatException(path, "expected each tensor reference to be [layer name, call index, 0, ...].");
        return (reference[0].GetString()!, call);
    }

    private static List<(string Layer, int Call)> References(JsonElement config, string key, string path)
    {
        if (!config.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw new ModelFormatException(path, $"expected '{key}' to be a non-empty array of [layer name, call index, 0] references.");
        return [.. list.EnumerateArray().Select(r => Reference(r, path))];
    }

    private static int[] BatchInputShape(JsonElement config, string path, string name)
    {
        if (!config.TryGetProperty("batch_input_shape", out var shape) || shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() is < 2 or > 9
            || shape[0].ValueKind != JsonValueKind.Null)
            throw new ModelFormatException(path, $"expected input '{name}' to have a 'batch_input_shape' of null then 1 to 8 positive integers.");
        var dims = new int[shape.GetArrayLength() - 1];
        long total = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i + 1].ValueKind != JsonValueKind.Number || !shape[i + 1].TryGetInt32(out dims[i]) || dims[i] <= 0)
                throw new ModelFormatException(path, $"expected input '{name}' to have a 'batch_input_shape' of null then 1 to 8 positive integers.");
            total *= dims[i];
            if (total > ModelFile.MaxInputValues) throw new ModelFormatException(path, $"input '{name}' describes more than {ModelFile.MaxInputValues} values per sample.");
        }
        return dims;
    }
}
