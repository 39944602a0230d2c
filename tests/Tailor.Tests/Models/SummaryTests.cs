using Tailor.Layers.Core;
using Tailor.Models;

namespace Tailor.Tests.Models;

/// <summary>Summary() of the notebook's models as the library ships them: Keras's names, output shapes, parameter counts and totals.</summary>
public class SummaryTests
{
    [Fact]
    public void Cnn_summary_has_Keras_shapes_and_counts()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn);
        AssertLines("""
            Model: "sequential"
            ______________________________________________________________________
             Layer (type)                     Output Shape              Param #
            ======================================================================
             conv2d (Conv2D)                  (None, 26, 26, 32)        320

             max_pooling2d (MaxPooling2D)     (None, 13, 13, 32)        0

             conv2d_1 (Conv2D)                (None, 11, 11, 64)        18,496

             max_pooling2d_1 (MaxPooling2D)   (None, 5, 5, 64)          0

             conv2d_2 (Conv2D)                (None, 3, 3, 64)          36,928

             flatten (Flatten)                (None, 576)               0

             dense (Dense)                    (None, 64)                36,928

             dense_1 (Dense)                  (None, 10)                650
            ======================================================================
            Total params: 93,322 (364.54 KB)
            Trainable params: 93,322 (364.54 KB)
            Non-trainable params: 0 (0.00 Byte)
            ______________________________________________________________________
            """, model.Summary());
        Assert.Equal(93_322, model.ParameterCount);
    }

    [Fact]
    public void Dense_summary_has_Keras_shapes_and_counts()
    {
        var model = NotebookModels.Create(NotebookModel.Dense);
        AssertLines("""
            Model: "sequential"
            ______________________________________________________________________
             Layer (type)                     Output Shape              Param #
            ======================================================================
             dense (Dense)                    (None, 128)               100,480

             dense_1 (Dense)                  (None, 64)                8,256

             dense_2 (Dense)                  (None, 10)                650
            ======================================================================
            Total params: 109,386 (427.29 KB)
            Trainable params: 109,386 (427.29 KB)
            Non-trainable params: 0 (0.00 Byte)
            ______________________________________________________________________
            """, model.Summary());
        Assert.Equal(109_386, model.ParameterCount);
    }

    [Fact]
    public void Summary_before_build_says_how_to_build()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Sequential([new Flatten(), new Dense(10)]).Summary());
        Assert.Contains("has not been built", e.Message);
        Assert.Contains("Build", e.Message);
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
