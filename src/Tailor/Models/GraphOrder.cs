namespace Tailor.Models;

/// <summary>
/// The order in which a graph's calls run: depth-first from the outputs in their order, each call after the
/// calls it reads, so a chain runs as written. Refuses a cycle, naming the calls on it.
/// </summary>
internal static class GraphOrder
{
    /// <summary>
    /// The nodes reachable from <paramref name="outputs"/> through <paramref name="inputsOf"/>, each after its inputs;
    /// <paramref name="describe"/> names a node in the message about a cycle.
    /// </summary>
    public static List<T> Sort<T>(IEnumerable<T> outputs, Func<T, IReadOnlyList<T>> inputsOf, Func<T, string> describe) where T : class
    {
        var order = new List<T>();
        var done = new HashSet<T>(ReferenceEqualityComparer.Instance);
        var onPath = new List<T>();
        var onPathSet = new HashSet<T>(ReferenceEqualityComparer.Instance);
        // Explicit stack: a graph of thousands of layers must not overflow the thread's stack.
        var stack = new Stack<(T Node, int Next)>();
        foreach (var output in outputs)
        {
            if (done.Contains(output)) continue;
            stack.Push((output, 0));
            onPath.Add(output);
            onPathSet.Add(output);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var inputs = inputsOf(node);
                if (next < inputs.Count)
                {
                    stack.Push((node, next + 1));
                    var input = inputs[next];
                    if (done.Contains(input)) continue;
                    if (onPathSet.Contains(input))
                    {
                        int from = onPath.FindIndex(n => ReferenceEquals(n, input));
                        throw new ArgumentException($"The graph has a cycle: {string.Join(" -> ", onPath.Skip(from).Append(input).Select(describe))}.");
                    }
                    stack.Push((input, 0));
                    onPath.Add(input);
                    onPathSet.Add(input);
                    continue;
                }
                onPath.RemoveAt(onPath.Count - 1);
                onPathSet.Remove(node);
                done.Add(node);
                order.Add(node);
            }
        }
        return order;
    }
}
