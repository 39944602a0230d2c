using BenchmarkDotNet.Running;

// Kernel benchmarks: `dotnet run -c Release --project bench/Tailor.Bench -- --filter '*'`.
// The end-to-end epoch benchmark against PyTorch is `tailor bench --peer`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
