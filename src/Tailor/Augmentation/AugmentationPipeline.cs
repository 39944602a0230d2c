using System.Runtime.CompilerServices;
using System.Globalization;
using Tailor.Common;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Augmentation;

/// <summary>
/// Augmentation steps applied in order to every image of a training batch, as a stack of Keras's
/// augmentation layers. Image i of a batch draws from a generator seeded by (batch key, i) alone, so
/// a batch's result is the same bits for the same key whatever the thread count. Scratch space and
/// generators are sized for the largest batch and reused: applying allocates nothing after that.
/// </summary>
public sealed class AugmentationPipeline
{
    private readonly AugmentationStep[] _steps;
    private readonly ImageJob _job;
    private Rng[] _rngs = [];
    private float[] _scratch = [];

    public AugmentationPipeline(params AugmentationStep[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0) throw new ArgumentException("An augmentation pipeline needs at least one step.", nameof(steps));
        if (steps.Any(s => s == null)) throw new ArgumentNullException(nameof(steps), "An augmentation pipeline cannot hold a null step.");
        _steps = (AugmentationStep[])steps.Clone();
        _job = new ImageJob(this);
    }

    public IReadOnlyList<AugmentationStep> Steps => _steps;

    /// <summary>The step names a specification may use, with what their argument means.</summary>
    public static readonly IReadOnlyDictionary<string, string> StepNames = new Dictionary<string, string>
    {
        ["flip"] = "horizontal flip with probability 1/2 (no argument)",
        ["shift"] = $"translation by up to N whole pixels, N from 0 to {RandomTranslation.MaxShiftLimit:N0} (default 2): torchvision's RandomCrop(size, padding=N)",
        ["rotate"] = "rotation by up to D degrees (default 10)",
        ["zoom"] = "zoom by a factor in [1-F, 1+F], F in [0, 1) (default 0.1)",
        ["erase"] = "erase a rectangle with probability P in [0, 1] (default 0.25)",
    };

    /// <summary>Reads "flip,shift:2,rotate:10,zoom:0.1,erase:0.25"; throws naming the step that is wrong and the valid names.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static AugmentationPipeline Parse(string specification)
    {
        if (string.IsNullOrWhiteSpace(specification))
            throw new ArgumentException($"An augmentation specification needs at least one step. Valid steps: {string.Join(", ", StepNames.Keys)}.");
        var steps = new List<AugmentationStep>();
        foreach (string part in specification.Split(','))
        {
            string item = part.Trim();
            int colon = item.IndexOf(':');
            string name = (colon < 0 ? item : item[..colon]).Trim().ToLowerInvariant();
            string? argument = colon < 0 ? null : item[(colon + 1)..].Trim();
            steps.Add(name switch
            {
                "flip" when argument == null => new RandomFlip(),
                "flip" => throw new ArgumentException($"Augmentation step 'flip' takes no argument, received 'flip:{argument}'."),
                "shift" => Build(name, () => new RandomTranslation(WholeNumber(name, argument, 2))),
                "rotate" => Build(name, () => new RandomRotation(Number(name, argument, 10))),
                "zoom" => Build(name, () => new RandomZoom(Number(name, argument, 0.1))),
                "erase" => Build(name, () => new RandomErasing(Number(name, argument, 0.25))),
                _ => throw new ArgumentException(
                    $"Unknown augmentation step '{(name.Length == 0 ? item : name)}'. Valid steps: {string.Join(", ", StepNames.Select(p => $"{p.Key} ({p.Value})"))}."),
            });
        }
        return new AugmentationPipeline([.. steps]);
    }

    private static AugmentationStep Build(string name, Func<AugmentationStep> create)
    {
        try { return create(); }
        catch (ArgumentOutOfRangeException e) { throw new ArgumentException($"Augmentation step '{name}': {ErrorText.Of(e)}"); }
    }

    private static double Number(string name, string? argument, double fallback)
    {
        if (argument == null) return fallback;
        if (double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)) return v;
        throw new ArgumentException($"Augmentation step '{name}' takes a number, received '{name}:{argument}'.");
    }

    private static int WholeNumber(string name, string? argument, int fallback)
    {
        if (argument == null) return fallback;
        if (int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return v;
        throw new ArgumentException($"Augmentation step '{name}' takes a whole number of pixels (0 to {RandomTranslation.MaxShiftLimit:N0}), received '{name}:{argument}'.");
    }

    /// <summary>The specification, e.g. "flip,shift:2".</summary>
    public override string ToString() => string.Join(",", _steps.Select(s => s.ToString()));

    public List<Dictionary<string, object?>> GetConfig() => _steps.Select(s => s.GetConfig()).ToList();

    /// <summary>The image shape of a model's per-sample input: (H, W, C), or (H, W) as one channel.</summary>
    public static ImageSize ImageSizeOf(ReadOnlySpan<int> itemShape, string what)
    {
        if (itemShape.Length == 3) return new ImageSize(itemShape[0], itemShape[1], itemShape[2]);
        if (itemShape.Length == 2) return new ImageSize(itemShape[0], itemShape[1], 1);
        throw new ArgumentException(
            $"Augmentation works on images shaped (height, width, channels), but {what} takes samples of shape {Layers.Layer.FormatBatchShape(itemShape)}. Augment a model that takes images, e.g. a CNN.");
    }

    /// <summary>Augments every image of a batch (N, H, W, C) or (N, H, W) in place; the key decides every random draw.</summary>
    public void Apply(Tensor images, ulong key)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank < 3) throw new ArgumentException($"Augmentation expects a batch of images (N, H, W, C), received shape {images.ShapeString}.");
        Apply(images.Buffer, images.Dim(0), ImageSizeOf(images.Shape[1..], "the batch"), key);
    }

    /// <summary>Augments the first <paramref name="count"/> images of <paramref name="images"/> in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(float[] images, int count, ImageSize size, ulong key)
    {
        if (images.Length < count * size.Length)
            throw new ArgumentException($"A batch of {count} images of {size.Height}x{size.Width}x{size.Channels} needs {count * size.Length} values, received {images.Length}.");
        if (_rngs.Length < count)
        {
            int old = _rngs.Length;
            Array.Resize(ref _rngs, count);
            for (int i = old; i < count; i++) _rngs[i] = new Rng(0);
        }
        if (_scratch.Length < count * size.Length) _scratch = new float[count * size.Length];
        _job.Start(images, size, key);
        WorkerPool.Run(_job, count);
        _job.Clear();
    }

    private sealed class ImageJob(AugmentationPipeline pipeline) : ParallelJob
    {
        private float[] _images = [];
        private ImageSize _size;
        private ulong _key;

        public void Start(float[] images, ImageSize size, ulong key) => (_images, _size, _key) = (images, size, key);

        public void Clear() => _images = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int image)
        {
            int n = _size.Length;
            var span = _images.AsSpan(image * n, n);
            var scratch = pipeline._scratch.AsSpan(image * n, n);
            var rng = pipeline._rngs[image];
            rng.Reseed(_key ^ ((ulong)(image + 1) * 0x9E3779B97F4A7C15UL));
            foreach (var step in pipeline._steps) step.Apply(span, scratch, _size, rng);
        }
    }
}
