using System.CommandLine;
using SmartTerminal.Flasher.Line;
using Spectre.Console;

namespace SmartTerminal.Flasher.Commands;

/// <summary><c>batch</c>: a line of units from a CSV or a serial pattern, one board after another; resumable.</summary>
public sealed class BatchCommand : Command
{
    public BatchCommand(CommonOptions common, IAnsiConsole console)
        : base("batch", "a line of units, one after another as each board is plugged in; resumable")
    {
        var units = new Option<FileInfo?>("--units") { Description = "CSV of units: serial[,target[,model]] per line" };
        var count = new Option<int?>("--count") { Description = "number of units, with --serial-pattern" };
        var pattern = new Option<string?>("--serial-pattern") { Description = "serials from a pattern, e.g. SN-2026-{0000}" };
        var first = new Option<int>("--first") { Description = "first number of the pattern", DefaultValueFactory = _ => 1 };
        var fleet = new Option<string>("--fleet") { Description = "fleet id", Required = true };
        var model = new Option<string>("--model") { Description = "model id of units without one", DefaultValueFactory = _ => string.Empty };
        var target = FlasherCli.TargetOption();
        var folder = new Option<string>("--out") { Description = "batch folder: manifest.jsonl, labels.pdf, units/<serial>/", Required = true };
        var noReplug = new Option<bool>("--no-wait-replug") { Description = "do not wait for the board to be unplugged between units" };
        var portTimeout = new Option<int>("--port-timeout") { Description = "seconds to wait for each board", DefaultValueFactory = _ => 600 };
        foreach (var option in new Option[] { units, count, pattern, first, fleet, model, target, folder, noReplug, portTimeout })
        {
            Options.Add(option);
        }

        common.AddTo(this);
        Validators.Add(r =>
        {
            var fromFile = r.GetValue(units) is not null;
            var fromPattern = r.GetValue(count) is not null || r.GetValue(pattern) is not null;
            if (fromFile == fromPattern || (fromPattern && (r.GetValue(count) is not (> 0 and <= 100_000) || r.GetValue(pattern) is null)))
            {
                r.AddError("give either --units FILE.csv or --count N (1-100000) with --serial-pattern PATTERN");
            }
        });
        SetAction(async (result, ct) =>
        {
            var settings = common.Settings(result);
            var list = result.GetValue(units) is { } file
                ? BatchRun.ReadCsv(file.FullName, result.GetValue(target)!, result.GetValue(model)!)
                : BatchRun.FromPattern(result.GetValue(pattern)!, result.GetValue(first), result.GetValue(count)!.Value, result.GetValue(target)!, result.GetValue(model)!);
            if (list.FirstOrDefault(u => Targets.Find(u.Target) is null) is { } unknown)
            {
                throw new ArgumentException(settings.Text["unknown-target", unknown.Target] + $" ({unknown.Serial})");
            }

            var code = await new BatchRun(settings, console).RunAsync(
                list, result.GetValue(fleet)!, result.GetValue(common.Port)!, result.GetValue(folder)!, !result.GetValue(noReplug), TimeSpan.FromSeconds(result.GetValue(portTimeout)), ct);
            return (int)code;
        });
    }
}
