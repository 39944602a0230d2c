using SkiaSharp;

namespace Tailor.Data.Images;

/// <summary>
/// Turns a photo of one garment into what a Fashion-MNIST model saw in training, a light object on a black
/// background filling a small square:
/// 1. grayscale (BT.601 luma), with transparent pixels composited over the background found in step 2;
/// 2. the background is the median of the opaque border pixels; when the border is transparent (a cut-out),
///    it is black under a light object and white under a dark one, so that the object keeps its contrast;
/// 3. a light background is inverted, the background level is subtracted and the rest stretched so that the
///    brightest pixel is white, as it is in nearly every Fashion-MNIST image (its conversion levelled them too);
/// 4. the object's bounding box (pixels above <see cref="PhotoPreprocessorOptions.ForegroundThreshold"/>,
///    ignoring rows and columns with only a speck of them) is cropped, padded to a square, scaled so the
///    longest edge fills Size - 2 Margin, and centred by box or by mass.
/// </summary>
public sealed class PhotoPreprocessor
{
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    public PhotoPreprocessor(PhotoPreprocessorOptions? options = null)
    {
        Options = options ?? new PhotoPreprocessorOptions();
        Options.Validate();
    }

    public PhotoPreprocessorOptions Options { get; }

    public PreprocessedPhoto Process(string path) => Process(ImageDecoder.Decode(path, Options.MaxImagePixels));

    public PreprocessedPhoto Process(RgbaImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        var (gray, alpha) = GrayAndAlpha(image);
        byte background = DetectBackground(gray, alpha, w, h);
        bool invert = background >= 128;
        float level = invert ? 255 - background : background;

        var values = new float[w * h];
        float brightest = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = (gray[i] * alpha[i] + background * (255 - alpha[i])) / 255f;
            if (invert) v = 255 - v;
            values[i] = Math.Clamp((v - level) / (255 - level), 0f, 1f);
            brightest = Math.Max(brightest, values[i]);
        }
        // Below the threshold the picture is background and noise: stretching it would only magnify the noise.
        if (brightest > Options.ForegroundThreshold)
            for (int i = 0; i < values.Length; i++) values[i] /= brightest;

        var box = BoundingBox(values, w, h, (float)Options.ForegroundThreshold);
        var pixels = Place(values, w, box ?? (0, 0, w, h));
        if (Options.Centering == PhotoCentering.CenterOfMass) pixels = CenterByMass(pixels, Options.Size);
        return new PreprocessedPhoto(pixels, Options.Size, background, invert, box != null);
    }

    private static (byte[] Gray, byte[] Alpha) GrayAndAlpha(RgbaImage image)
    {
        int n = image.Width * image.Height;
        var gray = new byte[n];
        var alpha = new byte[n];
        var rgba = image.Pixels;
        for (int i = 0; i < n; i++)
        {
            int a = rgba[4 * i + 3];
            alpha[i] = (byte)a;
            if (a == 0) continue;
            // Unpremultiply: the colour of a half-transparent pixel, not its colour faded to black.
            gray[i] = ImagePreprocessing.Luma(Unpremultiply(rgba[4 * i], a), Unpremultiply(rgba[4 * i + 1], a), Unpremultiply(rgba[4 * i + 2], a));
        }
        return (gray, alpha);
    }

    private static byte Unpremultiply(byte c, int a) => a == 255 ? c : (byte)Math.Min(255, (c * 255 + a / 2) / a);

    /// <summary>The gray the object stands on; see the class summary, step 2.</summary>
    internal static byte DetectBackground(byte[] gray, byte[] alpha, int w, int h)
    {
        int ring = Math.Max(1, Math.Min(w, h) / 32);
        var opaque = new List<byte>();
        int border = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (x >= ring && x < w - ring && y >= ring && y < h - ring) continue;
                border++;
                if (alpha[y * w + x] >= 128) opaque.Add(gray[y * w + x]);
            }
        }
        if (opaque.Count * 2 >= border)
        {
            opaque.Sort();
            return opaque[opaque.Count / 2];
        }
        long sum = 0, count = 0;
        for (int i = 0; i < gray.Length; i++)
            if (alpha[i] >= 128) { sum += gray[i]; count++; }
        return count > 0 && sum < 128 * count ? (byte)255 : (byte)0;
    }

    /// <summary>
    /// Rows and columns holding object pixels, ignoring those with fewer than 1% of the other side's length,
    /// so that a speck of noise far from the object does not stretch the box. Null when none remain.
    /// </summary>
    internal static (int Left, int Top, int Width, int Height)? BoundingBox(float[] values, int w, int h, float threshold)
    {
        var rows = new int[h];
        var columns = new int[w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (values[y * w + x] > threshold) { rows[y]++; columns[x]++; }
        int minRow = Math.Max(1, w / 100), minColumn = Math.Max(1, h / 100);
        int top = Array.FindIndex(rows, c => c >= minRow), bottom = Array.FindLastIndex(rows, c => c >= minRow);
        int left = Array.FindIndex(columns, c => c >= minColumn), right = Array.FindLastIndex(columns, c => c >= minColumn);
        if (top < 0 || left < 0) return null;
        return (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>The box scaled so its longest edge fills Size - 2 Margin, centred, on black.</summary>
    private byte[] Place(float[] values, int w, (int Left, int Top, int Width, int Height) box)
    {
        int size = Options.Size;
        float inner = size - 2 * Options.Margin;
        float scale = inner / Math.Max(box.Width, box.Height);
        float width = box.Width * scale, height = box.Height * scale;
        float left = (size - width) / 2, top = (size - height) / 2;

        var crop = new byte[box.Width * box.Height * 4];
        for (int y = 0; y < box.Height; y++)
        {
            for (int x = 0; x < box.Width; x++)
            {
                byte v = (byte)MathF.Round(values[(box.Top + y) * w + box.Left + x] * 255f);
                int o = (y * box.Width + x) * 4;
                crop[o] = crop[o + 1] = crop[o + 2] = v;
                crop[o + 3] = 255;
            }
        }
        using var source = SKImage.FromPixelCopy(new SKImageInfo(box.Width, box.Height, SKColorType.Rgba8888, SKAlphaType.Premul), crop);
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(source, new SKRect(0, 0, box.Width, box.Height), new SKRect(left, top, left + width, top + height), Sampling);
            canvas.Flush();
        }
        var rgba = bitmap.Bytes;
        var pixels = new byte[size * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = rgba[4 * i];
        return pixels;
    }

    /// <summary>Shifts the image by whole pixels so its centre of mass is at the centre, as MNIST did.</summary>
    internal static byte[] CenterByMass(byte[] pixels, int size)
    {
        double mass = 0, mx = 0, my = 0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double v = pixels[y * size + x];
                mass += v; mx += v * x; my += v * y;
            }
        if (mass == 0) return pixels;
        double centre = (size - 1) / 2.0;
        int dx = (int)Math.Round(centre - mx / mass), dy = (int)Math.Round(centre - my / mass);
        var shifted = new byte[pixels.Length];
        for (int y = 0; y < size; y++)
        {
            int sy = y - dy;
            if (sy < 0 || sy >= size) continue;
            for (int x = 0; x < size; x++)
            {
                int sx = x - dx;
                if (sx >= 0 && sx < size) shifted[y * size + x] = pixels[sy * size + sx];
            }
        }
        return shifted;
    }
}
