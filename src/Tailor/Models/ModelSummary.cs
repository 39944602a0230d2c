using System.Globalization;
using System.Text;
using Tailor.Layers;

namespace Tailor.Models;

/// <summary>
/// Formats a model as Keras's summary() does (the classic text layout): a Sequential's layers in three columns,
/// a functional model's in Keras 2's four (layer, output shape, parameters, the calls it is connected to).
/// </summary>
public static class ModelSummary
{
    private const int NameWidth = 34, ShapeWidth = 26, ParamWidth = 10;

    // Keras 2's functional layout: line length 98 cut at 0.33, 0.55 and 0.67 of it.
    private static readonly int[] FunctionalEnds = [32, 53, 65, 98];

    public static string Format(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt)
            throw new InvalidOperationException($"Model '{model.Name}' has not been built yet, so its shapes are unknown. Call `model.Build(inputShape)` or train it first.");
        if (model.Graph is { } graph) return Functional(model, graph);
        var sb = new StringBuilder();
        string rule = new('_', NameWidth + ShapeWidth + ParamWidth);
        sb.AppendLine($"Model: \"{model.Name}\"");
        sb.AppendLine(rule);
        sb.AppendLine(Row("Layer (type)", "Output Shape", "Param #"));
        sb.AppendLine(new string('=', rule.Length));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            sb.AppendLine(Row($"{layer.Name} ({layer.TypeName})", Layer.FormatBatchShape(layer.OutputShape), Count(layer.ParameterCount)));
            sb.AppendLine(i == model.Layers.Count - 1 ? new string('=', rule.Length) : "");
        }
        AppendTotals(sb, model);
        sb.Append(rule);
        return sb.ToString();
    }

    /// <summary>
    /// Keras 2's summary of a functional model: its inputs as InputLayer rows ("[(None, 28, 28, 1)]"), then each layer in
    /// running order with the values it reads ("['conv2d[0][0]', 'input_1[0][0]']"), a shared layer once with all its calls.
    /// </summary>
    private static string Functional(Model model, FunctionalGraph graph)
    {
        var sb = new StringBuilder();
        int width = FunctionalEnds[^1];
        string rule = new('_', width);
        sb.AppendLine($"Model: \"{model.Name}\"");
        sb.AppendLine(rule);
        sb.AppendLine(FunctionalRow("Layer (type)", "Output Shape", "Param #", "Connected to"));
        sb.AppendLine(new string('=', width));
        var rows = new List<string>();
        foreach (var input in graph.Inputs)
            rows.Add(FunctionalRow($"{input.Name} (InputLayer)", $"[{Layer.FormatBatchShape(input.Shape)}]", "0", "[]"));
        foreach (var layer in model.Layers)
        {
            var calls = graph.Calls.Where(c => ReferenceEquals(c.Layer, layer)).ToList();
            string connected = "[" + string.Join(", ", calls.SelectMany(c => c.Inputs).Select(i => $"'{graph.Connection(i)}'")) + "]";
            // A shared layer whose calls give different shapes shows "multiple", as Keras does.
            var shapes = calls.Select(c => c.ToString()).Distinct().ToList();
            rows.Add(FunctionalRow($"{layer.Name} ({layer.TypeName})", shapes.Count == 1 ? shapes[0] : "multiple", Count(layer.ParameterCount), connected));
        }
        for (int i = 0; i < rows.Count; i++)
        {
            sb.AppendLine(rows[i]);
            sb.AppendLine(i == rows.Count - 1 ? new string('=', width) : "");
        }
        AppendTotals(sb, model);
        sb.Append(rule);
        return sb.ToString();
    }

    private static void AppendTotals(StringBuilder sb, Model model)
    {
        long total = model.ParameterCount, trainable = model.Layers.Sum(l => l.TrainableParameterCount);
        sb.AppendLine($"Total params: {Count(total)} ({Bytes(total * 4)})");
        sb.AppendLine($"Trainable params: {Count(trainable)} ({Bytes(trainable * 4)})");
        sb.AppendLine($"Non-trainable params: {Count(total - trainable)} ({Bytes((total - trainable) * 4)})");
    }

    /// <summary>
    /// One row as Keras 2's print_row writes it: each column cut to its width (less two spaces but the last), a cut
    /// moved back to just after the first "'," it would take in, so that each connection starts a line.
    /// </summary>
    private static string FunctionalRow(params string[] fields)
    {
        var left = (string[])fields.Clone();
        var lines = new StringBuilder();
        while (left.Any(text => text.Length > 0))
        {
            if (lines.Length > 0) lines.AppendLine();
            var line = new StringBuilder(" ");
            for (int col = 0; col < left.Length; col++)
            {
                int start = col == 0 ? 0 : FunctionalEnds[col - 1], space = col == left.Length - 1 ? 0 : 2;
                int cutoff = Math.Min(FunctionalEnds[col] - start - space, left[col].Length);
                string fits = left[col][..cutoff];
                int[] breaks = [.. new[] { "),", "},", "],", "'," }.Select(b => fits.IndexOf(b, StringComparison.Ordinal) is >= 0 and var at ? at + b.Length : -1).Where(at => at > 0)];
                if (breaks.Length > 0) cutoff = breaks.Min();
                line.Append(left[col], 0, cutoff);
                left[col] = left[col][cutoff..];
                if (col == left.Length - 1) break;
                line.Append(' ', space);
                if (line.Length < FunctionalEnds[col]) line.Append(' ', FunctionalEnds[col] - line.Length);
            }
            lines.Append(line.ToString().TrimEnd());
        }
        return lines.ToString();
    }

    /// <summary>
    /// One row as Keras 2's print_row writes it: each column cut to its width less two spaces, and
    /// what does not fit continued on the following lines ("batch_normalization (BatchNormal" / "ization)").
    /// </summary>
    private static string Row(string name, string shape, string count)
    {
        string[] left = [name, shape, count];
        int[] widths = [NameWidth - 2, ShapeWidth - 2, ParamWidth], ends = [NameWidth, NameWidth + ShapeWidth];
        var lines = new StringBuilder();
        while (left.Any(text => text.Length > 0))
        {
            if (lines.Length > 0) lines.AppendLine();
            var line = new StringBuilder(" ");
            for (int col = 0; col < left.Length; col++)
            {
                int take = Math.Min(widths[col], left[col].Length);
                line.Append(left[col], 0, take);
                left[col] = left[col][take..];
                if (col == left.Length - 1) break;
                line.Append("  ");
                if (line.Length < ends[col]) line.Append(' ', ends[col] - line.Length);
            }
            lines.Append(line.ToString().TrimEnd());
        }
        return lines.ToString();
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    // Keras's readable_memory_size: the largest unit that keeps the number at 1 or more.
    private static string Bytes(long bytes) => bytes < 1024 ? $"{bytes:F2} Byte" : bytes >= 1024 * 1024
        ? $"{bytes / 1024.0 / 1024.0:F2} MB"
        : $"{bytes / 1024.0:F2} KB";
}
