using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>The repository's data/fashion/ folder, found above the test binaries or the current directory.</summary>
internal static class VendoredData
{
    public static string Directory =>
        DataLocator.FindRepositoryDataAbove(AppContext.BaseDirectory)
        ?? DataLocator.FindRepositoryDataAbove(Environment.CurrentDirectory)
        ?? throw new InvalidOperationException($"No data/fashion/ with the four Fashion-MNIST files above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}.");

    public static string PathOf(FashionMnistFile file) => Path.Combine(Directory, file.Name);
}
