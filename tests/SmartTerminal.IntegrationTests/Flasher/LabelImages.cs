using System.Diagnostics;
using System.Text;
using ZXing;
using ZXing.Common;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>
/// Reads labels back as a scanner would: the PDF rendered by a real PDF renderer (poppler's pdftoppm,
/// to greyscale PGM at 300 dpi, as printed) and its QR codes decoded by ZXing.
/// </summary>
public static class LabelImages
{
    /// <summary>The texts of every QR code on every page of the PDF, page by page, top to bottom.</summary>
    public static IReadOnlyList<string> DecodeQrCodes(string pdf)
    {
        var folder = Directory.CreateTempSubdirectory("st-label-").FullName;
        try
        {
            using (var render = Process.Start(new ProcessStartInfo("pdftoppm", ["-gray", "-r", "300", pdf, Path.Combine(folder, "page")]) { RedirectStandardError = true })!)
            {
                var errors = render.StandardError.ReadToEnd();
                render.WaitForExit();
                if (render.ExitCode != 0)
                {
                    throw new InvalidDataException($"pdftoppm could not render {pdf}: {errors}");
                }
            }

            var reader = new BarcodeReaderGeneric { AutoRotate = false, Options = new DecodingOptions { PossibleFormats = [BarcodeFormat.QR_CODE], TryHarder = true } };
            var texts = new List<string>();
            foreach (var page in Directory.GetFiles(folder, "page*.pgm").Order(StringComparer.Ordinal))
            {
                var (width, height, pixels) = ReadPgm(page);
                var found = reader.DecodeMultiple(new RGBLuminanceSource(pixels, width, height, RGBLuminanceSource.BitmapFormat.Gray8)) ?? [];
                texts.AddRange(found.OrderBy(r => r.ResultPoints.Min(p => p.Y)).ThenBy(r => r.ResultPoints.Min(p => p.X)).Select(r => r.Text));
            }

            return texts;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The pages of a PDF and the size of its first page in millimetres, as poppler's pdfinfo reads them.</summary>
    public static (int Pages, double WidthMm, double HeightMm) Info(string pdf)
    {
        using var info = Process.Start(new ProcessStartInfo("pdfinfo", [pdf]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var lines = info.StandardOutput.ReadToEnd().Split('\n');
        info.WaitForExit();
        string Field(string name) => lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        var size = Field("Page size").Split(' ', StringSplitOptions.RemoveEmptyEntries); // "141.73 x 85.04 pts"
        double Mm(string points) => double.Parse(points, System.Globalization.CultureInfo.InvariantCulture) * 25.4 / 72;
        return (int.Parse(Field("Pages"), System.Globalization.CultureInfo.InvariantCulture), Mm(size[0]), Mm(size[2]));
    }

    // Binary PGM (P5): "P5", width, height, max value, one whitespace, then one byte per pixel.
    private static (int Width, int Height, byte[] Pixels) ReadPgm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)bytes[position]))
            {
                position++;
            }

            var start = position;
            while (!char.IsWhiteSpace((char)bytes[position]))
            {
                position++;
            }

            return Encoding.ASCII.GetString(bytes, start, position - start);
        }

        if (Token() != "P5")
        {
            throw new InvalidDataException(path + " is not a binary PGM");
        }

        var width = int.Parse(Token(), System.Globalization.CultureInfo.InvariantCulture);
        var height = int.Parse(Token(), System.Globalization.CultureInfo.InvariantCulture);
        _ = Token();
        position++;
        return (width, height, bytes[position..(position + (width * height))]);
    }
}
