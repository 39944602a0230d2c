using System.Globalization;
using System.Text.Json;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Losses;
using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// One .safetensors file is the whole model: the weights as tensors named "layer/weight"
/// (e.g. "conv2d/kernel", Keras layouts), the optimizer's slots as "optimizer/layer/weight/slot",
/// (trainable weights only: the others have none), and in the string metadata the format and version, the architecture as Keras-style JSON
/// ({"class_name": "Sequential", "config": {...}}) and the compile settings. Any safetensors reader
/// (PyTorch's, Hugging Face's) sees the weights; Tailor rebuilds the model from the metadata.
/// </summary>
public static class ModelFile
{
    public const string Format = "tailor.sequential";
    public const int Version = 1;

    public const string FormatKey = "format";
    public const string VersionKey = "format_version";
    public const string ArchitectureKey = "model_config";
    public const string CompileKey = "compile_config";
    public const string IterationsKey = "optimizer_iterations";
    private const string OptimizerPrefix = "optimizer/";

    private const long BuildSlack = 1 << 20;

    /// <summary>Largest per-sample input a model file may declare (values), far above any image model here.</summary>
    public const long MaxInputValues = 1 << 26;

    /// <summary>Most layers a model file may hold (the notebook's models have 3 to 10).</summary>
    public const int MaxLayers = 1_000;

    /// <summary>
    /// Most values the layers' outputs may hold for one sample, summed over the layers (256 MiB; the
    /// notebook's CNN has 37,530), so that predicting even one image cannot ask for more.
    /// </summary>
    public const long MaxActivationValues = 1 << 26;

    /// <summary>Writes the model atomically: readers see the old file or the complete new one.</summary>
    public static void Save(Model model, string path, bool includeOptimizer = true, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt) throw new InvalidOperationException($"Model '{model.Name}' is not built, so it has no weights to save. Build it (or call Fit) first.");
        var (tensors, metadata) = Describe(model, includeOptimizer);
        if (extraMetadata != null) foreach (var (k, v) in extraMetadata) metadata[k] = v;
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, tensors, metadata));
    }

    public static (List<NamedTensor> Tensors, Dictionary<string, string> Metadata) Describe(Model model, bool includeOptimizer)
    {
        var tensors = new List<NamedTensor>();
        foreach (var layer in model.Layers)
            foreach (var p in layer.Parameters)
                tensors.Add(new NamedTensor(TensorName(layer, p), p.Value.Shape.ToArray(), p.Value.Span.ToArray()));
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            [VersionKey] = Version.ToString(CultureInfo.InvariantCulture),
            [ArchitectureKey] = ArchitectureJson(model),
        };
        if (model.Optimizer != null && model.Loss != null)
        {
            var compile = new Dictionary<string, object?>
            {
                ["optimizer"] = model.Optimizer.GetConfig(), ["loss"] = model.Loss.Name, ["metrics"] = model.Metrics.Select(m => m.Name).ToArray(),
            };
            // Only when a setting differs from the default, so that other models' files stay as they were.
            if (model.Loss.GetOptions() is { Count: > 0 } options) compile["loss_options"] = options;
            metadata[CompileKey] = JsonSerializer.Serialize(compile);
            if (includeOptimizer) metadata[IterationsKey] = model.Optimizer.Iterations.ToString(CultureInfo.InvariantCulture);
            if (includeOptimizer && model.Optimizer.Slots.Count == model.Parameters.Count)
            {
                int index = 0;
                foreach (var layer in model.Layers)
                    foreach (var p in layer.Parameters)
                    {
                        var slots = model.Optimizer.Slots[index++];
                        // The optimizer skips non-trainable weights (moving statistics): their slots are empty.
                        if (!p.Trainable) continue;
                        for (int s = 0; s < slots.Length; s++)
                            tensors.Add(new NamedTensor($"{OptimizerPrefix}{TensorName(layer, p)}/{s}", p.Value.Shape.ToArray(), (float[])slots[s].Clone()));
                    }
            }
        }
        return (tensors, metadata);
    }

    public static string TensorName(Layer layer, Parameter parameter) => $"{layer.Name}/{parameter.Name}";

    public static string ArchitectureJson(Model model) => model is Sequential sequential ? ArchitectureJson(sequential) : FunctionalFile.ArchitectureJson(model);

    private static string ArchitectureJson(Sequential model) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["class_name"] = "Sequential",
        ["config"] = new Dictionary<string, object?>
        {
            ["name"] = model.Name,
            ["seed"] = model.Seed,
            ["input_shape"] = model.InputShape.ToArray(),
            ["layers"] = model.Layers.Select(l => new Dictionary<string, object?> { ["class_name"] = l.TypeName, ["config"] = l.GetConfig() }).ToList(),
        },
    });

    /// <summary>Reads a model file: a built model with its weights, compiled (with its optimizer's state) when the file says how.</summary>
    public static Sequential Load(string path) => Load(SafeTensors.Read(path), path);

    /// <summary>
    /// Reads a model file of either kind: a Sequential's, or a functional model's (class "Functional", its layers
    /// with the calls that connect them); otherwise as <see cref="Load(string)"/>.
    /// </summary>
    public static Model LoadModel(string path) => LoadModel(SafeTensors.Read(path), path);

    /// <summary><see cref="LoadModel(string)"/> from a file already read.</summary>
    public static Model LoadModel(SafeTensorsContent content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        string? architecture = CheckHeader(content.Metadata, path);
        if (!FunctionalFile.IsFunctional(architecture!, path)) return Load(content, path);
        var held = HeldPerLayer(content);
        Model model;
        try { model = FunctionalFile.Parse(architecture!, path, held, BuildSlack, MaxActivationValues, MaxLayers); }
        catch (ArgumentException e) { throw new ModelFormatException(path, $"the architecture does not build: {e.Message}", e); }
        LoadWeights(model, content, path);
        return model;
    }

    /// <summary>Rebuilds the model from a parsed file; <paramref name="path"/> names it in errors.</summary>
    public static Sequential Load(SafeTensorsContent content, string path)
    {
        string architecture = CheckHeader(content.Metadata, path);
        if (FunctionalFile.IsFunctional(architecture, path))
            throw new ModelFormatException(path, "it holds a functional model (class 'Functional'), not a Sequential one; read it with Model.Load (ModelFile.LoadModel).");
        var model = ParseArchitecture(architecture, path);
        var held = HeldPerLayer(content);
        foreach (var layer in model.Layers)
            layer.ParameterBudget = BuildSlack + held.GetValueOrDefault(layer.Name!);
        model.ActivationBudget = MaxActivationValues;
        try { model.Build(InputShape(architecture, path)); }
        catch (ArgumentException e) { throw new ModelFormatException(path, $"the architecture does not build: {e.Message}", e); }
        finally
        {
            foreach (var layer in model.Layers) layer.ParameterBudget = long.MaxValue;
            model.ActivationBudget = long.MaxValue;
        }
        LoadWeights(model, content, path);
        return model;
    }

    /// <summary>Checks the format and version; returns the architecture's JSON.</summary>
    private static string CheckHeader(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(FormatKey, out string? format) || format != Format)
            throw new ModelFormatException(path, format == null
                ? $"no '{FormatKey}' in the safetensors metadata: not a Tailor model file (expected format '{Format}')."
                : $"expected format '{Format}', found '{format}'.");
        if (!metadata.TryGetValue(VersionKey, out string? version) || version != Version.ToString(CultureInfo.InvariantCulture))
            throw new ModelFormatException(path, $"format version {version ?? "(none)"} is not supported; this Tailor reads version {Version}.");
        if (!metadata.TryGetValue(ArchitectureKey, out string? architecture))
            throw new ModelFormatException(path, $"no '{ArchitectureKey}' in the metadata: the architecture is missing.");
        return architecture;
    }

    /// <summary>
    /// What the file holds for each layer (summed once over the tensors, by the name before the last '/'), plus
    /// slack so that a small mismatch still reaches the clearer per-tensor message of <see cref="LoadWeights"/>.
    /// </summary>
    private static Dictionary<string, long> HeldPerLayer(SafeTensorsContent content)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var tensor in content.Tensors.Values)
        {
            int slash = tensor.Name.LastIndexOf('/');
            if (slash > 0) held[tensor.Name[..slash]] = held.GetValueOrDefault(tensor.Name[..slash]) + tensor.Data.Length;
        }
        return held;
    }

    /// <summary>Copies every weight of the built <paramref name="model"/> from the file, then its compile settings and optimizer state.</summary>
    private static void LoadWeights(Model model, SafeTensorsContent content, string path)
    {
        var metadata = content.Metadata;
        var stored = content.Tensors.Keys.Where(k => !k.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToHashSet();
        foreach (var layer in model.Layers)
            foreach (var p in layer.Parameters)
            {
                var tensor = Find(content, TensorName(layer, p), p, path, what: "weight");
                CheckFinite(tensor, path, "weight");
                tensor.Data.CopyTo(p.Value.Span);
                stored.Remove(tensor.Name);
            }
        if (stored.Count > 0)
            throw new ModelFormatException(path, $"tensor '{stored.First()}' belongs to no layer of the architecture.");

        if (metadata.TryGetValue(CompileKey, out string? compile)) Compile(model, compile, content, path);
    }

    /// <summary>A NaN or infinite weight makes every prediction meaningless: refused, naming the tensor and the first such value.</summary>
    private static void CheckFinite(NamedTensor tensor, string path, string what)
    {
        var data = tensor.Data.AsSpan();
        int i = System.Numerics.Tensors.TensorPrimitives.IndexOfMaxMagnitude(data);
        if (i < 0 || float.IsFinite(data[i])) return;
        for (i = 0; float.IsFinite(data[i]); i++) { }
        throw new ModelFormatException(path, string.Create(CultureInfo.InvariantCulture,
            $"{what} tensor '{tensor.Name}' holds {data[i]} at index {i}: a model with NaN or infinite weights predicts nothing meaningful (did its training diverge?)."));
    }

    private static NamedTensor Find(SafeTensorsContent content, string name, Parameter p, string path, string what)
    {
        if (!content.Tensors.TryGetValue(name, out var tensor))
            throw new ModelFormatException(path, $"{what} tensor '{name}' of shape {SafeTensors.FormatShape(p.Value.Shape.ToArray())} is missing.");
        if (!tensor.Shape.AsSpan().SequenceEqual(p.Value.Shape))
            throw new ModelFormatException(path, $"{what} tensor '{name}' has shape {SafeTensors.FormatShape(tensor.Shape)}, the architecture expects {SafeTensors.FormatShape(p.Value.Shape.ToArray())}.");
        return tensor;
    }

    private static Sequential ParseArchitecture(string json, string path)
    {
        using var document = ParseJson(json, path, ArchitectureKey);
        var config = SequentialConfig(document.RootElement, path);
        var reader = new LayerConfig("Sequential", config, path);
        var model = new Sequential(reader.String("name", "sequential")!, reader.ULong("seed") ?? 0);
        if (!config.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array || layers.GetArrayLength() == 0)
            throw new ModelFormatException(path, "expected the architecture to have a non-empty 'layers' array.");
        if (layers.GetArrayLength() > MaxLayers)
            throw new ModelFormatException(path, $"the architecture has {layers.GetArrayLength():N0} layers; a model file may have at most {MaxLayers:N0}.");
        foreach (var entry in layers.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("class_name", out var className) || className.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("config", out var layerConfig))
                throw new ModelFormatException(path, "expected each layer to be an object with a 'class_name' string and a 'config'.");
            var layer = LayerRegistry.Create(new LayerConfig(className.GetString()!, layerConfig, path));
            try { model.Add(layer); }
            catch (ArgumentException e) { throw new ModelFormatException(path, e.Message, e); }
        }
        return model;
    }

    private static JsonElement SequentialConfig(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("class_name", out var c) || c.ValueKind != JsonValueKind.String
            || c.GetString() != "Sequential" || !root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, "expected the architecture to be {\"class_name\": \"Sequential\", \"config\": {...}}.");
        return config;
    }

    private static int[] InputShape(string json, string path)
    {
        using var document = ParseJson(json, path, ArchitectureKey);
        var config = SequentialConfig(document.RootElement, path);
        if (!config.TryGetProperty("input_shape", out var shape) || shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() is 0 or > 8)
            throw new ModelFormatException(path, "expected 'input_shape' to be an array of 1 to 8 positive integers.");
        var dims = new int[shape.GetArrayLength()];
        long total = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i].ValueKind != JsonValueKind.Number || !shape[i].TryGetInt32(out dims[i]) || dims[i] <= 0)
                throw new ModelFormatException(path, "expected 'input_shape' to be an array of 1 to 8 positive integers.");
            total *= dims[i];
            if (total > MaxInputValues)
                throw new ModelFormatException(path, $"'input_shape' describes more than {MaxInputValues} values per sample.");
        }
        return dims;
    }

    private static void Compile(Model model, string json, SafeTensorsContent content, string path)
    {
        using var document = ParseJson(json, path, CompileKey);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("optimizer", out var optimizerConfig))
            throw new ModelFormatException(path, "expected the compile config to be an object with an 'optimizer'.");
        var reader = new LayerConfig("compile", root, path);
        var optimizer = OptimizerConfig.Create(optimizerConfig, path);
        Loss loss;
        try
        {
            string name = reader.String("loss", null) ?? throw reader.Error("the compile config has no 'loss'.");
            if (root.TryGetProperty("loss_options", out var lossOptions))
            {
                var options = new LayerConfig("loss_options", lossOptions, path);
                loss = Loss.Create(name, options.Bool("from_logits", false), options.Float("label_smoothing", 0));
            }
            else loss = Loss.Parse(name);
        }
        catch (ArgumentException e) { throw reader.Error(e.Message); }
        var metrics = new List<string>();
        if (root.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Array)
            foreach (var item in m.EnumerateArray())
                metrics.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw reader.Error("expected 'metrics' to be an array of strings."));
        try { model.Compile(optimizer, loss, metrics.ToArray()); }
        catch (ArgumentException e) { throw reader.Error(e.Message); }

        if (content.Metadata.TryGetValue(IterationsKey, out string? iterations))
            optimizer.Iterations = long.TryParse(iterations, NumberStyles.None, CultureInfo.InvariantCulture, out long steps)
                ? steps : throw new ModelFormatException(path, $"'{IterationsKey}' is '{iterations}', expected a non-negative integer.");
        if (!content.Tensors.Keys.Any(k => k.StartsWith(OptimizerPrefix, StringComparison.Ordinal))) return;
        var slots = new List<float[][]>();
        int slotCount = -1;
        var used = 0;
        foreach (var layer in model.Layers)
            foreach (var p in layer.Parameters)
            {
                if (!p.Trainable)
                {
                    slots.Add(null!); // empty slots, filled in below once their count is known
                    continue;
                }
                var list = new List<float[]>();
                while (content.Tensors.ContainsKey($"{OptimizerPrefix}{TensorName(layer, p)}/{list.Count}"))
                {
                    var slot = Find(content, $"{OptimizerPrefix}{TensorName(layer, p)}/{list.Count}", p, path, "optimizer slot");
                    CheckFinite(slot, path, "optimizer slot");
                    list.Add(slot.Data);
                }
                if (slotCount >= 0 && list.Count != slotCount)
                    throw new ModelFormatException(path, $"the optimizer state has {slotCount} slots for one weight and {list.Count} for '{TensorName(layer, p)}'.");
                slotCount = list.Count;
                used += list.Count;
                slots.Add(list.ToArray());
            }
        int total = content.Tensors.Keys.Count(k => k.StartsWith(OptimizerPrefix, StringComparison.Ordinal));
        if (used != total)
            throw new ModelFormatException(path, $"the file holds {total} optimizer tensors, of which {used} belong to the model's weights.");
        for (int i = 0; i < slots.Count; i++)
            slots[i] ??= Enumerable.Range(0, Math.Max(slotCount, 0)).Select(_ => Array.Empty<float>()).ToArray();
        try { optimizer.SetSlots(slots); }
        catch (ArgumentException e) { throw new ModelFormatException(path, $"the optimizer state does not fit: {e.Message}", e); }
    }

    public static JsonDocument ParseJson(string json, string path, string key)
    {
        try { return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 }); }
        catch (JsonException e) { throw new ModelFormatException(path, $"'{key}' is not valid JSON ({e.Message}).", e); }
    }
}
