using System.Numerics.Tensors;
using ScottPlot;
using Tailor.Common;

namespace Tailor.Visualization;

/// <summary>A bar per class of one prediction, the predicted (most probable) class highlighted.</summary>
public static class ClassProbabilityChart
{
    private static readonly Color Other = Color.FromHex("#B0B0B0");
    private static readonly Color Predicted = Color.FromHex("#1F77B4");
    private static readonly Color WrongPrediction = Color.FromHex("#D62728");
    private static readonly Color TrueClass = Color.FromHex("#2CA02C");

    /// <summary>
    /// Bars of <paramref name="probabilities"/> (one per class name, x labels rotated), y label
    /// "Probability" on [0, 1]. The predicted bar is blue with its value on top; when
    /// <paramref name="trueClass"/> is given and differs, the prediction turns red and the true class green.
    /// </summary>
    public static byte[] Render(IReadOnlyList<string> classNames, ReadOnlySpan<float> probabilities, string title,
        int? trueClass = null, int width = PlotStyling.DefaultWidth, int height = PlotStyling.DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(title);
        Guard.Positive(width);
        Guard.Positive(height);
        Guard.SameLength(classNames.Count, probabilities.Length, "Probabilities must have one value per class name");
        if (classNames.Count == 0)
            throw new ArgumentException("A probability chart needs at least one class, received none.", nameof(classNames));
        if (trueClass is int t && (uint)t >= (uint)classNames.Count)
            throw new ArgumentOutOfRangeException(nameof(trueClass), $"True class {t} is outside the {classNames.Count} classes.");

        int predicted = ArgMax(probabilities);
        bool wrong = trueClass is int truth && truth != predicted;

        Plot plot = PlotStyling.Create(title, "", "Probability");
        var bars = new List<Bar>(classNames.Count);
        for (int i = 0; i < classNames.Count; i++)
        {
            Color fill = i == predicted ? (wrong ? WrongPrediction : Predicted) : i == trueClass ? TrueClass : Other;
            bars.Add(new Bar
            {
                Position = i,
                Value = probabilities[i],
                FillColor = fill,
                LineWidth = 0,
                Label = i == predicted ? $"{probabilities[i] * 100:F1}%" : "",
            });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 13;
        barPlot.ValueLabelStyle.Bold = true;

        double[] positions = Enumerable.Range(0, classNames.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classNames.ToArray());
        // Slanted so that long names ("T-shirt/top") do not collide, each ending at its bar.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.OffsetY = 6;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.Left.SetTicks([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        plot.Axes.SetLimits(-0.6, classNames.Count - 0.4, 0, 1.1);
        plot.Grid.XAxisStyle.IsVisible = false;

        if (trueClass is not null)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = wrong ? "Predicted (wrong)" : "Predicted (right)", FillColor = wrong ? WrongPrediction : Predicted });
            if (wrong)
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = "True class", FillColor = TrueClass });
            plot.ShowLegend(LegendCorner(probabilities));
        }
        return PlotStyling.Encode(plot, width, height);
    }

    /// <summary>The upper corner above the lower bars, so the legend hides no tall bar.</summary>
    private static Alignment LegendCorner(ReadOnlySpan<float> probabilities)
    {
        int half = probabilities.Length / 2;
        if (half == 0) return Alignment.UpperRight;
        float leftTallest = TensorPrimitives.Max(probabilities[..half]);
        float rightTallest = TensorPrimitives.Max(probabilities[^half..]);
        return rightTallest <= leftTallest ? Alignment.UpperRight : Alignment.UpperLeft;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
