namespace Tailor.Studies;

/// <summary>
/// How long the tutorial trains each model: a first, longer run whose curves show where validation
/// stops improving, and the number of epochs kept from it, as the notebook chooses them.
/// </summary>
public sealed record TutorialOptions
{
    public string OutputDirectory { get; init; } = "out/tutorial";
    /// <summary>Seeds the weights, shuffles and dropout of every model.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Seeds the image sample; the notebook's by default.</summary>
    public ulong SampleSeed { get; init; } = Data.FashionSampleOptions.Notebook.Seed;
    public bool Full { get; init; }
    /// <summary>Null: the notebook's sample (all images with <see cref="Full"/>) drawn with <see cref="SampleSeed"/>; else this sample.</summary>
    public Data.FashionSampleOptions? Sample { get; init; }
    public (int Explore, int Keep) Dense { get; init; } = (50, 20);
    public (int Explore, int Keep) Cnn { get; init; } = (30, 14);
    public (int Explore, int Keep) CnnDropout { get; init; } = (30, 20);
    /// <summary>The 1D convnet over image rows, beside the notebook's models.</summary>
    public (int Explore, int Keep) Conv1D { get; init; } = (20, 15);
    /// <summary>The test image whose prediction and feature maps the report shows (index into the test sample).</summary>
    public int ExampleIndex { get; init; }

    /// <summary>An index into a test sample (of at most 10,000 images; the sample's own size limits it further).</summary>
    public static readonly Common.ValueRange ExampleRange = new(0, 9_999);

    /// <summary>A few epochs of each model, for a fast look at every section.</summary>
    public static TutorialOptions Quick { get; } = new() { Dense = (6, 4), Cnn = (3, 2), CnnDropout = (3, 2), Conv1D = (3, 2) };

    public void Validate()
    {
        foreach (var (name, (explore, keep)) in new[] { ("dense", Dense), ("cnn", Cnn), ("cnn-dropout", CnnDropout), ("conv1d", Conv1D) })
            if (explore <= 0 || keep <= 0 || keep > explore)
                throw new ArgumentException($"Tutorial epochs for {name} must satisfy 0 < kept ({keep}) <= explored ({explore}).");
        ExampleRange.Check("--example", ExampleIndex);
    }
}
