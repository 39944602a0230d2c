using Tailor.Common;
using System.Net;
using System.Text;
using Tailor.Visualization;

namespace Tailor.Reports;

/// <summary>
/// A self-contained HTML report: one file with its styles inline and its images embedded as
/// data URIs, no scripts and nothing fetched, so it opens the same anywhere, offline.
/// All text given to it is HTML-escaped.
/// </summary>
public sealed class HtmlReport
{
    private readonly List<ReportSection> _sections = [];

    public HtmlReport(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
    }

    public string Title { get; }

    public IReadOnlyList<ReportSection> Sections => _sections;

    /// <summary>Appends a section under <paramref name="heading"/>; fill it with its methods.</summary>
    public ReportSection AddSection(string heading)
    {
        var section = new ReportSection(heading, anchor: $"section-{_sections.Count + 1}");
        _sections.Add(section);
        return section;
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            // An empty icon, so browsers do not go looking for /favicon.ico.
            .Append("<link rel=\"icon\" href=\"data:,\">\n")
            .Append("<title>").Append(WebUtility.HtmlEncode(Title)).Append("</title>\n")
            .Append("<style>\n").Append(ReportStyle.Css).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(WebUtility.HtmlEncode(Title)).Append("</h1>\n");
        if (_sections.Count > 1)
        {
            html.Append("<nav>\n<ol>\n");
            foreach (ReportSection section in _sections)
                html.Append("<li><a href=\"#").Append(section.Anchor).Append("\">")
                    .Append(WebUtility.HtmlEncode(section.Heading)).Append("</a></li>\n");
            html.Append("</ol>\n</nav>\n");
        }
        foreach (ReportSection section in _sections)
            section.AppendHtml(html);
        return html.Append("</main>\n</body>\n</html>\n").ToString();
    }

    /// <summary>Writes the report as UTF-8 atomically: an earlier file at the path stays whole if writing fails.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(ToHtml()));
}
