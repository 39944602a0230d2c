using Tailor.Data;
using Tailor.Models;
using Tailor.Regularizers;
using Tailor.Studies;
using Tailor.Tests.Data;
using Tailor.Visualization;

namespace Tailor.Tests.Studies;

/// <summary>
/// The regularization study end to end on a small sample of the vendored images: five variants, the report with its
/// pictures, results.csv, and the effect each regulariser is supposed to have where it is certain.
/// </summary>
public sealed class RegularizationStudyTests : IClassFixture<RegularizationStudyTests.TinyStudy>
{
    /// <summary>One tiny run shared by the tests: 2 epochs on 200 training images, 100 to validate, 100 to test (about 4 s of CPU).</summary>
    public sealed class TinyStudy : IDisposable
    {
        private readonly TempDirectory _temp = new();
        public RegularizationStudy Study { get; }
        public string Output { get; }

        public TinyStudy()
        {
            Output = _temp.File("out");
            var options = new RegularizationStudyOptions
            {
                OutputDirectory = Output, Epochs = 2, Seed = 5,
                Sample = FashionSampleOptions.Notebook with { TrainCount = 300, ValidationCount = 100, TestCount = 100 },
            };
            Study = new RegularizationStudy(options, TextWriter.Null, verbose: 0);
            Study.Run(FashionMnist.Load(new DataLocator().Locate().Directory));
        }

        public void Dispose() => _temp.Dispose();
    }

    private readonly TinyStudy _run;

    public RegularizationStudyTests(TinyStudy run) => _run = run;

    private RegularizationResult Of(RegularizationVariant variant) => _run.Study.Results.Single(r => r.Variant == variant);

    [Fact]
    public void Every_variant_trains_once_in_order_for_the_requested_epochs()
    {
        Assert.Equal(RegularizationVariants.All, _run.Study.Results.Select(r => r.Variant));
        Assert.All(_run.Study.Results, r => Assert.Equal(2, r.EpochsRun));
        Assert.All(_run.Study.Results, r => Assert.InRange(r.TestAccuracy, 0, 1));
    }

    [Fact]
    public void The_report_embeds_the_curves_the_overlay_and_the_augmented_examples_and_they_are_written_beside_it()
    {
        string html = File.ReadAllText(_run.Study.ReportPath);

        foreach (var variant in RegularizationVariants.All) Assert.Contains(variant.Title(), html);
        Assert.Equal(RegularizationStudy.ImageFiles.Count, html.Split("<img src=\"data:image/png;base64,").Length - 1);
        foreach (string file in RegularizationStudy.ImageFiles)
            Assert.True(PngFile.IsPng(File.ReadAllBytes(Path.Combine(_run.Output, file))), $"{file} is not a PNG");
        Assert.Contains("Kernel norm", html);
    }

    [Fact]
    public void Results_csv_has_one_row_per_variant()
    {
        string[] lines = File.ReadAllLines(_run.Study.ResultsPath);

        Assert.StartsWith("variant,setting,epochs_run,stopped_epoch,kept_epoch,train_loss,val_loss,gap,test_loss,test_accuracy", lines[0]);
        Assert.Equal(RegularizationVariants.All.Select(v => v.CliName()), lines.Skip(1).Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void The_L2_penalty_leaves_smaller_kernels_than_the_same_run_without_it()
    {
        var l2 = Of(RegularizationVariant.L2);
        var none = Of(RegularizationVariant.None);

        Assert.True(l2.KernelNorm < none.KernelNorm, $"kernel norm with L2 {l2.KernelNorm:F4}, without {none.KernelNorm:F4}");
        Assert.True(l2.Penalty > 0);
        Assert.Equal(0.0, none.Penalty);
    }

    [Fact]
    public void Early_stopping_retraces_the_unregularised_run_epoch_for_epoch()
    {
        var stopping = Of(RegularizationVariant.EarlyStopping);
        var none = Of(RegularizationVariant.None);

        Assert.Equal(none.History["val_loss"].Take(stopping.EpochsRun), stopping.History["val_loss"]);
        Assert.Equal(none.History["loss"].Take(stopping.EpochsRun), stopping.History["loss"]);
        // It keeps the epoch with the lowest validation loss.
        var valLoss = stopping.History["val_loss"];
        Assert.Equal(valLoss.Min(), valLoss[stopping.KeptEpoch - 1]);
    }
}

/// <summary>What makes the variants comparable: they start from the same weights.</summary>
public sealed class RegularizationStudyStartTests
{
    [Fact]
    public void Dropout_and_the_L2_penalty_leave_the_initial_weights_of_the_plain_CNN_unchanged()
    {
        var plain = NotebookModels.Create(NotebookModel.Cnn, seed: 7).GetWeights();

        Assert.Equal(plain, NotebookModels.Create(NotebookModel.CnnDropout, seed: 7).GetWeights());
        Assert.Equal(plain, NotebookModels.Create(NotebookModel.Cnn, seed: 7, Regularizer.L2Penalty(1e-3f)).GetWeights());
    }

    [Fact]
    public void The_L2_regularizer_goes_on_every_kernel_and_on_no_bias()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 7, Regularizer.L2Penalty(1e-3f));

        Assert.All(model.Parameters, p => Assert.Equal(p.Name == "kernel", p.Regularizer != null));
        Assert.Equal(5, model.Parameters.Count(p => p.Regularizer != null));
    }
}

/// <summary>Options out of range are refused before any image is read or any file written.</summary>
public sealed class RegularizationStudyOptionsTests
{
    [Theory]
    [InlineData(0, 1e-3f, "flip", 3, "--epochs must be 1 to 10,000, received 0.")]
    [InlineData(5, 0f, "flip", 3, "--l2 must be in (0, 1], received 0.")]
    [InlineData(5, 1e-3f, "flip", -1, "--patience must be 0 to 10,000, received -1.")]
    [InlineData(5, 1e-3f, "blur", 3, "--augment: Unknown augmentation step 'blur'.")]
    public void A_value_out_of_range_is_named_and_nothing_is_written(int epochs, float l2, string augment, int patience, string expected)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out");
        var options = new RegularizationStudyOptions { OutputDirectory = output, Epochs = epochs, L2 = l2, Augment = augment, Patience = patience };

        var error = Assert.Throws<ArgumentException>(() => new RegularizationStudy(options, TextWriter.Null, verbose: 0).Run(SyntheticFashion.Dataset(20, 10)));

        Assert.StartsWith(expected, error.Message);
        Assert.False(Directory.Exists(output));
    }
}
