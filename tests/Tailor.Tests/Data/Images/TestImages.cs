using System.Runtime.InteropServices;
using SkiaSharp;

namespace Tailor.Tests.Data.Images;

/// <summary>Writes small image files of known pixels in every format the decoder reads.</summary>
internal static class TestImages
{
    /// <summary>Encodes a picture given pixel by pixel (unpremultiplied RGBA) with SkiaSharp: PNG, JPEG or WebP.</summary>
    public static byte[] Encode(int width, int height, Func<int, int, SKColor> pixel, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, pixel(x, y));
        using var pixmap = bitmap.PeekPixels();
        using var data = format == SKEncodedImageFormat.Webp
            ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            : pixmap.Encode(format, quality);
        Assert.NotNull(data);
        return data.ToArray();
    }

    /// <summary>An 8-bit grayscale PNG of exactly these pixels.</summary>
    public static byte[] GrayPng(byte[] pixels, int width, int height)
    {
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), handle.AddrOfPinnedObject(), width);
            using var data = pixmap.Encode(SKEncodedImageFormat.Png, 100);
            return data!.ToArray();
        }
        finally { handle.Free(); }
    }

    /// <summary>An uncompressed 24-bit BMP (Skia decodes BMP but cannot write it).</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, SKColor> pixel)
    {
        int stride = (width * 3 + 3) & ~3;
        var bytes = new byte[54 + stride * height];
        var s = bytes.AsSpan();
        s[0] = (byte)'B'; s[1] = (byte)'M';
        BitConverter.TryWriteBytes(s[2..], bytes.Length);
        BitConverter.TryWriteBytes(s[10..], 54);
        BitConverter.TryWriteBytes(s[14..], 40);
        BitConverter.TryWriteBytes(s[18..], width);
        BitConverter.TryWriteBytes(s[22..], height);
        BitConverter.TryWriteBytes(s[26..], (short)1);
        BitConverter.TryWriteBytes(s[28..], (short)24);
        BitConverter.TryWriteBytes(s[34..], stride * height);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride; // bottom-up rows
            for (int x = 0; x < width; x++)
            {
                var c = pixel(x, y);
                bytes[row + 3 * x] = c.Blue;
                bytes[row + 3 * x + 1] = c.Green;
                bytes[row + 3 * x + 2] = c.Red;
            }
        }
        return bytes;
    }

    /// <summary>
    /// A GIF of several frames over a 4-gray palette (0, 85, 170, 255), each frame a palette index per pixel.
    /// The LZW stream sends a clear code after every two pixels so that codes stay 3 bits wide and no
    /// dictionary is needed: valid GIF, just not compressed.
    /// </summary>
    public static byte[] Gif(int width, int height, params byte[][] frames)
    {
        var o = new List<byte>();
        o.AddRange("GIF89a"u8.ToArray());
        o.AddRange(BitConverter.GetBytes((short)width));
        o.AddRange(BitConverter.GetBytes((short)height));
        o.AddRange([0xF1, 0, 0]); // global table of 4 colours
        o.AddRange([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255]);
        foreach (var frame in frames)
        {
            o.Add(0x2C);
            o.AddRange([0, 0, 0, 0]);
            o.AddRange(BitConverter.GetBytes((short)width));
            o.AddRange(BitConverter.GetBytes((short)height));
            o.Add(0);
            o.Add(2); // LZW minimum code size: clear = 4, end = 5
            var codes = new List<int>();
            for (int i = 0; i < frame.Length; i++)
            {
                if (i % 2 == 0) codes.Add(4);
                codes.Add(frame[i]);
            }
            codes.Add(5);
            var data = new List<byte>();
            int buffer = 0, bits = 0;
            foreach (int code in codes)
            {
                buffer |= code << bits;
                bits += 3;
                while (bits >= 8) { data.Add((byte)buffer); buffer >>= 8; bits -= 8; }
            }
            if (bits > 0) data.Add((byte)buffer);
            for (int start = 0; start < data.Count; start += 255)
            {
                int n = Math.Min(255, data.Count - start);
                o.Add((byte)n);
                o.AddRange(data.GetRange(start, n));
            }
            o.Add(0);
        }
        o.Add(0x3B);
        return [.. o];
    }

    public static SKColor Gray(byte v) => new(v, v, v);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, creating its folder.</summary>
    public static string Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
