namespace Tailor.Serialization;

/// <summary>
/// An ONNX file that <see cref="OnnxImport"/> cannot turn into a Tailor model: unreadable or malformed, or a graph
/// with an operator, an attribute or a shape that Tailor's layers cannot reproduce exactly. The message is one
/// line: the file, the node and its operator where one is at fault, then what was expected and what was found
/// (naming the attribute or input). Importing throws nothing else for a bad file.
/// </summary>
public sealed class OnnxImportException : Exception
{
    /// <param name="path">The file, as the caller named it.</param>
    /// <param name="problem">What is wrong, naming the attribute or input where one is at fault.</param>
    /// <param name="node">The node at fault (its name, or its output's where it has none); null for the file or the graph.</param>
    /// <param name="opType">The node's operator: "Conv".</param>
    /// <param name="attribute">The attribute at fault: "group".</param>
    /// <param name="innerException">What was caught, if anything.</param>
    public OnnxImportException(string path, string problem, string? node = null, string? opType = null, string? attribute = null,
        Exception? innerException = null)
        : base(node == null ? $"{path}: {problem}" : $"{path}: node '{node}' ({opType}): {problem}", innerException)
    {
        Path = path;
        Problem = problem;
        Node = node;
        OpType = opType;
        Attribute = attribute;
    }

    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file and node.</summary>
    public string Problem { get; }

    /// <summary>The node at fault, or null where the file or the graph as a whole is.</summary>
    public string? Node { get; }

    /// <summary>The operator of <see cref="Node"/>.</summary>
    public string? OpType { get; }

    /// <summary>The attribute at fault, or null.</summary>
    public string? Attribute { get; }
}
