using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text;
using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's CSVLogger: one row per epoch, "epoch" (0-based, as Keras writes it) then the logged keys
/// in sorted order. Each row is appended and flushed to disk as one write at the end of its epoch,
/// so a crash leaves every finished epoch on disk and no half row. Without <c>append</c> the file is
/// started afresh when training begins; with it, rows follow what is there (the header only if empty).
/// </summary>
public sealed class CSVLogger : Callback
{
    private string[]? _keys;
    private bool _headerPending;

    public CSVLogger(string filename, char separator = ',', bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filename);
        Filename = filename;
        Separator = separator;
        Append = append;
    }

    public string Filename { get; }
    public char Separator { get; }
    public bool Append { get; }

    public override void OnTrainBegin(TrainingInfo info)
    {
        _keys = null;
        string? folder = Path.GetDirectoryName(Path.GetFullPath(Filename));
        if (folder != null) Directory.CreateDirectory(folder);
        if (!Append) File.WriteAllBytes(Filename, []);
        _headerPending = !File.Exists(Filename) || new FileInfo(Filename).Length == 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _keys ??= logs.Keys.Order(StringComparer.Ordinal).ToArray();
        var text = new StringBuilder();
        if (_headerPending) text.Append("epoch").Append(Separator).AppendJoin(Separator, _keys).Append('\n');
        text.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var key in _keys)
            text.Append(Separator).Append(logs.TryGetValue(key, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        text.Append('\n');
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        try
        {
            using var stream = new FileStream(Filename, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"CSVLogger could not append epoch {epoch + 1} to '{Path.GetFullPath(Filename)}': {e.Message}", e);
        }
        _headerPending = false;
    }
}
