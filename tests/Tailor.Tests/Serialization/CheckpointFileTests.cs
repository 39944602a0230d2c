using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Tailor.Tests.Callbacks;

namespace Tailor.Tests.Serialization;

/// <summary>In-process checks of checkpoints: an interrupted Fit written, read back and resumed equals the uninterrupted Fit.</summary>
public sealed class CheckpointFileTests
{
    private static Sequential Model(bool normalized = false)
    {
        var model = normalized ? ModelFileTests.NormalizedImageModel() : ModelFileTests.MixedModel();
        model.Compile(new Adam(0.005f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        return model;
    }

    [Theory]
    [InlineData(1, 2)]  // inside the second epoch
    [InlineData(2, 4)]  // after the last batch of the third epoch: stops between epochs
    [InlineData(0, 0)]  // after the first batch
    [InlineData(1, 2, true)]  // batch normalization: moving statistics and optimizer state without slots for them
    public void An_interrupted_fit_resumed_from_its_checkpoint_ends_as_the_uninterrupted_one(int epoch, int batch, bool normalized = false)
    {
        var (x, y) = ModelFileTests.SyntheticImages(37, seed: 8);
        var (vx, vy) = ModelFileTests.SyntheticImages(9, seed: 9);
        var reference = Model(normalized);
        var expected = reference.Fit(x, y, epochs: 4, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 5);

        var interrupted = Model(normalized);
        var history = interrupted.Fit(x, y, epochs: 4, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 5,
            callbacks: [new InterruptAt(epoch, batch)]);
        Assert.NotNull(interrupted.Interruption);
        using var folder = new TempDirectory();
        string path = CheckpointFile.Write(folder.Path, interrupted, interrupted.Interruption!);

        var checkpoint = CheckpointFile.ReadLatest(folder.Path);
        Assert.Equal(path, checkpoint.Path);
        var resumed = checkpoint.Model;
        var actual = resumed.Fit(x, y, epochs: 4, batchSize: 8, validationData: (vx, vy), verbose: 0,
            resume: checkpoint.State);

        Assert.Equal(expected.Epochs, actual.Epochs);
        foreach (var key in expected.Values.Keys) Assert.Equal(expected[key], actual[key]);
        for (int i = 0; i < reference.Parameters.Count; i++)
        {
            Assert.Equal(reference.Parameters[i].Value.Span.ToArray(), resumed.Parameters[i].Value.Span.ToArray());
            Assert.Equal(reference.Optimizer!.Slots[i][0], resumed.Optimizer!.Slots[i][0]);
        }
        Assert.Equal(reference.Optimizer!.Iterations, resumed.Optimizer!.Iterations);
    }

    [Fact]
    public void A_damaged_latest_checkpoint_gives_way_to_the_one_before()
    {
        var (x, y) = ModelFileTests.SyntheticImages(16, seed: 1);
        var model = Model();
        var history = model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        using var folder = new TempDirectory();
        CheckpointFile.Write(folder.Path, model, new TrainingState(2, 0, [], 0, new Dictionary<string, double[]>(), model.CaptureTrainingRngState(), history));
        File.WriteAllBytes(folder.File(CheckpointFile.FileName(3, 0)), [1, 2, 3]);
        var warnings = new List<string>();

        var checkpoint = CheckpointFile.ReadLatest(folder.Path, warnings.Add);

        Assert.Equal(2, checkpoint.State.Epoch);
        Assert.Contains("Skipping damaged checkpoint", Assert.Single(warnings));
    }

    [Fact]
    public void A_model_file_is_not_a_checkpoint_and_an_empty_folder_has_none()
    {
        using var folder = new TempDirectory();
        string path = folder.File(CheckpointFile.FileName(1, 0));
        var model = Model();
        model.Build(12, 10, 2);
        model.Save(path);
        Assert.Contains("a model file, not a checkpoint", Assert.Throws<ModelFormatException>(() => CheckpointFile.Read(path)).Message);

        using var empty = new TempDirectory();
        Assert.Contains("No checkpoint", Assert.Throws<FileNotFoundException>(() => CheckpointFile.ReadLatest(empty.Path)).Message);
    }
}
