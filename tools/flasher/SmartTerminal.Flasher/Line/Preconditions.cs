using System.ComponentModel;
using System.Diagnostics;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// Everything a unit needs before anything is registered for it: the target is known and has a deploy
/// partition for the flash size, the image exists and fits it, nanoff runs, the serial port is there and
/// the output folder can be written. A unit that would fail at the bench is refused before it costs a
/// registration (which a rerun could not repeat).
/// </summary>
public static class Preconditions
{
    public static ChipTarget Check(LineSettings settings, UnitOrder unit, string serialPort, string outputFolder)
    {
        var text = settings.Text;
        var problems = new List<string>();
        var target = Targets.Find(unit.Target);
        if (target is null)
        {
            problems.Add(text["unknown-target", unit.Target]);
        }
        else if (target.DeployBytes(settings.FlashMb) is not { } deployBytes)
        {
            problems.Add(text["no-flash-size", target.Name, settings.FlashMb, string.Join(", ", target.DeployBytesByFlashMb.Keys)]);
        }
        else if (settings.Flash && !File.Exists(settings.Image))
        {
            problems.Add(text["no-image", settings.Image]);
        }
        else if (settings.Flash && new FileInfo(settings.Image).Length > deployBytes)
        {
            problems.Add(text["image-too-large", settings.Image, new FileInfo(settings.Image).Length, target.Name, settings.FlashMb, deployBytes]);
        }

        if (settings.Flash && !NanoffRuns(settings.Nanoff))
        {
            problems.Add(text["no-nanoff", settings.Nanoff]);
        }

        // COM ports cannot be looked up as files; on Linux and macOS a serial port is a device node.
        if (settings.Flash && !settings.DryRun && !OperatingSystem.IsWindows() && !File.Exists(serialPort))
        {
            problems.Add(text["no-port", serialPort]);
        }

        if (!settings.DryRun && Writable(outputFolder) is { } why)
        {
            problems.Add(text["out-not-writable", outputFolder, why]);
        }

        return problems.Count == 0 && target is not null
            ? target
            : throw new StepFailedException(ExitCode.NotReady, string.Join("; ", problems.Select(p => text["precondition", p])));
    }

    private static bool NanoffRuns(string nanoff)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(nanoff, "--help") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return false;
            }

            process.StandardOutput.ReadToEnd();
            return process.WaitForExit(30_000);
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    private static string? Writable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, ".write-test");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
