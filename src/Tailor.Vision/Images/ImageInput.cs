using System.Text.Json;

namespace Tailor.Data.Images;

/// <summary>
/// How a model trained on an image folder takes its images: the size and channels they are brought to, how
/// they are fitted, and the class folder names its outputs stand for (Keras's class_names). Saved with
/// the model, so that evaluation and prediction read images exactly as training did.
/// </summary>
public sealed class ImageInput
{
    public ImageInput(int height, int width, ColorMode color, ImageFit fit, IReadOnlyList<string> classNames, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        (Height, Width, Color, Fit, ClassNames, Directory) = (height, width, color, fit, [.. classNames], directory);
        Options.Validate();
    }

    public int Height { get; }

    public int Width { get; }

    public ColorMode Color { get; }

    public ImageFit Fit { get; }

    /// <summary>The class folder names, indexed by the model's outputs.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The folder the model was trained from (DIR of DIR/train and DIR/test), when known.</summary>
    public string? Directory { get; init; }

    /// <summary>One image's shape: (height, width, channels).</summary>
    public int[] Shape => [Height, Width, Color.Channels()];

    /// <summary>The folder options that read images as this input takes them, classes in its order.</summary>
    public ImageFolderOptions Options => new()
    {
        Height = Height, Width = Width, ColorMode = Color, Fit = Fit, ClassNames = ClassNames, Order = ImageOrder.ByFileName,
    };

    /// <summary>"64x64 RGB" or "28x28 grayscale".</summary>
    public string Describe() => $"{Height}x{Width} {(Color == ColorMode.Rgb ? "RGB" : "grayscale")}";

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["height"] = Height, ["width"] = Width, ["color"] = Color.ToString().ToLowerInvariant(), ["fit"] = Fit.ToString().ToLowerInvariant(),
        ["class_names"] = ClassNames, ["directory"] = Directory,
    });

    /// <summary>Reads what <see cref="ToJson"/> wrote (a parsed element); throws a FormatException when it is malformed.</summary>
    public static ImageInput FromJson(JsonElement json)
    {
        try
        {
            return new ImageInput(Property(json, "height").GetInt32(), Property(json, "width").GetInt32(),
                ParseColor(Property(json, "color").GetString()!), ParseFit(Property(json, "fit").GetString()!),
                [.. Property(json, "class_names").EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("a class name is null"))])
            {
                Directory = json.TryGetProperty("directory", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new FormatException($"The image input is malformed: {e.Message}", e);
        }
    }

    private static JsonElement Property(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) ? value : throw new KeyNotFoundException($"it has no '{name}'");

    /// <summary>grayscale or rgb (Keras's color_mode names; "grey" and "gray" too), in any case.</summary>
    public static ColorMode ParseColor(string name) => name.Trim().ToLowerInvariant() switch
    {
        "grayscale" or "greyscale" or "gray" or "grey" => ColorMode.Grayscale,
        "rgb" => ColorMode.Rgb,
        _ => throw new ArgumentException($"Unknown colour mode '{name}'. Valid modes: grayscale, rgb."),
    };

    /// <summary>stretch, pad or crop, in any case.</summary>
    public static ImageFit ParseFit(string name) => name.Trim().ToLowerInvariant() switch
    {
        "stretch" => ImageFit.Stretch,
        "pad" => ImageFit.Pad,
        "crop" => ImageFit.Crop,
        _ => throw new ArgumentException($"Unknown fit '{name}'. Valid fits: stretch, pad, crop."),
    };
}
