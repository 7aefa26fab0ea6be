using System.CommandLine;
using SmartTerminal.Flasher.Line;
using Spectre.Console;

namespace SmartTerminal.Flasher.Commands;

/// <summary>
/// The flasher's command line: one class per verb (provision, reprovision, batch, targets). A wrong
/// command line lists every problem and exits <see cref="ExitCode.Usage"/> before anything is done.
/// </summary>
public static class FlasherCli
{
    /// <param name="interactive">The output is a terminal: live progress bars instead of one line per step.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, bool interactive, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            // A log file or a pipe: never wrap a line (command lines and paths are copied from it).
            console.Profile.Width = 4096;
        }

        var common = new CommonOptions();
        var root = new RootCommand("SmartTerminal production-line flasher: registers units with the PolicyService, writes their configuration, flashes them with nanoff, prints their labels.")
        {
            new ProvisionCommand(common, console, errors),
            new ReprovisionCommand(common, console, errors),
            new BatchCommand(common, console),
            new TargetsCommand(console),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                errors.WriteLine("flasher: " + error.Message);
            }

            errors.WriteLine("flasher: see 'flasher --help' or 'flasher <command> --help'");
            return (int)ExitCode.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (ArgumentException e)
        {
            errors.WriteLine("flasher: " + e.Message);
            return (int)ExitCode.Usage;
        }
    }

    /// <summary>--target, checked against the targets the flasher knows (never passed through to nanoff unknown).</summary>
    public static Option<string> TargetOption()
    {
        var target = new Option<string>("--target") { Description = "nanoFramework target, e.g. ESP32_PSRAM_REV3, ESP32_S3_QUAD, ESP32_C3 (see 'targets')", DefaultValueFactory = _ => "ESP32_PSRAM_REV3" };
        target.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (Targets.Find(value ?? string.Empty) is null)
            {
                r.AddError($"unknown target '{value}': the flasher knows {string.Join(", ", Targets.All.Select(t => t.Name))}");
            }
        });
        return target;
    }
}
