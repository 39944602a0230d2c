using System.Collections.Concurrent;
using CsCheck;
using Tailor.Data;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Serialization;
using Tailor.Studies;
using Tailor.Tests.Data;
using Xunit.Abstractions;

namespace Tailor.Tests.Fuzz;

/// <summary>
/// Tens of thousands of mutated files through every parser Tailor has: each must return or throw its
/// documented exception (ModelFormatException, DataFormatException, FormatException), never another
/// one, never crash or hang. An input that breaks this is written to the test's temporary folder and
/// belongs in corpus/, which <see cref="CorpusRegressionTests"/> replays.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    /// <summary>Far more than any case needs (each takes well under a millisecond); past it the case counts as a hang.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public void Model_files_survive_mutation() =>
        Fuzz("model", Parsers.Model, iterations: 15_000, FuzzSeeds.ModelFiles());

    [Fact]
    public void Checkpoint_files_survive_mutation() =>
        Fuzz("checkpoint", Parsers.Checkpoint, iterations: 6_000, FuzzSeeds.Checkpoint());

    [Fact]
    public void Idx_files_survive_mutation() =>
        Fuzz("idx", Parsers.Idx, iterations: 8_000, FuzzSeeds.IdxFiles());

    [Fact]
    public void Training_options_json_survives_mutation() =>
        Fuzz("options", Parsers.Options, iterations: 6_000, FuzzSeeds.Options());

    private void Fuzz(string parser, Action<byte[]> parse, int iterations, byte[][] seeds)
    {
        foreach (var seed in seeds) parse(seed); // the seeds themselves are valid
        var current = new ConcurrentDictionary<int, byte[]>();
        var run = Task.Run(() => Mutations.Of(seeds).Sample(bytes =>
        {
            current[Environment.CurrentManagedThreadId] = bytes;
            try { Parsers.Check(parser, parse, bytes); }
            catch (UnexpectedException e) { throw new UnexpectedException(e.Message + $" Input saved as {Save(parser, bytes)}.", e.InnerException!); }
        }, iter: iterations, threads: 2, print: bytes => $"{bytes.Length} bytes"));
        if (!run.Wait(HangLimit))
        {
            var saved = current.Values.Select(b => Save(parser, b)).ToList();
            Assert.Fail($"The {parser} parser did not finish {iterations} cases in {HangLimit.TotalSeconds} s; inputs in progress saved as {string.Join(", ", saved)}.");
        }
        output.WriteLine($"{parser}: {iterations} mutated files, only documented exceptions.");
    }

    private static string Save(string parser, byte[] bytes)
    {
        string folder = Path.Combine(Path.GetTempPath(), "tailor-fuzz-failures", parser);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16] + ".bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>An exception a parser does not document.</summary>
internal sealed class UnexpectedException(string message, Exception inner) : Exception(message, inner);

/// <summary>Each parser with the exception it documents.</summary>
internal static class Parsers
{
    public static void Model(byte[] bytes) => ModelFile.Load(SafeTensors.Read(bytes, "fuzz.safetensors"), "fuzz.safetensors");

    public static void Checkpoint(byte[] bytes) => CheckpointFile.Read(bytes, "fuzz.safetensors");

    [ThreadStatic] private static string? _idxPath;

    public static void Idx(byte[] bytes)
    {
        _idxPath ??= Path.Combine(Path.GetTempPath(), $"tailor-fuzz-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.idx");
        File.WriteAllBytes(_idxPath, bytes);
        IdxReader.Read(_idxPath);
    }

    public static void Options(byte[] bytes) => TrainingOptions.FromJson(System.Text.Encoding.UTF8.GetString(bytes));

    public static Type Documented(string parser) => parser switch
    {
        "model" or "checkpoint" => typeof(ModelFormatException),
        "idx" => typeof(DataFormatException),
        "options" => typeof(FormatException),
        _ => throw new ArgumentException(parser),
    };

    /// <summary>Runs the parser; throws <see cref="UnexpectedException"/> for anything but success or its documented exception.</summary>
    public static void Check(string parser, Action<byte[]> parse, byte[] bytes)
    {
        var documented = Documented(parser);
        try { parse(bytes); }
        catch (Exception e) when (documented.IsInstanceOfType(e)) { }
        catch (Exception e)
        {
            throw new UnexpectedException($"The {parser} parser threw {e.GetType().Name}: {e.Message}", e);
        }
    }
}

/// <summary>Small valid files to mutate.</summary>
internal static class FuzzSeeds
{
    public static byte[][] ModelFiles()
    {
        var small = Tailor.Tests.Serialization.ModelFileTests.MixedModel();
        small.Compile("adam", "categorical_crossentropy", "accuracy");
        var (x, y) = Tailor.Tests.Serialization.ModelFileTests.SyntheticImages(4, seed: 1);
        small.TrainOnBatch(x, y);
        var tiny = new Sequential([new Tailor.Layers.Core.Dense(3, Tailor.Kernels.Activation.Relu), new Tailor.Layers.Core.Dense(2, Tailor.Kernels.Activation.Softmax)]);
        tiny.Build(4);
        // The layers added later (Conv1D, 1D and global pooling, BatchNormalization, Reshape), trained a step so that slots exist.
        var sequences = Tailor.Tests.Serialization.ModelFileTests.SequenceModel();
        var normalized = Tailor.Tests.Serialization.ModelFileTests.NormalizedImageModel();
        foreach (var model in new[] { sequences, normalized })
        {
            model.Compile("adam", "categorical_crossentropy", "accuracy");
            model.TrainOnBatch(x, y);
        }
        return [ToBytes(s => ModelFile.Save(small, s)), ToBytes(s => ModelFile.Save(tiny, s)), ToBytes(s => ModelFile.Save(sequences, s)), ToBytes(s => ModelFile.Save(normalized, s))];
    }

    public static byte[][] Checkpoint()
    {
        var model = new Sequential(
        [
            new Tailor.Layers.Convolutional.Conv2D(2, 3), new Tailor.Layers.Core.Flatten(), new Tailor.Layers.Regularization.Dropout(0.5f),
            new Tailor.Layers.Core.Dense(3, Tailor.Kernels.Activation.Softmax),
        ], seed: 2);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        var (x, y) = Tailor.Tests.Serialization.ModelFileTests.SyntheticImages(12, seed: 3);
        var history = model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0, callbacks: [new Tailor.Tests.Callbacks.InterruptAt(epoch: 1, batch: 1)]);
        using var folder = new TempDirectory();
        string path = CheckpointFile.Write(folder.Path, model, model.Interruption!, new Dictionary<string, string> { ["training_options"] = OptionsJson });
        return [File.ReadAllBytes(path)];
    }

    private const string OptionsJson = """{"model":"cnn","epochs":3,"batch_size":null,"optimizer":"rmsprop","learning_rate":0.001,"seed":1,"sample":{"seed":1,"train_count":500,"test_count":100,"validation_count":100}}""";

    public static byte[][] Options() => [System.Text.Encoding.UTF8.GetBytes(OptionsJson)];

    public static byte[][] IdxFiles()
    {
        using var folder = new TempDirectory();
        var images = new IdxArray(Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 7)).ToArray(), [3, 4, 5]);
        var labels = new IdxArray([1, 0, 9], [3]);
        IdxWriter.Write(folder.File("images.idx"), images);
        IdxWriter.Write(folder.File("images.idx.gz"), images);
        IdxWriter.Write(folder.File("labels.idx"), labels);
        return [File.ReadAllBytes(folder.File("images.idx")), File.ReadAllBytes(folder.File("images.idx.gz")), File.ReadAllBytes(folder.File("labels.idx"))];
    }

    private static byte[] ToBytes(Action<string> save)
    {
        using var folder = new TempDirectory();
        save(folder.File("m.safetensors"));
        return File.ReadAllBytes(folder.File("m.safetensors"));
    }
}
