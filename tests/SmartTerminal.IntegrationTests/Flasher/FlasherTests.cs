using System.Text.Json;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>
/// The production-line flasher as the line runs it: a real process registering units with the real
/// PolicyService over gRPC, writing their folders and calling nanoff. Only nanoff is a stand-in (no
/// ESP32 or serial port here): a script that records its arguments and can fail a step. The unit
/// folder it writes is then run by the device host, which must join the fleet with it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the stand-in nanoff is a bash script
public sealed class FlasherTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("st-flasher-").FullName;
    private PolicyServiceProcess _service = null!;
    private FleetScenario _fleet = null!;
    private string _token = string.Empty;

    private string FakeNanoff => Path.Combine(_work, "nanoff");

    private string NanoffLog => Path.Combine(_work, "nanoff.log");

    private string Image => Path.Combine(_work, "SmartTerminal.Firmware.bin");

    public async Task InitializeAsync()
    {
        _service = await PolicyServiceProcess.StartAsync();
        _fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        _token = await _service.TokenAsync("manufacturer", _fleet.Manufacturer);
        await File.WriteAllBytesAsync(Image, [0x4E, 0x46, 0x4D, 0x52]);
        // Records each call; fails the step named in FAKE_NANOFF_FAIL (e.g. "--deploy") with exit code 7.
        await File.WriteAllTextAsync(FakeNanoff, $$"""
            #!/usr/bin/env bash
            echo "$*" >> "{{NanoffLog}}"
            if [ -n "${FAKE_NANOFF_FAIL:-}" ] && [[ " $* " == *" $FAKE_NANOFF_FAIL "* ]]; then echo "E2001: target not responding" >&2; exit 7; fi
            echo "OK"
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(FakeNanoff, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<(int ExitCode, string Output)> FlasherAsync(IDictionary<string, string>? environment, params string[] arguments)
    {
        var dll = RepositoryPaths.FlasherDll;
        await using var flasher = ChildProcess.Start("dotnet", [dll, .. arguments], _work, environment);
        var exitCode = await flasher.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, flasher.Output);
    }

    private string[] Provision(string serial, string unit, params string[] more) =>
    [
        "provision", "--serial", serial, "--fleet", _fleet.Fleet.Id, "--service", _service.GrpcAddress.ToString(), "--token", _token,
        "--mqtt-host", "127.0.0.1", "--mqtt-port", _service.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--out", unit, "--port", "/dev/ttyUSB0", "--image", Image, "--nanoff", FakeNanoff, .. more,
    ];

    private static JsonElement UnitJson(string unit) => JsonDocument.Parse(File.ReadAllText(Path.Combine(unit, "unit.json"))).RootElement;

    [Fact]
    public async Task A_unit_is_registered_flashed_in_three_nanoff_steps_and_joins_its_fleet_with_the_folder_written()
    {
        var unit = Path.Combine(_work, "units", "SN-0001");

        var (exitCode, output) = await FlasherAsync(null, Provision("SN-0001", unit));

        Assert.True(exitCode == 0, output);
        var record = UnitJson(unit);
        Assert.Equal("flashed", record.GetProperty("State").GetString());
        var deviceId = record.GetProperty("DeviceId").GetString()!;
        Assert.Matches("^[A-Z0-9-]{6,}$", record.GetProperty("PairingCode").GetString()!);
        Assert.Contains(record.GetProperty("PairingCode").GetString()!, output, StringComparison.Ordinal);
        var calls = await File.ReadAllLinesAsync(NanoffLog);
        Assert.Equal(3, calls.Length);
        Assert.Equal($"--update --target ESP32_PSRAM_REV3 --serialport /dev/ttyUSB0 --masserase", calls[0]);
        Assert.Equal($"--target ESP32_PSRAM_REV3 --serialport /dev/ttyUSB0 --deploy --image {Image} --address 0x1E0000", calls[1]);
        Assert.Equal($"--filedeployment {Path.Combine(unit, "deploy.json")}", calls[2]);
        var deployed = JsonDocument.Parse(File.ReadAllText(Path.Combine(unit, "deploy.json"))).RootElement;
        Assert.Equal("/dev/ttyUSB0", deployed.GetProperty("serialport").GetString());
        Assert.Equal("I:\\st\\config.bin", deployed.GetProperty("files")[0].GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(unit, "config.bin"), deployed.GetProperty("files")[0].GetProperty("SourceFilePath").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(unit, "config.bin")));

        // The unit folder is the device's flash: the device core reads config.bin and joins the fleet.
        using var device = new VirtualDevice(VirtualDevice.ReadConfig(Path.Combine(unit, "config.bin")), unit, new HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), speed: 0), "127.0.0.1", _service.MqttPort);
        Assert.Equal(deviceId, device.Config.DeviceId);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Session.Connections > 0 && device.Runtime.Engine.Policy is not null);
        }, TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public async Task A_failed_flash_leaves_a_registered_unit_that_reprovisioning_rekeys_and_flashes()
    {
        var unit = Path.Combine(_work, "units", "SN-0002");

        var (failedExit, failedOutput) = await FlasherAsync(new Dictionary<string, string> { ["FAKE_NANOFF_FAIL"] = "--deploy" }, Provision("SN-0002", unit));

        Assert.Equal(4, failedExit);
        Assert.Contains("application deployment failed: nanoff exited with 7", failedOutput, StringComparison.Ordinal);
        Assert.Contains("E2001: target not responding", await File.ReadAllTextAsync(Path.Combine(unit, "flash.log")), StringComparison.Ordinal);
        var failed = UnitJson(unit);
        Assert.Equal("flash-failed", failed.GetProperty("State").GetString());
        var deviceId = failed.GetProperty("DeviceId").GetString()!;
        Assert.Contains($"reprovision --device-id {deviceId}", failedOutput, StringComparison.Ordinal);
        var firstConfig = await File.ReadAllBytesAsync(Path.Combine(unit, "config.bin"));

        var again = await FlasherAsync(null, Provision("SN-0002", unit));
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("already registered", again.Output, StringComparison.Ordinal);

        var (exitCode, output) = await FlasherAsync(null,
            "reprovision", "--device-id", deviceId, "--reason", "reflash after E2001", "--service", _service.GrpcAddress.ToString(), "--token", _token,
            "--mqtt-host", "127.0.0.1", "--mqtt-port", _service.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", unit, "--port", "/dev/ttyUSB0", "--image", Image, "--nanoff", FakeNanoff);

        Assert.True(exitCode == 0, output);
        var record = UnitJson(unit);
        Assert.Equal(("flashed", deviceId, "SN-0002", _fleet.Fleet.Id), (record.GetProperty("State").GetString(), record.GetProperty("DeviceId").GetString(), record.GetProperty("Serial").GetString(), record.GetProperty("FleetId").GetString()));
        Assert.Equal(2u, record.GetProperty("PolicyKeyId").GetUInt32());
        Assert.NotEqual(firstConfig, await File.ReadAllBytesAsync(Path.Combine(unit, "config.bin")));
    }

    [Fact]
    public async Task Wrong_usage_and_a_wrong_token_stop_before_anything_is_registered_or_flashed()
    {
        var unit = Path.Combine(_work, "units", "SN-0003");

        var usage = await FlasherAsync(null, "provision", "--serial", "SN-0003", "--token", _token, "--out", unit, "--heartbeat-seconds", "5", "--colour", "red");
        var refused = await FlasherAsync(null, Provision("SN-0003", unit).Select(a => a == _token ? "not-a-token" : a).ToArray());

        Assert.Equal(2, usage.ExitCode);
        foreach (var problem in new[] { "--fleet is required", "--mqtt-host is required", "--port is required", "--image is required", "--heartbeat-seconds must be a number from 60 to 86400", "unknown option --colour" })
        {
            Assert.Contains(problem, usage.Output, StringComparison.Ordinal);
        }

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("Unauthenticated", refused.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(NanoffLog));
        Assert.False(File.Exists(Path.Combine(unit, "config.bin")));
    }
}
