using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>Tests that change TAILOR_DATA run alone, so no other test sees the value they set.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(EnvironmentCollection.Name)]
public sealed class DataLocatorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Data_option_comes_first()
    {
        string option = SyntheticFashion.TouchFiles(_temp.Subfolder("option"));
        string variable = SyntheticFashion.TouchFiles(_temp.Subfolder("variable"));
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, variable);

        var found = Locator(repositoryStart: RepositoryCheckout(), cache: CompleteCache()).Locate(option);

        Assert.Equal(new DataLocation(option, DataSource.Option), found);
        Assert.Equal("--data", found.Description);
    }

    [Fact]
    public void Environment_variable_comes_before_repository_and_cache()
    {
        string variable = SyntheticFashion.TouchFiles(_temp.Subfolder("variable"));
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, variable);

        var found = Locator(repositoryStart: RepositoryCheckout(), cache: CompleteCache()).Locate();

        Assert.Equal(new DataLocation(variable, DataSource.EnvironmentVariable), found);
        Assert.Equal("TAILOR_DATA", found.Description);
    }

    [Fact]
    public void Repository_data_above_the_start_comes_before_the_cache()
    {
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, null);
        string start = RepositoryCheckout();

        var found = Locator(repositoryStart: start, cache: CompleteCache()).Locate();

        Assert.Equal(new DataLocation(Path.Combine(_temp.Path, "repo", "data", "fashion"), DataSource.Repository), found);
        Assert.Equal("repository", found.Description);
    }

    [Fact]
    public void User_cache_is_the_last_resort()
    {
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, null);
        string cache = CompleteCache();

        var found = Locator(repositoryStart: _temp.Subfolder("elsewhere"), cache: cache).Locate();

        Assert.Equal(new DataLocation(cache, DataSource.UserCache), found);
        Assert.Equal("user cache", found.Description);
    }

    [Fact]
    public void Repository_folder_missing_a_file_is_passed_over()
    {
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, null);
        string start = RepositoryCheckout();
        File.Delete(Path.Combine(_temp.Path, "repo", "data", "fashion", FashionMnist.TestLabels.Name));
        string cache = CompleteCache();

        var found = Locator(repositoryStart: start, cache: cache).Locate();

        Assert.Equal(DataSource.UserCache, found.Source);
    }

    [Fact]
    public void Missing_data_option_folder_names_the_option_and_the_path()
    {
        string missing = Path.Combine(_temp.Path, "no-such-folder");

        var e = Assert.Throws<DataNotFoundException>(() => Locator(_temp.Path, CompleteCache()).Locate(missing));

        Assert.Equal($"--data: folder '{missing}' does not exist.", e.Message);
    }

    [Fact]
    public void Data_option_folder_without_the_files_names_what_it_lacks()
    {
        string option = SyntheticFashion.TouchFiles(_temp.Subfolder("option"));
        File.Delete(Path.Combine(option, FashionMnist.TrainLabels.Name));

        var e = Assert.Throws<DataNotFoundException>(() => Locator(_temp.Path, CompleteCache()).Locate(option));

        Assert.StartsWith($"--data: folder '{option}' lacks train-labels-idx1-ubyte.gz.", e.Message);
    }

    [Fact]
    public void Environment_variable_naming_a_missing_folder_is_an_error_not_a_fall_back()
    {
        string missing = Path.Combine(_temp.Path, "no-such-folder");
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, missing);

        var e = Assert.Throws<DataNotFoundException>(() => Locator(RepositoryCheckout(), CompleteCache()).Locate());

        Assert.Equal($"TAILOR_DATA: folder '{missing}' does not exist.", e.Message);
    }

    [Fact]
    public void Nothing_found_lists_the_places_searched_and_the_remedies()
    {
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, null);
        string start = _temp.Subfolder("empty", "deeper");
        string cache = Path.Combine(_temp.Path, "cache-not-created");

        var e = Assert.Throws<DataNotFoundException>(() => Locator(start, cache).Locate());

        Assert.Contains("--data: not given", e.Message);
        Assert.Contains("TAILOR_DATA: not set", e.Message);
        Assert.Contains($"repository: {Path.Combine("data", "fashion")}{Path.DirectorySeparatorChar} in or above {start}", e.Message);
        Assert.Contains($"user cache: {cache} (does not exist)", e.Message);
        Assert.Contains("`tailor data download`", e.Message);
        Assert.Contains("`--data DIR`", e.Message);
    }

    [Fact]
    public void Default_locator_finds_the_repository_copy()
    {
        using var env = new EnvironmentVariableScope(DataLocator.EnvironmentVariable, null);

        var found = new DataLocator().Locate();

        Assert.Equal(new DataLocation(VendoredData.Directory, DataSource.Repository), found);
    }

    [Fact]
    public void Default_user_cache_is_an_absolute_tailor_fashion_folder()
    {
        string cache = DataLocator.DefaultUserCacheDirectory;

        Assert.True(Path.IsPathFullyQualified(cache), $"'{cache}' is not an absolute path.");
        Assert.EndsWith(Path.Combine("tailor", "fashion"), cache);
    }

    private static DataLocator Locator(string repositoryStart, string cache) => new([repositoryStart], cache);

    /// <summary>A checkout with data/fashion/ complete; returns a folder two levels inside it, as a bin folder would be.</summary>
    private string RepositoryCheckout()
    {
        SyntheticFashion.TouchFiles(Path.Combine(_temp.Path, "repo", "data", "fashion"));
        return _temp.Subfolder("repo", "bin", "Debug");
    }

    private string CompleteCache() => SyntheticFashion.TouchFiles(Path.Combine(_temp.Path, "cache"));
}
