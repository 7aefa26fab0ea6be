namespace SmartTerminal.Flasher.Labels;

/// <summary>What a box label shows: the pairing code (text and QR, the guardian's pairing input), serial and model.</summary>
public sealed record LabelContent(string PairingCode, string Serial, string Model, string DeviceId);

/// <summary>
/// Box labels as PDF: one label per page at the label printer's size, or a batch sheet of A4 pages
/// with as many labels as fit, for printing on label stock.
/// </summary>
public static class UnitLabels
{
    private const double SheetWidthMm = 210;
    private const double SheetHeightMm = 297;
    private const double SheetMarginMm = 8;

    public static byte[] Label(LabelContent label, double widthMm, double heightMm)
    {
        var document = new PdfDocument();
        Draw(document.AddPage(widthMm, heightMm), label, 0, 0, widthMm, heightMm);
        return document.ToBytes();
    }

    public static byte[] Sheet(IReadOnlyList<LabelContent> labels, double widthMm, double heightMm)
    {
        var document = new PdfDocument();
        var columns = Math.Max(1, (int)((SheetWidthMm - (2 * SheetMarginMm)) / widthMm));
        var rows = Math.Max(1, (int)((SheetHeightMm - (2 * SheetMarginMm)) / heightMm));
        PdfPage? page = null;
        for (var i = 0; i < labels.Count; i++)
        {
            var slot = i % (columns * rows);
            if (slot == 0)
            {
                page = document.AddPage(SheetWidthMm, SheetHeightMm);
            }

            Draw(page!, labels[i], SheetMarginMm + (slot % columns * widthMm), SheetMarginMm + (slot / columns * heightMm), widthMm, heightMm);
        }

        if (labels.Count == 0)
        {
            document.AddPage(SheetWidthMm, SheetHeightMm);
        }

        return document.ToBytes();
    }

    // QR on the left (the label's height less a margin), text on the right: the code in two groups of five.
    private static void Draw(PdfPage page, LabelContent label, double x, double y, double width, double height)
    {
        var margin = Math.Min(width, height) * 0.06;
        var side = height - (2 * margin);
        page.Qr(x + margin, y + margin, side, QrCode.Modules(label.PairingCode));
        var textX = x + side + (2 * margin);
        var code = label.PairingCode.Length == 10 ? $"{label.PairingCode[..5]} {label.PairingCode[5..]}" : label.PairingCode;
        // The code's eleven characters must fit beside the QR (Helvetica capitals are about 0.67 em wide).
        var size = Math.Max(5, Math.Min(height * 0.32, (width - side - (3 * margin)) * 72 / 25.4 / (code.Length * 0.67)));
        page.Text(textX, y + (height * 0.22), size * 0.6, "Pairing code");
        page.Text(textX, y + (height * 0.45), size, code);
        page.Text(textX, y + (height * 0.68), size * 0.55, "SN " + label.Serial);
        page.Text(textX, y + (height * 0.86), size * 0.55, label.Model.Length > 0 ? label.Model : label.DeviceId);
    }
}
