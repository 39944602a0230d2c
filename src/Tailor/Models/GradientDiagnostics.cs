using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Tailor.Layers;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>What <see cref="GradientDiagnostics"/> saw of one layer at one record.</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="GradientNorm">L2 norm of the layer's trainable gradients (all its weights together), averaged over the batches since the last record; NaN for layers without weights.</param>
/// <param name="WeightNorm">L2 norm of the layer's trainable weights at the record; NaN for layers without weights.</param>
/// <param name="ActivationMean">Mean of the layer's outputs for the probe batch (inference mode); NaN without a probe.</param>
/// <param name="ActivationStd">Standard deviation of those outputs; NaN without a probe.</param>
public sealed record LayerDiagnostics(string Layer, double GradientNorm, double WeightNorm, double ActivationMean, double ActivationStd);

/// <summary>One record: after which batch it was taken, and each layer's figures.</summary>
/// <param name="Epoch">0-based, as callbacks count.</param>
/// <param name="Batch">0-based within the epoch.</param>
/// <param name="Progress">Epochs of training done at the record: 1.5 is the middle of the second epoch.</param>
/// <param name="Layers">Each layer's figures, in model order.</param>
public sealed record DiagnosticsRecord(int Epoch, int Batch, double Progress, IReadOnlyList<LayerDiagnostics> Layers);

/// <summary>
/// Watches the gradients inside a network during <c>Sequential.Fit</c>: per layer, the norm of its
/// gradients (taken before the optimizer clips them), the norm of its weights and, given a probe batch,
/// the mean and standard deviation of its outputs. Records once per epoch, or every
/// <c>everyBatches</c> batches. Between records it only adds one sum of squares per parameter into
/// buffers sized at the start, so a batch allocates nothing.
/// </summary>
public sealed class GradientDiagnostics : Callback
{
    private readonly Tensor? _probe;
    private readonly int _everyBatches;
    private readonly List<DiagnosticsRecord> _records = [];
    private double[] _gradientNormSums = [];
    private int _batchesSinceRecord;
    private int _stepsPerEpoch;

    /// <param name="probe">Inputs whose activations are measured at each record (a few hundred samples are plenty); none: no activation statistics.</param>
    /// <param name="everyBatches">Record every this many batches; 0 records at the end of each epoch.</param>
    public GradientDiagnostics(Tensor? probe = null, int everyBatches = 0)
    {
        if (everyBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(everyBatches), $"Received an invalid value for `every_batches`, expected 0 (once per epoch) or a positive integer. Received: every_batches={everyBatches}");
        _probe = probe;
        _everyBatches = everyBatches;
    }

    public IReadOnlyList<DiagnosticsRecord> Records => _records;

    public override void OnTrainBegin(TrainingInfo info)
    {
        var model = Model!;
        if (_probe != null && !_probe.Shape[1..].SequenceEqual(model.InputShape))
            throw new ArgumentException($"The probe batch of GradientDiagnostics has shape {_probe.ShapeString}; model '{model.Name}' takes {Layer.FormatBatchShape(model.InputShape)}.");
        _gradientNormSums = new double[model.Layers.Count];
        _batchesSinceRecord = 0;
        _stepsPerEpoch = info.StepsPerEpoch;
    }

    public override void OnBatchGradients(int epoch, int batch)
    {
        var layers = Model!.Layers;
        for (int i = 0; i < layers.Count; i++) _gradientNormSums[i] += Math.Sqrt(SumOfSquares(layers[i], gradients: true));
        _batchesSinceRecord++;
    }

    public override void OnBatchEnd(int epoch, int batch, double loss)
    {
        bool due = _everyBatches > 0 ? (epoch * _stepsPerEpoch + batch + 1) % _everyBatches == 0 : batch == _stepsPerEpoch - 1;
        if (due) Record(epoch, batch);
    }

    private void Record(int epoch, int batch)
    {
        var model = Model!;
        var result = new LayerDiagnostics[model.Layers.Count];
        Tensor? current = _probe;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            bool hasWeights = layer.TrainableParameterCount > 0;
            double gradient = hasWeights && _batchesSinceRecord > 0 ? _gradientNormSums[i] / _batchesSinceRecord : double.NaN;
            double weights = hasWeights ? Math.Sqrt(SumOfSquares(layer, gradients: false)) : double.NaN;
            double mean = double.NaN, std = double.NaN;
            if (current != null)
            {
                // Inference mode: no moving statistic or dropout mask moves, so training is undisturbed.
                current = layer.Forward(current, training: false);
                (mean, std) = MeanAndStd(current.Span);
            }
            result[i] = new LayerDiagnostics(layer.Name!, gradient, weights, mean, std);
        }
        _records.Add(new DiagnosticsRecord(epoch, batch, epoch + (batch + 1) / (double)_stepsPerEpoch, result));
        Array.Clear(_gradientNormSums);
        _batchesSinceRecord = 0;
    }

    private static double SumOfSquares(Layer layer, bool gradients)
    {
        double sum = 0;
        var parameters = layer.Parameters;
        for (int p = 0; p < parameters.Count; p++)
        {
            if (!parameters[p].Trainable) continue;
            var values = gradients ? parameters[p].Gradient.Span : parameters[p].Value.Span;
            sum += TensorPrimitives.SumOfSquares((ReadOnlySpan<float>)values);
        }
        return sum;
    }

    private static (double Mean, double Std) MeanAndStd(ReadOnlySpan<float> values)
    {
        double sum = 0, squares = 0;
        foreach (float v in values) sum += v;
        double mean = sum / values.Length;
        foreach (float v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / values.Length));
    }

    /// <summary>One layer's gradient norm at every record, for plots.</summary>
    public double[] GradientNorms(string layer) => Column(layer, l => l.GradientNorm);

    public double[] WeightNorms(string layer) => Column(layer, l => l.WeightNorm);

    /// <summary>The training progress (in epochs) of every record, the x axis of the plots.</summary>
    public double[] Progress() => _records.Select(r => r.Progress).ToArray();

    private double[] Column(string layer, Func<LayerDiagnostics, double> value)
    {
        if (_records.Count > 0 && _records[0].Layers.All(l => l.Layer != layer))
            throw new ArgumentException($"GradientDiagnostics has no layer '{layer}'. Layers: {string.Join(", ", _records[0].Layers.Select(l => l.Layer))}.");
        return _records.Select(r => value(r.Layers.First(l => l.Layer == layer))).ToArray();
    }
}
