using System.Text.RegularExpressions;
using SkiaSharp;
using Tailor.Reports;
using Tailor.Tests.Visualization;
using Tailor.Visualization;

namespace Tailor.Tests.Reports;

public sealed class HtmlReportTests : IDisposable
{
    private const string Hostile = "<script>alert(\"x\")</script> & 'quoted'";
    private const string HostileEscaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;";

    private readonly string _directory = Directory.CreateTempSubdirectory("tailor-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ToHtml_EscapesEveryPieceOfText()
    {
        var report = new HtmlReport(Hostile);
        report.AddSection(Hostile)
            .Paragraph(Hostile)
            .Preformatted(Hostile)
            .Image(SmallPng(), Hostile, altText: Hostile)
            .Table([Hostile], [[Hostile]], caption: Hostile);
        report.AddSection("A second section, so the contents list appears");

        string html = report.ToHtml();

        Assert.DoesNotContain("<script", html);
        // Title and h1, heading and its link, paragraph, pre, figcaption, alt, caption, th, td.
        Assert.Equal(11, Regex.Matches(html, Regex.Escape(HostileEscaped)).Count);
    }

    [Fact]
    public void Image_IsEmbeddedAsBase64WithItsSize()
    {
        byte[] png = SmallPng(width: 30, height: 20);
        var report = new HtmlReport("Images");
        report.AddSection("Curves").Image(png, "Training and validation loss");

        Match img = Regex.Match(report.ToHtml(), "<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\" alt=\"([^\"]*)\">");

        Assert.True(img.Success);
        Assert.Equal(png, Convert.FromBase64String(img.Groups[1].Value));
        Assert.Equal(("30", "20"), (img.Groups[2].Value, img.Groups[3].Value));
        Assert.Equal("Training and validation loss", img.Groups[4].Value);
    }

    [Fact]
    public void Image_RejectsBytesThatAreNotPng()
    {
        var section = new HtmlReport("Images").AddSection("Broken");

        var error = Assert.Throws<ArgumentException>(() => section.Image([0xFF, 0xD8, 0xFF, 0xE0], "a JPEG"));

        Assert.Contains("'a JPEG' is not a PNG", error.Message);
    }

    [Fact]
    public void ToHtml_ReferencesNothingOutsideTheFile()
    {
        string html = SampleReport.Build().ToHtml();

        MatchCollection references = Regex.Matches(html, "(?:src|href)=\"([^\"]*)\"");
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Matches("^(data:|#)", r.Groups[1].Value));
        Assert.DoesNotContain("url(", html);
        Assert.DoesNotContain("@import", html);
    }

    [Fact]
    public void Table_RightAlignsNumbersOnly()
    {
        var report = new HtmlReport("Summary");
        report.AddSection("Layers").Table(
            ["Layer (type)", "Output Shape", "Param #", "Accuracy"],
            [
                ["conv2d (Conv2D)", "(None, 26, 26, 32)", "320", "91.2%"],
                ["dense (Dense)", "(None, 64)", "36,928", "0.9123"],
                ["", "-", "-3e-05", "n/a"],
            ]);

        string html = report.ToHtml();

        foreach (string number in new[] { "320", "91.2%", "36,928", "0.9123", "-3e-05" })
            Assert.Contains($"<td class=\"num\">{number}</td>", html);
        foreach (string text in new[] { "conv2d (Conv2D)", "(None, 26, 26, 32)", "(None, 64)", "", "-", "n/a" })
            Assert.Contains($"<td>{text}</td>", html);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("-0.25", true)]
    [InlineData("+.5", true)]
    [InlineData("1,234,567.8", true)]
    [InlineData("6.02e23", true)]
    [InlineData("12%", true)]
    [InlineData("1,23", false)]
    [InlineData("e5", false)]
    [InlineData("%", false)]
    [InlineData("3 epochs", false)]
    public void NumberDetection(string cell, bool isNumber) => Assert.Equal(isNumber, ReportSection.IsNumber(cell));

    [Fact]
    public void Table_RejectsARowOfTheWrongLength()
    {
        var section = new HtmlReport("Results").AddSection("Test accuracy");

        var error = Assert.Throws<ArgumentException>(() => section.Table(["Model", "Accuracy"], [["dense", "0.88"], ["cnn"]]));

        Assert.Contains("Row 2 of the table in section 'Test accuracy' has 1 cells, the header has 2.", error.Message);
    }

    [Fact]
    public void Preformatted_KeepsSpacingAndLineBreaks()
    {
        const string summary = "Layer (type)      Param #\n=========================\ndense (Dense)     100,480\n";
        var report = new HtmlReport("Model");
        report.AddSection("Summary").Preformatted(summary);

        Assert.Contains("<pre>Layer (type)      Param #\n=========================\ndense (Dense)     100,480</pre>", report.ToHtml());
    }

    [Fact]
    public void ToHtml_ListsTheSectionsWithLinksToThem()
    {
        var report = new HtmlReport("Study");
        report.AddSection("Data");
        report.AddSection("Models");

        string html = report.ToHtml();

        Assert.Contains("<li><a href=\"#section-1\">Data</a></li>", html);
        Assert.Contains("<li><a href=\"#section-2\">Models</a></li>", html);
        Assert.Contains("<section id=\"section-2\">\n<h2>Models</h2>", html);
    }

    [Fact]
    public void Save_WritesTheHtmlAsUtf8WithoutLeavingATemporaryFile()
    {
        HtmlReport report = SampleReport.Build();
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "an earlier report");

        report.Save(path);

        Assert.Equal(report.ToHtml(), File.ReadAllText(path));
        Assert.NotEqual(0xEF, File.ReadAllBytes(path)[0]); // no byte-order mark
        Assert.Equal([path], Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Save_ToAPathThatCannotBeWritten_FailsAndLeavesTheEarlierFilesAlone()
    {
        // Tests run as root, for whom read-only directories are writable; a file as parent blocks everyone.
        string earlier = Path.Combine(_directory, "report.html");
        File.WriteAllText(earlier, "an earlier report");
        string impossible = Path.Combine(earlier, "report.html");

        var error = Assert.Throws<IOException>(() => SampleReport.Build().Save(impossible));

        Assert.Contains(impossible, error.Message);
        Assert.Equal("an earlier report", File.ReadAllText(earlier));
        Assert.Equal([earlier], Directory.GetFileSystemEntries(_directory));
    }

    private static byte[] SmallPng(int width = 4, int height = 3)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.CornflowerBlue);
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        byte[] png = data.ToArray();
        using SKBitmap decoded = DecodedPng.Decode(png);
        return png;
    }
}
