using System.Security.Cryptography;
using Tailor.Common;

namespace Tailor.Data;

/// <summary>MD5 and SHA-256 of a file's bytes, lower-case hex.</summary>
public sealed record FileChecksums(string Md5, string Sha256)
{
    /// <summary>The checksums of <paramref name="path"/>, which must be a regular file (<see cref="InputFile"/>).</summary>
    public static FileChecksums Compute(string path)
    {
        using var stream = InputFile.OpenRead(path, "a data file");
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            sha256.AppendData(buffer, 0, n);
        }
        return From(md5, sha256);
    }

    internal static FileChecksums From(IncrementalHash md5, IncrementalHash sha256) =>
        new(Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));

    /// <summary>True when these are the official MD5 of <paramref name="file"/> or the SHA-256 of the vendored copy.</summary>
    public bool Matches(FashionMnistFile file) =>
        string.Equals(Md5, file.OfficialMd5, StringComparison.OrdinalIgnoreCase)
        || string.Equals(Sha256, file.VendoredSha256, StringComparison.OrdinalIgnoreCase);
}
