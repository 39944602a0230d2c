using Tailor.Kernels;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// The sliding window of a Conv, MaxPool or AveragePool node (kernel, strides, dilations, pads or auto_pad,
/// ceil_mode) and the Keras padding that gives the same windows. ONNX pads explicitly, Tailor (as Keras) by a
/// mode: two windowings are the same when every axis has as many windows starting as far before the input, so
/// the pads are matched by output length and leading pad, whatever pad trails unused.
/// </summary>
internal sealed record Window(int[] Kernel, int[] Strides, int[] Dilations, Padding Padding, int[] Output)
{
    /// <summary>
    /// Reads the window of a node over <paramref name="positions"/> (the input's spatial sizes). <paramref name="kernel"/>
    /// is the weights' window for a Conv (the attribute, when given, must agree), null for pooling (the attribute is required).
    /// <paramref name="causal"/> allows Conv1D's causal padding.
    /// </summary>
    public static Window Read(NodeAttributes attributes, string opType, int[] positions, int[]? kernel, bool ceilMode, bool causal)
    {
        int axes = positions.Length;
        int[] Axes(string name, int[]? fallback)
        {
            var values = attributes.Ints(name);
            if (values == null) return fallback ?? throw attributes.Error(name, $"attribute {name} is missing; {opType} needs it.");
            if (values.Length != axes)
                throw attributes.Refuse(name, values, $"expected {axes} values, one per spatial axis of the {Positions(positions)} input.");
            if (values.Any(v => v <= 0 || v > int.MaxValue)) throw attributes.Refuse(name, values, "expected positive sizes.");
            return values.Select(v => (int)v).ToArray();
        }

        int[] ones = Enumerable.Repeat(1, axes).ToArray();
        var shape = Axes("kernel_shape", kernel);
        if (kernel != null && !shape.SequenceEqual(kernel))
            throw attributes.Refuse("kernel_shape", shape, $"the weights' window is [{string.Join(", ", kernel)}].");
        var strides = Axes("strides", ones);
        var dilations = Axes("dilations", ones);
        string autoPad = attributes.String("auto_pad") ?? "NOTSET";
        var pads = attributes.Ints("pads") ?? new long[2 * axes];
        if (pads.Length != 2 * axes)
            throw attributes.Refuse("pads", pads, $"expected {2 * axes} values, a begin and an end pad per spatial axis.");
        if (pads.Any(p => p < 0 || p > int.MaxValue)) throw attributes.Refuse("pads", pads, "expected pads of 0 or more.");
        if (autoPad != "NOTSET" && pads.Any(p => p != 0))
            throw attributes.Refuse("auto_pad", autoPad, "ONNX does not allow explicit pads beside it.");
        bool ceil = false;
        if (ceilMode)
        {
            long mode = attributes.Int("ceil_mode", 0);
            if (mode is not (0 or 1)) throw attributes.Refuse("ceil_mode", mode, "expected 0 or 1.");
            ceil = mode == 1;
        }

        var output = new int[axes];
        var before = new long[axes];
        for (int a = 0; a < axes; a++)
        {
            long size = positions[a], span = (shape[a] - 1L) * dilations[a] + 1, stride = strides[a];
            long length;
            switch (autoPad)
            {
                case "NOTSET":
                    before[a] = pads[a];
                    long room = size + pads[a] + pads[axes + a] - span;
                    length = room < 0 ? 0 : (ceil ? (room + stride - 1) / stride : room / stride) + 1;
                    // As PyTorch and ONNX Runtime: a last window that would start in the end padding is dropped.
                    if (ceil && length > 0 && (length - 1) * stride >= size + pads[a]) length--;
                    break;
                case "VALID":
                    length = size >= span ? (size - span) / stride + 1 : 0;
                    break;
                case "SAME_UPPER" or "SAME_LOWER":
                    length = (size + stride - 1) / stride;
                    long total = Math.Max((length - 1) * stride + span - size, 0);
                    before[a] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    break;
                default:
                    throw attributes.Refuse("auto_pad", autoPad, "expected NOTSET, VALID, SAME_UPPER or SAME_LOWER.");
            }
            if (length <= 0)
                throw attributes.Error("kernel_shape", $"attribute kernel_shape={NodeAttributes.Format(shape)}: the window (dilations {NodeAttributes.Format(dilations)}) does not fit the {Positions(positions)} input with its pads.");
            output[a] = (int)length;
        }

        Padding[] candidates = causal ? [Padding.Valid, Padding.Same, Padding.Causal] : [Padding.Valid, Padding.Same];
        foreach (var padding in candidates)
        {
            bool matches = true;
            for (int a = 0; a < axes && matches; a++)
                matches = ConvGeometry.Axis(positions[a], shape[a], strides[a], padding, dilations[a]) == (output[a], before[a]);
            if (matches) return new Window(shape, strides, dilations, padding, output);
        }
        string keras = string.Join("; ", candidates.Select(p =>
        {
            var axesOut = Enumerable.Range(0, axes).Select(a => ConvGeometry.Axis(positions[a], shape[a], strides[a], p, dilations[a])).ToArray();
            return $"'{p.ToString().ToLowerInvariant()}' gives ({string.Join(", ", axesOut.Select(x => x.Out))}) padded ({string.Join(", ", axesOut.Select(x => x.PadBefore))}) before";
        }));
        string found = $"give ({string.Join(", ", output)}) windows padded ({string.Join(", ", before)}) before on the {Positions(positions)} input";
        string why = $"{found}, which no padding of Tailor's gives ({keras}); Tailor has no explicit padding.";
        if (pads.Any(p => p != 0)) throw attributes.Refuse("pads", pads, $"with kernel_shape {NodeAttributes.Format(shape)} and strides {NodeAttributes.Format(strides)} these {why}");
        if (ceil) throw attributes.Refuse("ceil_mode", 1L, $"with kernel_shape {NodeAttributes.Format(shape)} and strides {NodeAttributes.Format(strides)} it would {why}");
        throw attributes.Refuse("auto_pad", autoPad, $"with kernel_shape {NodeAttributes.Format(shape)} and strides {NodeAttributes.Format(strides)} it would {why}");
    }

    private static string Positions(int[] positions) => string.Join(" x ", positions);

    /// <summary>Whether some window covers padding (cells outside the input), which an average that counts pads would include.</summary>
    public bool Pads(int[] positions)
    {
        for (int a = 0; a < positions.Length; a++)
        {
            int before = ConvGeometry.Axis(positions[a], Kernel[a], Strides[a], Padding, Dilations[a]).PadBefore;
            long lastEnd = (Output[a] - 1L) * Strides[a] + (Kernel[a] - 1L) * Dilations[a] + 1 - before;
            if (before > 0 || lastEnd > positions[a]) return true;
        }
        return false;
    }
}
