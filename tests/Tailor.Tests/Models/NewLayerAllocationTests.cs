using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Tailor.Tests.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Models;

/// <summary>
/// The sequence layers, BatchNormalization and the GradientDiagnostics callback allocate nothing per
/// batch after warm-up. Measured on one thread, so that the worker threads' waking and sleeping, which
/// depends on the machine's load, stays out of the count.
/// </summary>
[Collection(GlobalSwitches.Name)]
public class NewLayerAllocationTests
{
    [Fact]
    public void Fit_with_sequence_layers_batch_normalization_and_gradient_diagnostics_allocates_nothing_per_batch()
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            var (x, y, _) = SyntheticData.Images(250, 12, 12, 3, seed: 4);
            var model = new Sequential(
            [
                new Reshape(12, 12),
                new Conv1D(4, 3, padding: Padding.Causal, dilationRate: 2, useBias: false),
                new BatchNormalization(),
                new ActivationLayer(Activation.Relu),
                new MaxPooling1D(2),
                new Conv1D(4, 3, padding: Padding.Same, activation: Activation.Tanh),
                new AveragePooling1D(2, padding: Padding.Same),
                new GlobalMaxPooling1D(),
                new Dense(3, Activation.Softmax),
            ], seed: 3);
            model.Compile("adam", "categorical_crossentropy", "accuracy");
            // Records every 1,000 batches: the per-batch path (a sum of squares per parameter) is what is measured.
            var diagnostics = new GradientDiagnostics(everyBatches: 1000);
            model.Fit(x, y, epochs: 1, batchSize: 4, callbacks: [diagnostics], verbose: 0);

            long Allocated(int epochs)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                model.Fit(x, y, epochs: epochs, batchSize: 4, callbacks: [diagnostics], verbose: 0);
                return GC.GetTotalAllocatedBytes(precise: true) - before;
            }
            long two = Math.Min(Allocated(2), Allocated(2)), four = Math.Min(Allocated(4), Allocated(4));
            double perBatch = (four - two) / (2.0 * 63);
            Assert.True(perBatch < 16, $"{perBatch:F0} bytes per batch ({two} bytes for 2 epochs, {four} for 4)");
        }
        finally { WorkerPool.Threads = saved; }
    }
}
