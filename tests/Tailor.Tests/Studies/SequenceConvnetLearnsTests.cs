using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Tests.Studies;

/// <summary>
/// The 1D convnet that reads images as sequences of rows is one of the models `tailor train` knows,
/// and it learns: a CI-sized run (the 15-epoch, 8,000-image run is the acceptance one).
/// </summary>
public sealed class SequenceConvnetLearnsTests
{
    [Fact]
    public void Conv1d_is_a_named_model_reading_28_rows_of_28_pixels()
    {
        Assert.Equal(NotebookModel.Conv1D, NotebookModels.Parse("conv1d"));
        var model = NotebookModels.Create(NotebookModel.Conv1D);
        Assert.Equal([28, 28, 1], model.InputShape.ToArray());
        Assert.Equal([28, 28], model.Layers[0].OutputShape.ToArray());
        Assert.Equal([10], model.Layers[^1].OutputShape.ToArray());
        Assert.Equal(5 * 28 * 64 + 64 + 5 * 64 * 64 + 64 + 5 * 64 * 128 + 128 + 5 * 128 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, model.ParameterCount);
    }

    [Fact]
    public void Two_epochs_on_3000_vendored_images_reach_50_percent_validation_accuracy()
    {
        var sample = FashionSample.Draw(FashionMnist.Load(new DataLocator().Locate().Directory),
            FashionSampleOptions.Notebook with { TrainCount = 3_500, ValidationCount = 500, TestCount = 500 });

        var run = TrainingRun.Train(sample, new TrainingOptions { Model = NotebookModel.Conv1D, Epochs = 2, Seed = 3 }, verbose: 0);

        Assert.True(run.History["val_accuracy"][^1] >= 0.50, $"validation accuracy {run.History["val_accuracy"][^1]:F4}");
        Assert.True(run.History["loss"][1] < run.History["loss"][0], "the training loss should fall from epoch 1 to 2");
    }
}
