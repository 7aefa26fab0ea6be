using System.CommandLine;
using SmartTerminal.Flasher.Line;
using Spectre.Console;

namespace SmartTerminal.Flasher.Commands;

/// <summary><c>targets</c>: the nanoFramework targets the flasher knows, with their deploy addresses.</summary>
public sealed class TargetsCommand : Command
{
    public TargetsCommand(IAnsiConsole console)
        : base("targets", "the nanoFramework targets the flasher knows, with their deploy addresses")
    {
        SetAction(_ =>
        {
            var table = new Table().AddColumns("target", "chip", "deploy address", "deploy partition by flash size");
            foreach (var known in Targets.All)
            {
                table.AddRow(known.Name, known.Chip, known.Address, string.Join(", ", known.DeployBytesByFlashMb.Select(p => $"{p.Key} MB: {p.Value / 1024} KB")));
            }

            console.Write(table);
            return 0;
        });
    }
}
