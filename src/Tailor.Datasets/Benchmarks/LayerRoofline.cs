using System.Diagnostics;
using Tailor.Data;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Studies;
using Tailor.Tensors;

namespace Tailor.Benchmarks;

/// <summary>The three steps of a layer in training: its forward pass, dL/d(input) and dL/d(weights).</summary>
internal enum LayerStep { Forward, InputGradient, WeightGradient }

/// <summary>Which ceiling bounds a step: the FMA peak, the memory bandwidth, or neither (a view that moves nothing).</summary>
internal enum RooflineBound { Compute, Memory, None }

/// <summary>What one step of one layer computes and moves, for one batch.</summary>
internal readonly record struct StepCost(double Flops, double Bytes);

/// <summary>One step of one layer: its cost, its median time, and where that puts it under the roofline.</summary>
internal sealed record LayerStepFigures(string Layer, string Type, LayerStep Step, double Flops, double Bytes, double Seconds)
{
    public double Gflops => Seconds > 0 ? Flops / Seconds / 1e9 : double.NaN;
    public double GBs => Seconds > 0 ? Bytes / Seconds / 1e9 : double.NaN;

    /// <summary>FLOPs per byte moved.</summary>
    public double Intensity => Bytes > 0 ? Flops / Bytes : double.NaN;

    public RooflineBound Bound(double peakGflops, double bandwidthGBs) => LayerRoofline.Bound(Flops, Bytes, peakGflops, bandwidthGBs);

    /// <summary>The roofline's shortest time for this step over the measured time: 1 is on the roof.</summary>
    public double RoofShare(double peakGflops, double bandwidthGBs) => LayerRoofline.RoofShare(Flops, Bytes, Seconds, peakGflops, bandwidthGBs);
}

/// <summary>A model's training step, layer by layer, at its batch size.</summary>
internal sealed record LayerRooflineReport(string Model, int BatchSize, double StepSeconds, IReadOnlyList<LayerStepFigures> Steps,
    double PeakGflops, double BandwidthGBs, int Repeats)
{
    public double LayerSeconds => Steps.Sum(s => s.Seconds);

    public Dictionary<string, object?> ToJson() => new()
    {
        ["model"] = Model, ["batch_size"] = BatchSize, ["repeats"] = Repeats, ["train_step_s"] = StepSeconds, ["layer_steps_s"] = LayerSeconds,
        ["other_s"] = StepSeconds - LayerSeconds, ["fma_peak_gflops"] = PeakGflops, ["memory_bandwidth_gbs"] = BandwidthGBs,
        ["steps"] = Steps.Select(s => new Dictionary<string, object?>
        {
            ["layer"] = s.Layer, ["type"] = s.Type, ["step"] = LayerRoofline.StepName(s.Step), ["flops"] = s.Flops, ["bytes"] = s.Bytes,
            ["seconds"] = s.Seconds, ["share_of_step"] = s.Seconds / StepSeconds,
            ["gflops"] = Finite(s.Gflops), ["gbs"] = Finite(s.GBs), ["flops_per_byte"] = Finite(s.Intensity),
            ["bound"] = s.Bound(PeakGflops, BandwidthGBs).ToString().ToLowerInvariant(),
            ["peak_share"] = Finite(s.Gflops / PeakGflops), ["bandwidth_share"] = Finite(s.GBs / BandwidthGBs),
            ["roof_share"] = Finite(s.RoofShare(PeakGflops, BandwidthGBs)),
        }).ToList(),
    };

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}

/// <summary>
/// A roofline of a training step: for each layer's forward, input-gradient and weight-gradient step, its
/// FLOPs, the bytes it must move, its median time (warm, repeated calls on one real batch) and the bound
/// it is under, against the FMA peak and a copy loop's bandwidth measured in the same run.
/// <para>
/// The cost model. FLOPs: 2 per multiply-add of the matrix work (as <see cref="FlopCounter"/>), the same
/// for each of the three steps of Dense and Conv2D (bias and activation, a few per output, are left out);
/// one per input value for max pooling's forward and dropout's scaling, none for a view (Flatten) or for
/// pooling's backward, which only routes values. Bytes: 4 per float of each tensor the step reads or
/// writes, counted once: forward reads the input and the weights and writes the output; the weight
/// gradient reads the input, dL/d(output) and (for an activation other than linear) the output for its
/// mask, and writes the weight gradients; the input gradient reads dL/d(output) and the weights and writes
/// dL/d(input). Pooling adds its argmax (one int per output), dropout its mask (one float per value).
/// Buffers inside a step (im2col patches, dL/dz) and re-reads that the caches miss are not counted, so
/// for a convolution the bytes are a lower bound and its arithmetic intensity an upper bound.
/// </para>
/// <para>
/// The timing. Each layer's forward and backward calls are timed inside whole forward-and-backward passes
/// over one batch (the median over the repeats), so that each meets the caches as a training step leaves
/// them; the optimizer does not run, so every pass sees the same weights. Backward is one call per layer:
/// its time is split between the weight gradient and the input gradient in the proportion measured by
/// timing the call warm, alternately with the input gradient switched off (the weight gradient, with the
/// activation's mask and the bias sums) and on. A first layer computes no input gradient in training, and
/// a layer without weights no weight gradient.
/// </para>
/// </summary>
internal static class LayerRoofline
{
    public static string StepName(LayerStep step) => step switch
    {
        LayerStep.Forward => "forward",
        LayerStep.InputGradient => "input gradient",
        _ => "weight gradient",
    };

    /// <summary>What <paramref name="step"/> of a built <paramref name="layer"/> costs for a batch, or null when training does not run that step.</summary>
    public static StepCost? Cost(Layer layer, LayerStep step, int batch, bool firstLayer)
    {
        if (step == LayerStep.InputGradient && firstLayer) return null;
        if (step == LayerStep.WeightGradient && layer.TrainableParameterCount == 0) return null;
        double input = (double)batch * Tensor.SizeOf(layer.InputShape), output = (double)batch * Tensor.SizeOf(layer.OutputShape);
        double weights = layer.ParameterCount;
        const double F = sizeof(float);
        switch (layer)
        {
            case Dense or Conv2D:
                double flops = batch * FlopCounter.Forward(layer);
                bool masked = ((ActivatedLayer)layer).Activation != Activation.Linear;
                return step switch
                {
                    LayerStep.Forward => new StepCost(flops, F * (input + weights + output)),
                    LayerStep.WeightGradient => new StepCost(flops, F * (input + output + (masked ? output : 0) + weights)),
                    _ => new StepCost(flops, F * (output + weights + input)),
                };
            case Flatten or Reshape:
                return new StepCost(0, 0);
            case MaxPooling2D:
                return step == LayerStep.Forward
                    ? new StepCost(input, F * (input + output + output))
                    : new StepCost(0, F * (output + output + input));
            case Dropout:
                return new StepCost(input, F * (input + input + output));
            default:
                // Element-wise: one operation per output value, the input and the output moved once.
                return new StepCost(output, F * (input + output));
        }
    }

    /// <summary>Compute-bound when the step's FLOPs per byte reach the ridge point (peak over bandwidth), memory-bound below it.</summary>
    public static RooflineBound Bound(double flops, double bytes, double peakGflops, double bandwidthGBs)
    {
        CheckCeilings(peakGflops, bandwidthGBs);
        if (flops <= 0 && bytes <= 0) return RooflineBound.None;
        if (bytes <= 0) return RooflineBound.Compute;
        return flops / bytes >= peakGflops / bandwidthGBs ? RooflineBound.Compute : RooflineBound.Memory;
    }

    /// <summary>The least time the roofline allows (the slower of computing at the peak and moving at the bandwidth) over <paramref name="seconds"/>.</summary>
    public static double RoofShare(double flops, double bytes, double seconds, double peakGflops, double bandwidthGBs)
    {
        CheckCeilings(peakGflops, bandwidthGBs);
        if (!(seconds > 0)) return double.NaN;
        return Math.Max(flops / (peakGflops * 1e9), bytes / (bandwidthGBs * 1e9)) / seconds;
    }

    private static void CheckCeilings(double peakGflops, double bandwidthGBs)
    {
        if (!(peakGflops > 0) || !(bandwidthGBs > 0))
            throw new ArgumentOutOfRangeException(nameof(peakGflops), $"The roofline needs a positive peak and bandwidth, received {peakGflops} GFLOP/s and {bandwidthGBs} GB/s.");
    }

    /// <summary>
    /// Trains <paramref name="kind"/> for an epoch on the sample (so that activations and gradients are a
    /// trained model's), then times each layer's steps on one batch of the model's batch size, and a whole
    /// training step (TrainOnBatch: layers, loss and optimizer) for comparison.
    /// </summary>
    public static LayerRooflineReport Measure(FashionSample sample, NotebookModel kind, double peakGflops, double bandwidthGBs, int repeats = 21)
    {
        int batch = kind.DefaultBatchSize();
        var model = NotebookModels.Create(kind, seed: 1);
        model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
        var x = TrainingRun.Inputs(sample.Train, kind);
        model.Fit(x, sample.Train.OneHot, epochs: 1, batchSize: batch, verbose: 0, seed: 2);
        var xb = x.Slice(0, batch);
        var yb = sample.Train.OneHot.Slice(0, batch);

        // Whole steps, each layer's calls timed where they fall, so that every layer meets the caches as training leaves them.
        var layers = model.Layers;
        int count = layers.Count;
        var forward = new double[count, repeats];
        var backward = new double[count, repeats];
        var outputGradients = new Tensor[count];
        var lossGradient = new Tensor(batch, model.OutputLength);
        var stepTimes = new double[repeats];
        for (int r = -2; r < repeats; r++)
        {
            // A whole training step next to each timed pass, so that both meet the same stretch of a shared machine.
            long stepStart = Stopwatch.GetTimestamp();
            model.TrainOnBatch(xb, yb);
            if (r >= 0) stepTimes[r] = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
            var current = xb;
            for (int i = 0; i < count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                current = layers[i].Forward(current, training: true);
                if (r >= 0) forward[i, r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            // dL/dz of softmax with cross-entropy, as the trainer hands it to the last layer: (p - y) / batch.
            var p = current.Span; var y = yb.Span; var g = lossGradient.Span;
            for (int j = 0; j < g.Length; j++) g[j] = (p[j] - y[j]) / batch;
            Tensor? upstream = lossGradient;
            for (int i = count - 1; i >= 0 && upstream != null; i--)
            {
                outputGradients[i] = upstream;
                long start = Stopwatch.GetTimestamp();
                upstream = layers[i].Backward(upstream);
                if (r >= 0) backward[i, r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }

        var steps = new List<LayerStepFigures>();
        for (int i = 0; i < count; i++)
        {
            var layer = layers[i];
            string name = layer.Name ?? layer.NamePrefix;
            void Add(LayerStep step, double seconds)
            {
                if (Cost(layer, step, batch, i == 0) is StepCost c) steps.Add(new LayerStepFigures(name, layer.TypeName, step, c.Flops, c.Bytes, seconds));
            }
            Add(LayerStep.Forward, MedianOf(forward, i));
            double back = MedianOf(backward, i);
            bool hasWeights = layer.TrainableParameterCount > 0, hasInputGradient = i > 0;
            if (hasWeights && hasInputGradient)
            {
                double weightShare = WeightGradientShare(layer, outputGradients[i], repeats);
                Add(LayerStep.WeightGradient, weightShare * back);
                Add(LayerStep.InputGradient, (1 - weightShare) * back);
            }
            else Add(hasWeights ? LayerStep.WeightGradient : LayerStep.InputGradient, back);
        }
        return new LayerRooflineReport(kind.CliName(), batch, EpochBenchmark.Median(stepTimes), steps, peakGflops, bandwidthGBs, repeats);
    }

    private static double MedianOf(double[,] times, int row) =>
        EpochBenchmark.Median(Enumerable.Range(0, times.GetLength(1)).Select(r => times[row, r]).ToArray());

    /// <summary>
    /// The weight gradient's share of a backward call: the call timed warm, alternately with the input gradient off
    /// (the weight gradient, the activation's mask and the bias sums) and on, the median of one over the median of the other.
    /// </summary>
    private static double WeightGradientShare(Layer layer, Tensor dy, int repeats)
    {
        var (weightOnly, both) = PairedTimes(layer, dy, repeats);
        return Math.Clamp(EpochBenchmark.Median(weightOnly) / EpochBenchmark.Median(both), 0, 1);
    }

    /// <summary>Backward without and with the input gradient, alternating, <paramref name="repeats"/> times each after a warm-up.</summary>
    private static (double[] WeightOnly, double[] Both) PairedTimes(Layer layer, Tensor dy, int repeats)
    {
        var weightOnly = new double[repeats];
        var both = new double[repeats];
        try
        {
            for (int r = -2; r < repeats; r++)
            {
                layer.ComputeInputGradient = false;
                double a = Time(() => layer.Backward(dy));
                layer.ComputeInputGradient = true;
                double b = Time(() => layer.Backward(dy));
                if (r >= 0) { weightOnly[r] = a; both[r] = b; }
            }
        }
        finally { layer.ComputeInputGradient = true; }
        return (weightOnly, both);
    }

    private static double MedianTime(Action action, int repeats)
    {
        var times = new double[repeats];
        for (int r = -2; r < repeats; r++)
        {
            double t = Time(action);
            if (r >= 0) times[r] = t;
        }
        return EpochBenchmark.Median(times);
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
