using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Tailor.Visualization;

namespace Tailor.Reports;

/// <summary>
/// A section of an <see cref="HtmlReport"/>: a heading followed by paragraphs, preformatted text,
/// images and tables in the order they are added. Every method returns the section, for chaining.
/// </summary>
public sealed partial class ReportSection
{
    private readonly StringBuilder _body = new();

    internal ReportSection(string heading, string anchor)
    {
        ArgumentNullException.ThrowIfNull(heading);
        Heading = heading;
        Anchor = anchor;
    }

    public string Heading { get; }

    internal string Anchor { get; }

    /// <summary>A paragraph of plain text; markup in it is shown as typed, not interpreted.</summary>
    public ReportSection Paragraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body.Append("<p>").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Text shown in a monospace block with its line breaks and spacing kept, e.g. a model summary.</summary>
    public ReportSection Preformatted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _body.Append("<pre>").Append(Escape(text.TrimEnd('\n', '\r'))).Append("</pre>\n");
        return this;
    }

    /// <summary>A PNG image embedded in the page, with a caption under it; the alt text defaults to the caption.</summary>
    public ReportSection Image(byte[] png, string caption, string? altText = null)
    {
        ArgumentNullException.ThrowIfNull(png);
        ArgumentNullException.ThrowIfNull(caption);
        (int width, int height) = PngSize(png, caption);
        _body.Append("<figure><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
            .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height)
            .Append("\" alt=\"").Append(Escape(altText ?? caption)).Append("\">");
        if (caption.Length > 0)
            _body.Append("<figcaption>").Append(Escape(caption)).Append("</figcaption>");
        _body.Append("</figure>\n");
        return this;
    }

    /// <summary>
    /// A table with a header row; cells that read as numbers ("0.9123", "18,496", "-3e-05", "91.2%")
    /// are right-aligned so their digits line up.
    /// </summary>
    public ReportSection Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        var table = new StringBuilder("<table>\n");
        if (caption is not null)
            table.Append("<caption>").Append(Escape(caption)).Append("</caption>\n");
        table.Append("<thead><tr>");
        foreach (string cell in header)
            table.Append("<th>").Append(Escape(cell)).Append("</th>");
        table.Append("</tr></thead>\n<tbody>\n");
        int rowNumber = 0;
        foreach (IReadOnlyList<string> row in rows)
        {
            rowNumber++;
            if (row.Count != header.Count)
                throw new ArgumentException(
                    $"Row {rowNumber} of the table in section '{Heading}' has {row.Count} cells, the header has {header.Count}.", nameof(rows));
            table.Append("<tr>");
            foreach (string cell in row)
                table.Append(IsNumber(cell) ? "<td class=\"num\">" : "<td>").Append(Escape(cell)).Append("</td>");
            table.Append("</tr>\n");
        }
        _body.Append(table).Append("</tbody>\n</table>\n");
        return this;
    }

    internal void AppendHtml(StringBuilder html) =>
        html.Append("<section id=\"").Append(Anchor).Append("\">\n<h2>").Append(Escape(Heading)).Append("</h2>\n")
            .Append(_body).Append("</section>\n");

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    internal static bool IsNumber(string cell) => NumberPattern().IsMatch(cell.Trim());

    // A mantissa (digits, maybe with thousands commas and a fraction, or just a fraction), with an
    // optional sign, exponent and percent sign.
    [GeneratedRegex(@"^[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+)([eE][+-]?\d+)?%?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    /// <summary>Width and height from the IHDR chunk, which the PNG format puts first.</summary>
    private static (int Width, int Height) PngSize(byte[] png, string caption)
    {
        if (png.Length < 24 || !PngFile.IsPng(png) || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            throw new ArgumentException($"The image '{caption}' is not a PNG: its {png.Length} bytes lack the PNG signature and header.", nameof(png));
        return ((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16, 4)), (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20, 4)));
    }
}
