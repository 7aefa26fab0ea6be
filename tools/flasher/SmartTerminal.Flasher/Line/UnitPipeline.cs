using System.Security.Cryptography;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Flasher.Labels;
using Spectre.Console;

namespace SmartTerminal.Flasher.Line;

/// <summary>How a unit came out.</summary>
public sealed record UnitOutcome(UnitOrder Unit, string DeviceId, string PairingCode, string Result, string Error, UnitFolder Folder);

/// <summary>
/// One unit through the line: preconditions (before anything is registered), registration or key
/// rotation, the unit folder, the nanoff steps, the label, the manifest line. Every step is reported to
/// the operator as it starts; the first failing one stops the unit and is named.
/// </summary>
public sealed class UnitPipeline(LineSettings settings, Registration registration, IAnsiConsole log)
{
    private readonly StepProgress _progress = new(log, settings.Text);

    /// <summary>The last words on a unit: done, or failed with the step and what to do.</summary>
    public async Task<UnitOutcome> RunAsync(UnitOrder unit, string fleetId, string serialPort, UnitFolder folder, string? rotateDeviceId, Manifest? manifest, CancellationToken cancellationToken)
    {
        var text = settings.Text;
        var target = Preconditions.Check(settings, unit, serialPort, folder.Path);
        if (settings.DryRun)
        {
            log.WriteLine($"[{unit.Serial}] {text["dry-run"]}");
            foreach (var step in NanoffSteps.For(target, serialPort, Path.GetFullPath(settings.Image), folder.DeployJsonPath))
            {
                log.WriteLine($"[{unit.Serial}]   {NanoffSteps.CommandLine(settings.Nanoff, step)}");
            }

            return new UnitOutcome(unit, string.Empty, string.Empty, "dry-run", string.Empty, folder);
        }

        var earlier = folder.Load();
        RegisterDeviceResponse registered;
        if (rotateDeviceId is not null)
        {
            log.WriteLine($"[{unit.Serial}] {text["rotating", rotateDeviceId]}");
            registered = await registration.RotateAsync(rotateDeviceId, "reflash on the production line", newPairingCode: false, cancellationToken);
        }
        else
        {
            log.WriteLine($"[{unit.Serial}] {text["registering", unit.Serial]}");
            registered = await registration.RegisterAsync(fleetId, unit, cancellationToken);
        }

        return await FlashAsync(unit, target, registered, earlier, serialPort, folder, manifest, cancellationToken);
    }

    /// <summary>From a registration (or rotation) on: folder, nanoff, label, manifest.</summary>
    public async Task<UnitOutcome> FlashAsync(UnitOrder unit, ChipTarget target, RegisterDeviceResponse registered, UnitRecord? earlier, string serialPort, UnitFolder folder, Manifest? manifest, CancellationToken cancellationToken)
    {
        var text = settings.Text;
        // A rotation keeps the box code; it comes back empty, so the one of the earlier run stands.
        var pairingCode = registered.PairingCode.Length > 0 ? registered.PairingCode : earlier?.PairingCode ?? string.Empty;
        var serial = registered.SerialNumber.Length > 0 ? registered.SerialNumber : unit.Serial;
        log.WriteLine($"[{serial}] {text["writing", folder.Path]}");
        var configSha256 = folder.Write(UnitFolder.Config(settings, registered), serialPort);
        var record = new UnitRecord(serial, registered.DeviceId, registered.FleetId, registered.ModelId, target.Name, pairingCode, registered.PolicyKeyId,
            settings.Flash ? "registered" : "ready", settings.Flash ? "flashing not finished" : "not flashed (--no-flash)");
        folder.Save(record);
        ManifestEntry Entry(string result, string error) => new(serial, registered.DeviceId, registered.FleetId, registered.ModelId, target.Name, target.Chip, settings.FlashMb,
            target.Address, settings.FirmwareVersion, settings.AppVersion, ImageSha256(), configSha256, result, error, DateTimeOffset.UtcNow, settings.Station);
        manifest?.Append(Entry(ManifestEntry.Registered, string.Empty));
        try
        {
            if (settings.Flash)
            {
                var steps = NanoffSteps.For(target, serialPort, Path.GetFullPath(settings.Image), folder.DeployJsonPath);
                await _progress.RunAsync(serial, steps, step => NanoffSteps.RunAsync(settings, step, folder.LogPath, cancellationToken));

                record = record with { State = "flashed", Detail = "firmware, configuration, application written and verified" };
                folder.Save(record);
            }

            if (pairingCode.Length > 0)
            {
                await File.WriteAllBytesAsync(folder.LabelPath, UnitLabels.Label(new LabelContent(pairingCode, serial, record.ModelId, record.DeviceId), settings.Label.WidthMm, settings.Label.HeightMm), cancellationToken);
                log.WriteLine($"[{serial}] {text["label", folder.LabelPath]}");
            }

            manifest?.Append(Entry(ManifestEntry.Done, string.Empty));
            log.WriteLine(text["unit-done", record.DeviceId, record.State, pairingCode.Length > 0 ? pairingCode : "-", pairingCode.Length > 0 ? folder.LabelPath : "-"]);
            return new UnitOutcome(unit with { Serial = serial }, record.DeviceId, pairingCode, ManifestEntry.Done, string.Empty, folder);
        }
        catch (StepFailedException e)
        {
            folder.Save(record with { State = "flash-failed", Detail = e.Message });
            manifest?.Append(Entry(ManifestEntry.Failed, e.Message));
            throw;
        }
    }

    private string ImageSha256() =>
        settings.Flash && File.Exists(settings.Image) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(settings.Image))) : string.Empty;
}
