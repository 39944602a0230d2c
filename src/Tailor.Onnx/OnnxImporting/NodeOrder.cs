using Onnx;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// A graph's operators in an order data can flow through them (each after the nodes whose outputs it reads), with
/// who reads each tensor. Checked on the way, each refusal naming the node: a tensor written twice, an input that
/// nothing defines, a second output that is used, a cycle, a node computed from constants alone, and a node whose
/// output does not lead to the graph's output (Tailor imports every operator of a graph or none). A graph that
/// branches and merges is fine: <see cref="LayerMapping"/> turns the merges into Tailor's merge layers.
/// </summary>
internal sealed class NodeOrder
{
    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, List<NodeProto>> _consumers;

    private NodeOrder(OnnxGraph graph, IReadOnlyList<NodeProto> nodes, Dictionary<string, List<NodeProto>> consumers)
    {
        _graph = graph;
        Nodes = nodes;
        _consumers = consumers;
    }

    /// <summary>The operators, each after every node it reads from; nodes that do not depend on each other keep the file's order.</summary>
    public IReadOnlyList<NodeProto> Nodes { get; }

    /// <summary>The nodes that read <paramref name="tensor"/>, in the order above.</summary>
    public IReadOnlyList<NodeProto> Consumers(string tensor) => _consumers.GetValueOrDefault(tensor) ?? [];

    /// <summary>
    /// The one node that reads <paramref name="node"/>'s output, when it is the only reader and the output is not also
    /// the graph's: the node a layer may absorb (an activation after a Conv, a bias Add after a MatMul).
    /// </summary>
    public NodeProto? Follower(NodeProto node)
    {
        string output = node.Output[0];
        return output != _graph.OutputName && Consumers(output) is [var only] ? only : null;
    }

    public static NodeOrder Of(OnnxGraph graph)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw graph.Error(node, "has no output.");
            foreach (string output in node.Output.Where(o => o.Length > 0))
                if (!producers.TryAdd(output, node) || graph.IsConstant(output) || output == graph.InputName)
                    throw graph.Error(node, $"writes tensor '{output}', which another node, an initializer or the graph's input already defines.");
        }
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            var inputs = DataInputs(graph, node).ToList();
            if (inputs.Count == 0)
                throw graph.Error(node, "computes from constants alone; Tailor imports weights given as initializers (export with constant folding, as torch.onnx.export does by default).");
            foreach (string input in inputs)
            {
                if (input != graph.InputName && !producers.ContainsKey(input))
                    throw graph.Error(node, $"input '{input}' is defined nowhere: no initializer, Constant, node or graph input has that name.");
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
        foreach (var node in graph.Nodes)
            foreach (string extra in node.Output.Skip(1).Where(o => o.Length > 0))
                if (consumers.ContainsKey(extra) || extra == graph.OutputName)
                    throw graph.Error(node, $"its second output '{extra}' is used; Tailor's layers give one output (a mask or indices are not imported).");
        if (graph.OutputName != graph.InputName && !producers.ContainsKey(graph.OutputName))
            throw graph.Error(null, $"the graph's output '{graph.OutputName}' is written by no node.");

        var order = Sorted(graph, producers);
        var byNode = order.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, ReferenceEqualityComparer.Instance);
        foreach (var list in consumers.Values) list.Sort((a, b) => byNode[a].CompareTo(byNode[b]));
        var result = new NodeOrder(graph, order, consumers);
        result.CheckEveryNodeReachesTheOutput(producers);
        return result;
    }

    /// <summary>The inputs that are computed: the graph's input or other nodes' outputs, not constants, nor optional inputs left out.</summary>
    public static IEnumerable<string> DataInputs(OnnxGraph graph, NodeProto node) =>
        node.Input.Where(i => i.Length > 0 && !graph.IsConstant(i)).Distinct(StringComparer.Ordinal);

    /// <summary>Kahn's order from the graph's input; the nodes left over read each other's outputs round a cycle, which is refused naming them.</summary>
    private static List<NodeProto> Sorted(OnnxGraph graph, Dictionary<string, NodeProto> producers)
    {
        var ready = new HashSet<string>(StringComparer.Ordinal) { graph.InputName };
        var left = graph.Nodes.ToList();
        var order = new List<NodeProto>();
        bool progress = true;
        while (left.Count > 0 && progress)
        {
            progress = false;
            for (int i = 0; i < left.Count; i++)
            {
                var node = left[i];
                if (!DataInputs(graph, node).All(ready.Contains)) continue;
                order.Add(node);
                foreach (string output in node.Output.Where(o => o.Length > 0)) ready.Add(output);
                left.RemoveAt(i--);
                progress = true;
            }
        }
        if (left.Count == 0) return order;
        // Every node left waits for another left: walk back along such inputs until a node comes round again.
        var path = new List<NodeProto>();
        var node0 = left[0];
        while (!path.Contains(node0))
        {
            path.Add(node0);
            node0 = DataInputs(graph, node0).Where(i => !ready.Contains(i)).Select(i => producers[i]).First();
        }
        var cycle = path.Skip(path.IndexOf(node0)).Reverse().ToList();
        throw graph.Error(node0, $"reads its own output through a cycle ({string.Join(" -> ", cycle.Append(cycle[0]).Select(n => $"'{OnnxGraph.NodeName(n)}'"))}); an ONNX graph is acyclic.");
    }

    private void CheckEveryNodeReachesTheOutput(Dictionary<string, NodeProto> producers)
    {
        var useful = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>([_graph.OutputName]);
        while (pending.Count > 0)
            if (producers.TryGetValue(pending.Pop(), out var node) && useful.Add(node))
                foreach (string input in DataInputs(_graph, node)) pending.Push(input);
        foreach (var node in Nodes.Where(n => !useful.Contains(n)))
            throw _graph.Error(node,
                $"its output '{node.Output[0]}' does not lead to the graph's output '{_graph.OutputName}'; Tailor imports every operator of a graph or none.");
    }
}
