using Onnx;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// Orders a graph's operators as data flows through them, for the graphs a <see cref="Models.Sequential"/> can hold:
/// one chain from the input to the output, each operator reading one computed tensor (besides constants) and
/// each computed tensor read by one operator. A branch (a tensor read twice, as a residual block's input is) or
/// a merge (Add or Concat of two computed tensors) is refused naming the node. This is the one place that knows
/// about chains: functional models will replace this walk with a topological order, and the operators'
/// conversion (<see cref="LayerMapping"/>) stays as it is.
/// </summary>
internal static class ChainWalk
{
    private const string Remedy = "Tailor imports chains of layers until functional models land";

    public static IReadOnlyList<NodeProto> Nodes(OnnxGraph graph)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (string output in node.Output.Where(o => o.Length > 0))
                if (!producers.TryAdd(output, node) || graph.IsConstant(output) || output == graph.InputName)
                    throw graph.Error(node, $"writes tensor '{output}', which another node, an initializer or the graph's input already defines.");
            foreach (string input in DataInputs(graph, node))
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
        }

        foreach (var node in graph.Nodes)
            foreach (string input in DataInputs(graph, node))
                if (input != graph.InputName && !producers.ContainsKey(input))
                    throw graph.Error(node, $"input '{input}' is defined nowhere: no initializer, Constant, node or graph input has that name.");

        var chain = new List<NodeProto>();
        string current = graph.InputName;
        NodeProto? producer = null;
        while (true)
        {
            var readers = consumers.GetValueOrDefault(current) ?? [];
            string source = producer == null ? $"the graph's input '{current}'" : $"its output '{current}'";
            if (current == graph.OutputName)
            {
                if (readers.Count > 0)
                    throw Branch(graph, producer, $"{source} is the graph's output and also feeds {Describe(readers)}, so the graph branches; {Remedy}.");
                break;
            }
            if (readers.Count == 0)
                throw Branch(graph, producer, $"{source} feeds no node and is not the graph's output '{graph.OutputName}'.");
            if (readers.Count > 1)
                throw Branch(graph, producer, $"{source} feeds {readers.Count} nodes ({Describe(readers)}), so the graph branches; {Remedy}.");
            var node = readers[0];
            if (chain.Contains(node)) throw graph.Error(node, "reads its own output through a cycle; an ONNX graph is acyclic.");
            var inputs = DataInputs(graph, node).ToList();
            if (inputs.Count > 1)
                throw graph.Error(node, $"takes {inputs.Count} computed inputs ({string.Join(", ", inputs.Select(i => $"'{i}'"))}), so the graph merges branches; {Remedy}.");
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw graph.Error(node, "has no output.");
            foreach (string extra in node.Output.Skip(1).Where(o => o.Length > 0))
                if (consumers.ContainsKey(extra) || extra == graph.OutputName)
                    throw graph.Error(node, $"its second output '{extra}' is used, so the graph branches; {Remedy}.");
            chain.Add(node);
            producer = node;
            current = node.Output[0];
        }

        foreach (var node in graph.Nodes.Where(n => !chain.Contains(n)))
            throw DataInputs(graph, node).Any()
                ? graph.Error(node, $"is not on the path from the graph's input '{graph.InputName}' to its output '{graph.OutputName}'; Tailor imports every operator of a graph or none.")
                : graph.Error(node, "computes from constants alone; Tailor imports weights given as initializers (export with constant folding, as torch.onnx.export does by default).");
        return chain;
    }

    /// <summary>The inputs that are computed: the graph's input or other nodes' outputs, not constants, nor optional inputs left out.</summary>
    public static IEnumerable<string> DataInputs(OnnxGraph graph, NodeProto node) =>
        node.Input.Where(i => i.Length > 0 && !graph.IsConstant(i)).Distinct(StringComparer.Ordinal);

    private static OnnxImportException Branch(OnnxGraph graph, NodeProto? producer, string problem) =>
        producer == null ? graph.Error(null, problem) : graph.Error(producer, problem);

    private static string Describe(List<NodeProto> nodes) =>
        string.Join(", ", nodes.Select(n => $"'{OnnxGraph.NodeName(n)}' ({n.OpType})"));
}
