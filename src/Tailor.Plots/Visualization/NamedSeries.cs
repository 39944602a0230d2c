namespace Tailor.Visualization;

/// <summary>One curve of an overlay plot: a legend name and one value per epoch.</summary>
public sealed record NamedSeries(string Name, IReadOnlyList<double> Values);
