using System.Diagnostics;

namespace SmartTerminal.Flasher;

/// <summary>
/// Flashes a unit with nanoff in three steps: the nanoFramework firmware, the application image at the
/// target's deployment address, then the unit's configuration file (file deployment). Each step's
/// output goes to the unit's flash.log; the first failing step stops the run and is named.
/// </summary>
public sealed class Nanoff(FlasherOptions options, UnitFolder folder)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StepAsync("firmware update", ["--update", "--target", options.Target, "--serialport", options.SerialPort, "--masserase"], cancellationToken);
        await StepAsync("application deployment", ["--target", options.Target, "--serialport", options.SerialPort, "--deploy", "--image", Path.GetFullPath(options.Image), "--address", options.Address], cancellationToken);
        await StepAsync("configuration deployment", ["--filedeployment", folder.DeployJsonPath], cancellationToken);
    }

    private async Task StepAsync(string step, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.Nanoff) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        await File.AppendAllTextAsync(folder.LogPath, $"$ {options.Nanoff} {string.Join(' ', arguments)}{Environment.NewLine}", cancellationToken);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new StepFailedException(ExitCodes.FlashFailed, $"{step}: cannot run '{options.Nanoff}' ({e.Message}); install it with 'dotnet tool install -g nanoff' or pass --nanoff");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            await File.AppendAllTextAsync(folder.LogPath, await output + await errors, cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new StepFailedException(ExitCodes.FlashFailed, $"{step} failed: nanoff exited with {process.ExitCode} (see {folder.LogPath})");
            }
        }
    }
}
