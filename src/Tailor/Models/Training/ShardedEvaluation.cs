using System.Runtime.CompilerServices;
using Tailor.Metrics;
using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// Evaluation shared by the workers of a data-parallel run: worker r evaluates batches r, r + P, ... of the
/// source in its order; each batch gives a record (its loss times its rows, its metric sums), an all-gather hands
/// every worker every record, and each adds them in batch order: the numbers one process adds batch after batch,
/// so the result is the same, bit for bit, on any number of workers.
/// </summary>
public static class ShardedEvaluation
{
    /// <summary>
    /// <see cref="Model.Evaluate(BatchSource, int, float[], CancellationToken)"/>'s loss and accuracy (the same
    /// bits), each worker of <paramref name="transport"/> evaluating its share of the batches.
    /// </summary>
    public static Evaluation Evaluate(Model model, BatchSource data, ShardTransport transport, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(transport);
        using var held = model.EnterLock();
        model.RequireCompiled();
        model.EnsureBuilt(data.InputShape);
        model.CheckSource(data, "x", "y");
        int outputs = model.OutputLength, samples = data.Count;
        var loss = model.Loss!;
        var records = Records(model, data, batchSize, transport, 2, (x, y, count, record) =>
        {
            var prediction = model.RunInference(x);
            record[0] = (double)loss.Compute(prediction.Span, y.Span, default, count, outputs, default) * count;
            record[1] = Accuracy.CountCorrect(loss, prediction.Span, y.Span, count, outputs);
        });
        double lossSum = 0;
        long correct = 0;
        for (int b = 0; b < records.Batches; b++)
        {
            var record = records[b];
            lossSum += record[0];
            correct += (long)record[1];
        }
        return new Evaluation(lossSum / samples + model.Penalty(), (double)correct / (samples * Accuracy.CountPerSample(loss, outputs)));
    }

    /// <summary>
    /// The trainer's validation (mean loss with penalties; <paramref name="metrics"/> reset and filled), shared by
    /// the workers of <paramref name="transport"/>, or done alone in the same records when it is null, so that a
    /// sharded run validates to the same bits alone and on any number of processes.
    /// </summary>
    internal static double Validate(Model model, BatchSource data, int batchSize, ShardTransport? transport, IReadOnlyList<Metric> metrics)
    {
        var batchMetrics = metrics.Select(m => m.CloneEmpty()).ToArray();
        int recordLength = 1 + batchMetrics.Sum(m => m.State.Length);
        var records = Records(model, data, batchSize, transport, recordLength, (x, y, count, record) =>
        {
            foreach (var m in batchMetrics) m.Reset();
            record[0] = model.InferenceLoss(x, y, batchMetrics) * count;
            int at = 1;
            foreach (var m in batchMetrics) { m.State.CopyTo(record[at..]); at += m.State.Length; }
        });
        foreach (var m in metrics) m.Reset();
        double lossSum = 0;
        for (int b = 0; b < records.Batches; b++)
        {
            var record = records[b];
            lossSum += record[0];
            int at = 1;
            foreach (var m in metrics)
            {
                var state = m.State;
                for (int j = 0; j < state.Length; j++) state[j] += record[at + j];
                at += state.Length;
            }
        }
        return lossSum / data.Count + model.Penalty();
    }

    private delegate void BatchRecord(Tensor x, Tensor y, int count, Span<double> record);

    /// <summary>Every batch's record, in the workers' blocks as the all-gather left them; indexed by batch.</summary>
    private readonly struct BatchRecords(double[] all, int batches, int workers, int perWorker, int length)
    {
        public int Batches => batches;

        public ReadOnlySpan<double> this[int batch] => all.AsSpan(((batch % workers) * perWorker + batch / workers) * length, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BatchRecords Records(Model model, BatchSource data, int batchSize, ShardTransport? transport, int length, BatchRecord evaluate)
    {
        Common.Guard.Positive(batchSize, "batch_size");
        int samples = data.Count;
        if (samples == 0) throw new ArgumentException("Evaluate received no samples.");
        int batches = (samples + batchSize - 1) / batchSize, workers = transport?.Size ?? 1, rank = transport?.Rank ?? 0;
        int perWorker = (batches + workers - 1) / workers;
        // This worker's batches in one pass, so that a source reading ahead reads only these.
        var order = new List<int>();
        for (int b = rank; b < batches; b += workers)
            for (int i = b * batchSize; i < Math.Min(samples, (b + 1) * batchSize); i++) order.Add(i);
        int[] mineOrder = [.. order];
        var mine = new double[perWorker * length];
        data.BeginPass(mineOrder, 0, batchSize);
        try
        {
            int at = 0;
            for (int k = 0, b = rank; b < batches; k++, b += workers)
            {
                int count = Math.Min(batchSize, samples - b * batchSize);
                var (x, y) = model.BatchBuffers(count, data);
                data.Gather(mineOrder, at, count, x, y);
                evaluate(x, y, count, mine.AsSpan(k * length, length));
                at += count;
            }
        }
        finally { data.EndPass(); }
        if (transport == null) return new BatchRecords(mine, batches, 1, perWorker, length);
        var all = new double[workers * perWorker * length];
        transport.AllGather(mine, all);
        return new BatchRecords(all, batches, workers, perWorker, length);
    }
}
