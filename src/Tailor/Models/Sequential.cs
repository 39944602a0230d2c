using System.Runtime.CompilerServices;
using Tailor.Layers;

namespace Tailor.Models;

/// <summary>
/// A plain stack of layers (Keras's Sequential): <see cref="Add"/> layers, then Build (or Fit) for an input shape,
/// which makes the linear graph input -> first layer -> ... -> last layer. Everything else is <see cref="Model"/>'s.
/// </summary>
public sealed class Sequential : Model
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public Sequential(string name = "sequential", ulong seed = 0) : base(name, seed) { }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Sequential(IEnumerable<Layer> layers, string name = "sequential", ulong seed = 0) : this(name, seed)
    {
        foreach (var layer in layers) Add(layer);
    }

    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var held = EnterLock();
        if (IsBuilt) throw new InvalidOperationException($"Model '{Name}' is already built; add layers before building it.");
        if (ReferenceEquals(layer.Owner, this))
            throw new ArgumentException($"Model '{Name}' already has {layer.Describe()}; a layer can appear once. Create another layer.");
        if (layer is MultiInputLayer)
            throw new ArgumentException($"{layer.Describe()} merges several inputs, which a Sequential model does not have. Build a functional Model: new Model(inputs, outputs).");
        string prefix = layer.NamePrefix;
        string name = layer.Name ?? AutomaticName(prefix);
        // A set, so that a model of many layers (a file of thousands) is not checked in quadratic time.
        if (_names.Contains(name))
            throw new ArgumentException($"Model '{Name}' already has a layer named '{name}'. Layer names must be unique.");
        if (!layer.TryJoin(this))
            throw new ArgumentException($"{layer.Describe()} already belongs to model '{((Model)layer.Owner!).Name}'. A layer keeps its weights and buffers for one model: create another layer for model '{Name}'.");
        layer.Name = name;
        _names.Add(name);
        _layers.Add(layer);
    }

    /// <summary>Keras's automatic name: the prefix, then prefix_1, prefix_2, ... for the next layers of the kind.</summary>
    private string AutomaticName(string prefix)
    {
        int count = _layers.Count(l => l.NamePrefix == prefix && l.Name != null && (l.Name == prefix || l.Name.StartsWith(prefix + "_")));
        return count == 0 ? prefix : $"{prefix}_{count}";
    }

    /// <summary>Builds every layer for a per-sample input shape, e.g. (28, 28, 1), creating weights from <see cref="Model.Seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Build(params int[] inputShape)
    {
        using var held = EnterLock();
        if (_layers.Count == 0)
            throw new InvalidOperationException($"Model '{Name}' cannot be built because it has no layers. Call `model.Add(layer)`.");
        foreach (int d in inputShape)
            if (d <= 0) throw new ArgumentException($"Model '{Name}' input shape must have positive dimensions, received {Tensors.Tensor.Format(inputShape)}.");
        // Slot 0 is the input; layer i reads slot i and writes slot i + 1.
        var nodes = new CallNode[_layers.Count];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = new CallNode(_layers[i], _layers[i], [i], i + 1);
        BuildGraph(nodes, [(int[])inputShape.Clone()], [nodes.Length]);
    }

    private protected override void BuildFor(int[] inputShape) => Build(inputShape);
}
