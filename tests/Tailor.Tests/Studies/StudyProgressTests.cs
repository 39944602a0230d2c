using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;
using Tailor.Tests.Data;

namespace Tailor.Tests.Studies;

public sealed class StudyProgressTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly KeyValuePair<string, string>[] Settings = [new("--epochs", "6"), new("--seed", "1"), new("images", "0123456789abcdef")];

    [Fact]
    public void A_saved_unit_reads_back_bit_for_bit_with_NaN_and_infinities()
    {
        var history = new History();
        history.Add(1, new Dictionary<string, double> { ["loss"] = 0.1 + 0.2, ["val_loss"] = double.NaN }, 1.0 / 3);
        history.Add(2, new Dictionary<string, double> { ["loss"] = double.PositiveInfinity, ["val_loss"] = -double.Epsilon }, 2.5);
        var progress = StudyProgress.Open(_temp.File("units"), "trials", Settings);
        Assert.Empty(progress.Finished);

        progress.Save("trial-001", new Dictionary<string, object> { ["history"] = StudyProgress.HistoryPayload(history) });

        var reopened = StudyProgress.Open(_temp.File("units"), "trials", Settings);
        Assert.Equal(["trial-001"], reopened.Finished);
        Assert.True(reopened.TryLoad("trial-001", e => StudyProgress.ReadHistory(e.GetProperty("history")), out var read));
        Assert.False(reopened.TryLoad("trial-002", e => 0, out _));
        Assert.Equal(history.Epochs, read.Epochs);
        Assert.Equal(history.EpochSeconds, read.EpochSeconds);
        Assert.Equal(history.Values.Keys, read.Values.Keys);
        foreach (var (key, values) in history.Values)
            Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), read[key].Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Units_of_other_settings_are_refused_naming_each_difference()
    {
        string folder = _temp.File("units");
        StudyProgress.Open(folder, "folds", Settings).Save("fold-1", new { fold = 1 });

        var e = Assert.Throws<ArgumentException>(() => StudyProgress.Open(folder, "folds",
            [new("--epochs", "3"), new("--seed", "1"), new("images", "fedcba9876543210"), new("--model", "cnn")]));

        Assert.Equal($"'{folder}' holds 1 finished folds of a run with other settings (--epochs: 6 before, 3 now; " +
            "images: 0123456789abcdef before, fedcba9876543210 now; --model: not recorded before, cnn now). " +
            "Run with the same settings to resume from them, or remove that folder to start afresh.", e.Message);
    }

    [Fact]
    public void Units_without_their_settings_or_unreadable_are_refused_naming_the_file()
    {
        string folder = _temp.File("units");
        var progress = StudyProgress.Open(folder, "folds", Settings);
        progress.Save("fold-1", new { fold = 1 });
        File.WriteAllText(Path.Combine(folder, "fold-2.json"), "{\"fold\": ");

        var e = Assert.Throws<DataFormatException>(() => progress.TryLoad("fold-2", r => r.GetProperty("fold").GetInt32(), out _));
        Assert.StartsWith(Path.Combine(folder, "fold-2.json") + ": is not a finished unit of this study", e.Message);

        File.Delete(Path.Combine(folder, StudyProgress.SettingsFileName));
        e = Assert.Throws<DataFormatException>(() => StudyProgress.Open(folder, "folds", Settings));
        Assert.StartsWith(Path.Combine(folder, StudyProgress.SettingsFileName) + ": is missing", e.Message);
    }

    [Fact]
    public void The_fingerprint_changes_with_any_pixel_or_label()
    {
        var set = StudyData.Set(20);
        string print = StudyProgress.Fingerprint(set);
        Assert.Equal(print, StudyProgress.Fingerprint(StudyData.Set(20)));

        set.Images.Span[100] += 1f / 255;
        Assert.NotEqual(print, StudyProgress.Fingerprint(set));
        Assert.NotEqual(print, StudyProgress.Fingerprint(StudyData.Set(20) with { Labels = [.. StudyData.Set(20).Labels.Reverse()] }));
    }
}
