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
        long total = model.ParameterCount;
        sb.AppendLine($"Total params: {Count(total)} ({Bytes(total * 4)})");
        sb.AppendLine($"Trainable params: {Count(total)} ({Bytes(total * 4)})");
        sb.AppendLine("Non-trainable params: 0 (0.00 Byte)");
        sb.Append(rule);
        return sb.ToString();
    }

    private static string Row(string name, string shape, string count) =>
        " " + name.PadRight(NameWidth - 1) + shape.PadRight(ShapeWidth) + count;

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes >= 1024 * 1024
        ? $"{bytes / 1024.0 / 1024.0:F2} MB"
        : $"{bytes / 1024.0:F2} KB";
}
