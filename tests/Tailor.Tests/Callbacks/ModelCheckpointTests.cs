using Tailor.Callbacks;
using Tailor.Tests.Data;

namespace Tailor.Tests.Callbacks;

public class ModelCheckpointTests
{
    [Fact]
    public void Saves_every_epoch_to_its_own_file_with_the_weights_of_that_epoch()
    {
        using var temp = new TempDirectory();
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        var recorder = new WeightRecorder();
        var checkpoint = new ModelCheckpoint(Path.Combine(temp.Path, "ckpt-{epoch:02d}.weights"));
        model.Fit(x, y, epochs: 3, batchSize: 16, validationData: (vx, vy), callbacks: [recorder, checkpoint], verbose: 0);

        Assert.Equal(["ckpt-01.weights", "ckpt-02.weights", "ckpt-03.weights"], temp.ListFiles());
        for (int e = 1; e <= 3; e++)
        {
            var file = WeightsFile.Read(temp.File($"ckpt-{e:00}.weights"));
            Assert.Equal(["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"], file.Select(t => t.Name));
            Assert.Equal([3, 3, 1, 4], file[0].Shape);
            for (int i = 0; i < file.Count; i++) Assert.Equal(recorder.Epochs[e - 1][i], file[i].Values);
        }
    }

    [Fact]
    public void Save_best_only_writes_only_when_the_monitored_value_improves()
    {
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn(seed: 4);
        model.Optimizer!.LearningRate = 0.02f;
        var saves = new List<string>();
        var checkpoint = new ModelCheckpoint("e{epoch}-{val_loss:.4f}", saveBestOnly: true, save: (_, path) => saves.Add(path));
        var history = model.Fit(x, y, epochs: 15, batchSize: 8, validationData: (vx, vy), callbacks: [checkpoint], seed: 2, verbose: 0);

        var expected = new List<string>();
        double best = double.PositiveInfinity;
        for (int e = 0; e < history.Epochs.Count; e++)
        {
            double v = history["val_loss"][e];
            if (v < best) { best = v; expected.Add($"e{e + 1}-{v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}"); }
        }
        Assert.Equal(expected, saves);
        Assert.True(saves.Count < history.Epochs.Count, "the run was meant to get worse at some epoch");
        Assert.Equal(best, checkpoint.BestValue);
    }

    [Fact]
    public void A_checkpoint_file_loads_back_into_the_model()
    {
        using var temp = new TempDirectory();
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        model.Fit(x, y, epochs: 1, callbacks: [new ModelCheckpoint(temp.File("w.bin"), monitor: "loss")], verbose: 0);
        var fresh = CallbackHarness.SmallCnn(seed: 99);
        WeightsFile.Load(fresh, temp.File("w.bin"));
        Assert.Equal(model.GetWeights(), fresh.GetWeights());
    }

    [Theory]
    [InlineData("w-{epoch}.bin", "w-7.bin")]
    [InlineData("w-{epoch:03d}-{val_loss:.2f}.bin", "w-007-0.35.bin")]
    [InlineData("{loss:.1e}", "1.3e+00")]
    public void Paths_are_formatted_as_Keras_formats_them(string pattern, string expected)
    {
        var logs = new Dictionary<string, double> { ["loss"] = 1.26, ["val_loss"] = 0.3456 };
        Assert.Equal(expected, ModelCheckpoint.FormatPath(pattern, 7, logs));
    }

    [Fact]
    public void An_unknown_placeholder_or_a_damaged_file_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCheckpoint.FormatPath("{val_acc}", 1, new Dictionary<string, double> { ["loss"] = 1 }));
        Assert.Contains("val_acc", e.Message);
        Assert.Contains("Available: epoch, loss", e.Message);

        using var temp = new TempDirectory();
        var model = CallbackHarness.SmallCnn();
        WeightsFile.Write(model, temp.File("w.bin"));
        var bytes = File.ReadAllBytes(temp.File("w.bin"));
        File.WriteAllBytes(temp.File("cut.bin"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => WeightsFile.Read(temp.File("cut.bin"))).Message);
        File.WriteAllBytes(temp.File("other.bin"), [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Contains("TLRW", Assert.Throws<InvalidDataException>(() => WeightsFile.Read(temp.File("other.bin"))).Message);
    }

    [Theory]
    [InlineData(int.MaxValue, 1, 1)]
    [InlineData(1, 65_536, 65_536)]
    [InlineData(1, int.MaxValue, 2)]
    public void Counts_a_weights_file_announces_are_checked_against_its_length_before_anything_is_allocated(int tensors, int rows, int columns)
    {
        using var temp = new TempDirectory();
        using (var writer = new BinaryWriter(File.Create(temp.File("w.bin"))))
        {
            writer.Write("TLRW"u8);
            writer.Write(1);
            writer.Write(tensors);
            writer.Write("dense/kernel");
            writer.Write(2);
            writer.Write(rows);
            writer.Write(columns);
            writer.Write(0L);
        }

        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Read(temp.File("w.bin")));

        Assert.Contains("ends before the weights it announces", e.Message);
    }
}
