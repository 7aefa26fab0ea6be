using SmartTerminal.Flasher;

// The production-line flasher: register (or re-key) a unit with the PolicyService, write its unit
// folder (config.bin, deploy.json, unit.json) and flash it with nanoff. See tools/flasher/README.md.
FlasherOptions options;
try
{
    options = FlasherOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (UsageException e)
{
    Console.Error.WriteLine("flasher: " + e.Message);
    Console.Error.WriteLine(FlasherOptions.Usage);
    return ExitCodes.Usage;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await ProvisioningRun.ExecuteAsync(options, Console.Out, Console.Error, cancel.Token);
