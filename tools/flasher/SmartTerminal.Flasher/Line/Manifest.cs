using System.Text.Json;

namespace SmartTerminal.Flasher.Line;

/// <summary>One unit's record in a batch manifest: what was made, from what, with which result; no secrets.</summary>
public sealed record ManifestEntry(
    string Serial,
    string DeviceId,
    string FleetId,
    string ModelId,
    string Target,
    string Chip,
    int FlashMb,
    string DeployAddress,
    string FirmwareVersion,
    string AppVersion,
    string ImageSha256,
    string ConfigSha256,
    string Result,
    string Error,
    DateTimeOffset At,
    string Station)
{
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Registered = "registered";
}

/// <summary>
/// The batch manifest, manifest.jsonl: one JSON object per line, appended and flushed to the disk as
/// each unit finishes (or is registered), so a crash loses nothing and a rerun knows what is done. The
/// newest line of a serial is its state. It holds no secret (no password, key or pairing code).
/// </summary>
public sealed class Manifest(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public void Append(ManifestEntry entry)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, Json.Lines);
        stream.Write(line);
        stream.WriteByte((byte)'\n');
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The newest entry of each serial (a torn last line, from a crash mid-write, is ignored).</summary>
    public IReadOnlyDictionary<string, ManifestEntry> Latest()
    {
        var latest = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        if (!File.Exists(Path))
        {
            return latest;
        }

        foreach (var line in File.ReadLines(Path).Where(l => l.Length > 0))
        {
            try
            {
                if (JsonSerializer.Deserialize<ManifestEntry>(line, Json.Lines) is { } entry)
                {
                    latest[entry.Serial] = entry;
                }
            }
            catch (JsonException)
            {
                // A line cut short by a crash: the unit it was about is redone.
            }
        }

        return latest;
    }
}
