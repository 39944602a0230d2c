namespace Tailor.Common;

/// <summary>Messages of caught exceptions, made fit to be wrapped in another one-line message.</summary>
public static class ErrorText
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
}
