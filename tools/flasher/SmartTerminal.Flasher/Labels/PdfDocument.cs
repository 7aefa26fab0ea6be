using System.Globalization;
using System.Text;

namespace SmartTerminal.Flasher.Labels;

/// <summary>
/// A minimal PDF 1.4 writer for labels: pages of a given size with Helvetica text and filled
/// rectangles (the QR modules are vector squares, so a label prints sharp at any printer resolution).
/// Units are millimetres from the top left; text is Latin-1 (serials, codes, ids).
/// </summary>
public sealed class PdfDocument
{
    private const double PointsPerMm = 72 / 25.4;
    private readonly List<(double Width, double Height, StringBuilder Content)> _pages = [];

    public PdfPage AddPage(double widthMm, double heightMm)
    {
        var content = new StringBuilder();
        _pages.Add((widthMm * PointsPerMm, heightMm * PointsPerMm, content));
        return new PdfPage(content, heightMm * PointsPerMm);
    }

    public byte[] ToBytes()
    {
        var objects = new List<string> { "<< /Type /Catalog /Pages 2 0 R >>", string.Empty, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>" };
        var kids = new List<int>();
        foreach (var (width, height, content) in _pages)
        {
            var stream = content.ToString();
            objects.Add($"<< /Length {Encoding.Latin1.GetByteCount(stream)} >>\nstream\n{stream}\nendstream");
            var contentId = objects.Count;
            objects.Add(string.Create(CultureInfo.InvariantCulture, $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:0.##} {height:0.##}] /Resources << /Font << /F1 3 0 R >> >> /Contents {contentId} 0 R >>"));
            kids.Add(objects.Count);
        }

        objects[1] = $"<< /Type /Pages /Kids [{string.Join(' ', kids.Select(k => $"{k} 0 R"))}] /Count {kids.Count} >>";
        using var output = new MemoryStream();
        void Write(string text) => output.Write(Encoding.Latin1.GetBytes(text));
        Write("%PDF-1.4\n");
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(output.Position);
            Write($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = output.Position;
        Write($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            Write(offset.ToString("D10", CultureInfo.InvariantCulture) + " 00000 n \n");
        }

        Write($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return output.ToArray();
    }
}

/// <summary>Drawing on one page, in millimetres from its top left corner.</summary>
public sealed class PdfPage(StringBuilder content, double heightPt)
{
    private const double PointsPerMm = 72 / 25.4;

    public void Text(double xMm, double baselineMm, double sizePt, string text)
    {
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
        content.Append(CultureInfo.InvariantCulture, $"BT /F1 {sizePt:0.##} Tf {xMm * PointsPerMm:0.##} {heightPt - (baselineMm * PointsPerMm):0.##} Td ({escaped}) Tj ET\n");
    }

    /// <summary>Draws a QR code (modules from <see cref="QrCode"/>) as a square of the given side.</summary>
    public void Qr(double xMm, double yMm, double sideMm, bool[,] modules)
    {
        var count = modules.GetLength(0);
        var module = sideMm / count * PointsPerMm;
        content.Append("0 g\n");
        for (var row = 0; row < count; row++)
        {
            for (var column = 0; column < count; column++)
            {
                if (modules[row, column])
                {
                    var x = (xMm * PointsPerMm) + (column * module);
                    var y = heightPt - (yMm * PointsPerMm) - ((row + 1) * module);
                    content.Append(CultureInfo.InvariantCulture, $"{x:0.###} {y:0.###} {module:0.###} {module:0.###} re\n");
                }
            }
        }

        content.Append("f\n");
    }
}
