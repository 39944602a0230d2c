using Tailor.Data;
using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Serialization;
using Tailor.Studies;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>
/// Results that would be reported as success when they mean nothing are refused in one line with a
/// non-zero exit: NaN or infinite weights, outputs that are not probabilities over the 10 classes,
/// outputs that overflow, a checkpoint whose sample order is no permutation, and options given beside
/// --resume that it would ignore.
/// </summary>
public sealed class MeaninglessResultsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public MeaninglessResultsTests()
    {
        Data = _temp.Subfolder("data");
        SyntheticFashion.WriteFiles(Data, SyntheticFashion.Dataset(trainCount: 201, testCount: 41));
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A small data folder; the models saved here record a sample of 20 of its test images.</summary>
    private string Data { get; }

    private static readonly FashionSampleOptions SmallSample = FashionSampleOptions.Notebook with { TrainCount = 100, ValidationCount = 20, TestCount = 20 };

    /// <summary>The notebook's dense model, saved compiled with the small sample (or <paramref name="sample"/>), after <paramref name="spoil"/> has had its way with it.</summary>
    private string DenseModel(string name, Action<Sequential>? spoil = null, FashionSampleOptions? sample = null)
    {
        var model = NotebookModels.Create(NotebookModel.Dense, seed: 3);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        spoil?.Invoke(model);
        string path = _temp.File(name);
        ModelFile.Save(model, path, extraMetadata: new Dictionary<string, string>
        {
            [Checkpointing.OptionsKey] = new TrainingOptions { Model = NotebookModel.Dense }.ToJson(sample ?? SmallSample),
        });
        return path;
    }

    [Fact]
    public void A_sample_size_in_a_model_file_that_the_data_cannot_give_names_the_file()
    {
        string model = DenseModel("sample.safetensors", sample: SmallSample with { TestCount = int.MaxValue });

        var result = BoundedCli.Run(_temp.Path, "evaluate", "--model", model, "--data", Data);

        BoundedCli.AssertRefused(result, model, "cannot be drawn from this data", "TestCount", "2147483647");
        Assert.Equal(1, result.ExitCode);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void A_model_with_a_non_finite_weight_is_refused_by_evaluate_and_predict_naming_the_tensor(float value, string shown)
    {
        string model = DenseModel("bad.safetensors", m => m.Layers[1].Parameters[0].Value.Span[17] = value);

        foreach (string[] command in new[] { new[] { "evaluate" }, ["predict", "--index", "3"] })
        {
            var result = BoundedCli.Run(_temp.Path, [.. command, "--model", model, "--data", Data]);
            BoundedCli.AssertRefused(result, model, "'dense_1/kernel'", $"holds {shown} at index 17");
            Assert.Equal(1, result.ExitCode);
        }
    }

    [Fact]
    public void Finite_weights_whose_outputs_overflow_give_no_loss_and_no_ranking()
    {
        // Every weight of the first layer at 3e38: its sums overflow to infinity, and the softmax gives NaN.
        string model = DenseModel("huge.safetensors", m => m.Layers[0].Parameters[0].Value.Span.Fill(3e38f));

        var evaluate = BoundedCli.Run(_temp.Path, "evaluate", "--model", model, "--data", Data);
        BoundedCli.AssertRefused(evaluate, model, "test loss is NaN", "not finite");
        Assert.Equal(1, evaluate.ExitCode);
        Assert.Equal("", evaluate.Stdout.Trim());

        var predict = BoundedCli.Run(_temp.Path, "predict", "--model", model, "--index", "3", "--data", Data);
        BoundedCli.AssertRefused(predict, model, "test image 3", "not finite");
        Assert.DoesNotContain("%", predict.Stdout);
    }

    [Fact]
    public void A_model_whose_last_layer_is_not_a_softmax_is_refused_instead_of_printing_percentages_of_logits()
    {
        var model = new Sequential([new Dense(10, Activation.Relu), new Dense(10)]);
        model.Build(784);
        string path = _temp.File("linear.safetensors");
        model.Save(path);

        foreach (string[] command in new[] { new[] { "predict", "--index", "0" }, ["evaluate"], ["predict", _temp.File("shoe.png")] })
        {
            var result = BoundedCli.Run(_temp.Path, [.. command, "--model", path, "--data", Data]);
            BoundedCli.AssertRefused(result, path, "Dense 'dense_1'", "linear activation rather than softmax", "not class probabilities");
            Assert.Equal(1, result.ExitCode);
            Assert.DoesNotContain("%", result.Stdout);
        }
    }

    [Fact]
    public void A_model_with_20_outputs_is_refused_against_the_10_class_names()
    {
        var model = new Sequential([new Dense(20, Activation.Softmax)]);
        model.Build(784);
        string path = _temp.File("twenty.safetensors");
        model.Save(path);

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", path, "--index", "0", "--data", Data);

        BoundedCli.AssertRefused(result, path, "(None, 20)", "each of the 10 classes");
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void A_checkpoint_whose_sample_order_is_all_zeros_is_refused_naming_the_file()
    {
        // A genuine mid-epoch checkpoint of 160 training images, with every entry of its order set to image 0.
        var options = new TrainingOptions { Model = NotebookModel.Dense, Epochs = 2, Seed = 1 };
        var sample = FashionSampleOptions.Notebook with { TrainCount = 200, TestCount = 20, ValidationCount = 40 };
        var model = NotebookModels.Create(NotebookModel.Dense, options.Seed);
        model.Compile(options.CreateOptimizer(), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        var (x, y) = (new Tailor.Tensors.Tensor(160, 784), new Tailor.Tensors.Tensor(160, 10));
        model.Fit(x, y, epochs: 1, batchSize: 160, verbose: 0);
        string folder = _temp.Subfolder("checkpoints");
        string path = CheckpointFile.Write(folder, model,
            new TrainingState(0, 1, new int[160], 0, new Dictionary<string, double[]> { ["accuracy"] = [0, 160] }, model.CaptureTrainingRngState(), new History()),
            new Dictionary<string, string> { [Checkpointing.OptionsKey] = options.ToJson(sample) });
        var before = PathSnapshot.Take(folder);

        var result = BoundedCli.Run(_temp.Path, "train", "--resume", folder, "--out", _temp.File("out"), "--data", Data);

        BoundedCli.AssertRefused(result, path, "not a permutation", "index 0 appears twice");
        Assert.Equal(1, result.ExitCode);
        before.AssertUnchanged();
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Theory]
    [InlineData("--model", "dense")]
    [InlineData("--learning-rate", "0.1")]
    [InlineData("--batch-size", "16")]
    [InlineData("--augment", "flip")]
    [InlineData("--seed", "5")]
    [InlineData("--train-images", "500")]
    public void An_option_that_resume_would_ignore_is_refused_naming_it(string option, string value)
    {
        var result = BoundedCli.Run(_temp.Path, "train", "--resume", _temp.File("checkpoints"), option, value, "--out", _temp.File("out"));

        string line = BoundedCli.AssertRefused(result, $"{option} cannot be given with --resume", "--epochs");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"tailor: error: {option} ", line);
    }
}
