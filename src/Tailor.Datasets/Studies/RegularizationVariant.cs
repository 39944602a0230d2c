namespace Tailor.Studies;

/// <summary>The five ways the regularization study trains the notebook's CNN.</summary>
public enum RegularizationVariant
{
    /// <summary>The plain CNN: the baseline every other variant is compared with.</summary>
    None,
    /// <summary>The notebook's cnn-dropout: Dropout(0.5) before the dense head.</summary>
    Dropout,
    /// <summary>An L2 penalty on every kernel.</summary>
    L2,
    /// <summary>Training batches randomly flipped and shifted.</summary>
    Augmentation,
    /// <summary>Stopped when the validation loss stops improving, keeping the best epoch's weights.</summary>
    EarlyStopping,
}

public static class RegularizationVariants
{
    public static IReadOnlyList<RegularizationVariant> All { get; } = Enum.GetValues<RegularizationVariant>();

    /// <summary>The short name used in files, the CSV and plot legends.</summary>
    public static string CliName(this RegularizationVariant variant) => variant switch
    {
        RegularizationVariant.None => "none",
        RegularizationVariant.Dropout => "dropout",
        RegularizationVariant.L2 => "l2",
        RegularizationVariant.Augmentation => "augmentation",
        _ => "early-stopping",
    };

    public static string Title(this RegularizationVariant variant) => variant switch
    {
        RegularizationVariant.None => "No regularisation",
        RegularizationVariant.Dropout => "Dropout",
        RegularizationVariant.L2 => "L2 weight penalty",
        RegularizationVariant.Augmentation => "Data augmentation",
        _ => "Early stopping",
    };

    /// <summary>The variant inside a sentence: "comes with dropout".</summary>
    public static string Noun(this RegularizationVariant variant) => variant switch
    {
        RegularizationVariant.None => "no regularisation",
        RegularizationVariant.Dropout => "dropout",
        RegularizationVariant.L2 => "the L2 penalty",
        RegularizationVariant.Augmentation => "augmentation",
        _ => "early stopping",
    };
}
