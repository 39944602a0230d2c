namespace Tailor.Data.Images;

/// <summary>
/// The two manifests of an image folder written by an exporter (`tailor data export`): the partial one is
/// written first and removed last, the complete one written when every image is in place. A folder with
/// the first and not the second holds only part of its images, and no reader takes it.
/// </summary>
public static class ImageFolderManifest
{
    /// <summary>Written last: the export is complete.</summary>
    public const string CompleteName = "export.json";

    /// <summary>Written first and removed last: present without <see cref="CompleteName"/>, the export is unfinished.</summary>
    public const string PartialName = "export.partial.json";

    /// <summary>Whether <paramref name="directory"/> holds an export that has begun and not finished.</summary>
    public static bool IsUnfinished(string directory) =>
        File.Exists(Path.Combine(directory, PartialName)) && !File.Exists(Path.Combine(directory, CompleteName));

    /// <summary>Throws a <see cref="DataFormatException"/> naming <paramref name="directory"/> when it is an unfinished export.</summary>
    public static void EnsureComplete(string directory)
    {
        if (IsUnfinished(directory))
            throw new DataFormatException(directory,
                $"is an unfinished `tailor data export` ({PartialName} but no {CompleteName}): it holds only part of the images. Run the same export command again to finish it.");
    }
}
