namespace SmartTerminal.Flasher.Line;

/// <summary>What every unit of a run shares: the service, the broker the units will use, the images, nanoff.</summary>
public sealed record LineSettings
{
    public required Uri Service { get; init; }

    public required string Token { get; init; }

    public required string MqttHost { get; init; }

    public required uint MqttPort { get; init; }

    public string MqttCaPem { get; init; } = string.Empty;

    public uint HeartbeatSeconds { get; init; } = 3600;

    public uint OutboxBytes { get; init; } = 65536;

    public IReadOnlyList<string> SntpServers { get; init; } = ["pool.ntp.org"];

    public required string Image { get; init; }

    public string FirmwareVersion { get; init; } = string.Empty;

    public string AppVersion { get; init; } = string.Empty;

    public string Nanoff { get; init; } = "nanoff";

    public int FlashMb { get; init; } = 4;

    public bool Flash { get; init; } = true;

    public bool DryRun { get; init; }

    public required string Station { get; init; }

    public LabelSize Label { get; init; } = LabelSize.Default;

    public required Text Text { get; init; }
}

/// <summary>A label printer's roll, in millimetres.</summary>
public sealed record LabelSize(double WidthMm, double HeightMm)
{
    public static readonly LabelSize Default = new(50, 30);

    public static LabelSize Parse(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2
               && double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var w)
               && double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var h)
               && w is >= 25 and <= 150 && h is >= 15 and <= 150
            ? new LabelSize(w, h)
            : throw new ArgumentException($"--label '{text}' should be WIDTHxHEIGHT in millimetres, e.g. 50x30 or 62x29");
    }
}

/// <summary>One unit to make: its serial, its target, its model.</summary>
public sealed record UnitOrder(string Serial, string Target, string ModelId);
