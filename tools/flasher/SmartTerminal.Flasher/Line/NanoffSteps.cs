using System.Diagnostics;

namespace SmartTerminal.Flasher.Line;

/// <summary>One nanoff call: what it does, its arguments, and what its output must contain to count as done.</summary>
public sealed record NanoffStep(string Name, IReadOnlyList<string> Arguments, string? MustList = null);

/// <summary>
/// The nanoff calls that take a unit from blank to running with its configuration, in this order:
/// the nanoFramework firmware for the target (mass erase first); the configuration file onto the I:
/// drive (file deployment talks to the running nanoCLR); the application image at the target's deploy
/// address (a ROM-bootloader write, which ends with a hard reset, so the unit boots the application with its
/// configuration already there); then the verification: the running unit's device details must list the
/// application's assembly.
/// </summary>
public static class NanoffSteps
{
    public const string ApplicationAssembly = "SmartTerminal.Firmware";

    public static IReadOnlyList<NanoffStep> For(ChipTarget target, string serialPort, string image, string deployJson) =>
    [
        new("firmware", ["--target", target.Name, "--serialport", serialPort, "--update", "--masserase"]),
        new("configuration", ["--serialport", serialPort, "--filedeployment", deployJson]),
        new("application", ["--target", target.Name, "--serialport", serialPort, "--deploy", "--image", image, "--address", target.Address]),
        new("verification", ["--nanodevice", "--serialport", serialPort, "--devicedetails"], ApplicationAssembly),
    ];

    public static string CommandLine(string nanoff, NanoffStep step) =>
        string.Join(' ', new[] { nanoff }.Concat(step.Arguments).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));

    /// <summary>Runs a step, appending its command line and output to the log; throws on failure.</summary>
    public static async Task RunAsync(LineSettings settings, NanoffStep step, string logPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(settings.Nanoff) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in step.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        await File.AppendAllTextAsync(logPath, $"$ {CommandLine(settings.Nanoff, step)}{Environment.NewLine}", cancellationToken);
        using var process = Process.Start(start) ?? throw new StepFailedException(ExitCode.FlashFailed, settings.Text["no-nanoff", settings.Nanoff]);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output + await errors;
        await File.AppendAllTextAsync(logPath, text, cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new StepFailedException(ExitCode.FlashFailed, settings.Text["flash-failed", step.Name, process.ExitCode, logPath]);
        }

        if (step.MustList is { } expected && !text.Contains(expected, StringComparison.Ordinal))
        {
            throw new StepFailedException(ExitCode.FlashFailed, settings.Text["verify-failed", expected, logPath]);
        }
    }
}
