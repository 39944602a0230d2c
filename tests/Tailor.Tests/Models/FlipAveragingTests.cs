using Tailor.Models;
using Tailor.Tensors;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Models;

public sealed class FlipAveragingTests
{
    [Fact]
    public void Mirroring_reverses_each_row_and_keeps_each_pixel_s_channels_together()
    {
        // 2 images of 2 x 3 pixels (odd width: the middle column stays) with 2 channels.
        var images = new Tensor([2, 2, 3, 2]);
        for (int i = 0; i < images.Length; i++) images.Span[i] = i;

        var mirrored = FlipAveraging.Mirror(images);

        for (int n = 0; n < 2; n++)
            for (int h = 0; h < 2; h++)
                for (int w = 0; w < 3; w++)
                    for (int c = 0; c < 2; c++)
                        Assert.Equal(images.Span[((n * 2 + h) * 3 + w) * 2 + c], mirrored.Span[((n * 2 + h) * 3 + (2 - w)) * 2 + c]);
        Assert.Equal(images.Span.ToArray(), FlipAveraging.Mirror(mirrored).Span.ToArray());
        Assert.Throws<ArgumentException>(() => FlipAveraging.Mirror(new Tensor([4, 784])));
    }

    [Fact]
    public void The_flip_average_is_the_mean_of_the_outputs_on_the_images_and_their_mirrors()
    {
        var (x, y) = ModelFileTests.SyntheticImages(9, 3);
        var model = ModelFileTests.MixedModel(dropout: false);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        model.Fit(x, y, epochs: 1, batchSize: 3, verbose: 0);

        var averaged = model.PredictFlipAveraged(x, batchSize: 4);

        var plain = model.Predict(x).Span.ToArray();
        var mirrored = model.Predict(FlipAveraging.Mirror(x)).Span.ToArray();
        Assert.NotEqual(plain, mirrored);
        for (int i = 0; i < plain.Length; i++) Assert.Equal((plain[i] + mirrored[i]) * 0.5f, averaged.Span[i]);
        var e = Assert.Throws<ArgumentException>(() => model.PredictFlipAveraged(new Tensor([2, 10])));
        Assert.Contains("(samples, height, width, channels)", e.Message);
    }

    [Fact]
    public void Evaluating_the_model_s_own_predictions_gives_evaluate_s_figures()
    {
        var (x, y) = ModelFileTests.SyntheticImages(30, 5);
        var model = ModelFileTests.MixedModel(dropout: false);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        model.Fit(x, y, epochs: 2, batchSize: 10, verbose: 0);

        var expected = model.Evaluate(x, y, batchSize: 7);
        var actual = model.EvaluatePredictions(model.Predict(x), y);

        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.Loss, actual.Loss, 5);
    }

    [Fact]
    public void Evaluating_a_batch_source_flip_averaged_gives_the_figures_of_the_whole_set_s_flip_average()
    {
        var (x, y) = ModelFileTests.SyntheticImages(23, 4);
        var model = ModelFileTests.MixedModel(dropout: false);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        model.Fit(x, y, epochs: 2, batchSize: 5, verbose: 0);

        var expected = model.EvaluatePredictions(model.PredictFlipAveraged(x), y);
        var actual = model.EvaluateFlipAveraged(new Tailor.Models.Training.TensorBatchSource(x, y), batchSize: 6); // 23 = 3 x 6 + 5

        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.Loss, actual.Loss, 5);
        Assert.NotEqual(model.Evaluate(x, y).Loss, actual.Loss, 5); // the mirrors count
    }
}
