using System.Text.Json;
using Tailor.Common;
using Tailor.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>Model files written byte by byte from an architecture and tensors, as a damaged or hostile file would be: nothing checks them on the way out.</summary>
internal static class HostileModelFiles
{
    /// <summary>A layer entry of the architecture: {"class_name": ..., "config": {...}}.</summary>
    public static Dictionary<string, object?> Layer(string className, object config) => new() { ["class_name"] = className, ["config"] = config };

    /// <summary>Activation layers ending in a softmax: the cheapest model of <paramref name="count"/> layers.</summary>
    public static IEnumerable<Dictionary<string, object?>> ActivationLayers(int count) =>
        Enumerable.Range(0, count).Select(i => Layer("Activation", new { name = $"a{i}", activation = i == count - 1 ? "softmax" : "relu" }));

    /// <summary>Writes a model file of <paramref name="layers"/> taking <paramref name="inputShape"/>, holding <paramref name="tensors"/> (none by default).</summary>
    public static string Write(string path, int[] inputShape, IEnumerable<Dictionary<string, object?>> layers, params NamedTensor[] tensors)
    {
        string architecture = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["class_name"] = "Sequential",
            ["config"] = new Dictionary<string, object?> { ["name"] = "hostile", ["seed"] = 0, ["input_shape"] = inputShape, ["layers"] = layers.ToList() },
        });
        var metadata = new Dictionary<string, string>
        {
            [ModelFile.FormatKey] = ModelFile.Format, [ModelFile.VersionKey] = ModelFile.Version.ToString(), [ModelFile.ArchitectureKey] = architecture,
        };
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, tensors, metadata));
        return path;
    }
}
