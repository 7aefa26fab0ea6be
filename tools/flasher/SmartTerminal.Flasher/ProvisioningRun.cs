namespace SmartTerminal.Flasher;

/// <summary>One unit through the line: registration, unit folder, flashing; unit.json says how far it got.</summary>
public static class ProvisioningRun
{
    public static async Task<int> ExecuteAsync(FlasherOptions options, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var folder = new UnitFolder(options.OutputFolder);
        var earlier = folder.Load();
        try
        {
            var registered = await UnitRegistration.RunAsync(options, cancellationToken);
            var serial = options.Serial.Length > 0 ? options.Serial : earlier?.Serial ?? string.Empty;
            var fleetId = options.FleetId.Length > 0 ? options.FleetId : earlier?.FleetId ?? string.Empty;
            var modelId = options.Command == "provision" ? options.ModelId : earlier?.ModelId ?? string.Empty;
            var record = new UnitRecord(serial, registered.DeviceId, fleetId, modelId, registered.PairingCode,
                registered.PairingCodeExpiresAt?.ToDateTimeOffset(), registered.PolicyKeyId,
                options.Flash ? "registered" : "ready", options.Flash ? "flashing not finished" : "not flashed (--no-flash)");
            folder.Write(UnitFolder.Config(options, registered, fleetId, modelId), options.SerialPort, record);
            if (options.Flash)
            {
                try
                {
                    await new Nanoff(options, folder).RunAsync(cancellationToken);
                }
                catch (StepFailedException e)
                {
                    folder.Save(record with { State = "flash-failed", Detail = e.Message });
                    throw;
                }

                record = record with { State = "flashed", Detail = "firmware, application and configuration written" };
                folder.Save(record);
            }

            output.WriteLine($"{record.DeviceId} {record.State}: pairing code {record.PairingCode} (label), unit folder {folder.Path}");
            return ExitCodes.Done;
        }
        catch (StepFailedException e)
        {
            errors.WriteLine("flasher: " + e.Message);
            if (e.ExitCode == ExitCodes.FlashFailed)
            {
                errors.WriteLine($"flasher: the unit is registered; after fixing the cause run: flasher reprovision --device-id {folder.Load()?.DeviceId} --reason \"reflash\" ... --out {folder.Path}");
            }

            return e.ExitCode;
        }
    }
}
