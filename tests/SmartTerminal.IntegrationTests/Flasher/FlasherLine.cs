using System.Globalization;
using System.Text.Json;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>
/// A production line for the flasher tests: the real PolicyService with a manufacturer and its fleet,
/// the flasher run as a real process, and the two things that cannot exist here: a stand-in nanoff (a
/// script that records every call and answers as nanoff does) and a serial port (a file whose presence
/// is "the board is plugged in", which is how a device node behaves).
/// </summary>
/// <remarks>
/// The stand-in nanoff: <c>--help</c> exits 0; <c>--devicedetails</c> lists the application assembly;
/// it exits 7 when its command line contains FAKE_NANOFF_FAIL, and sleeps a minute when it contains
/// FAKE_NANOFF_HANG (so a test can kill the flasher mid-unit); with FAKE_NANOFF_NO_APP set, the device
/// details list no application (a unit whose application did not start).
/// </remarks>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class FlasherLine : IAsyncDisposable
{
    private FlasherLine(string work, PolicyServiceProcess service, FleetScenario fleet, string token)
    {
        Work = work;
        Service = service;
        Fleet = fleet;
        Token = token;
    }

    public string Work { get; }

    public PolicyServiceProcess Service { get; }

    public FleetScenario Fleet { get; }

    public string Token { get; }

    public string Nanoff => Path.Combine(Work, "nanoff");

    public string NanoffLog => Path.Combine(Work, "nanoff.log");

    public string Image => Path.Combine(Work, "SmartTerminal.Firmware.bin");

    public string Port => Path.Combine(Work, "ttyUSB0");

    /// <summary>The nanoff calls that did something (not the precondition's <c>--help</c>).</summary>
    public IReadOnlyList<string> NanoffCalls => File.Exists(NanoffLog) ? [.. File.ReadAllLines(NanoffLog).Where(l => l != "--help")] : [];

    public static async Task<FlasherLine> StartAsync()
    {
        var work = Directory.CreateTempSubdirectory("st-flasher-").FullName;
        var service = await PolicyServiceProcess.StartAsync();
        var fleet = await FleetScenario.CreateAsync(service, profile: "none");
        var line = new FlasherLine(work, service, fleet, await service.TokenAsync("manufacturer", fleet.Manufacturer));
        await File.WriteAllBytesAsync(line.Image, new byte[48 * 1024]);
        await File.WriteAllTextAsync(line.Port, string.Empty);
        await File.WriteAllTextAsync(line.Nanoff, $$"""
            #!/usr/bin/env bash
            echo "$*" >> "{{line.NanoffLog}}"
            if [ "$*" = "--help" ]; then echo "nanoff (stand-in)"; exit 0; fi
            if [ -n "${FAKE_NANOFF_HANG:-}" ] && [[ " $* " == *"$FAKE_NANOFF_HANG"* ]]; then sleep 60; fi
            if [ -n "${FAKE_NANOFF_FAIL:-}" ] && [[ " $* " == *"$FAKE_NANOFF_FAIL"* ]]; then echo "E4001: target not responding" >&2; exit 7; fi
            if [[ " $* " == *" --devicedetails "* ]] && [ -z "${FAKE_NANOFF_NO_APP:-}" ]; then echo "Deployed assemblies:"; echo "  SmartTerminal.Firmware, 1.0.0.0"; fi
            echo "OK"
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(line.Nanoff, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return line;
    }

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }

    /// <summary>The options every unit-making verb needs on this line; an option in <paramref name="more"/> replaces its default.</summary>
    public string[] LineOptions(params string[] more)
    {
        var defaults = new List<(string Name, string Value)>
        {
            ("--service", Service.GrpcAddress.ToString()), ("--token", Token), ("--mqtt-host", "127.0.0.1"),
            ("--mqtt-port", Service.MqttPort.ToString(CultureInfo.InvariantCulture)), ("--port", Port), ("--image", Image),
            ("--nanoff", Nanoff), ("--station", "line-3"),
        };
        return [.. defaults.Where(d => !more.Contains(d.Name)).SelectMany(d => new[] { d.Name, d.Value }), .. more];
    }

    public string[] Provision(string serial, string unitFolder, params string[] more) =>
        ["provision", "--serial", serial, "--fleet", Fleet.Fleet.Id, "--out", unitFolder, .. LineOptions(more)];

    /// <summary>Starts the flasher; in English unless the test sets the language (the operator's LANG decides by default).</summary>
    public ChildProcess Start(IDictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.Start("dotnet", [RepositoryPaths.FlasherDll, .. arguments], Work, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["LANG"] = "en_US.UTF-8", ["LC_ALL"] = string.Empty });

    public async Task<(int ExitCode, string Output)> RunAsync(IDictionary<string, string>? environment, params string[] arguments)
    {
        await using var flasher = Start(environment, arguments);
        var exitCode = await flasher.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exitCode, flasher.Output);
    }

    public async Task<string> CreateModelAsync(string name) =>
        (await Fleet.Manufacturers.CreateModelAsync(new Contracts.Api.V1.CreateModelRequest { FleetId = Fleet.Fleet.Id, Name = name }, Fleet.AsManufacturer)).Id;

    /// <summary>The devices the service holds for a fleet, straight from its state database.</summary>
    public IReadOnlyList<(string Id, string Serial, long KeyId)> RegisteredDevices(string? fleetId = null) =>
        ServiceState.QueryAsync<(string, string, long)>(Service, "SELECT id, serial, key_id FROM devices WHERE fleet_id = @fleetId ORDER BY serial", new { fleetId = fleetId ?? Fleet.Fleet.Id })
            .GetAwaiter().GetResult();

    public static JsonElement UnitJson(string unitFolder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(unitFolder, "unit.json"))).RootElement;
}
