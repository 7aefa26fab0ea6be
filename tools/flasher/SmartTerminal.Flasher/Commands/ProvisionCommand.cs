using System.CommandLine;
using SmartTerminal.Flasher.Line;
using Spectre.Console;

namespace SmartTerminal.Flasher.Commands;

/// <summary><c>provision</c>: register one unit and flash it.</summary>
public sealed class ProvisionCommand : Command
{
    public ProvisionCommand(CommonOptions common, IAnsiConsole console, TextWriter errors)
        : base("provision", "register one unit and flash it")
    {
        var serial = new Option<string>("--serial") { Description = "the unit's serial number", Required = true };
        var fleet = new Option<string>("--fleet") { Description = "fleet id", Required = true };
        var model = new Option<string>("--model") { Description = "model id", DefaultValueFactory = _ => string.Empty };
        var target = FlasherCli.TargetOption();
        var folder = new Option<string>("--out") { Description = "unit folder (config.bin, deploy.json, unit.json, flash.log, label.pdf)", Required = true };
        foreach (var option in new Option[] { serial, fleet, model, target, folder })
        {
            Options.Add(option);
        }

        common.AddTo(this);
        SetAction((result, ct) =>
        {
            var unit = new UnitOrder(result.GetValue(serial)!, result.GetValue(target)!, result.GetValue(model)!);
            return new SingleUnitRun(common.Settings(result), console, errors)
                .ProvisionAsync(unit, result.GetValue(fleet)!, result.GetValue(common.Port)!, new UnitFolder(result.GetValue(folder)!), ct);
        });
    }
}
