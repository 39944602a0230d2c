namespace Tailor.Reports;

/// <summary>The report's stylesheet, kept small: readable type, right-aligned numbers, images that fit.</summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f6f7f9; color: #1f2328;
               font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
        main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; min-height: 100vh; box-sizing: border-box; }
        h1 { font-size: 1.9em; margin: 0.2em 0 0.6em; }
        h2 { font-size: 1.4em; margin: 1.8em 0 0.6em; padding-bottom: 0.25em; border-bottom: 1px solid #d8dee4; }
        p { margin: 0.6em 0; max-width: 75ch; }
        nav ol { margin: 0 0 1em; padding-left: 1.4em; }
        nav a { color: #0b5cad; text-decoration: none; }
        nav a:hover { text-decoration: underline; }
        pre { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 12px 14px; overflow-x: auto;
              font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; }
        figure { display: inline-block; vertical-align: top; margin: 8px 16px 16px 0; max-width: 100%; }
        figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e5e8eb; }
        figcaption { font-size: 0.9em; color: #57606a; margin-top: 6px; max-width: 640px; }
        table { border-collapse: collapse; margin: 12px 0 20px; font-size: 0.95em; }
        caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 6px; }
        th, td { border-bottom: 1px solid #e1e4e8; padding: 6px 14px; text-align: left; }
        th { background: #f6f8fa; font-weight: 600; border-bottom: 2px solid #d0d7de; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tbody tr:nth-child(even) { background: #fafbfc; }

        """;
}
