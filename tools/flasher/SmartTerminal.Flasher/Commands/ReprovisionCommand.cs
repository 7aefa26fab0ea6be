using System.CommandLine;
using SmartTerminal.Flasher.Line;
using Spectre.Console;

namespace SmartTerminal.Flasher.Commands;

/// <summary><c>reprovision</c>: rotate a registered unit's keys and flash it again.</summary>
public sealed class ReprovisionCommand : Command
{
    public ReprovisionCommand(CommonOptions common, IAnsiConsole console, TextWriter errors)
        : base("reprovision", "rotate a registered unit's keys and flash it again (its old credentials stop working)")
    {
        var deviceId = new Option<string>("--device-id") { Description = "the unit's device id", Required = true };
        var reason = new Option<string>("--reason") { Description = "why (goes to the audit log)", Required = true };
        var newCode = new Option<bool>("--new-pairing-code") { Description = "also issue a new box code (a returned unit: its guardians are removed)" };
        var target = FlasherCli.TargetOption();
        var folder = new Option<string>("--out") { Description = "unit folder (the unit's own keeps its pairing code; a new one gets serial and fleet from the service)", Required = true };
        foreach (var option in new Option[] { deviceId, reason, newCode, target, folder })
        {
            Options.Add(option);
        }

        common.AddTo(this);
        SetAction((result, ct) => new SingleUnitRun(common.Settings(result), console, errors).ReprovisionAsync(
            result.GetValue(deviceId)!, result.GetValue(reason)!, result.GetValue(newCode), result.GetValue(target)!,
            result.GetValue(common.Port)!, new UnitFolder(result.GetValue(folder)!), ct));
    }
}
