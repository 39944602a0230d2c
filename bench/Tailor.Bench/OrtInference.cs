using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Tailor.Benchmarks;

namespace Tailor.Bench;

/// <summary>
/// ONNX Runtime's inference figures for an exported model, measured with the tool's own protocol
/// (<see cref="InferenceBenchmark.Measure"/>): intra-op threads as given (2 by default), sequential
/// execution, all graph optimisations. The images are raw little-endian float32 in the model's input
/// layout; the batch of all of them writes its outputs to --outputs, for the tool to compare with Tailor's.
/// </summary>
internal static class OrtInference
{
    public static int Run(string[] args)
    {
        string? model = null, images = null, json = null, outputs = null;
        int threads = 2;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--model": model = Value(); break;
                case "--images": images = Value(); break;
                case "--json": json = Value(); break;
                case "--outputs": outputs = Value(); break;
                case "--threads": threads = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"ort: unknown option {args[i]}; expected --model, --images, --json, --outputs, --threads."); return 2;
            }
        }
        if (model == null || images == null || json == null)
        {
            Console.Error.WriteLine("ort: usage: ort --model M.onnx --images X.f32 --json out.json [--outputs Y.f32] [--threads 2]");
            return 2;
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(model, options);
        var (inputName, inputMeta) = session.InputMetadata.Single();
        var (outputName, outputMeta) = session.OutputMetadata.Single();
        long[] sampleShape = [.. inputMeta.Dimensions.Skip(1).Select(d => (long)d)];
        int sampleLength = (int)sampleShape.Aggregate(1L, (a, b) => a * b);
        int outputLength = outputMeta.Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
        float[] x = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(images)).ToArray();
        if (x.Length == 0 || x.Length % sampleLength != 0)
        {
            Console.Error.WriteLine($"ort: {images} holds {x.Length} floats, not a whole number of samples of {sampleLength}.");
            return 2;
        }
        int count = x.Length / sampleLength;
        var y = new float[count * outputLength];
        string[] inputNames = [inputName], outputNames = [outputName];
        using var runOptions = new RunOptions();

        void Predict(int start, int n, bool keep)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                x.AsMemory(start * sampleLength, n * sampleLength), [n, .. sampleShape]);
            using var results = session.Run(runOptions, inputNames, [input], outputNames);
            if (keep) results[0].GetTensorDataAsSpan<float>().CopyTo(y.AsSpan(start * outputLength, n * outputLength));
        }

        var figures = InferenceBenchmark.Measure(count, (start, n) => Predict(start, n, keep: false));
        Predict(0, count, keep: true);
        if (outputs != null) File.WriteAllBytes(outputs, MemoryMarshal.AsBytes(y.AsSpan()).ToArray());
        File.WriteAllText(json, figures.ToJson() + "\n");
        return 0;
    }
}
