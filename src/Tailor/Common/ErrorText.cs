namespace Tailor.Common;

/// <summary>Messages of caught exceptions, made fit to be wrapped in another one-line message.</summary>
internal static class ErrorText
{
    /// <summary>The message without .NET's " (Parameter 'x')" suffix.</summary>
    public static string Of(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }
        return message;
    }

    /// <summary>
    /// <paramref name="text"/> on one line: line breaks, tabs and other control characters (and the Unicode
    /// line and paragraph separators) written as escapes (\n, \t, \u001b), so that a file name holding a
    /// newline cannot fake another line of output.
    /// </summary>
    public static string OneLine(string text) => Escape(text, escapeBackslash: false);

    /// <summary>
    /// A file name or path as output lines show it: <see cref="OneLine"/>, and a backslash doubled, so that the
    /// escapes are unambiguous: a\\nb is a name with a backslash, a\nb one with a newline.
    /// </summary>
    public static string Name(string path) => Escape(path, escapeBackslash: true);

    private static string Escape(string text, bool escapeBackslash)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(c => NeedsEscape(c, escapeBackslash))) return text;
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (!NeedsEscape(c, escapeBackslash)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => $"\\u{(int)c:x4}",
            });
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c, bool escapeBackslash) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || (escapeBackslash && c == '\\');
}
