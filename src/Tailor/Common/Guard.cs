using System.Runtime.CompilerServices;

namespace Tailor.Common;

/// <summary>Argument checks whose messages carry the received value.</summary>
internal static class Guard
{
    public static void Positive(int value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected a positive integer. Received: {name}={value}");
    }

    /// <summary>The largest layer size (units, filters, a kernel's, pool's or stride's side, a dilation) a layer accepts and a model file may hold.</summary>
    public const int MaxSize = 65_536;

    /// <summary>A layer size: an integer from 1 to <see cref="MaxSize"/>, so that no window or weight count can overflow.</summary>
    public static void Size(int value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (value is < 1 or > MaxSize)
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected an integer from 1 to {MaxSize}. Received: {name}={value}");
    }

    public static void InRange(double value, double min, double max, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (!(value >= min && value <= max))
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected a number in [{min}, {max}]. Received: {name}={value}");
    }

    public static void NonNegative(double value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (!(value >= 0))
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected a non-negative number. Received: {name}={value}");
    }

    public static void SameLength(int expected, int actual, string what)
    {
        if (expected != actual)
            throw new ArgumentException($"{what}: expected length {expected}, received {actual}.");
    }
}
