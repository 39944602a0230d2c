using Tailor.Augmentation;
using Tailor.Callbacks;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Tests.Callbacks;
using Tailor.Tests.Kernels;
using Tailor.Tests.Models;
using Tailor.Tests.Visualization;
using Tailor.Threading;
using Tailor.Visualization;

namespace Tailor.Tests.Augmentation;

[Collection(GlobalSwitches.Name)]
public class AugmentationPipelineTests
{
    private static AugmentationPipeline All() => AugmentationPipeline.Parse("flip,shift:2,rotate:10,zoom:0.1,erase:0.25");

    private static Tensor Batch(int count = 33) => SyntheticData.Images(count, 12, 10, 3, seed: 8).X;

    [Fact]
    public void Parses_the_command_line_form_in_order_with_defaults()
    {
        var pipeline = AugmentationPipeline.Parse(" flip, shift:3 ,rotate,zoom:0.2,erase:1");
        Assert.Equal(["flip", "shift", "rotate", "zoom", "erase"], pipeline.Steps.Select(s => s.Name));
        Assert.Equal("flip,shift:3,rotate:10,zoom:0.2,erase:1", pipeline.ToString());
        Assert.Equal(pipeline.ToString(), AugmentationPipeline.Parse(pipeline.ToString()).ToString());
        Assert.Equal("RandomRotation", pipeline.GetConfig()[2]["class_name"]);
    }

    [Theory]
    [InlineData("flip,blur", "Unknown augmentation step 'blur'. Valid steps: flip (")]
    [InlineData("", "at least one step")]
    [InlineData("flip,,shift", "Unknown augmentation step ''")]
    [InlineData("shift:1.5", "'shift' takes a whole number of pixels")]
    [InlineData("shift:-2", "'shift' takes a whole number of pixels")]
    [InlineData("rotate:abc", "'rotate' takes a number, received 'rotate:abc'")]
    [InlineData("zoom:1", "Augmentation step 'zoom': RandomZoom: the factor must be in [0, 1), received 1.")]
    [InlineData("erase:2", "the probability must be in [0, 1]")]
    [InlineData("flip:1", "'flip' takes no argument")]
    public void Bad_specifications_are_one_clear_error(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AugmentationPipeline.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("(Parameter", e.Message);
    }

    [Fact]
    public void The_same_key_gives_the_same_bits_and_another_key_other_images()
    {
        var source = Batch();
        var a = source.Clone(); All().Apply(a, 42);
        var b = source.Clone(); All().Apply(b, 42);
        var c = source.Clone(); All().Apply(c, 43);
        Assert.Equal(a.Span.ToArray(), b.Span.ToArray());
        Assert.NotEqual(a.Span.ToArray(), c.Span.ToArray());
        Assert.NotEqual(source.Span.ToArray(), a.Span.ToArray());
    }

    [Fact]
    public void An_image_depends_on_the_key_and_its_position_only_not_on_the_batch_around_it()
    {
        var source = Batch();
        var whole = source.Clone(); All().Apply(whole, 7);
        var firstFive = source.Slice(0, 5); All().Apply(firstFive, 7);
        Assert.Equal(whole.Span[..firstFive.Length].ToArray(), firstFive.Span.ToArray());
    }

    [Fact]
    public void One_thread_and_two_threads_give_the_same_bits()
    {
        int saved = WorkerPool.Threads;
        try
        {
            var source = Batch();
            WorkerPool.Threads = 1;
            var one = source.Clone(); All().Apply(one, 9);
            WorkerPool.Threads = 2;
            var two = source.Clone(); All().Apply(two, 9);
            Assert.Equal(one.Span.ToArray(), two.Span.ToArray());
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Applying_allocates_nothing_after_the_first_batch()
    {
        var pipeline = All();
        var batch = Batch();
        var size = new ImageSize(12, 10, 1);
        ulong key = 0;
        long Allocated(int batches)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < batches; i++) pipeline.Apply(batch.Buffer, 33, size, ++key);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        // One thread: on a loaded machine the runtime allocates a little when workers block and wake.
        int saved = WorkerPool.Threads;
        WorkerPool.Threads = 1;
        try
        {
            Allocated(300); // warm-up: buffers, and the JIT's tiers
            // GC.GetTotalAllocatedBytes counts every thread; the difference between two runs cancels what is not per batch.
            double perBatch = (Allocated(300) - Allocated(100)) / 200.0;
            Assert.True(perBatch < 16, $"{perBatch:F0} bytes per batch");
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Fit_augments_training_batches_only_never_the_data_or_the_validation()
    {
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var xBefore = x.Span.ToArray();
        var vxBefore = vx.Span.ToArray();
        var plain = CallbackHarness.SmallCnn();
        var plainHistory = plain.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), seed: 5, verbose: 0);
        var augmented = CallbackHarness.SmallCnn();
        var check = new ValidationIsPlain(vx, vy);
        var history = augmented.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), seed: 5, verbose: 0,
            callbacks: [check], augmentation: All());
        var again = CallbackHarness.SmallCnn();
        var repeat = again.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), seed: 5, verbose: 0, augmentation: All());

        Assert.Equal(xBefore, x.Span.ToArray());
        Assert.Equal(vxBefore, vx.Span.ToArray());
        Assert.NotEqual(plainHistory["loss"], history["loss"]);
        Assert.Equal(history["loss"], repeat["loss"]);
        Assert.Equal(history["val_loss"], repeat["val_loss"]);
        Assert.Equal(2, check.Checked);
    }

    /// <summary>val_loss at each epoch end is the loss of the unaugmented validation images.</summary>
    private sealed class ValidationIsPlain(Tensor vx, Tensor vy) : Callback
    {
        public int Checked { get; private set; }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            Assert.Equal(Model!.Evaluate(vx, vy, batchSize: 256).Loss, logs["val_loss"], 1e-9);
            Checked++;
        }
    }

    [Fact]
    public void A_model_on_flat_inputs_cannot_be_augmented()
    {
        var model = new Sequential([new Tailor.Layers.Core.Dense(3, Tailor.Kernels.Activation.Softmax)]);
        model.Compile("sgd", "categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() =>
            model.Fit(new Tensor(4, 784), new Tensor(4, 3), verbose: 0, augmentation: All()));
        Assert.Contains("(None, 784)", e.Message);
    }

    [Fact]
    public void The_preview_grid_shows_each_image_then_its_variants_and_leaves_the_images_alone()
    {
        var images = SyntheticData.Images(3, 28, 28, 3, seed: 1).X;
        var before = images.Span.ToArray();
        byte[] png = AugmentationGrid.Render(images, All(), variants: 4, seed: 2, scale: 1);
        Assert.Equal(before, images.Span.ToArray());
        using var bitmap = DecodedPng.Decode(png);
        // Five columns of 28-pixel tiles with four 10-pixel gaps, padding 8 each side (unless the title is wider).
        Assert.True(bitmap.Width >= 5 * 28 + 4 * 10 + 16);
        Assert.True(bitmap.Height >= 3 * 28);
        Assert.Equal(png, AugmentationGrid.Render(images, All(), variants: 4, seed: 2, scale: 1));
    }
}
