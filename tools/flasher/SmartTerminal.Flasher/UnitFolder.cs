using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Flasher;

/// <summary>
/// The unit's folder on the production line: config.bin (the DeviceConfig the firmware reads from
/// I:\st\config.bin; it holds secrets, so only the owner may read it), deploy.json (nanoff's file
/// deployment of config.bin) and unit.json (what the line needs next: the device id and the pairing
/// code for the box label, no secrets).
/// </summary>
public sealed class UnitFolder(string path)
{
    public const string ConfigFile = "config.bin";
    public const string DeviceConfigPath = "I:\\st\\config.bin";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFile);

    public string DeployJsonPath => System.IO.Path.Combine(Path, "deploy.json");

    public string UnitJsonPath => System.IO.Path.Combine(Path, "unit.json");

    public string LogPath => System.IO.Path.Combine(Path, "flash.log");

    /// <summary>The configuration file, byte for byte what the unit will read.</summary>
    public static Wire.DeviceConfig Config(FlasherOptions options, RegisterDeviceResponse registered, string fleetId, string modelId) => new()
    {
        FormatVersion = 1,
        DeviceId = registered.DeviceId,
        FleetId = fleetId,
        ModelId = modelId,
        MqttHost = options.MqttHost,
        MqttPort = options.MqttPort,
        MqttTls = options.MqttCaPem.Length > 0,
        MqttCaPem = options.MqttCaPem,
        MqttPassword = registered.MqttPassword,
        PolicyKeyId = registered.PolicyKeyId,
        PolicyKey = registered.PolicyKey,
        GuardianCodeSecret = registered.GuardianCodeSecret,
        InitialPolicy = registered.InitialPolicy,
        OutboxCapacityBytes = options.OutboxBytes,
        HeartbeatSeconds = options.HeartbeatSeconds,
        SntpServers = { options.SntpServers },
    };

    public void Write(Wire.DeviceConfig config, string serialPort, UnitRecord record)
    {
        Directory.CreateDirectory(Path);
        WriteSecret(ConfigPath, config.ToByteArray());
        File.WriteAllText(DeployJsonPath, JsonSerializer.Serialize(new DeployJson(serialPort, [new DeployedFile(DeviceConfigPath, ConfigPath)]), Json.Options));
        Save(record);
    }

    public void Save(UnitRecord record) => File.WriteAllText(UnitJsonPath, JsonSerializer.Serialize(record, Json.Options));

    /// <summary>The record of an earlier run in this folder, if any (a reprovision keeps its serial and fleet).</summary>
    public UnitRecord? Load() => File.Exists(UnitJsonPath) ? JsonSerializer.Deserialize<UnitRecord>(File.ReadAllText(UnitJsonPath), Json.Options) : null;

    // Created with owner-only permissions before any secret is written into it.
    private static void WriteSecret(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
    }

    private sealed record DeployJson(
        [property: JsonPropertyName("serialport")] string SerialPort,
        [property: JsonPropertyName("files")] IReadOnlyList<DeployedFile> Files);

    private sealed record DeployedFile(string DestinationFilePath, string SourceFilePath);
}

/// <summary>unit.json: the unit's state on the line, for the label printer and for a rerun.</summary>
public sealed record UnitRecord(string Serial, string DeviceId, string FleetId, string ModelId, string PairingCode, DateTimeOffset? PairingCodeExpiresAt, uint PolicyKeyId, string State, string Detail);

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
