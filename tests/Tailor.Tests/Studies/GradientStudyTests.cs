using Tailor.Data;
using Tailor.Studies;
using Tailor.Tests.Data;

namespace Tailor.Tests.Studies;

/// <summary>
/// The gradient study's quick run on the vendored images shows what the full one shows: the deep
/// sigmoid network's first layer gets gradients orders of magnitude below its last, and both remedies
/// learn in the same epochs while it does not.
/// </summary>
public sealed class GradientStudyTests
{
    [Fact]
    public void Quick_run_shows_vanishing_gradients_and_both_remedies_and_writes_the_report()
    {
        using var folder = new TempDirectory();
        var study = new GradientStudy(GradientStudyOptions.Quick with { OutputDirectory = folder.Path }, TextWriter.Null, verbose: 0);
        study.Run(FashionMnist.Load(new DataLocator().Locate().Directory));

        var runs = study.Runs.ToDictionary(r => r.Variant);
        var sigmoid = runs[GradientVariant.SigmoidGlorot];
        Assert.True(sigmoid.Ratio > 1e3, $"sigmoid: last / first layer gradient norm {sigmoid.Ratio:E2}");
        foreach (var remedy in new[] { GradientVariant.ReluHe, GradientVariant.SigmoidBatchNorm })
        {
            Assert.True(runs[remedy].Ratio < 10, $"{remedy}: last / first layer gradient norm {runs[remedy].Ratio:E2}");
            Assert.True(runs[remedy].Test.Accuracy > sigmoid.Test.Accuracy + 0.2,
                $"{remedy} test accuracy {runs[remedy].Test.Accuracy:F4}, sigmoid {sigmoid.Test.Accuracy:F4}");
        }
        Assert.Equal(
            ["accuracy.png", "gradients-relu-he.png", "gradients-sigmoid-batchnorm.png", "gradients-sigmoid-glorot.png", "gradients.json", "loss.png", "report.html"],
            folder.ListFiles());
        string html = File.ReadAllText(study.ReportPath);
        Assert.Contains("Sigmoid + Glorot", html);
        Assert.Contains("Last / first", html);
    }
}
