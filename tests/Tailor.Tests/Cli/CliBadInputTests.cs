using System.IO.Compression;
using Tailor.Data;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>
/// Every kind of bad input to the `tailor` command gives one line on stderr that names the file or
/// option and what was expected, a non-zero exit code, and writes nothing.
/// </summary>
public sealed class CliBadInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("out");

    /// <summary>A complete, valid data folder the test may then spoil; large enough for the notebook's sample.</summary>
    private string DataFolder()
    {
        string folder = _temp.Subfolder("data");
        SyntheticFashion.WriteFiles(folder, SyntheticFashion.Dataset(trainCount: 10_001, testCount: 2_501));
        return folder;
    }

    private CliProcess.Result Fails(params string[] args)
    {
        var result = CliProcess.Run(_temp.Path, args);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, $"Expected one error line, got:\n{result.Stderr}");
        Assert.StartsWith("tailor: error: ", result.ErrorLines[0]);
        Assert.False(Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any(), $"{Out} holds files after a failed command.");
        return result;
    }

    private string TrainOn(string data, params string[] more) => Fails(["train", "--data", data, "--epochs", "1", "--out", Out, .. more]).ErrorLines[0];

    [Fact]
    public void A_truncated_gzip_names_the_file()
    {
        string data = DataFolder();
        string file = Path.Combine(data, FashionMnist.TrainImages.Name);
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        string line = TrainOn(data);

        Assert.Contains(FashionMnist.TrainImages.Name, line);
    }

    [Fact]
    public void A_corrupted_gzip_names_the_file()
    {
        string data = DataFolder();
        string file = Path.Combine(data, FashionMnist.TestLabels.Name);
        byte[] bytes = File.ReadAllBytes(file);
        for (int i = 20; i < bytes.Length - 8; i += 3) bytes[i] ^= 0x5a;
        File.WriteAllBytes(file, bytes);

        string line = TrainOn(data);

        Assert.Contains(FashionMnist.TestLabels.Name, line);
    }

    [Fact]
    public void A_wrong_magic_number_names_the_file_and_the_expected_magic()
    {
        string data = DataFolder();
        string file = Path.Combine(data, FashionMnist.TrainLabels.Name);
        // An image file's header under the label file's name.
        File.Copy(Path.Combine(data, FashionMnist.TestImages.Name), file, overwrite: true);

        string line = TrainOn(data);

        Assert.Contains(FashionMnist.TrainLabels.Name, line);
        Assert.Contains("magic", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Image_and_label_files_of_different_counts_name_both_counts()
    {
        string data = DataFolder();
        IdxWriter.Write(Path.Combine(data, FashionMnist.TestLabels.Name), new IdxArray(new byte[2_400], 2_400));

        string line = TrainOn(data);

        Assert.Contains("2,400", line.Replace("2400", "2,400"));
        Assert.Contains("2,501", line.Replace("2501", "2,501"));
    }

    [Fact]
    public void A_label_outside_0_to_9_names_the_file_and_the_label()
    {
        string data = DataFolder();
        var labels = new byte[10_001];
        labels[1234] = 12;
        IdxWriter.Write(Path.Combine(data, FashionMnist.TrainLabels.Name), new IdxArray(labels, labels.Length));

        string line = TrainOn(data);

        Assert.Contains(FashionMnist.TrainLabels.Name, line);
        Assert.Contains("12", line);
    }

    [Fact]
    public void A_missing_data_folder_names_the_folder_and_the_alternatives()
    {
        string missing = _temp.File("no-such-folder");

        string line = TrainOn(missing);

        Assert.Contains(missing, line);
    }

    [Fact]
    public void A_test_image_index_out_of_range_names_the_option_and_the_range()
    {
        string data = DataFolder();

        string show = Fails("data", "show", "--data", data, "--test", "--index", "2501", "--out", Path.Combine(Out, "x.png")).ErrorLines[0];
        string tutorial = Fails("tutorial", "--quick", "--data", data, "--example", "2500", "--out", Out).ErrorLines[0];

        Assert.Contains("--index", show);
        Assert.Contains("2500", show);
        Assert.Contains("--example", tutorial);
        Assert.Contains("2,500", tutorial);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "-3")]
    [InlineData("--batch-size", "0")]
    [InlineData("--batch-size", "-64")]
    [InlineData("--test-images", "10000")]
    [InlineData("--train-images", "1")]
    public void A_zero_or_negative_epoch_count_or_batch_size_or_a_sample_size_out_of_range_names_the_option(string option, string value)
    {
        var result = Fails("train", "--model", "dense", option, value, "--out", Out);

        Assert.Contains(option, result.ErrorLines[0]);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void An_unknown_model_lists_the_valid_names()
    {
        string line = Fails("train", "--model", "vgg16", "--out", Out).ErrorLines[0];

        Assert.Contains("--model", line);
        Assert.Contains("vgg16", line);
        Assert.Contains("resnet", line);
        Assert.Contains("dense", line);
        Assert.Contains("cnn-dropout", line);
    }

    [Fact]
    public void An_unknown_optimizer_lists_the_valid_names()
    {
        string line = Fails("train", "--optimizer", "adagrad", "--out", Out).ErrorLines[0];

        Assert.Contains("--optimizer", line);
        Assert.Contains("adagrad", line);
        Assert.Contains("rmsprop", line);
        Assert.Contains("adam", line);
    }
}
