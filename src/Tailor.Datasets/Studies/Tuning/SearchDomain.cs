using System.Globalization;
using Tailor.Common;

namespace Tailor.Studies.Tuning;

/// <summary>The values one hyperparameter may take in a search: a list, or a continuous range that only random search can sample.</summary>
public abstract record SearchDomain
{
    /// <summary>Draws one value with <paramref name="rng"/>.</summary>
    public abstract object Sample(Rng rng);

    /// <summary>How the domain is written in space.json, for messages and reports.</summary>
    public abstract string Describe();
}

/// <summary>One of the listed values, each equally likely; grid search takes them all.</summary>
public sealed record ChoiceDomain(IReadOnlyList<object> Values) : SearchDomain
{
    public override object Sample(Rng rng) => Values[rng.NextInt(Values.Count)];

    public override string Describe() => "[" + string.Join(", ", Values.Select(Format)) + "]";

    internal static string Format(object value) => value switch
    {
        string s => $"\"{s}\"",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>A float drawn uniformly between <see cref="Low"/> and <see cref="High"/>, or uniformly in their logarithms (for learning rates and penalties spanning decades).</summary>
public sealed record RangeDomain(double Low, double High, bool Logarithmic) : SearchDomain
{
    public const string UniformKey = "uniform";
    public const string LogUniformKey = "log_uniform";

    public override object Sample(Rng rng)
    {
        double u = rng.NextDouble();
        double value = Logarithmic ? Math.Exp(Math.Log(Low) + u * (Math.Log(High) - Math.Log(Low))) : Low + u * (High - Low);
        return (float)value;
    }

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"{(Logarithmic ? LogUniformKey : UniformKey)}\": [{Low:R}, {High:R}]}}");
}
