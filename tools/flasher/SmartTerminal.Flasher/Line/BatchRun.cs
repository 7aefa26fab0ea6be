using System.Globalization;
using System.Text.Json;
using SmartTerminal.Flasher.Labels;
using Spectre.Console;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// A batch of units, one after another as each board is plugged in: wait for the port, run the unit,
/// next. Resumable: units the manifest says are done are skipped, a unit registered but not finished
/// is taken up again with a key rotation; a failed unit is recorded and the line goes on. At the end,
/// a sheet of all the batch's labels (labels.pdf) and a summary table.
/// </summary>
public sealed class BatchRun(LineSettings settings, IAnsiConsole console)
{
    public static IReadOnlyList<UnitOrder> ReadCsv(string path, string defaultTarget, string defaultModel)
    {
        var units = new List<UnitOrder>();
        foreach (var (line, number) in File.ReadLines(path).Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#') || (number == 1 && line.StartsWith("serial", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var cells = line.Split(',').Select(c => c.Trim()).ToArray();
            if (cells[0].Length == 0 || cells.Length > 3)
            {
                throw new ArgumentException($"{path}:{number}: expected serial[,target[,model]], got '{line}'");
            }

            units.Add(new UnitOrder(cells[0], cells.Length > 1 && cells[1].Length > 0 ? cells[1] : defaultTarget, cells.Length > 2 ? cells[2] : defaultModel));
        }

        var duplicate = units.GroupBy(u => u.Serial, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? units : throw new ArgumentException($"{path}: serial {duplicate.Key} appears {duplicate.Count()} times");
    }

    /// <summary>Serials from a pattern with a run of zeros in braces: "SN-2026-{0000}" and first 1 give SN-2026-0001, ...</summary>
    public static IReadOnlyList<UnitOrder> FromPattern(string pattern, int first, int count, string target, string model)
    {
        var open = pattern.IndexOf('{', StringComparison.Ordinal);
        var close = pattern.IndexOf('}', StringComparison.Ordinal);
        if (open < 0 || close < open + 2 || pattern[(open + 1)..close].Any(c => c != '0'))
        {
            throw new ArgumentException($"--serial-pattern '{pattern}' needs a run of zeros in braces, e.g. SN-2026-{{0000}}");
        }

        var digits = close - open - 1;
        return [.. Enumerable.Range(first, count).Select(n => new UnitOrder(pattern[..open] + n.ToString("D" + digits, CultureInfo.InvariantCulture) + pattern[(close + 1)..], target, model))];
    }

    public async Task<ExitCode> RunAsync(IReadOnlyList<UnitOrder> units, string fleetId, string serialPort, string batchFolder, bool waitForReplug, TimeSpan portTimeout, CancellationToken cancellationToken)
    {
        var text = settings.Text;
        var manifest = new Manifest(Path.Combine(batchFolder, "manifest.jsonl"));
        var earlier = manifest.Latest();
        using var registration = new Registration(settings);
        var pipeline = new UnitPipeline(settings, registration, console);
        var rows = new List<(string Serial, string Target, string DeviceId, string Result, string Detail)>();
        var needsPlug = settings.Flash && !settings.DryRun && !OperatingSystem.IsWindows();
        var first = true;
        foreach (var unit in units)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (earlier.TryGetValue(unit.Serial, out var done) && done.Result == ManifestEntry.Done)
            {
                console.WriteLine($"[{unit.Serial}] {text["skipped"]}");
                rows.Add((unit.Serial, unit.Target, done.DeviceId, text["skipped"], string.Empty));
                continue;
            }

            if (needsPlug)
            {
                if (!first && waitForReplug)
                {
                    console.WriteLine($"[{unit.Serial}] {text["waiting-unplug", serialPort]}");
                    await WaitAsync(() => !File.Exists(serialPort), portTimeout, cancellationToken);
                }

                console.WriteLine($"[{unit.Serial}] {text["waiting-port", serialPort]}");
                if (!await WaitAsync(() => File.Exists(serialPort), portTimeout, cancellationToken))
                {
                    rows.Add((unit.Serial, unit.Target, string.Empty, text["failed"], text["port-timeout", serialPort, (int)portTimeout.TotalSeconds]));
                    manifest.Append(Failure(unit, string.Empty, text["port-timeout", serialPort, (int)portTimeout.TotalSeconds]));
                    break;
                }
            }

            first = false;
            var folder = new UnitFolder(Path.Combine(batchFolder, "units", unit.Serial));
            // Registered in an earlier run but not finished: the same unit again, with fresh keys.
            var rotate = earlier.TryGetValue(unit.Serial, out var unfinished) && unfinished.DeviceId.Length > 0 ? unfinished.DeviceId : null;
            try
            {
                var outcome = await pipeline.RunAsync(unit, fleetId, serialPort, folder, rotate, settings.DryRun ? null : manifest, cancellationToken);
                rows.Add((unit.Serial, unit.Target, outcome.DeviceId, outcome.Result == ManifestEntry.Done ? text["done"] : outcome.Result, string.Empty));
            }
            catch (StepFailedException e)
            {
                console.WriteLine($"[{unit.Serial}] {text["failed"]}: {e.Message}");
                var deviceId = folder.Load()?.DeviceId ?? string.Empty;
                if (e.ExitCode is ExitCode.NotReady or ExitCode.ServiceRefused)
                {
                    // Nothing registered in this attempt: the manifest still says what happened to the unit.
                    manifest.Append(Failure(unit, rotate ?? string.Empty, e.Message));
                }

                rows.Add((unit.Serial, unit.Target, deviceId, text["failed"], e.Message));
            }
        }

        WriteSheet(batchFolder, manifest);
        var table = new Table().AddColumns("serial", "target", "device", "result", "detail");
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.Serial), Markup.Escape(row.Target), Markup.Escape(row.DeviceId), Markup.Escape(row.Result), Markup.Escape(row.Detail));
        }

        console.Write(table);
        var doneCount = rows.Count(r => r.Result == text["done"]);
        var failed = rows.Count(r => r.Result == text["failed"]);
        console.WriteLine(text["summary", batchFolder, doneCount, failed, rows.Count(r => r.Result == text["skipped"])]);
        return failed > 0 || rows.Count < units.Count ? ExitCode.UnitsFailed : ExitCode.Done;
    }

    /// <summary>labels.pdf: the labels of every unit of the batch that is done, in manifest order.</summary>
    public void WriteSheet(string batchFolder, Manifest manifest)
    {
        var labels = new List<LabelContent>();
        foreach (var entry in manifest.Latest().Values.Where(e => e.Result == ManifestEntry.Done))
        {
            var unitJson = Path.Combine(batchFolder, "units", entry.Serial, "unit.json");
            if (File.Exists(unitJson) && JsonSerializer.Deserialize<UnitRecord>(File.ReadAllText(unitJson), Json.Options) is { PairingCode.Length: > 0 } record)
            {
                labels.Add(new LabelContent(record.PairingCode, record.Serial, record.ModelId, record.DeviceId));
            }
        }

        if (labels.Count > 0)
        {
            File.WriteAllBytes(Path.Combine(batchFolder, "labels.pdf"), UnitLabels.Sheet(labels, settings.Label.WidthMm, settings.Label.HeightMm));
        }
    }

    private ManifestEntry Failure(UnitOrder unit, string deviceId, string error) => new(
        unit.Serial, deviceId, string.Empty, unit.ModelId, unit.Target, Targets.Find(unit.Target)?.Chip ?? string.Empty, settings.FlashMb,
        Targets.Find(unit.Target)?.Address ?? string.Empty, settings.FirmwareVersion, settings.AppVersion, string.Empty, string.Empty,
        ManifestEntry.Failed, error, DateTimeOffset.UtcNow, settings.Station);

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(200, cancellationToken);
        }

        return true;
    }
}
