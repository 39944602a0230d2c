using System.Globalization;

namespace Tailor.Common;

/// <summary>
/// The documented range of a numeric setting (a command-line option, a number in a file): whole numbers
/// from <see cref="Min"/> to <see cref="Max"/>, or real numbers in an interval whose ends may be open.
/// Checked before any work, with one message that names the setting, the range and the value received.
/// Bounds are decimals, so that every 64-bit integer and every limit written in the README is exact.
/// </summary>
public sealed record ValueRange(decimal Min, decimal Max, bool Whole = true, bool MinExclusive = false, bool MaxExclusive = false, string? Note = null)
{
    /// <summary>Every unsigned 64-bit integer: a seed.</summary>
    public static readonly ValueRange Seed = new(ulong.MinValue, ulong.MaxValue);

    /// <summary>The range as the README and the help write it: "1 to 65,536", "(0, 10]".</summary>
    public string Text => Whole
        ? string.Create(CultureInfo.InvariantCulture, $"{Min:N0} to {Max:N0}")
        : string.Create(CultureInfo.InvariantCulture, $"{(MinExclusive ? '(' : '[')}{Min}, {Max}{(MaxExclusive ? ')' : ']')}");

    /// <summary>Whether <paramref name="value"/> (a boxed integer or floating-point number) lies in the range; NaN and infinities never do.</summary>
    public bool Contains(object? value) => value switch
    {
        null => false,
        float f => Contains((double)f),
        double d => Contains(d),
        decimal m => ContainsExact(m),
        IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.UInt64 => ContainsExact(c.ToDecimal(CultureInfo.InvariantCulture)),
        _ => false,
    };

    private bool Contains(double value)
    {
        double min = (double)Min, max = (double)Max;
        return double.IsFinite(value) && (MinExclusive ? value > min : value >= min) && (MaxExclusive ? value < max : value <= max)
            && (!Whole || value == Math.Floor(value));
    }

    private bool ContainsExact(decimal value) =>
        (MinExclusive ? value > Min : value >= Min) && (MaxExclusive ? value < Max : value <= Max) && (!Whole || value == decimal.Floor(value));

    /// <summary>"--epochs must be 1 to 10,000, received 0.": <paramref name="received"/> as the user wrote it.</summary>
    public string Refusal(string name, string received) =>
        $"{name} must be {(Whole ? "" : "in ")}{Text}{(Note is null ? "" : $" ({Note})")}, received {received}.";

    /// <summary>Throws an ArgumentException with <see cref="Refusal"/> when <paramref name="value"/> is outside the range.</summary>
    public void Check(string name, object value)
    {
        if (!Contains(value)) throw new ArgumentException(Refusal(name, Format(value)));
    }

    private static string Format(object value) => value switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
