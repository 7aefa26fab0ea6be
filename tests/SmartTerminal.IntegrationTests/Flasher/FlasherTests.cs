using System.Text.Json;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>
/// One unit through the flasher as a line operator runs it: a real process registering with the real
/// PolicyService over gRPC, writing the unit folder and calling the stand-in nanoff (see
/// <see cref="FlasherLine"/>). The folder it writes is then run by the device host, which must join the fleet.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FlasherTests : IAsyncLifetime
{
    private FlasherLine _line = null!;

    public async Task InitializeAsync() => _line = await FlasherLine.StartAsync();

    public async Task DisposeAsync() => await _line.DisposeAsync();

    private string UnitFolder(string serial) => Path.Combine(_line.Work, "units", serial);

    [Fact]
    public async Task A_unit_is_registered_flashed_in_four_verified_steps_labelled_and_joins_its_fleet()
    {
        var unit = UnitFolder("SN-0001");

        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-0001", unit));

        Assert.True(exitCode == 0, output);
        var record = FlasherLine.UnitJson(unit);
        Assert.Equal("flashed", record.GetProperty("State").GetString());
        var deviceId = record.GetProperty("DeviceId").GetString()!;
        var pairingCode = record.GetProperty("PairingCode").GetString()!;
        Assert.Matches("^[A-Z0-9]{10}$", pairingCode);
        Assert.Contains(pairingCode, output, StringComparison.Ordinal);
        var port = _line.Port;
        Assert.Equal(
        [
            $"--target ESP32_PSRAM_REV3 --serialport {port} --update --masserase",
            $"--serialport {port} --filedeployment {Path.Combine(unit, "deploy.json")}",
            $"--target ESP32_PSRAM_REV3 --serialport {port} --deploy --image {_line.Image} --address 0x1E0000",
            $"--nanodevice --serialport {port} --devicedetails",
        ], _line.NanoffCalls);
        foreach (var step in new[] { "step 1/4: firmware", "firmware ok", "step 4/4: verification", "verification ok" })
        {
            Assert.Contains(step, output, StringComparison.Ordinal);
        }

        var deployed = JsonDocument.Parse(File.ReadAllText(Path.Combine(unit, "deploy.json"))).RootElement;
        Assert.Equal(port, deployed.GetProperty("serialport").GetString());
        Assert.Equal("I:\\st\\config.bin", deployed.GetProperty("files")[0].GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(unit, "config.bin"), deployed.GetProperty("files")[0].GetProperty("SourceFilePath").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(unit, "config.bin")));
        Assert.Equal(pairingCode, LabelImages.DecodeQrCodes(Path.Combine(unit, "label.pdf")).Single());
        Assert.Equal([(deviceId, "SN-0001", 1L)], _line.RegisteredDevices());

        // The unit folder is the device's flash: the device core reads config.bin and joins the fleet.
        using var device = new VirtualDevice(VirtualDevice.ReadConfig(Path.Combine(unit, "config.bin")), unit, new HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), speed: 0), "127.0.0.1", _line.Service.MqttPort);
        Assert.Equal(deviceId, device.Config.DeviceId);
        Assert.Equal(_line.Fleet.Fleet.Id, device.Config.FleetId);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Session.Connections > 0 && device.Runtime.Engine.Policy is not null);
        }, TimeSpan.FromMilliseconds(20)));
    }

    // The deploy partition of nanoFramework's partition tables (see Targets.cs for the source): the
    // classic ESP32 puts it at 0x1E0000, the S3 and C3 at 0x1B0000, the C6 at 0x250000.
    [Fact]
    public async Task Each_chip_deploys_the_application_at_its_own_partition_tables_address_and_an_unknown_target_is_refused()
    {
        var expected = new Dictionary<string, string>
        {
            ["ESP32_PSRAM_REV3"] = "0x1E0000",
            ["ESP32_REV3"] = "0x1E0000",
            ["ESP32_S3_QUAD"] = "0x1B0000",
            ["ESP32_S2"] = "0x1B0000",
            ["ESP32_C3"] = "0x1B0000",
            ["ESP32_C6_THREAD"] = "0x250000",
        };
        foreach (var (target, address) in expected)
        {
            var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-DRY", UnitFolder("SN-DRY"), "--target", target, "--dry-run"));

            Assert.True(exitCode == 0, output);
            Assert.Contains($"{_line.Nanoff} --target {target} --serialport {_line.Port} --deploy --image {_line.Image} --address {address}", output, StringComparison.Ordinal);
        }

        var unknown = await _line.RunAsync(null, _line.Provision("SN-0009", UnitFolder("SN-0009"), "--target", "ESP32_S9"));
        var h2 = await _line.RunAsync(null, _line.Provision("SN-0009", UnitFolder("SN-0009"), "--target", "ESP32_H2"));
        var targets = await _line.RunAsync(null, "targets");

        Assert.Equal((2, 2), (unknown.ExitCode, h2.ExitCode));
        Assert.Contains("unknown target 'ESP32_S9'", unknown.Output, StringComparison.Ordinal);
        Assert.Contains("unknown target 'ESP32_H2'", h2.Output, StringComparison.Ordinal);
        Assert.Equal(0, targets.ExitCode);
        Assert.Contains("ESP32_S3_QUAD", targets.Output, StringComparison.Ordinal);
        Assert.Contains("0x1B0000", targets.Output, StringComparison.Ordinal);
        // A dry run registers nothing and runs nanoff only to see that it is there.
        Assert.Empty(_line.NanoffCalls);
        Assert.Empty(_line.RegisteredDevices());
        Assert.False(Directory.Exists(UnitFolder("SN-DRY")));
    }

    [Fact]
    public async Task A_world_readable_config_bin_left_in_the_folder_is_made_owner_only_before_the_secrets_go_in()
    {
        var unit = UnitFolder("SN-0002");
        Directory.CreateDirectory(unit);
        var config = Path.Combine(unit, "config.bin");
        await File.WriteAllTextAsync(config, "an old unit's configuration");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-0002", unit));

        Assert.True(exitCode == 0, output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal(FlasherLine.UnitJson(unit).GetProperty("DeviceId").GetString(), Wire.DeviceConfig.Parser.ParseFrom(await File.ReadAllBytesAsync(config)).DeviceId);
    }

    [Fact]
    public async Task A_missing_nanoff_port_or_image_room_or_output_folder_registers_nothing_and_the_fixed_rerun_succeeds()
    {
        var unit = UnitFolder("SN-0003");
        var notAFolder = Path.Combine(_line.Work, "a-file");
        await File.WriteAllTextAsync(notAFolder, string.Empty);
        await File.WriteAllBytesAsync(Path.Combine(_line.Work, "big.bin"), new byte[100 * 1024]);

        var noNanoff = await _line.RunAsync(null, _line.Provision("SN-0003", unit, "--nanoff", Path.Combine(_line.Work, "no-such-nanoff")));
        var noPort = await _line.RunAsync(null, _line.Provision("SN-0003", unit, "--port", "/dev/ttyUSB97"));
        var tooBig = await _line.RunAsync(null, _line.Provision("SN-0003", unit, "--image", Path.Combine(_line.Work, "big.bin"), "--flash-mb", "2"));
        var noFlashSize = await _line.RunAsync(null, _line.Provision("SN-0003", unit, "--target", "ESP32_S3_QUAD", "--flash-mb", "2"));
        var noFolder = await _line.RunAsync(null, _line.Provision("SN-0003", Path.Combine(notAFolder, "SN-0003")));

        Assert.Equal([6, 6, 6, 6, 6], new[] { noNanoff.ExitCode, noPort.ExitCode, tooBig.ExitCode, noFlashSize.ExitCode, noFolder.ExitCode });
        Assert.Contains("not ready: cannot run", noNanoff.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install -g nanoff", noNanoff.Output, StringComparison.Ordinal);
        Assert.Contains("serial port /dev/ttyUSB97 not found", noPort.Output, StringComparison.Ordinal);
        Assert.Contains("has 102,400 bytes; the deploy partition of ESP32_PSRAM_REV3 with 2 MB flash holds 65,536", tooBig.Output, StringComparison.Ordinal);
        Assert.Contains("ESP32_S3_QUAD has no deploy partition for 2 MB flash", noFlashSize.Output, StringComparison.Ordinal);
        Assert.Contains("cannot write to", noFolder.Output, StringComparison.Ordinal);
        Assert.Empty(_line.RegisteredDevices());
        Assert.Empty(_line.NanoffCalls);

        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-0003", unit));

        Assert.True(exitCode == 0, output);
        Assert.Equal(1L, Assert.Single(_line.RegisteredDevices()).KeyId);
    }

    [Fact]
    public async Task Help_exits_zero_and_a_wrong_command_line_or_token_stops_before_anything_is_registered_or_flashed()
    {
        var unit = UnitFolder("SN-0004");

        var help = await _line.RunAsync(null, "--help");
        var verbHelp = await _line.RunAsync(null, "batch", "--help");
        var usage = await _line.RunAsync(null, "provision", "--serial", "SN-0004", "--out", unit, "--heartbeat-seconds", "5", "--colour", "red");
        var refused = await _line.RunAsync(null, [.. _line.Provision("SN-0004", unit).Select(a => a == _line.Token ? "not-a-token" : a)]);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("provision", help.Output, StringComparison.Ordinal);
        Assert.Contains("batch", help.Output, StringComparison.Ordinal);
        Assert.Equal(0, verbHelp.ExitCode);
        Assert.Contains("--serial-pattern", verbHelp.Output, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        foreach (var problem in new[] { "'--fleet' is required", "'--mqtt-host' is required", "--heartbeat-seconds must be 60-86400, not 5", "'--colour'" })
        {
            Assert.Contains(problem, usage.Output, StringComparison.Ordinal);
        }

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("the PolicyService refused: Unauthenticated", refused.Output, StringComparison.Ordinal);
        Assert.Empty(_line.NanoffCalls);
        Assert.False(File.Exists(Path.Combine(unit, "config.bin")));
        Assert.Empty(_line.RegisteredDevices());
    }

    [Fact]
    public async Task A_failed_flash_is_finished_by_reprovisioning_which_keeps_the_pairing_code_and_into_a_new_folder_the_serial_and_fleet()
    {
        var unit = UnitFolder("SN-0005");
        var model = await _line.CreateModelAsync("KidWatch 2");

        var failed = await _line.RunAsync(new Dictionary<string, string> { ["FAKE_NANOFF_FAIL"] = " --deploy " }, _line.Provision("SN-0005", unit, "--model", model));

        Assert.Equal(4, failed.ExitCode);
        Assert.Contains("application failed: nanoff exited with 7", failed.Output, StringComparison.Ordinal);
        Assert.Contains("application FAILED", failed.Output, StringComparison.Ordinal);
        Assert.Contains("E4001: target not responding", await File.ReadAllTextAsync(Path.Combine(unit, "flash.log")), StringComparison.Ordinal);
        var first = FlasherLine.UnitJson(unit);
        Assert.Equal("flash-failed", first.GetProperty("State").GetString());
        var deviceId = first.GetProperty("DeviceId").GetString()!;
        var pairingCode = first.GetProperty("PairingCode").GetString()!;
        Assert.Contains($"reprovision --device-id {deviceId}", failed.Output, StringComparison.Ordinal);
        var firstConfig = await File.ReadAllBytesAsync(Path.Combine(unit, "config.bin"));

        var again = await _line.RunAsync(null, _line.Provision("SN-0005", unit));
        Assert.Equal(3, again.ExitCode);
        Assert.Contains($"already registered as {deviceId}", again.Output, StringComparison.Ordinal);

        string[] Reprovision(string folder, params string[] more) => ["reprovision", "--device-id", deviceId, "--reason", "reflash after E4001", "--out", folder, .. _line.LineOptions(more)];
        var (exitCode, output) = await _line.RunAsync(null, Reprovision(unit));

        Assert.True(exitCode == 0, output);
        var record = FlasherLine.UnitJson(unit);
        Assert.Equal(("flashed", deviceId, "SN-0005", _line.Fleet.Fleet.Id, model, pairingCode), (record.GetProperty("State").GetString(), record.GetProperty("DeviceId").GetString(), record.GetProperty("Serial").GetString(), record.GetProperty("FleetId").GetString(), record.GetProperty("ModelId").GetString(), record.GetProperty("PairingCode").GetString()));
        Assert.Equal(2u, record.GetProperty("PolicyKeyId").GetUInt32());
        Assert.NotEqual(firstConfig, await File.ReadAllBytesAsync(Path.Combine(unit, "config.bin")));
        Assert.Equal(pairingCode, LabelImages.DecodeQrCodes(Path.Combine(unit, "label.pdf")).Single());

        // Into a new folder (another station): serial, fleet and model come from the service, also in config.bin;
        // with --new-pairing-code the box gets a new code and a new label.
        var elsewhere = Path.Combine(_line.Work, "station-2", "SN-0005");
        var moved = await _line.RunAsync(null, Reprovision(elsewhere, "--new-pairing-code"));

        Assert.True(moved.ExitCode == 0, moved.Output);
        var movedRecord = FlasherLine.UnitJson(elsewhere);
        var config = Wire.DeviceConfig.Parser.ParseFrom(await File.ReadAllBytesAsync(Path.Combine(elsewhere, "config.bin")));
        Assert.Equal(("SN-0005", _line.Fleet.Fleet.Id, 3u), (movedRecord.GetProperty("Serial").GetString(), movedRecord.GetProperty("FleetId").GetString(), movedRecord.GetProperty("PolicyKeyId").GetUInt32()));
        Assert.Equal((deviceId, _line.Fleet.Fleet.Id, model), (config.DeviceId, config.FleetId, config.ModelId));
        var newCode = movedRecord.GetProperty("PairingCode").GetString()!;
        Assert.NotEqual(pairingCode, newCode);
        Assert.Equal(newCode, LabelImages.DecodeQrCodes(Path.Combine(elsewhere, "label.pdf")).Single());
        Assert.Single(_line.RegisteredDevices());
    }

    [Fact]
    public async Task A_unit_whose_device_details_do_not_list_the_application_fails_verification()
    {
        var unit = UnitFolder("SN-0006");

        var (exitCode, output) = await _line.RunAsync(new Dictionary<string, string> { ["FAKE_NANOFF_NO_APP"] = "1" }, _line.Provision("SN-0006", unit));

        Assert.Equal(4, exitCode);
        Assert.Contains("verification failed: the unit does not list SmartTerminal.Firmware", output, StringComparison.Ordinal);
        Assert.Equal("flash-failed", FlasherLine.UnitJson(unit).GetProperty("State").GetString());
        Assert.False(File.Exists(Path.Combine(unit, "label.pdf")));
    }

    [Fact]
    public async Task Another_manufacturers_serial_is_refused_without_showing_that_manufacturers_device_id()
    {
        var other = await FleetScenario.CreateAsync(_line.Service, profile: "none");
        var theirs = await other.RegisterAsync("SN-0007");

        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-0007", UnitFolder("SN-0007")));

        Assert.Equal(3, exitCode);
        Assert.Contains("serial 'SN-0007' is already registered by another manufacturer", output, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs.DeviceId, output, StringComparison.Ordinal);
        Assert.Empty(_line.NanoffCalls);
        // Nor can the id be worked out from the serial printed on the box (it once was its SHA-256): it is random.
        var fromSerial = "st-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("SN-0007"u8))[..16];
        Assert.Matches("^st-[0-9a-f]{16}$", theirs.DeviceId);
        Assert.NotEqual(fromSerial, theirs.DeviceId);
    }

    [Fact]
    public async Task A_look_alike_serial_is_refused_by_the_service()
    {
        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("ＳＮ-0008", UnitFolder("SN-0008-fullwidth")));

        Assert.Equal(3, exitCode);
        Assert.Contains("InvalidArgument", output, StringComparison.Ordinal);
        Assert.Contains("A-Z a-z 0-9", output, StringComparison.Ordinal);
        Assert.Empty(_line.RegisteredDevices());
    }

    [Fact]
    public async Task The_operator_reads_the_line_in_Chinese_with_lang_zh_CN()
    {
        var (exitCode, output) = await _line.RunAsync(null, _line.Provision("SN-0009", UnitFolder("SN-0009"), "--port", "/dev/ttyUSB97", "--lang", "zh-CN"));

        Assert.Equal(6, exitCode);
        Assert.Contains("未就绪：找不到串口 /dev/ttyUSB97", output, StringComparison.Ordinal);
    }
}
