using Tailor.Serialization;
using Tailor.Tests.Data;
using static Tailor.Tests.Cli.HostileModelFiles;

namespace Tailor.Tests.Cli;

/// <summary>
/// Sizes that once overflowed or were never bounded, through the built command within 30 s and 1 GiB:
/// each is refused before any work, in one line naming the option or file, and nothing is written.
/// The options' own ranges are checked one by one in <see cref="OptionRangeTests"/>.
/// </summary>
public sealed class HostileSizesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("out");

    [Fact]
    public void An_augmentation_shift_beyond_its_range_is_refused_before_any_data_is_read()
    {
        // A data folder that does not exist: the option must be refused first, by its own name.
        var result = BoundedCli.Run(_temp.Path, "train", "--augment", "flip,shift:1073741824", "--data", _temp.File("no-data"), "--out", Out);

        string line = BoundedCli.AssertRefused(result, "--augment", "shift", "0 to 1,024", "1073741824");
        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("no-data", line);
        Assert.DoesNotContain("Parameter", line);
        Assert.False(Directory.Exists(Out));
    }

    [Theory]
    [InlineData("--batch-size", "train", "--batch-size", "2147483647")]  // crashed in the progress bar
    [InlineData("--batch-size", "cv", "--batch-size", "2147483000")]     // ran zero steps, reported loss NaN, exit 0
    [InlineData("--threads", "train", "--threads", "100000")]            // died creating 100,000 threads
    [InlineData("--trials", "tune", "--space", "space.json", "--trials", "2147483647")] // pre-sized a list to it
    public void A_count_beyond_its_range_is_refused_before_any_work(string option, params string[] args)
    {
        File.WriteAllText(_temp.File("space.json"), "{\"filters\": [16, 32]}");
        var before = PathSnapshot.Take(_temp.Path);

        var result = BoundedCli.Run(_temp.Path, [.. args, "--data", _temp.File("no-data"), "--out", Out]);

        BoundedCli.AssertRefused(result, option, args[^1]);
        Assert.Equal(2, result.ExitCode);
        before.AssertUnchanged();
    }

    [Fact]
    public void A_grid_of_billions_of_combinations_is_refused_without_being_enumerated()
    {
        // 256 x 4,096 x 4,096 = 4,294,967,296 combinations: the old plan listed them all (5.5 GB, then a crash).
        string space = _temp.File("space.json");
        File.WriteAllText(space, $$"""
            {"filters": [{{string.Join(", ", Enumerable.Range(1, 256))}}],
             "dense_units": [{{string.Join(", ", Enumerable.Range(1, 4096))}}],
             "batch_size": [{{string.Join(", ", Enumerable.Range(1, 4096))}}]}
            """);

        var result = BoundedCli.Run(_temp.Path, "tune", "--space", space, "--strategy", "grid", "--out", Out);

        BoundedCli.AssertRefused(result, "4,294,967,296", "100,000", "--strategy random");
        Assert.False(Directory.Exists(Out));
        // A trial budget of int.MaxValue was a list pre-sized to it.
        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "tune", "--space", space, "--trials", "2147483647", "--out", Out), "--trials", "1 to 1,000");
    }

    [Fact]
    public void A_300_byte_model_file_asking_for_8_GB_of_weights_is_refused_before_they_are_allocated()
    {
        // Dense(65,535) on 32,768 inputs: 2,147,450,880 weights (8 GiB, twice with the gradient) and no tensor at all.
        string model = Write(_temp.File("dense.safetensors"), [32_768], [Layer("Dense", new { name = "d", units = 65_535 })]);
        Assert.True(new FileInfo(model).Length < 400);
        var before = PathSnapshot.Take(_temp.Path);

        var result = BoundedCli.Run(_temp.Path, "export", "--model", model, "--onnx", _temp.File("m.onnx"));

        BoundedCli.AssertRefused(result, model, "Dense 'd'", "2147450880 parameter values", "more than");
        Assert.Equal(1, result.ExitCode);
        before.AssertUnchanged();
    }

    [Theory]
    [InlineData(2147483647, "valid")]
    [InlineData(2147483647, "same")]
    [InlineData(30, "same")] // larger than the 28x28 input: Keras allows it, and it only costs time
    public void A_pooling_window_out_of_range_or_larger_than_its_input_is_refused_by_the_loader(int pool, string padding)
    {
        string model = Write(_temp.File("pool.safetensors"), [28, 28, 1],
            [Layer("MaxPooling2D", new { name = "p", pool_size = new[] { pool, pool }, strides = new[] { 1, 1 }, padding }),
             Layer("Flatten", new { name = "f" })]);

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", model, "--data", _temp.File("no-data"));

        string line = BoundedCli.AssertRefused(result, model, "MaxPooling2D 'p'");
        Assert.Contains(pool > Tailor.Common.Guard.MaxSize ? "'pool_size' to be 1 to 65536" : "does not fit input of shape (None, 28, 28, 1)", line);
    }

    [Fact]
    public void A_model_whose_layers_would_hold_more_than_the_activation_budget_per_image_is_refused()
    {
        // 128 filters of 1x1 over a 1024x1024 input: 134,217,728 values for one image, from 1 KiB of weights.
        string model = Write(_temp.File("wide.safetensors"), [1024, 1024, 1],
            [Layer("Conv2D", new { name = "c", filters = 128, kernel_size = new[] { 1, 1 } })],
            new NamedTensor("c/kernel", [1, 1, 1, 128], new float[128]), new NamedTensor("c/bias", [128], new float[128]));

        var result = BoundedCli.Run(_temp.Path, "export", "--model", model, "--onnx", _temp.File("m.onnx"));

        BoundedCli.AssertRefused(result, model, "Conv2D 'c'", "(None, 1024, 1024, 128)", "67,108,864");
        Assert.False(File.Exists(_temp.File("m.onnx")));
    }

    [Fact]
    public void A_model_of_30000_layers_is_refused_before_its_layers_are_built()
    {
        // Loading was quadratic in the layers (30,000 took 33 s); a file may now hold 1,000 (ModelFileLimitsTests loads that many).
        string many = Write(_temp.File("many.safetensors"), [10], ActivationLayers(30_000));

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "export", "--model", many, "--onnx", _temp.File("many.onnx")), many, "30,000 layers", "at most 1,000");
        Assert.False(File.Exists(_temp.File("many.onnx")));
    }
}
