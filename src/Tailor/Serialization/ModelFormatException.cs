namespace Tailor.Serialization;

/// <summary>
/// A model, checkpoint or safetensors file whose content is not what the format promises (wrong
/// format or version, truncated or overlapping tensors, a tensor whose shape disagrees with the
/// architecture, an unknown layer type, malformed JSON). The message names the file, what was
/// expected and what was found. Loading throws nothing else for a bad file.
/// </summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string path, string problem, Exception? innerException = null)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
    }

    /// <summary>The file at fault, as the caller named it.</summary>
    public string Path { get; }
}
