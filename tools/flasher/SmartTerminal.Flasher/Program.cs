using SmartTerminal.Flasher.Commands;

// The production-line flasher (see tools/flasher/README.md and 'flasher --help').
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await FlasherCli.RunAsync(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cancel.Token);
