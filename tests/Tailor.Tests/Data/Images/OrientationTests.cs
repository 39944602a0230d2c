using SkiaSharp;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

/// <summary>EXIF orientations on a 3 x 2 image whose pixels are numbered a..f row by row (stored order).</summary>
public sealed class OrientationTests
{
    private static RgbaImage Stored()
    {
        var pixels = new byte[6 * 4];
        for (int i = 0; i < 6; i++) pixels[4 * i] = (byte)('a' + i);
        return new RgbaImage(3, 2, pixels);
    }

    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft, 3, "abc|def")]
    [InlineData(SKEncodedOrigin.TopRight, 3, "cba|fed")]      // mirrored
    [InlineData(SKEncodedOrigin.BottomRight, 3, "fed|cba")]   // turned 180 degrees
    [InlineData(SKEncodedOrigin.BottomLeft, 3, "def|abc")]    // flipped
    [InlineData(SKEncodedOrigin.LeftTop, 2, "ad|be|cf")]      // transposed
    [InlineData(SKEncodedOrigin.RightTop, 2, "da|eb|fc")]     // a phone held upright: turned 90 degrees clockwise
    [InlineData(SKEncodedOrigin.RightBottom, 2, "fc|eb|da")]
    [InlineData(SKEncodedOrigin.LeftBottom, 2, "cf|be|ad")]   // turned 90 degrees anticlockwise
    public void Each_origin_turns_the_image_upright(SKEncodedOrigin origin, int width, string rows)
    {
        var upright = Orientation.Apply(Stored(), origin);

        Assert.Equal(width, upright.Width);
        string actual = string.Join('|', Enumerable.Range(0, upright.Height).Select(y =>
            new string([.. Enumerable.Range(0, upright.Width).Select(x => (char)upright.Pixels[(y * upright.Width + x) * 4])])));
        Assert.Equal(rows, actual);
    }
}
