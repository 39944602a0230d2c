using Tailor.Reports;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Tests.Reports;

/// <summary>A report with one of everything, shaped like the Fashion-MNIST study, from synthetic numbers.</summary>
internal static class SampleReport
{
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static HtmlReport Build()
    {
        double[] loss = [0.52, 0.36, 0.32, 0.29, 0.27, 0.25, 0.24, 0.23, 0.22, 0.21];
        double[] validationLoss = [0.40, 0.35, 0.33, 0.31, 0.30, 0.30, 0.31, 0.31, 0.32, 0.34];
        double[] accuracy = loss.Select(l => 1 - 0.6 * l).ToArray();
        double[] validationAccuracy = validationLoss.Select(l => 1 - 0.65 * l).ToArray();

        var report = new HtmlReport("Fashion-MNIST with Tailor <sample>");
        report.AddSection("Data")
            .Paragraph("60,000 training and 10,000 test images of 28x28 pixels, in 10 classes; 3 examples per class below.")
            .Image(ImageRendering.Grid(Garments(30), ClassNames.SelectMany(n => Enumerable.Repeat(n, 3)).ToArray(), columns: 6, scale: 2),
                "Three examples of each class", "Grid of example images")
            .Image(ImageRendering.Image(Garments(1).Reshape(28, 28, 1), ClassNames[9]), "One image, enlarged 8 times");
        report.AddSection("CNN")
            .Preformatted("""
                Model: "sequential"
                ┌─────────────────────────────────┬────────────────────────┬───────────────┐
                │ Layer (type)                    │ Output Shape           │       Param # │
                ├─────────────────────────────────┼────────────────────────┼───────────────┤
                │ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
                └─────────────────────────────────┴────────────────────────┴───────────────┘
                 Total params: 93,322
                """)
            .Paragraph("Training loss keeps falling while validation loss turns up after epoch 5: the model starts to overfit.")
            .Image(TrainingCurves.Loss(loss, validationLoss), "Training and validation loss")
            .Image(TrainingCurves.Accuracy(accuracy, validationAccuracy), "Training and validation accuracy")
            .Image(FeatureMaps.Render(Activations(26, 26, 32), "conv2d"), "Activations of the first convolution for one test image");
        report.AddSection("Results")
            .Table(["Model", "Parameters", "Test loss", "Test accuracy"],
                [["Dense", "109,386", "0.3512", "87.6%"], ["CNN", "93,322", "0.2611", "90.9%"], ["CNN + dropout", "93,322", "0.2304", "91.7%"]],
                caption: "Test set, 10,000 images")
            .Image(ClassProbabilityChart.Render(ClassNames, [0.01f, 0f, 0.02f, 0.01f, 0.05f, 0f, 0.12f, 0f, 0.01f, 0.78f], "Test image 17", trueClass: 6),
                "A wrong prediction: a shirt taken for an ankle boot")
            .Image(TrainingCurves.Overlay("Validation loss per fold", "Loss",
                Enumerable.Range(1, 3).Select(k => new NamedSeries($"Fold {k}", validationLoss.Select(v => v + 0.01 * k).ToArray())).ToArray()),
                "3-fold cross-validation");
        return report;
    }

    /// <summary>Blobs of different sizes standing in for garments.</summary>
    private static Tensor Garments(int count)
    {
        var pixels = new float[count * 28 * 28];
        for (int i = 0; i < count; i++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                {
                    double radius = 6 + i % 7;
                    double distance = Math.Sqrt((x - 14) * (x - 14) + (y - 14) * (y - 14) * 0.6);
                    pixels[(i * 28 + y) * 28 + x] = (float)Math.Clamp(1.2 - distance / radius, 0, 1);
                }
        return Tensor.FromArray(pixels, count, 28, 28, 1);
    }

    private static Tensor Activations(int height, int width, int channels)
    {
        var values = new float[height * width * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    values[(y * width + x) * channels + c] = MathF.Max(0, MathF.Sin(x * 0.25f * (c % 4 + 1)) + MathF.Cos(y * 0.2f * (c % 3 + 1)));
        return Tensor.FromArray(values, 1, height, width, channels);
    }
}
