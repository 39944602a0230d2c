using Tailor.Layers;

namespace Tailor.Models;

/// <summary>
/// The graph of a functional model, read from its symbolic tensors: the calls in running order (as
/// <see cref="CallNode"/>s over value slots: the inputs first, then one per call), the layers each once, named
/// as Keras names them, and what the summary's "Connected to" column needs.
/// </summary>
internal sealed class FunctionalGraph
{
    private FunctionalGraph(IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs, List<Layer> layers, CallNode[] nodes,
        int[] outputSlots, Dictionary<SymbolicTensor, int> slots, List<SymbolicTensor> calls)
    {
        Inputs = inputs;
        Outputs = outputs;
        Layers = layers;
        Nodes = nodes;
        OutputSlots = outputSlots;
        _slots = slots;
        Calls = calls;
    }

    private readonly Dictionary<SymbolicTensor, int> _slots;

    public IReadOnlyList<Input> Inputs { get; }
    public IReadOnlyList<SymbolicTensor> Outputs { get; }
    public List<Layer> Layers { get; }
    public CallNode[] Nodes { get; }
    public int[] OutputSlots { get; }

    /// <summary>The symbolic tensor each call gives, in running order (Nodes[i] writes Calls[i]).</summary>
    public IReadOnlyList<SymbolicTensor> Calls { get; }

    /// <summary>
    /// Keras 2's "Connected to" entry for a value: the layer that gives it, which of that layer's calls, and the
    /// tensor index ("conv2d[0][0]", "input_1[0][0]"; "dense[1][0]" for a shared layer's second call).
    /// </summary>
    public string Connection(SymbolicTensor value)
    {
        if (value is Input input) return $"{input.Name}[0][0]";
        int call = 0;
        foreach (var other in Calls)
        {
            if (ReferenceEquals(other, value)) break;
            if (ReferenceEquals(other.Layer, value.Layer)) call++;
        }
        return $"{value.Layer!.Name}[{call}][0]";
    }

    public static FunctionalGraph Create(Model model, IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        if (inputs.Count == 0) throw new ArgumentException($"Model '{model.Name}' needs at least one input.", nameof(inputs));
        if (outputs.Count == 0) throw new ArgumentException($"Model '{model.Name}' needs at least one output.", nameof(outputs));
        foreach (var input in inputs) ArgumentNullException.ThrowIfNull(input, nameof(inputs));
        foreach (var output in outputs) ArgumentNullException.ThrowIfNull(output, nameof(outputs));
        var inputSet = new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance);
        foreach (var input in inputs)
            if (!inputSet.Add(input)) throw new ArgumentException($"Model '{model.Name}' was given {input.Describe()} twice among its inputs.", nameof(inputs));
        foreach (var output in outputs)
            if (output is Input)
                throw new ArgumentException($"Model '{model.Name}' output {output.Describe()} is an input itself; an output must be a layer's.", nameof(outputs));

        // Running order: depth-first from the outputs; the walk stops at the model's inputs.
        var order = GraphOrder.Sort(outputs, t => inputSet.Contains(t) ? [] : t.Inputs, t => t.Describe());
        foreach (var value in order)
            if (value is Input stray && !inputSet.Contains(stray))
                throw new ArgumentException(
                    $"Graph disconnected: model '{model.Name}' needs {stray.Describe()} to compute its outputs, but it is not one of the model's inputs ({string.Join(", ", inputs.Select(i => i.Describe()))}).", nameof(outputs));
        foreach (var input in inputs)
            if (!order.Contains(input))
                throw new ArgumentException($"Model '{model.Name}' input {input.Describe()} is never used: no output depends on it.", nameof(inputs));

        var calls = order.Where(t => t is not Input).ToList();
        var layers = new List<Layer>();
        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        foreach (var call in calls)
            if (seen.Add(call.Layer!)) layers.Add(call.Layer!);
        Name(model, inputs, layers);

        var slots = new Dictionary<SymbolicTensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++) slots[inputs[i]] = i;
        var nodes = new CallNode[calls.Count];
        var first = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            var layer = call.Layer!;
            slots[call] = inputs.Count + i;
            bool firstCall = first.Add(layer);
            if (!firstCall && layer is ModelLayer)
                throw new ArgumentException($"Model '{model.Name}' calls {layer.Describe()} twice; a model used as a layer can be called once.", nameof(outputs));
            var runner = firstCall ? layer : layer.CreateTwin();
            nodes[i] = new CallNode(runner, layer, [.. call.Inputs.Select(t => slots[t])], inputs.Count + i);
        }
        foreach (var layer in layers)
            if (!layer.TryJoin(model))
                throw new ArgumentException($"{layer.Describe()} already belongs to model '{((Model)layer.Owner!).Name}'. A layer keeps its weights and buffers for one model: create another layer for model '{model.Name}'.");
        foreach (var node in nodes.Where(n => n.IsTwin)) node.Layer.TryJoin(model);
        return new FunctionalGraph(inputs, outputs, layers, nodes, [.. outputs.Select(o => slots[o])], slots, calls);
    }

    /// <summary>Names the unnamed inputs input_1, input_2... and the unnamed layers as Keras does (dense, dense_1...); refuses a name used twice.</summary>
    private static void Name(Model model, IReadOnlyList<Input> inputs, List<Layer> layers)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in inputs.Select(i => i.Name).Concat(layers.Select(l => l.Name)))
            if (name != null && !names.Add(name))
                throw new ArgumentException($"Model '{model.Name}' has two layers or inputs named '{name}'. Names must be unique.");
        int next = 1;
        foreach (var input in inputs.Where(i => i.Name == null))
        {
            while (names.Contains($"input_{next}")) next++;
            input.Name = $"input_{next}";
            names.Add(input.Name);
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var layer in layers.Where(l => l.Name == null))
        {
            string prefix = layer.NamePrefix, name;
            do
            {
                int count = counts.GetValueOrDefault(prefix);
                counts[prefix] = count + 1;
                name = count == 0 ? prefix : $"{prefix}_{count}";
            } while (names.Contains(name));
            layer.Name = name;
            names.Add(name);
        }
    }
}
