using Tailor.Augmentation;
using Tailor.Common;

namespace Tailor.Tests.Augmentation;

public class AugmentationStepTests
{
    private static readonly ImageSize Size = new(7, 9, 2);

    private static float[] Ramp(ImageSize size)
    {
        var image = new float[size.Length];
        for (int i = 0; i < image.Length; i++) image[i] = 0.01f * (i + 1);
        return image;
    }

    private static float At(float[] image, ImageSize size, int y, int x, int c) => image[(y * size.Width + x) * size.Channels + c];

    private static float[] Apply(AugmentationStep step, float[] image, ulong seed)
    {
        var copy = (float[])image.Clone();
        step.Apply(copy, new float[copy.Length], Size, new Rng(seed));
        return copy;
    }

    [Fact]
    public void Flip_mirrors_rows_or_leaves_the_image_and_does_so_about_half_the_time()
    {
        var image = Ramp(Size);
        int flipped = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var result = Apply(new RandomFlip(), image, seed);
            if (result.SequenceEqual(image)) continue;
            flipped++;
            for (int y = 0; y < Size.Height; y++)
                for (int x = 0; x < Size.Width; x++)
                    for (int c = 0; c < Size.Channels; c++)
                        Assert.Equal(At(image, Size, y, Size.Width - 1 - x, c), At(result, Size, y, x, c));
        }
        Assert.InRange(flipped, 70, 130);
    }

    [Fact]
    public void Translation_moves_whole_pixels_within_the_range_and_fills_with_zeros()
    {
        var image = Ramp(Size);
        var seen = new HashSet<(int, int)>();
        for (ulong seed = 0; seed < 400; seed++)
        {
            var result = Apply(new RandomTranslation(2), image, seed);
            var match = Shifts(2).Where(s => Shifted(image, s.Dy, s.Dx).SequenceEqual(result)).ToList();
            Assert.Single(match);
            seen.Add(match[0]);
        }
        Assert.Equal(25, seen.Count);
    }

    /// <summary>
    /// torchvision's RandomCrop(28, padding=4): pad with 4 zeros on every side, cut a 28x28 window at an offset drawn
    /// from [0, 8] on each axis. `shift:4` is that crop: each result is exactly one of the 81 windows, and all appear.
    /// </summary>
    [Fact]
    public void Shift_4_is_a_random_crop_of_the_image_padded_by_4()
    {
        const int pad = 4;
        var size = new ImageSize(28, 28, 1);
        var image = Ramp(size);
        int side = 28 + 2 * pad;
        var padded = new float[side * side];
        for (int y = 0; y < 28; y++) image.AsSpan(y * 28, 28).CopyTo(padded.AsSpan((y + pad) * side + pad, 28));
        float[] Crop(int top, int left)
        {
            var window = new float[28 * 28];
            for (int y = 0; y < 28; y++) padded.AsSpan((top + y) * side + left, 28).CopyTo(window.AsSpan(y * 28, 28));
            return window;
        }
        var windows = Shifts(pad).Select(s => (s, Window: Crop(s.Dy + pad, s.Dx + pad))).ToList();
        var seen = new HashSet<(int, int)>();
        var step = AugmentationPipeline.Parse("shift:4").Steps.Single();
        for (ulong seed = 0; seed < 1000; seed++)
        {
            var result = (float[])image.Clone();
            step.Apply(result, new float[result.Length], size, new Rng(seed));
            seen.Add(Assert.Single(windows, w => w.Window.SequenceEqual(result)).s);
        }
        Assert.Equal(81, seen.Count);
    }

    private static IEnumerable<(int Dy, int Dx)> Shifts(int max) =>
        from dy in Enumerable.Range(-max, 2 * max + 1) from dx in Enumerable.Range(-max, 2 * max + 1) select (dy, dx);

    private static float[] Shifted(float[] image, int dy, int dx)
    {
        var result = new float[image.Length];
        for (int y = 0; y < Size.Height; y++)
            for (int x = 0; x < Size.Width; x++)
                for (int c = 0; c < Size.Channels; c++)
                {
                    int sy = y - dy, sx = x - dx;
                    bool inside = sy >= 0 && sy < Size.Height && sx >= 0 && sx < Size.Width;
                    result[(y * Size.Width + x) * Size.Channels + c] = inside ? At(image, Size, sy, sx, c) : 0;
                }
        return result;
    }

    [Fact]
    public void The_sampler_turns_a_square_image_a_quarter_turn_exactly_as_a_reference()
    {
        var size = new ImageSize(5, 5, 1);
        var image = Ramp(size);
        var result = new float[image.Length];
        double c = 2; // centre of a 5x5 image; a quarter turn counter-clockwise reads (sy, sx) = (x, 4 - y)
        AffineSampler.Sample(image, result, size, 0, -1, 2 * c, 1, 0, 0, FillMode.Constant, 0);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                Assert.Equal(At(image, size, x, 4 - y, 0), At(result, size, y, x, 0));
    }

    [Fact]
    public void Rotation_and_zoom_keep_the_centre_pixel_stay_in_range_and_do_nothing_at_zero()
    {
        var size = new ImageSize(9, 9, 1);
        var image = Ramp(size);
        foreach (AugmentationStep step in new AugmentationStep[] { new RandomRotation(30), new RandomZoom(0.3) })
        {
            var copy = (float[])image.Clone();
            step.Apply(copy, new float[copy.Length], size, new Rng(5));
            Assert.False(copy.SequenceEqual(image));
            Assert.Equal(At(image, size, 4, 4, 0), At(copy, size, 4, 4, 0), 5);
            Assert.All(copy, v => Assert.InRange(v, 0f, image.Max() + 1e-6f));
        }
        foreach (AugmentationStep step in new AugmentationStep[] { new RandomRotation(0), new RandomZoom(0) })
        {
            var copy = (float[])image.Clone();
            step.Apply(copy, new float[copy.Length], size, new Rng(5));
            Assert.Equal(image, copy);
        }
    }

    [Fact]
    public void Reflect_and_nearest_fill_modes_map_outside_indices_as_Keras_does()
    {
        // Keras's reflect: (d c b a | a b c d | d c b a); nearest: (a a a a | a b c d | d d d d).
        Assert.Equal([3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0], Enumerable.Range(-4, 12).Select(i => AffineSampler.Map(i, 4, FillMode.Reflect)));
        Assert.Equal([0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3], Enumerable.Range(-4, 12).Select(i => AffineSampler.Map(i, 4, FillMode.Nearest)));
    }

    [Fact]
    public void Erasing_fills_one_rectangle_of_2_to_33_percent_with_its_probability()
    {
        var size = new ImageSize(28, 28, 1);
        var ones = Enumerable.Repeat(1f, size.Length).ToArray();
        int erased = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var copy = (float[])ones.Clone();
            new RandomErasing(0.5).Apply(copy, new float[copy.Length], size, new Rng(seed));
            var zeros = Enumerable.Range(0, copy.Length).Where(i => copy[i] == 0).ToList();
            if (zeros.Count == 0) continue;
            erased++;
            int top = zeros.Min(i => i / 28), bottom = zeros.Max(i => i / 28), left = zeros.Min(i => i % 28), right = zeros.Max(i => i % 28);
            Assert.Equal((bottom - top + 1) * (right - left + 1), zeros.Count);
            Assert.InRange(zeros.Count, 0.015 * 784, 0.34 * 784);
        }
        Assert.InRange(erased, 70, 130);
        var untouched = (float[])ones.Clone();
        new RandomErasing(0).Apply(untouched, new float[untouched.Length], size, new Rng(1));
        Assert.Equal(ones, untouched);
    }

    [Fact]
    public void Steps_refuse_values_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomTranslation(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomRotation(200));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomZoom(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomErasing(1.5));
    }
}
