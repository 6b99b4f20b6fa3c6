using System.Globalization;
using System.Text;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Reporting;

/// <summary>
/// A small Markdown writer for report summaries: headings, paragraphs, bullet lists, tables, images
/// (by path relative to the report) and code blocks. Cells are escaped so a "|" in a value cannot
/// break a table. <see cref="Write"/> writes atomically.
/// </summary>
public sealed class MarkdownReport
{
    private readonly StringBuilder _text = new();

    public MarkdownReport Heading(string text, int level = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 6);
        return Block($"{new string('#', level)} {OneLine(text)}");
    }

    public MarkdownReport Paragraph(string text) => Block(text.Trim());

    public MarkdownReport Bullets(IEnumerable<string> items) => Block(string.Join("\n", items.Select(i => $"- {OneLine(i)}")));

    /// <summary>A table; every row must have as many cells as there are headers.</summary>
    public MarkdownReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", headers.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Join("|", headers.Select(_ => "---"))).Append("|\n");
        int n = 0;
        foreach (var row in rows)
        {
            if (row.Count != headers.Count) throw new ArgumentException($"table row {n} has {row.Count} cells for {headers.Count} headers");
            sb.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
            n++;
        }
        return Block(sb.ToString().TrimEnd('\n'));
    }

    /// <summary>An image by a path relative to the Markdown file (forward slashes, so it renders everywhere).</summary>
    public MarkdownReport Image(string relativePath, string alt) =>
        Block($"![{OneLine(alt).Replace("]", ")", StringComparison.Ordinal)}]({relativePath.Replace('\\', '/').Replace(" ", "%20", StringComparison.Ordinal)})");

    public MarkdownReport Code(string text, string language = "") => Block($"```{language}\n{text.TrimEnd('\n')}\n```");

    public override string ToString() => _text.ToString();

    public void Write(string path) => AtomicFile.WriteAllText(path, ToString());

    /// <summary>A number for a table: fixed significant digits, invariant culture, "n/a" for NaN.</summary>
    public static string Number(double value, int digits = 3) =>
        double.IsNaN(value) ? "n/a" : value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private MarkdownReport Block(string block)
    {
        if (_text.Length > 0) _text.Append('\n');
        _text.Append(block).Append('\n');
        return this;
    }

    private static string OneLine(string text) => text.Replace("\r", "", StringComparison.Ordinal).Replace('\n', ' ').Trim();

    private static string Cell(string text) => OneLine(text).Replace("|", "\\|", StringComparison.Ordinal);
}
