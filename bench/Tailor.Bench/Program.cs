using BenchmarkDotNet.Running;
using Tailor.Bench;

// `ort --model M.onnx --images X.f32 --json out.json [--outputs Y.f32] [--threads 2]`: the ONNX Runtime side
// of `tailor bench --onnx-runtime`, which runs it as a peer process.
if (args.Length > 0 && args[0] == "ort") return OrtInference.Run(args[1..]);

// Kernel benchmarks: `dotnet run -c Release --project bench/Tailor.Bench -- --filter '*'`.
// The end-to-end epoch benchmark against PyTorch is `tailor bench --peer`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
