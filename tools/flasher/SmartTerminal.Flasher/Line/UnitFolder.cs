using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// The unit's folder on the production line: config.bin (the DeviceConfig the firmware reads from
/// I:\st\config.bin; it holds secrets, so only the owner may read it, whatever file was there before),
/// deploy.json (nanoff's file deployment of config.bin), unit.json (what the line needs next: device id,
/// serial, fleet, the pairing code for the label; no secrets), flash.log and label.pdf.
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

    public string LabelPath => System.IO.Path.Combine(Path, "label.pdf");

    /// <summary>The configuration file, byte for byte what the unit will read.</summary>
    public static Wire.DeviceConfig Config(LineSettings settings, RegisterDeviceResponse registered) => new()
    {
        FormatVersion = 1,
        DeviceId = registered.DeviceId,
        FleetId = registered.FleetId,
        ModelId = registered.ModelId,
        MqttHost = settings.MqttHost,
        MqttPort = settings.MqttPort,
        MqttTls = settings.MqttCaPem.Length > 0,
        MqttCaPem = settings.MqttCaPem,
        MqttPassword = registered.MqttPassword,
        PolicyKeyId = registered.PolicyKeyId,
        PolicyKey = registered.PolicyKey,
        GuardianCodeSecret = registered.GuardianCodeSecret,
        InitialPolicy = registered.InitialPolicy,
        OutboxCapacityBytes = settings.OutboxBytes,
        HeartbeatSeconds = settings.HeartbeatSeconds,
        SntpServers = { settings.SntpServers },
    };

    /// <summary>Writes config.bin and deploy.json; returns the SHA-256 of config.bin (for the manifest).</summary>
    public string Write(Wire.DeviceConfig config, string serialPort)
    {
        Directory.CreateDirectory(Path);
        var bytes = config.ToByteArray();
        WriteSecret(ConfigPath, bytes);
        File.WriteAllText(DeployJsonPath, JsonSerializer.Serialize(new DeployJson(serialPort, [new DeployedFile(DeviceConfigPath, ConfigPath)]), Json.Options));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public void Save(UnitRecord record)
    {
        Directory.CreateDirectory(Path);
        File.WriteAllText(UnitJsonPath, JsonSerializer.Serialize(record, Json.Options));
    }

    /// <summary>The record of an earlier run in this folder, if any (a reprovision keeps its pairing code).</summary>
    public UnitRecord? Load() => File.Exists(UnitJsonPath) ? JsonSerializer.Deserialize<UnitRecord>(File.ReadAllText(UnitJsonPath), Json.Options) : null;

    // Owner-only from the first byte when the file is new, and made owner-only when one was there before
    // (opening an existing file keeps its mode, so a 0644 config.bin would stay world-readable).
    private static void WriteSecret(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
    }

    private sealed record DeployJson(
        [property: JsonPropertyName("serialport")] string SerialPort,
        [property: JsonPropertyName("files")] IReadOnlyList<DeployedFile> Files);

    private sealed record DeployedFile(string DestinationFilePath, string SourceFilePath);
}

/// <summary>unit.json: the unit's state on the line, for the label and for a rerun.</summary>
public sealed record UnitRecord(string Serial, string DeviceId, string FleetId, string ModelId, string Target, string PairingCode, uint PolicyKeyId, string State, string Detail);

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static readonly JsonSerializerOptions Lines = new(JsonSerializerDefaults.Web);
}
