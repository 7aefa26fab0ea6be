using System.Diagnostics;
using Spectre.Console;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// The operator's view of a unit's nanoff steps: a Spectre.Console progress display (one bar per step,
/// with its elapsed time) on a terminal, one line per step with its time when the output is a log file
/// or a pipe (the line's scripts), so both show which step is running and which one failed.
/// </summary>
public sealed class StepProgress(IAnsiConsole console, Text text)
{
    public async Task RunAsync(string serial, IReadOnlyList<NanoffStep> steps, Func<NanoffStep, Task> run)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var tasks = steps.Select(s => context.AddTask($"{Markup.Escape(serial)} {Markup.Escape(s.Name)}", autoStart: false, maxValue: 1)).ToList();
                    for (var i = 0; i < steps.Count; i++)
                    {
                        tasks[i].StartTask();
                        await run(steps[i]);
                        tasks[i].Increment(1);
                        tasks[i].StopTask();
                    }
                });
            return;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var clock = Stopwatch.StartNew();
            console.WriteLine($"[{serial}] {text["step", i + 1, steps.Count, steps[i].Name]}");
            try
            {
                await run(steps[i]);
            }
            catch (StepFailedException)
            {
                console.WriteLine($"[{serial}] {text["step-failed", steps[i].Name, clock.Elapsed.TotalSeconds]}");
                throw;
            }

            console.WriteLine($"[{serial}] {text["step-done", steps[i].Name, clock.Elapsed.TotalSeconds]}");
        }
    }
}
