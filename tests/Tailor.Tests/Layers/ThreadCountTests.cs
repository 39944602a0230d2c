using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Tensors;
using Tailor.Tests.Kernels;
using Tailor.Tests.Reference;
using Tailor.Threading;

namespace Tailor.Tests.Layers;

/// <summary>The parallel layers give the same bits, forward and backward, on one thread and on two.</summary>
[Collection(GlobalSwitches.Name)]
public class ThreadCountTests
{
    public static TheoryData<string> Layers() => new("conv1d", "conv2d_relu", "max_pooling1d", "average_pooling1d", "global_average_pooling1d",
        "global_max_pooling2d", "batch_normalization_training", "batch_normalization_inference");

    private static (Layer Layer, int[] ItemShape, bool Training) Create(string name) => name switch
    {
        "conv1d" => (new Conv1D(5, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Tanh), [29, 7], true),
        "conv2d_relu" => (new Conv2D(12, 3, padding: Padding.Same, activation: Activation.Relu), [9, 11, 5], true),
        "max_pooling1d" => (new MaxPooling1D(3, 2, Padding.Same), [29, 7], true),
        "average_pooling1d" => (new AveragePooling1D(3, 2, Padding.Same), [29, 7], true),
        "global_average_pooling1d" => (new GlobalAveragePooling1D(), [29, 7], true),
        "global_max_pooling2d" => (new GlobalMaxPooling2D(), [9, 7, 5], true),
        "batch_normalization_training" => (new BatchNormalization(), [9, 7, 5], true),
        _ => (new BatchNormalization(), [9, 7, 5], false),
    };

    private static (int[] Output, int[] InputGradient, int[][] ParameterGradients) Run(string name, int threads)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads;
            var (layer, itemShape, training) = Create(name);
            var rng = new Rng(11);
            layer.Build(itemShape, rng);
            foreach (var p in layer.Parameters.Where(p => p.Trainable)) RandomData.Uniform(rng, p.Value.Length, -0.5f, 0.5f).CopyTo(p.Value.Span);
            const int batch = 13;
            var x = new Tensor(RandomData.Uniform(rng, batch * Tensor.SizeOf(itemShape)), [batch, .. itemShape]);
            var y = layer.Forward(x, training);
            int[] output = Bits(y.Span);
            var dx = layer.Backward(new Tensor(RandomData.Uniform(rng, y.Length), y.Shape.ToArray()))!;
            return (output, Bits(dx.Span), layer.Parameters.Select(p => Bits(p.Gradient.Span)).ToArray());
        }
        finally { WorkerPool.Threads = saved; }
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void One_and_two_threads_give_the_same_bits(string name)
    {
        var one = Run(name, 1);
        var two = Run(name, 2);
        Assert.Equal(one.Output, two.Output);
        Assert.Equal(one.InputGradient, two.InputGradient);
        Assert.Equal(one.ParameterGradients.Length, two.ParameterGradients.Length);
        for (int i = 0; i < one.ParameterGradients.Length; i++) Assert.Equal(one.ParameterGradients[i], two.ParameterGradients[i]);
    }

    /// <summary>
    /// A convolution makes and multiplies its patches a group of samples per task on each thread; a single sample
    /// takes the product over the batch on both threads. Every sample's output is the same either way.
    /// </summary>
    [Theory]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Relu, false)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Linear, false)]
    public void A_convolution_gives_each_sample_of_a_batch_the_bits_it_gets_alone(Activation activation, bool training)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 2;
            var layer = new Conv2D(12, 3, padding: Padding.Same, activation: activation);
            int[] itemShape = [9, 11, 5];
            var rng = new Rng(17);
            layer.Build(itemShape, rng);
            const int batch = 13;
            int itemLength = Tensor.SizeOf(itemShape);
            var x = new Tensor(RandomData.Uniform(rng, batch * itemLength), [batch, .. itemShape]);
            int[] together = Bits(layer.Forward(x, training).Span);
            int outputLength = together.Length / batch;
            for (int n = 0; n < batch; n++)
            {
                var one = new Tensor(x.Span.Slice(n * itemLength, itemLength).ToArray(), [1, .. itemShape]);
                Assert.Equal(together.AsSpan(n * outputLength, outputLength).ToArray(), Bits(layer.Forward(one, training).Span));
            }
        }
        finally { WorkerPool.Threads = saved; }
    }
}
