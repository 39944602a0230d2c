using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Tests.Models;

namespace Tailor.Tests.Callbacks;

/// <summary>Small models and scripted epochs for callback tests.</summary>
internal static class CallbackHarness
{
    /// <summary>A built, compiled small CNN on 12x12x1 images with 3 classes.</summary>
    public static Sequential SmallCnn(string optimizer = "adam", ulong seed = 3)
    {
        var model = new Sequential(
        [
            new Conv2D(4, 3, activation: Activation.Relu),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(8, Activation.Relu),
            new Dense(3, Activation.Softmax),
        ], seed: seed);
        model.Compile(optimizer, "categorical_crossentropy", "accuracy");
        model.Build(12, 12, 1);
        return model;
    }

    /// <summary>
    /// Few training images, a third of them with a wrong label, and many clean validation ones: the
    /// model first learns the pattern, then memorises the wrong labels, and val_loss turns up.
    /// </summary>
    public static (Tensor X, Tensor Y, Tensor ValX, Tensor ValY) OverfittingData()
    {
        var (x, y, _) = SyntheticData.Images(48, 12, 12, 3, seed: 11);
        for (int n = 0; n < 48; n += 3)
        {
            int label = Enumerable.Range(0, 3).First(c => y[n, c] == 1);
            y[n, label] = 0;
            y[n, (label + 1) % 3] = 1;
        }
        var (vx, vy, _) = SyntheticData.Images(200, 12, 12, 3, seed: 12);
        return (x, y, vx, vy);
    }

    /// <summary>Drives a callback through epochs whose logs hold the given values of one key, as Fit would; returns the epochs run.</summary>
    public static int Script(Callback callback, Sequential model, string key, params double[] values)
    {
        callback.Model = model;
        model.StopTraining = false;
        callback.OnTrainBegin(new TrainingInfo(values.Length, 0, 1, 1, 1, 1));
        int epoch = 0;
        for (; epoch < values.Length && !model.StopTraining; epoch++)
        {
            callback.OnEpochBegin(epoch);
            callback.OnEpochEnd(epoch, new Dictionary<string, double> { [key] = values[epoch], ["loss"] = 1 });
        }
        callback.OnTrainEnd(new History());
        return epoch;
    }
}

/// <summary>Keeps a copy of the weights after every epoch.</summary>
internal sealed class WeightRecorder : Callback
{
    public List<float[][]> Epochs { get; } = [];

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Epochs.Add(Model!.GetWeights());
}
