using Spectre.Console;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// One unit on its own (<c>provision</c>, <c>reprovision</c>): the pipeline, and on failure the step that
/// failed, the exit code that names it and, when the unit is already registered, the command that finishes it.
/// </summary>
public sealed class SingleUnitRun(LineSettings settings, IAnsiConsole console, TextWriter errors)
{
    public Task<int> ProvisionAsync(UnitOrder unit, string fleetId, string serialPort, UnitFolder folder, CancellationToken cancellationToken) =>
        GuardAsync(folder, async (pipeline, _) => await pipeline.RunAsync(unit, fleetId, serialPort, folder, null, null, cancellationToken));

    public Task<int> ReprovisionAsync(string deviceId, string reason, bool newPairingCode, string targetName, string serialPort, UnitFolder folder, CancellationToken cancellationToken) =>
        GuardAsync(folder, async (pipeline, registration) =>
        {
            // The serial comes back with the rotation; until then the device id stands for it.
            var unit = new UnitOrder(deviceId, targetName, string.Empty);
            if (settings.DryRun)
            {
                await pipeline.RunAsync(unit, string.Empty, serialPort, folder, deviceId, null, cancellationToken);
                return;
            }

            var target = Preconditions.Check(settings, unit, serialPort, folder.Path);
            var earlier = folder.Load();
            console.WriteLine($"[{deviceId}] {settings.Text["rotating", deviceId]}");
            var rotated = await registration.RotateAsync(deviceId, reason, newPairingCode, cancellationToken);
            await pipeline.FlashAsync(unit with { Serial = rotated.SerialNumber }, target, rotated, earlier, serialPort, folder, null, cancellationToken);
        });

    private async Task<int> GuardAsync(UnitFolder folder, Func<UnitPipeline, Registration, Task> run)
    {
        using var registration = new Registration(settings);
        try
        {
            await run(new UnitPipeline(settings, registration, console), registration);
            return (int)ExitCode.Done;
        }
        catch (StepFailedException e)
        {
            errors.WriteLine("flasher: " + e.Message);
            if (e.ExitCode == ExitCode.FlashFailed)
            {
                errors.WriteLine("flasher: " + settings.Text["rerun", folder.Load()?.DeviceId ?? "?", folder.Path]);
            }

            return (int)e.ExitCode;
        }
    }
}
