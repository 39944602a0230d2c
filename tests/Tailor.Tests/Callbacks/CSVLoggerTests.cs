using System.Globalization;
using Tailor.Callbacks;
using Tailor.Tests.Data;

namespace Tailor.Tests.Callbacks;

public class CSVLoggerTests
{
    [Fact]
    public void Writes_a_row_per_epoch_with_Keras_columns_and_round_trip_values()
    {
        using var temp = new TempDirectory();
        string file = temp.File("log/training.csv");
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        var history = model.Fit(x, y, epochs: 3, batchSize: 16, validationData: (vx, vy), callbacks: [new CSVLogger(file)], verbose: 0);

        var lines = File.ReadAllLines(file);
        Assert.Equal("epoch,accuracy,loss,val_accuracy,val_loss", lines[0]);
        Assert.Equal(4, lines.Length);
        for (int e = 0; e < 3; e++)
        {
            var cells = lines[e + 1].Split(',');
            Assert.Equal(e.ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(history["accuracy"][e], double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(history["loss"][e], double.Parse(cells[2], CultureInfo.InvariantCulture));
            Assert.Equal(history["val_loss"][e], double.Parse(cells[4], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Append_adds_rows_without_a_second_header_and_a_fresh_run_starts_over()
    {
        using var temp = new TempDirectory();
        string file = temp.File("training.csv");
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        model.Fit(x, y, epochs: 2, callbacks: [new CSVLogger(file, separator: ';')], verbose: 0);
        model.Fit(x, y, epochs: 3, initialEpoch: 2, callbacks: [new CSVLogger(file, separator: ';', append: true)], verbose: 0);
        var lines = File.ReadAllLines(file);
        Assert.Equal(["epoch;accuracy;loss", "0", "1", "2"], lines.Select(l => l.StartsWith("epoch") ? l : l.Split(';')[0]));

        model.Fit(x, y, epochs: 1, callbacks: [new CSVLogger(file)], verbose: 0);
        Assert.Equal(2, File.ReadAllLines(file).Length);
    }

    [Fact]
    public void Every_finished_epoch_is_on_disk_when_training_fails_later()
    {
        using var temp = new TempDirectory();
        string file = temp.File("training.csv");
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        var e = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 5, callbacks: [new CSVLogger(file), new FailAt(2)], verbose: 0));
        Assert.Equal(3, File.ReadAllLines(file).Length);
    }

    private sealed class FailAt(int epoch) : Tailor.Models.Callback
    {
        public override void OnEpochBegin(int e)
        {
            if (e == epoch) throw new InvalidOperationException("stop here");
        }
    }
}
