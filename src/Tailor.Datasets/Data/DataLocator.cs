namespace Tailor.Data;

/// <summary>
/// Finds the folder holding the four Fashion-MNIST files. Looks, in order, at the <c>--data DIR</c>
/// option, the TAILOR_DATA environment variable, data/fashion/ of a repository checkout above the
/// program or the current directory, and the user cache that <c>tailor data download</c> fills.
/// A folder named explicitly (option or variable) must hold the files: a wrong one is an error
/// rather than a silent fall-back to another copy.
/// </summary>
public sealed class DataLocator
{
    public const string OptionName = "--data";
    public const string EnvironmentVariable = "TAILOR_DATA";

    private static readonly string RepositoryDataFolder = Path.Combine("data", "fashion");

    private readonly IReadOnlyList<string> _repositorySearchStarts;
    private readonly string _userCacheDirectory;

    /// <summary>Searches upward from the program's folder and the current directory, then the default user cache.</summary>
    public DataLocator() : this([AppContext.BaseDirectory, Environment.CurrentDirectory], DefaultUserCacheDirectory) { }

    public DataLocator(IReadOnlyList<string> repositorySearchStarts, string userCacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(repositorySearchStarts);
        ArgumentNullException.ThrowIfNull(userCacheDirectory);
        _repositorySearchStarts = [.. repositorySearchStarts.Select(Path.GetFullPath).Distinct()];
        _userCacheDirectory = Path.GetFullPath(userCacheDirectory);
    }

    /// <summary>LocalApplicationData/tailor/fashion (~/.local/share/tailor/fashion on Linux).</summary>
    public static string DefaultUserCacheDirectory
    {
        get
        {
            string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            // Without a home directory (some containers) there is no per-user folder; the temp folder stands in.
            if (string.IsNullOrEmpty(root)) root = Path.GetTempPath();
            return Path.Combine(root, "tailor", "fashion");
        }
    }

    /// <summary>
    /// The folder holding the four files. <paramref name="dataOption"/> is the value of
    /// <c>--data</c>, or null when it was not given.
    /// </summary>
    public DataLocation Locate(string? dataOption = null)
    {
        if (dataOption is not null)
            return new DataLocation(RequireComplete(dataOption, OptionName), DataSource.Option);

        string? variable = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(variable))
            return new DataLocation(RequireComplete(variable, EnvironmentVariable), DataSource.EnvironmentVariable);

        foreach (string start in _repositorySearchStarts)
        {
            if (FindRepositoryDataAbove(start) is { } found)
                return new DataLocation(found, DataSource.Repository);
        }

        if (FashionMnist.IsComplete(_userCacheDirectory))
            return new DataLocation(_userCacheDirectory, DataSource.UserCache);

        throw new DataNotFoundException(NotFoundMessage());
    }

    /// <summary>
    /// The nearest data/fashion/ at or above <paramref name="start"/> that holds the four files
    /// (recognised by its train-images file), or null.
    /// </summary>
    public static string? FindRepositoryDataAbove(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, RepositoryDataFolder);
            if (File.Exists(Path.Combine(candidate, FashionMnist.TrainImages.Name)) && FashionMnist.IsComplete(candidate))
                return candidate;
        }
        return null;
    }

    private static string RequireComplete(string directory, string origin)
    {
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new DataNotFoundException($"{origin}: folder '{full}' does not exist.");
        var missing = FashionMnist.MissingFiles(full);
        if (missing.Count > 0)
            throw new DataNotFoundException($"{origin}: folder '{full}' lacks {string.Join(", ", missing)}. Expected the four Fashion-MNIST files: {FileList()}.");
        return full;
    }

    private string NotFoundMessage()
    {
        string cache = Directory.Exists(_userCacheDirectory)
            ? $"{_userCacheDirectory} (lacks {string.Join(", ", FashionMnist.MissingFiles(_userCacheDirectory))})"
            : $"{_userCacheDirectory} (does not exist)";
        return string.Join(Environment.NewLine,
            "Fashion-MNIST files not found. Searched:",
            $"  {OptionName}: not given",
            $"  {EnvironmentVariable}: not set",
            $"  repository: {RepositoryDataFolder}{Path.DirectorySeparatorChar} in or above {string.Join(" and ", _repositorySearchStarts)}",
            $"  user cache: {cache}",
            $"Run `tailor data download` to fetch them into the user cache, or pass `{OptionName} DIR` with a folder holding {FileList()}.");
    }

    private static string FileList() => string.Join(", ", FashionMnist.Files.Select(f => f.Name));
}
