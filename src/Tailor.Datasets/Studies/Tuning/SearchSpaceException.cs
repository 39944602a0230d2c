namespace Tailor.Studies.Tuning;

/// <summary>
/// A search space file that cannot be used: malformed JSON (with its line and column), an unknown key,
/// or a value outside what the key accepts. The message names the file and, where it applies, the key
/// and the valid values. An ArgumentException, because the file is the user's input.
/// </summary>
public sealed class SearchSpaceException(string message, Exception? inner = null) : ArgumentException(message, inner);
