using QRCoder;

namespace SmartTerminal.Flasher.Labels;

/// <summary>The modules of a QR code (true = dark), quiet zone included, from QRCoder.</summary>
public static class QrCode
{
    public static bool[,] Modules(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var rows = data.ModuleMatrix;
        var size = rows.Count;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                modules[y, x] = rows[y][x];
            }
        }

        return modules;
    }
}
