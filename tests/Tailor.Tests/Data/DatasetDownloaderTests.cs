using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>
/// Offline tests: a closed port on 127.0.0.1 for the network failure, and an in-process HTTP handler
/// serving the vendored files (or damaged copies) for the checksum and atomic-write logic.
/// </summary>
public sealed class DatasetDownloaderTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Uri Mirror = new("http://mirror.test/fashion/");

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Closed_port_fails_fast_naming_the_url_and_the_data_option()
    {
        var mirror = new Uri($"http://127.0.0.1:{ClosedPort()}/fashion/");
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<DataDownloadException>(
            () => new DatasetDownloader([mirror]).DownloadAsync(_temp.Path, null, Timeout));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Failing took {clock.Elapsed}.");
        Assert.Contains($"{mirror}train-images-idx3-ubyte.gz: ", e.Message);
        Assert.Contains("`--data DIR`", e.Message);
        Assert.Empty(_temp.ListFiles());
    }

    [Fact]
    public async Task Downloads_the_four_files_and_reports_progress_to_completion()
    {
        var server = ServerOfVendoredFiles();
        var progress = new RecordingProgress();

        await new DatasetDownloader([Mirror], server).DownloadAsync(_temp.Path, progress, Timeout);

        Assert.Equal(FashionMnist.Files.Select(f => f.Name).Order(), _temp.ListFiles());
        foreach (var file in FashionMnist.Files)
        {
            Assert.Equal(File.ReadAllBytes(VendoredData.PathOf(file)), File.ReadAllBytes(_temp.File(file.Name)));
            long size = new FileInfo(VendoredData.PathOf(file)).Length;
            Assert.Equal((file.Name, size, (long?)size), progress.Reports.Last(r => r.File == file.Name));
        }
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task Files_already_present_with_a_good_checksum_are_kept_without_a_request()
    {
        foreach (var file in FashionMnist.Files) File.Copy(VendoredData.PathOf(file), _temp.File(file.Name));
        var server = new FakeServer(); // answers 404 to everything

        await new DatasetDownloader([Mirror], server).DownloadAsync(_temp.Path, null, Timeout);

        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Damaged_download_is_rejected_and_the_previous_file_kept()
    {
        var server = ServerOfVendoredFiles();
        byte[] damaged = File.ReadAllBytes(VendoredData.PathOf(FashionMnist.TrainImages));
        damaged[1000] ^= 0xFF;
        server.Serve(new Uri(Mirror, FashionMnist.TrainImages.Name), damaged);
        string target = _temp.File(FashionMnist.TrainImages.Name);
        File.WriteAllText(target, "previous content");

        var e = await Assert.ThrowsAsync<DataDownloadException>(
            () => new DatasetDownloader([Mirror], server).DownloadAsync(_temp.Path, null, Timeout));

        Assert.Contains($"{Mirror}train-images-idx3-ubyte.gz: checksum mismatch", e.Message);
        Assert.Contains(FashionMnist.TrainImages.OfficialMd5, e.Message);
        Assert.Contains(FashionMnist.TrainImages.VendoredSha256, e.Message);
        Assert.Equal("previous content", File.ReadAllText(target));
        Assert.Equal([FashionMnist.TrainImages.Name], _temp.ListFiles()); // no temporary file left
    }

    [Fact]
    public async Task Falls_back_to_the_next_mirror()
    {
        var dead = new Uri("http://dead.test/");
        var server = ServerOfVendoredFiles();

        await new DatasetDownloader([dead, Mirror], server).DownloadAsync(_temp.Path, null, Timeout);

        Assert.True(FashionMnist.IsComplete(_temp.Path));
        Assert.Equal(8, server.Requests.Count);
    }

    [Fact]
    public async Task Every_failed_mirror_is_named_with_its_reason()
    {
        var other = new Uri("http://other.test/data/");

        var e = await Assert.ThrowsAsync<DataDownloadException>(
            () => new DatasetDownloader([Mirror, other], new FakeServer()).DownloadAsync(_temp.Path, null, Timeout));

        Assert.Contains($"{Mirror}train-images-idx3-ubyte.gz: HTTP 404 Not Found", e.Message);
        Assert.Contains($"{other}train-images-idx3-ubyte.gz: HTTP 404 Not Found", e.Message);
    }

    [Fact]
    public async Task A_stalled_download_times_out()
    {
        var server = new FakeServer { Stall = true };

        var e = await Assert.ThrowsAsync<DataDownloadException>(
            () => new DatasetDownloader([Mirror], server).DownloadAsync(_temp.Path, null, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("train-images-idx3-ubyte.gz: timed out after 0.2 s", e.Message);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_reported_as_a_timeout()
    {
        var server = new FakeServer { Stall = true };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new DatasetDownloader([Mirror], server).DownloadAsync(_temp.Path, null, Timeout, cancel.Token));
        Assert.Empty(_temp.ListFiles());
    }

    [Fact]
    public void Mirrors_must_be_http_urls()
    {
        var e = Assert.Throws<ArgumentException>(() => new DatasetDownloader([new Uri("file:///tmp/fashion/")]));
        Assert.Contains("file:///tmp/fashion/", e.Message);
    }

    private static FakeServer ServerOfVendoredFiles()
    {
        var server = new FakeServer();
        foreach (var file in FashionMnist.Files) server.Serve(new Uri(Mirror, file.Name), File.ReadAllBytes(VendoredData.PathOf(file)));
        return server;
    }

    /// <summary>A port nothing listens on: bound by the system, then released.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Serves registered URLs, 404 for the rest, or never answers when stalled.</summary>
    private sealed class FakeServer : HttpMessageHandler
    {
        private readonly Dictionary<Uri, byte[]> _content = [];

        public bool Stall { get; init; }

        public List<Uri> Requests { get; } = [];

        public void Serve(Uri url, byte[] bytes) => _content[url] = bytes;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests) Requests.Add(request.RequestUri!);
            if (Stall) await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            return _content.TryGetValue(request.RequestUri!, out var bytes)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) }
                : new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" };
        }
    }

    /// <summary>Records reports synchronously, unlike Progress&lt;T&gt;, which posts them later.</summary>
    private sealed class RecordingProgress : IProgress<(string File, long Done, long? Total)>
    {
        public List<(string File, long Done, long? Total)> Reports { get; } = [];

        public void Report((string File, long Done, long? Total) value)
        {
            lock (Reports) Reports.Add(value);
        }
    }
}
