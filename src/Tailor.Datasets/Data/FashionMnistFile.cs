namespace Tailor.Data;

/// <summary>
/// One file of the Fashion-MNIST release and the checksums a copy of it may match: the MD5 the
/// dataset's authors publish, or the SHA-256 of the re-packed copy vendored in data/fashion/
/// (see its README for why the two image files differ from the official ones).
/// </summary>
public sealed record FashionMnistFile(string Name, string OfficialMd5, string VendoredSha256);
