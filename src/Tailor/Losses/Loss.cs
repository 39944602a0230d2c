using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>
/// A loss over a batch of predictions (batch x outputs). Targets are one value per output, or for
/// the sparse loss one class index per sample. Values are means over the batch, as Keras reports them.
/// </summary>
public abstract class Loss
{
    /// <summary>Keras's name: "categorical_crossentropy" and so on.</summary>
    public abstract string Name { get; }

    /// <summary>Values per sample the targets hold, for <paramref name="outputs"/> predicted values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public virtual int TargetLength(int outputs) => outputs;

    /// <summary>Returns the mean loss; when <paramref name="gradient"/> is not empty writes dL/d(prediction) into it.</summary>
    public abstract float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient);

    /// <summary>Whether, after this output activation, the loss can give dL/dz directly (stable and cheaper).</summary>
    public virtual bool FusesWith(Activation activation) => false;

    /// <summary>dL/dz for the pre-activation of a fused output activation.</summary>
    public virtual void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient) =>
        throw new NotSupportedException($"{Name} does not fuse with an output activation.");

    public override string ToString() => Name;

    /// <summary>
    /// Keras's weighted loss: each sample's loss times its weight, summed and divided by the batch size
    /// ("sum_over_batch_size"); the gradient likewise. Empty <paramref name="sampleWeights"/> is the plain loss.
    /// </summary>
    public float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batch, int outputs, Span<float> gradient)
    {
        if (sampleWeights.IsEmpty) return Compute(predictions, targets, batch, outputs, gradient);
        CheckWeights(sampleWeights, batch);
        int targetLength = TargetLength(outputs);
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            var rowGradient = gradient.IsEmpty ? default : gradient.Slice(r * outputs, outputs);
            float loss = Compute(predictions.Slice(r * outputs, outputs), targets.Slice(r * targetLength, targetLength), 1, outputs, rowGradient);
            total += (double)sampleWeights[r] * loss;
            float scale = sampleWeights[r] / batch;
            for (int j = 0; j < rowGradient.Length; j++) rowGradient[j] *= scale;
        }
        return (float)(total / batch);
    }

    /// <summary><see cref="PreActivationGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float})"/> of the weighted loss.</summary>
    public void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batch, int outputs, Span<float> gradient)
    {
        if (sampleWeights.IsEmpty) { PreActivationGradient(predictions, targets, batch, outputs, gradient); return; }
        CheckWeights(sampleWeights, batch);
        int targetLength = TargetLength(outputs);
        for (int r = 0; r < batch; r++)
        {
            var rowGradient = gradient.Slice(r * outputs, outputs);
            PreActivationGradient(predictions.Slice(r * outputs, outputs), targets.Slice(r * targetLength, targetLength), 1, outputs, rowGradient);
            float scale = sampleWeights[r] / batch;
            for (int j = 0; j < outputs; j++) rowGradient[j] *= scale;
        }
    }

    private static void CheckWeights(ReadOnlySpan<float> sampleWeights, int batch)
    {
        if (sampleWeights.Length != batch) throw new ArgumentException($"{sampleWeights.Length} sample weights for a batch of {batch}.");
    }

    /// <summary>
    /// The settings that differ from the loss's defaults, with Keras's names ("from_logits", "label_smoothing");
    /// empty for a loss as <see cref="Parse"/> makes it, so that such a model's file is what it always was.
    /// </summary>
    public virtual Dictionary<string, object> GetOptions() => [];

    /// <summary>The loss <see cref="Parse"/> names, with the settings <see cref="GetOptions"/> wrote.</summary>
    public static Loss Create(string name, bool fromLogits, float labelSmoothing) => name?.Trim().ToLowerInvariant() switch
    {
        "categorical_crossentropy" => new CategoricalCrossentropy(fromLogits, labelSmoothing),
        "sparse_categorical_crossentropy" when labelSmoothing == 0 => new SparseCategoricalCrossentropy(fromLogits),
        "binary_crossentropy" => new BinaryCrossentropy(fromLogits, labelSmoothing),
        "mean_squared_error" or "mse" when !fromLogits && labelSmoothing == 0 => new MeanSquaredError(),
        _ when fromLogits || labelSmoothing != 0 => throw new ArgumentException($"Loss '{name}' takes no from_logits or label_smoothing."),
        _ => Parse(name!),
    };

    /// <summary>Keras's label_smoothing: a number in [0, 1].</summary>
    protected static float CheckSmoothing(float labelSmoothing) =>
        labelSmoothing is >= 0 and <= 1 ? labelSmoothing
            : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"label_smoothing must be in [0, 1], received {labelSmoothing}.");

    /// <summary>The options of a cross-entropy, as <see cref="GetOptions"/> writes them.</summary>
    protected static Dictionary<string, object> Options(bool fromLogits, float labelSmoothing)
    {
        var options = new Dictionary<string, object>();
        if (fromLogits) options["from_logits"] = true;
        if (labelSmoothing != 0) options["label_smoothing"] = labelSmoothing;
        return options;
    }

    public static readonly IReadOnlyList<string> Names = ["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error"];

    public static Loss Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "categorical_crossentropy" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(),
        "binary_crossentropy" => new BinaryCrossentropy(),
        "mean_squared_error" or "mse" => new MeanSquaredError(),
        _ => throw new ArgumentException($"Unknown loss '{name}'. Valid losses: {string.Join(", ", Names)}."),
    };

    /// <summary>Keras clips probabilities to [epsilon, 1 - epsilon] before taking logs.</summary>
    protected const float Epsilon = 1e-7f;

    protected static float Clip(float p) => Math.Clamp(p, Epsilon, 1 - Epsilon);
}
