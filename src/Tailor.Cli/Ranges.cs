using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.CompilerServices;
using Tailor.Common;

namespace Tailor.Cli;

/// <summary>
/// Gives a numeric option its documented range: a validator that refuses a value outside it while the
/// command line is parsed (before any work, in one line naming the option), the range at the end of the
/// option's help, and a record of it, so that a test can check every numeric option of every command and
/// the README's table of ranges.
/// </summary>
internal static class Ranges
{
    private static readonly ConditionalWeakTable<Option, ValueRange> Declared = new();

    /// <summary>Attaches <paramref name="range"/> to <paramref name="option"/> and returns the option.</summary>
    public static Option<T> Within<T>(this Option<T> option, ValueRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        Declared.Add(option, range);
        option.Description = $"{option.Description} Range: {range.Text}.".TrimStart();
        option.Validators.Add(result =>
        {
            // No token: the default, or a flag given without its optional value (--early-stopping).
            if (result.Tokens.Count == 0) return;
            object? value;
            try { value = result.GetValueOrDefault<T>(); }
            catch (InvalidOperationException) { return; } // not a number of the option's type: the parser says so itself
            if (value != null && !range.Contains(value)) result.AddError(range.Refusal(option.Name, result.Tokens[^1].Value));
        });
        return option;
    }

    /// <summary>
    /// A parse error in the user's words: a value that is not even a number of the option's type (2147483648
    /// for an int, -1 for a seed) is said to be outside the option's range, as any other value outside it is.
    /// </summary>
    public static string Describe(ParseError error)
    {
        if (error.SymbolResult is OptionResult { Option: var option, Tokens: [.., var token] } && Of(option) is { } range
            && error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
            return range.Refusal(option.Name, token.Value);
        return error.Message;
    }

    /// <summary>The range declared for <paramref name="option"/>, or null.</summary>
    public static ValueRange? Of(Option option) => Declared.TryGetValue(option, out var range) ? range : null;
}
