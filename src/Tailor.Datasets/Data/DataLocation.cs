namespace Tailor.Data;

/// <summary>Where <see cref="DataLocator"/> found the dataset, in the order it looks.</summary>
public enum DataSource
{
    /// <summary>The folder given with <c>--data DIR</c>.</summary>
    Option,

    /// <summary>The folder named by the TAILOR_DATA environment variable.</summary>
    EnvironmentVariable,

    /// <summary>data/fashion/ of a Tailor checkout above the program or the current directory.</summary>
    Repository,

    /// <summary>The per-user cache that <c>tailor data download</c> fills.</summary>
    UserCache,
}

/// <summary>A folder holding the four Fashion-MNIST files and where it came from.</summary>
public sealed record DataLocation(string Directory, DataSource Source)
{
    /// <summary>"--data", "TAILOR_DATA", "repository" or "user cache".</summary>
    public string Description => Source switch
    {
        DataSource.Option => "--data",
        DataSource.EnvironmentVariable => DataLocator.EnvironmentVariable,
        DataSource.Repository => "repository",
        DataSource.UserCache => "user cache",
        _ => throw new ArgumentOutOfRangeException(nameof(Source), Source, null),
    };

    /// <summary>"/path/to/fashion (from --data)": the folder and how it was chosen, for the user.</summary>
    public override string ToString() => $"{System.IO.Path.GetFullPath(Directory)} (from {Description})";
}
