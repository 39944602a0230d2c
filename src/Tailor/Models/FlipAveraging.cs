using Tailor.Metrics;
using Tailor.Models.Training;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// Test-time augmentation by a horizontal flip: the model's outputs on the images and on their mirror images,
/// averaged, as the usual recipe for image classifiers does at evaluation (a left shoe is still a shoe).
/// </summary>
public static class FlipAveraging
{
    extension(Model model)
    {
        /// <summary>
        /// The mean of <c>Predict(x)</c> and <c>Predict(x mirrored left to right)</c>: x holds images (samples,
        /// height, width, channels) in the shape the model takes; anything else is refused in one line.
        /// </summary>
        public Tensor PredictFlipAveraged(Tensor x, int batchSize = 32, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(x);
            if (x.Rank != 4)
                throw new ArgumentException($"Flip averaging mirrors images of (samples, height, width, channels); model '{model.Name}' was given {Tensor.Format(x.Shape)}.", nameof(x));
            var plain = model.Predict(x, batchSize, cancellationToken);
            var mirrored = model.Predict(Mirror(x), batchSize, cancellationToken);
            var average = plain.Span;
            System.Numerics.Tensors.TensorPrimitives.Add(average, mirrored.Span, average);
            System.Numerics.Tensors.TensorPrimitives.Multiply(average, 0.5f, average);
            return plain;
        }

        /// <summary>
        /// Loss (mean, with the weights' penalties) and accuracy of the flip-averaged predictions over the images of
        /// <paramref name="data"/> in their order, <paramref name="batchSize"/> at a time, so that a streamed source is
        /// never held whole: <see cref="Model.Evaluate(BatchSource, int, float[], CancellationToken)"/> under test-time flips.
        /// </summary>
        public Evaluation EvaluateFlipAveraged(BatchSource data, int batchSize = 32, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(data);
            var loss = model.Loss ?? throw new InvalidOperationException($"Model '{model.Name}' is not compiled: it has no loss to evaluate with.");
            if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch_size must be positive, received {batchSize}.");
            int samples = data.Count;
            if (samples == 0) throw new ArgumentException("EvaluateFlipAveraged received no samples.", nameof(data));
            int[] order = [.. Enumerable.Range(0, samples)];
            double lossSum = 0;
            long correct = 0;
            int outputs = 0;
            data.BeginPass(order, 0, batchSize);
            try
            {
                for (int start = 0; start < samples; start += batchSize)
                {
                    int count = Math.Min(batchSize, samples - start);
                    var x = new Tensor([count, .. data.InputShape]);
                    var y = new Tensor([count, .. data.TargetShape]);
                    data.Gather(order, start, count, x, y);
                    var predictions = model.PredictFlipAveraged(x, batchSize, cancellationToken);
                    outputs = predictions.ItemLength;
                    lossSum += (double)loss.Compute(predictions.Span, y.Span, count, outputs, default) * count;
                    correct += Accuracy.CountCorrect(loss, predictions.Span, y.Span, count, outputs);
                }
            }
            finally { data.EndPass(); }
            return new Evaluation(lossSum / samples + model.Penalty(), (double)correct / (samples * Accuracy.CountPerSample(loss, outputs)));
        }

        /// <summary>
        /// Loss (mean, with the weights' penalties, as Evaluate gives it) and accuracy of <paramref name="predictions"/>
        /// (e.g. <see cref="PredictFlipAveraged"/>'s) against <paramref name="y"/>, under the model's compiled loss.
        /// </summary>
        public Evaluation EvaluatePredictions(Tensor predictions, Tensor y)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(predictions);
            ArgumentNullException.ThrowIfNull(y);
            var loss = model.Loss ?? throw new InvalidOperationException($"Model '{model.Name}' is not compiled: it has no loss to evaluate with.");
            int samples = predictions.Dim(0), outputs = predictions.ItemLength;
            if (y.Dim(0) != samples) throw new ArgumentException($"{samples} predictions were given for {y.Dim(0)} targets.", nameof(y));
            if (samples == 0) throw new ArgumentException("No predictions were given.", nameof(predictions));
            double lossValue = loss.Compute(predictions.Span, y.Span, samples, outputs, default);
            long correct = Accuracy.CountCorrect(loss, predictions.Span, y.Span, samples, outputs);
            return new Evaluation(lossValue + model.Penalty(), (double)correct / (samples * Accuracy.CountPerSample(loss, outputs)));
        }
    }

    /// <summary>Each image of (samples, height, width, channels) mirrored left to right, in a new tensor.</summary>
    public static Tensor Mirror(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 4) throw new ArgumentException($"Mirroring takes images of (samples, height, width, channels), received {Tensor.Format(images.Shape)}.", nameof(images));
        int rows = images.Dim(0) * images.Dim(1), width = images.Dim(2), channels = images.Dim(3);
        var result = new Tensor([.. images.Shape]);
        var source = images.Span;
        var target = result.Span;
        for (int r = 0; r < rows; r++)
            for (int column = 0; column < width; column++)
                source.Slice((r * width + column) * channels, channels).CopyTo(target.Slice((r * width + width - 1 - column) * channels, channels));
        return result;
    }
}
