namespace Tailor.Data;

/// <summary>A data file whose content is not what its format promises: the message names the file,
/// what was expected and what was found.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, string problem, Exception? innerException = null)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
    }

    /// <summary>The file at fault, as the caller named it.</summary>
    public string Path { get; }
}
