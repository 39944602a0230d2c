using System.Globalization;
using ScottPlot;
using Tailor.Metrics;

namespace Tailor.Visualization;

/// <summary>
/// A confusion matrix as a heatmap: true classes down the left, predicted classes along the bottom, each cell
/// shaded by the share of its true class it holds (so rare classes read as well as common ones) and labelled
/// with its count; the diagonal is what the model got right.
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <summary>The heatmap of <paramref name="matrix"/> as a PNG, one name per class.</summary>
    public static byte[] Render(ConfusionMatrix matrix, IReadOnlyList<string> classNames, string title, int size = 720)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(title);
        Common.Guard.Positive(size);
        int n = matrix.Classes;
        if (classNames.Count != n) throw new ArgumentException($"The matrix has {n} classes, received {classNames.Count} names.", nameof(classNames));

        var plot = PlotStyling.Create(title, "Predicted class", "True class");
        var colormap = new ScottPlot.Colormaps.Blues();
        for (int t = 0; t < n; t++)
        {
            double support = matrix.Support(t);
            for (int p = 0; p < n; p++)
            {
                double count = matrix[t, p], share = support == 0 ? 0 : count / support;
                // Row t is drawn from the top: y runs from n - t - 1 to n - t.
                var cell = plot.Add.Rectangle(p, p + 1, n - t - 1, n - t);
                // ScottPlot's Blues runs from dark at 0 to white at 1: reversed, a larger share is a darker cell.
                cell.FillColor = colormap.GetColor(1 - share);
                cell.LineColor = Colors.White;
                cell.LineWidth = 1;
                var label = plot.Add.Text(count.ToString("0", CultureInfo.InvariantCulture), p + 0.5, n - t - 0.5);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = n > 12 ? 9 : 13;
                label.LabelFontColor = share > 0.5 ? Colors.White : Colors.Black;
                label.LabelBold = t == p;
            }
        }
        double[] centres = Enumerable.Range(0, n).Select(i => i + 0.5).ToArray();
        plot.Axes.Bottom.SetTicks(centres, classNames.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.OffsetY = 6;
        plot.Axes.Bottom.MinimumSize = 100;
        plot.Axes.Right.MinimumSize = 30;  // room for the last slanted name
        plot.Axes.Left.SetTicks(centres.Reverse().ToArray(), classNames.ToArray());
        plot.Axes.SetLimits(0, n, 0, n);
        plot.Grid.IsVisible = false;
        return PlotStyling.Encode(plot, size, size);
    }
}
