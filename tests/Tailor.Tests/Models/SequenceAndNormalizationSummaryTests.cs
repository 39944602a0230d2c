using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Models;

namespace Tailor.Tests.Models;

/// <summary>
/// Summary() of models with sequence layers and BatchNormalization: Keras's shapes and counts, moving
/// statistics counted as non-trainable, and names longer than their column continued on the next
/// line as Keras 2's print_row does (which shifts that row's shape by one column, as there).
/// </summary>
public class SequenceAndNormalizationSummaryTests
{
    [Fact]
    public void Batch_normalization_counts_its_moving_statistics_as_non_trainable()
    {
        var model = new Sequential([new Dense(64), new BatchNormalization(), new ActivationLayer(Activation.Relu), new Dense(10, Activation.Softmax)]);
        model.Build(784);
        AssertLines("""
            Model: "sequential"
            ______________________________________________________________________
             Layer (type)                     Output Shape              Param #
            ======================================================================
             dense (Dense)                    (None, 64)                50,240

             batch_normalization (BatchNormal  (None, 64)               256
             ization)

             activation (Activation)          (None, 64)                0

             dense_1 (Dense)                  (None, 10)                650
            ======================================================================
            Total params: 51,146 (199.79 KB)
            Trainable params: 51,018 (199.29 KB)
            Non-trainable params: 128 (512.00 Byte)
            ______________________________________________________________________
            """, model.Summary());
        Assert.Equal(51_146, model.ParameterCount);
    }

    [Fact]
    public void Sequence_convnet_has_Keras_shapes_and_counts()
    {
        var model = new Sequential(
        [
            new Reshape(28, 28),
            new Conv1D(64, 3, activation: Activation.Relu),
            new MaxPooling1D(2),
            new Conv1D(128, 3, padding: Padding.Same, activation: Activation.Relu),
            new GlobalAveragePooling1D(),
            new Dense(10, Activation.Softmax),
        ]);
        model.Build(28, 28, 1);
        AssertLines("""
            Model: "sequential"
            ______________________________________________________________________
             Layer (type)                     Output Shape              Param #
            ======================================================================
             reshape (Reshape)                (None, 28, 28)            0

             conv1d (Conv1D)                  (None, 26, 64)            5,440

             max_pooling1d (MaxPooling1D)     (None, 13, 64)            0

             conv1d_1 (Conv1D)                (None, 13, 128)           24,704

             global_average_pooling1d (Global  (None, 128)              0
             AveragePooling1D)

             dense (Dense)                    (None, 10)                1,290
            ======================================================================
            Total params: 31,434 (122.79 KB)
            Trainable params: 31,434 (122.79 KB)
            Non-trainable params: 0 (0.00 Byte)
            ______________________________________________________________________
            """, model.Summary());
    }

    private static void AssertLines(string expected, string actual)
    {
        string[] Lines(string text) => text.Replace("\r\n", "\n").Split('\n');
        var want = Lines(expected);
        var got = Lines(actual);
        for (int i = 0; i < Math.Min(want.Length, got.Length); i++)
            Assert.True(want[i] == got[i], $"line {i + 1}:{Environment.NewLine}expected [{want[i]}]{Environment.NewLine}received [{got[i]}]");
        Assert.Equal(want.Length, got.Length);
    }
}
