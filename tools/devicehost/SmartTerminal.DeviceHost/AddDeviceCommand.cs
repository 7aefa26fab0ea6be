using System.Text.Json;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// Turns the answer of RegisterDevice (the JSON the API printed, once, with the unit's secrets) into a
/// device-host folder with its config.bin, as the flasher writes it for a real unit: no key rotation
/// needed. The folder and file are owner-only, since they hold the device's secrets.
/// </summary>
public static class AddDeviceCommand
{
    public static int Run(string[] args)
    {
        var options = Arguments.Parse(args, ["--registration", "--broker", "--devices", "--heartbeat-seconds"]);
        var (host, port) = Arguments.Broker(options);
        var registrationPath = Arguments.Required(options, "--registration");
        var devices = Arguments.Required(options, "--devices");
        if (!File.Exists(registrationPath))
        {
            throw new UsageException($"{registrationPath} does not exist: save the answer of RegisterDevice there (curl ... > {registrationPath})");
        }

        JsonElement json;
        try
        {
            json = JsonDocument.Parse(File.ReadAllText(registrationPath)).RootElement;
        }
        catch (JsonException e)
        {
            throw new UsageException($"{registrationPath} is not JSON: {e.Message}");
        }

        string Text(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s
            : throw new UsageException($"{registrationPath} has no '{name}': is it the answer of RegisterDevice?");
        byte[] Bytes(string name) => Convert.FromBase64String(Text(name));

        var config = new DeviceConfig
        {
            FormatVersion = 1,
            DeviceId = Text("deviceId"),
            MqttHost = host,
            MqttPort = (uint)port,
            MqttPassword = Text("mqttPassword"),
            PolicyKeyId = json.TryGetProperty("policyKeyId", out var keyId) ? keyId.GetUInt32() : 1,
            PolicyKey = Bytes("policyKey"),
            GuardianCodeSecret = Bytes("guardianCodeSecret"),
            InitialPolicy = Bytes("initialPolicy"),
            HeartbeatSeconds = (uint)Arguments.Number(options, "--heartbeat-seconds", 600, min: 10),
        };
        var folder = Path.Combine(devices, config.DeviceId);
        Directory.CreateDirectory(devices);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var writer = new ProtoWriter(4096);
        config.WriteTo(writer);
        var path = Path.Combine(folder, "config.bin");
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, fileOptions))
        {
            var bytes = writer.ToArray();
            file.Write(bytes, 0, bytes.Length);
        }

        Console.WriteLine($"device host: {config.DeviceId} ready in {folder} (broker {host}:{port})");
        return 0;
    }
}
