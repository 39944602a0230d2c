namespace Tailor.Data;

/// <summary>The dataset's files are not where they were looked for; the message lists the places
/// searched and how to provide the files.</summary>
public sealed class DataNotFoundException(string message) : Exception(message);
