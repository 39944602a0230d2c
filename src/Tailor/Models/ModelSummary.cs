using System.Globalization;
using System.Text;
using Tailor.Layers;

namespace Tailor.Models;

/// <summary>Formats a model as Keras's summary() does (the classic text layout).</summary>
public static class ModelSummary
{
    private const int NameWidth = 34, ShapeWidth = 26, ParamWidth = 10;

    public static string Format(Sequential model)
    {
        if (!model.IsBuilt)
            throw new InvalidOperationException($"Model '{model.Name}' has not been built yet, so its shapes are unknown. Call `model.Build(inputShape)` or train it first.");
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
        long total = model.ParameterCount, trainable = model.Layers.Sum(l => l.TrainableParameterCount);
        sb.AppendLine($"Total params: {Count(total)} ({Bytes(total * 4)})");
        sb.AppendLine($"Trainable params: {Count(trainable)} ({Bytes(trainable * 4)})");
        sb.AppendLine($"Non-trainable params: {Count(total - trainable)} ({Bytes((total - trainable) * 4)})");
        sb.Append(rule);
        return sb.ToString();
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
