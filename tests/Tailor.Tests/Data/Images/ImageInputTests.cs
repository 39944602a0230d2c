using System.Text.Json;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ImageInputTests
{
    [Fact]
    public void Json_round_trip_keeps_size_colour_fit_classes_and_folder()
    {
        var input = new ImageInput(64, 48, ColorMode.Rgb, ImageFit.Pad, ["cat", "dog", "éclair"], "/data/pets");

        using var json = JsonDocument.Parse(input.ToJson());
        var back = ImageInput.FromJson(json.RootElement);

        Assert.Equal((64, 48, ColorMode.Rgb, ImageFit.Pad, "/data/pets"), (back.Height, back.Width, back.Color, back.Fit, back.Directory));
        Assert.Equal(["cat", "dog", "éclair"], back.ClassNames);
        Assert.Equal([64, 48, 3], back.Shape);
        Assert.Equal("64x48 RGB", back.Describe());
        Assert.Equal(["cat", "dog", "éclair"], back.Options.ClassNames!);
    }

    [Theory]
    [InlineData("""{"height":0,"width":5,"color":"rgb","fit":"stretch","class_names":["a","b"]}""", "Height")]
    [InlineData("""{"height":5,"width":5,"color":"cmyk","fit":"stretch","class_names":["a","b"]}""", "cmyk")]
    [InlineData("""{"height":5,"width":5,"color":"rgb","fit":"stretch","class_names":["a","a"]}""", "'a' more than once")]
    [InlineData("""{"height":5,"width":5,"color":"rgb","class_names":["a","b"]}""", "fit")]
    public void A_malformed_input_is_a_format_error_saying_what(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);
        var error = Assert.Throws<FormatException>(() => ImageInput.FromJson(document.RootElement));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("RGB", ColorMode.Rgb)]
    [InlineData("grayscale", ColorMode.Grayscale)]
    [InlineData(" Grey ", ColorMode.Grayscale)]
    public void Colour_names_are_Keras_colour_modes_in_any_case(string name, ColorMode mode) =>
        Assert.Equal(mode, ImageInput.ParseColor(name));
}
