using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>
/// The training options of `tailor train` (--augment, --lr-schedule, --early-stopping, --momentum, --nesterov, --label-smoothing, --flip-average) are checked
/// before any data is read: one line naming the option and the valid values, exit code 2, nothing written.
/// </summary>
public sealed class TrainOptionsBadInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--augment flip,blur", "--augment: Unknown augmentation step 'blur'. Valid steps: flip (")]
    [InlineData("--augment shift:x", "--augment: Augmentation step 'shift' takes a whole number of pixels")]
    [InlineData("--augment rotate:400", "--augment: Augmentation step 'rotate': RandomRotation: the angle must be between 0 and 180 degrees, received 400.")]
    [InlineData("--model dense --augment flip", "--augment: the dense model takes flattened images")]
    [InlineData("--lr-schedule warm", "--lr-schedule: Unknown learning-rate schedule 'warm'. Valid schedules: step, exponential, cosine, one-cycle.")]
    [InlineData("--lr-schedule cosine:12", "--lr-schedule: Learning-rate schedule 'cosine': the warmup must be a whole number of epochs from 0 to 9")]
    [InlineData("--lr-schedule step:2,x", "--lr-schedule: Learning-rate schedule 'step' takes numbers, received 'x'.")]
    [InlineData("--early-stopping -1", "--early-stopping must be 0 to 10,000, received -1.")]
    [InlineData("--early-stopping soon", "--early-stopping must be 0 to 10,000, received soon.")]
    [InlineData("--momentum 0.9", "--momentum applies to --optimizer sgd, received --optimizer rmsprop.")]
    [InlineData("--optimizer adam --nesterov", "--nesterov applies to --optimizer sgd, received --optimizer adam.")]
    [InlineData("--optimizer sgd --nesterov", "--nesterov needs a --momentum above 0 (e.g. --momentum 0.9), received none.")]
    [InlineData("--optimizer sgd --momentum 0 --nesterov", "--nesterov needs a --momentum above 0 (e.g. --momentum 0.9), received --momentum 0.")]
    [InlineData("--optimizer sgd --momentum 1", "--momentum must be in [0, 1), received 1.")]
    [InlineData("--label-smoothing 1.5", "--label-smoothing must be in [0, 1], received 1.5.")]
    [InlineData("--model dense --flip-average", "--flip-average mirrors images, but the dense model takes flattened images.")]
    public void Each_bad_value_is_one_line_and_nothing_is_written(string arguments, string expected)
    {
        string output = _temp.File("out");
        var result = CliProcess.Run(_temp.Path, ["train", "--epochs", "10", "--out", output, .. arguments.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.ErrorLines.Length <= 2 && result.ErrorLines[0].StartsWith("tailor: error: "), result.Stderr);
        Assert.Contains(expected, result.ErrorLines[0]);
        Assert.False(Directory.Exists(output), "a failed command wrote output");
    }
}
