using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>A checkpoint's sample order must be a permutation; pruning keeps the latest checkpoints by epoch and nothing else is touched.</summary>
public sealed class CheckpointLimitsTests
{
    [Theory]
    [InlineData(new[] { 2, 0, 1 }, null)]
    [InlineData(new[] { 0, 0, 0 }, "index 0 appears twice (again at position 1)")]
    [InlineData(new[] { 0, 3, 1 }, "position 1 holds 3, outside 0 to 2")]
    [InlineData(new[] { 1, -1 }, "position 1 holds -1, outside 0 to 1")]
    [InlineData(new int[0], "it is empty")]
    public void A_sample_order_must_hold_each_index_once(int[] order, string? why) =>
        Assert.Equal(why, CheckpointFile.WhyNotAPermutation(order));

    [Fact]
    public void Pruning_keeps_the_latest_by_epoch_and_step_and_leaves_other_files_alone()
    {
        using var folder = new TempDirectory();
        string[] ours = [CheckpointFile.FileName(9_998, 0), CheckpointFile.FileName(9_999, 0), CheckpointFile.FileName(9_999, 12), CheckpointFile.FileName(10_000, 0)];
        foreach (string name in ours.Append("checkpoint-e-notes.safetensors").Append("model.safetensors")) File.WriteAllText(folder.File(name), name);

        var deleted = CheckpointFile.Prune(folder.Path, keep: 2);

        Assert.Equal([folder.File(ours[1]), folder.File(ours[0])], deleted);
        Assert.Equal(["checkpoint-e-notes.safetensors", ours[3], ours[2], "model.safetensors"], folder.ListFiles().Order(StringComparer.Ordinal));
        Assert.Equal(folder.File(ours[3]), CheckpointFile.List(folder.Path)[0]);
        Assert.Equal(3, Tailor.Studies.Checkpointing.DefaultKeep);
    }
}
