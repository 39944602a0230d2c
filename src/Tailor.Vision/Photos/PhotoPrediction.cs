using System.Globalization;
using Tailor.Data.Images;

namespace Tailor.Models;

/// <summary>A class and the probability the model gave it.</summary>
public sealed record PredictedClass(int Label, string ClassName, float Probability);

/// <summary>
/// What <see cref="PhotoPredictor"/> made of one file: the most probable classes and the input the model saw,
/// or, when the file could not be read, the reason (and nothing else).
/// </summary>
public sealed record PhotoPrediction(string Path, IReadOnlyList<PredictedClass> Top, PreprocessedPhoto? Input, string? Error)
{
    public bool Succeeded => Error is null;

    /// <summary>
    /// One line: "shoe.jpg: Sneaker 91.2%, Sandal 6.0%, Ankle boot 2.1%", or "shoe.jpg: error: ...". The path is
    /// escaped (<see cref="Common.ErrorText.Name"/>), so that a newline in a file name cannot fake a line.
    /// </summary>
    public override string ToString() => Succeeded
        ? $"{Common.ErrorText.Name(Path)}: {string.Join(", ", Top.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.ClassName} {c.Probability * 100:F1}%")))}"
        : $"{Common.ErrorText.Name(Path)}: error: {Common.ErrorText.OneLine(Error!)}";
}
