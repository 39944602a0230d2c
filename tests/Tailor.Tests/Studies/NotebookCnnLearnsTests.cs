using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Tests.Studies;

/// <summary>
/// The notebook's CNN learns Fashion-MNIST with the notebook's recipe (RMSprop, batch 64): a small,
/// CI-sized version of the 3-epoch, 8,000-image acceptance run.
/// </summary>
public sealed class NotebookCnnLearnsTests
{
    [Fact]
    public void Two_epochs_on_3000_vendored_images_reach_70_percent_validation_accuracy()
    {
        var location = new DataLocator().Locate();
        var sample = FashionSample.Draw(FashionMnist.Load(location.Directory),
            FashionSampleOptions.Notebook with { TrainCount = 3_500, ValidationCount = 500, TestCount = 500 });

        var run = TrainingRun.Train(sample, new TrainingOptions { Model = NotebookModel.Cnn, Epochs = 2, Seed = 3 }, verbose: 0);

        Assert.True(run.History["val_accuracy"][^1] >= 0.70, $"validation accuracy {run.History["val_accuracy"][^1]:F4}");
        Assert.True(run.History["loss"][1] < run.History["loss"][0], "the training loss should fall from epoch 1 to 2");
    }
}
