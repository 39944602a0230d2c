using Tailor.Common;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Tailor.Data;

/// <summary>
/// Downloads the four Fashion-MNIST files into a folder. Each file is tried at each mirror in turn,
/// streamed to a temporary name, and moved into place only when it matches the official MD5 or the
/// SHA-256 of Tailor's vendored copy, so an interrupted or corrupted download never leaves a file
/// that <see cref="DataLocator"/> would accept. Files already present with a good checksum are kept.
/// </summary>
public sealed class DatasetDownloader
{
    private const int BufferSize = 81920;

    private readonly IReadOnlyList<Uri> _mirrors;
    private readonly HttpMessageHandler? _handler;

    /// <summary>Downloads from <see cref="FashionMnist.DownloadMirrors"/>.</summary>
    public DatasetDownloader() : this(FashionMnist.DownloadMirrors) { }

    /// <param name="mirrors">Folders (absolute http or https URLs) that hold the four files under their official names.</param>
    /// <param name="handler">The HTTP handler to send requests through; a new SocketsHttpHandler when null.</param>
    public DatasetDownloader(IReadOnlyList<Uri> mirrors, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(mirrors);
        if (mirrors.Count == 0) throw new ArgumentException("At least one mirror URL is needed.", nameof(mirrors));
        foreach (var mirror in mirrors)
        {
            if (!mirror.IsAbsoluteUri || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"Mirror '{mirror}' must be an absolute http or https URL.", nameof(mirrors));
        }
        // A base without a trailing slash would lose its last segment when the file name is appended.
        _mirrors = [.. mirrors.Select(m => m.AbsoluteUri.EndsWith('/') ? m : new Uri(m.AbsoluteUri + "/"))];
        _handler = handler;
    }

    /// <summary>
    /// Fetches the files <paramref name="targetDirectory"/> lacks (or holds with a wrong checksum).
    /// <paramref name="timeout"/> bounds each file's download at each mirror. Progress reports the
    /// file name, the bytes received and the size when the server announced it.
    /// </summary>
    /// <exception cref="DataDownloadException">A file could not be fetched from any mirror.</exception>
    public async Task DownloadAsync(string targetDirectory, IProgress<(string File, long Done, long? Total)>? progress,
        TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targetDirectory);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), $"Received an invalid value for `timeout`, expected a positive duration. Received: timeout={timeout}");

        Directory.CreateDirectory(targetDirectory);
        using var client = new HttpClient(_handler ?? new SocketsHttpHandler(), disposeHandler: _handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan, // the per-file timeout below applies instead
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Tailor", "1.0"));

        foreach (var file in FashionMnist.Files)
        {
            string target = Path.Combine(targetDirectory, file.Name);
            if (File.Exists(target) && FileChecksums.Compute(target).Matches(file))
            {
                long size = new FileInfo(target).Length;
                progress?.Report((file.Name, size, size));
                continue;
            }
            await DownloadFromAnyMirrorAsync(client, file, target, progress, timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DownloadFromAnyMirrorAsync(HttpClient client, FashionMnistFile file, string target,
        IProgress<(string File, long Done, long? Total)>? progress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var mirror in _mirrors)
        {
            var url = new Uri(mirror, file.Name);
            try
            {
                await DownloadVerifiedAsync(client, url, file, target, progress, timeout, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AttemptFailedException e)
            {
                failures.Add($"  {url}: {e.Message}");
            }
        }
        throw new DataDownloadException(string.Join(Environment.NewLine,
        [
            $"Could not download {file.Name}:",
            .. failures,
            $"Without internet access, copy the four Fashion-MNIST files into a folder and pass `{DataLocator.OptionName} DIR` (or set {DataLocator.EnvironmentVariable}=DIR).",
        ]));
    }

    private static async Task DownloadVerifiedAsync(HttpClient client, Uri url, FashionMnistFile file, string target,
        IProgress<(string File, long Done, long? Total)>? progress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new AttemptFailedException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            long? total = response.Content.Headers.ContentLength;
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await SaveVerifiedAsync(body, total, file, target, progress, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AttemptFailedException($"timed out after {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            // The socket error is often already in the message ("Connection refused (127.0.0.1:80)").
            bool innerAddsDetail = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal);
            throw new AttemptFailedException(innerAddsDetail ? $"{e.Message} ({e.InnerException!.Message})" : e.Message);
        }
        catch (IOException e) when (e is HttpIOException || e.InnerException is SocketException)
        {
            throw new AttemptFailedException($"the connection broke: {e.Message}");
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="target"/> through a temporary file, hashing
    /// as it goes; the target appears only if the checksums match <paramref name="file"/>.
    /// </summary>
    internal static Task SaveVerifiedAsync(Stream source, long? total, FashionMnistFile file, string target,
        IProgress<(string File, long Done, long? Total)>? progress, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(target, async (destination, token) =>
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[BufferSize];
            long done = 0;
            progress?.Report((file.Name, 0, total));
            int n;
            while ((n = await source.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, n);
                sha256.AppendData(buffer, 0, n);
                await destination.WriteAsync(buffer.AsMemory(0, n), token).ConfigureAwait(false);
                done += n;
                progress?.Report((file.Name, done, total));
            }
            var sums = FileChecksums.From(md5, sha256);
            if (!sums.Matches(file))
                throw new AttemptFailedException(
                    $"checksum mismatch: received {done} bytes with MD5 {sums.Md5} and SHA-256 {sums.Sha256}; " +
                    $"expected the official MD5 {file.OfficialMd5} or the SHA-256 {file.VendoredSha256}");
        }, cancellationToken);

    /// <summary>One mirror failed for one file; the reason goes into the final message.</summary>
    internal sealed class AttemptFailedException(string reason) : Exception(reason);
}
