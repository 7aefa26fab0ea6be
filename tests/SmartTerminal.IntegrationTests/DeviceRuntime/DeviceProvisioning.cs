using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.Device.Core.Messages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.DeviceRuntime;

/// <summary>What the flasher would put on a test device: credentials, keys and a signed initial policy.</summary>
internal static class DeviceProvisioning
{
    public const string Acl = """
        user policy-service
        topic readwrite st/#

        pattern write st/v1/%u/up
        pattern write st/v1/%u/status
        pattern read st/v1/%u/policy
        pattern read st/v1/%u/control
        """;

    public static readonly byte[] PolicyKey = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];

    public const string Game = "com.kids.game";

    /// <summary>A permissive policy (no curfew, two hours a day) so the tests measure delivery, not enforcement.</summary>
    public static Wire.DevicePolicy Policy(ulong version, long issuedAtUnix) => new()
    {
        Version = version,
        IssuedAtUnix = issuedAtUnix,
        DailyBudgetMinutes = { 120, 120, 120, 120, 120, 120, 120 },
        AllowUnlistedApps = true,
        UtcOffsets = { new Wire.UtcOffsetTransition { FromUnix = 0, OffsetMinutes = 480 } },
    };

    /// <summary>The configuration file the flasher writes for a device the service registered, pointing at a loopback broker.</summary>
    public static Wire.DeviceConfig ConfigFor(SmartTerminal.Contracts.Api.V1.RegisterDeviceResponse registered, int mqttPort) => new()
    {
        FormatVersion = 1,
        DeviceId = registered.DeviceId,
        MqttHost = "127.0.0.1",
        MqttPort = (uint)mqttPort,
        MqttPassword = registered.MqttPassword,
        PolicyKeyId = registered.PolicyKeyId,
        PolicyKey = registered.PolicyKey,
        GuardianCodeSecret = registered.GuardianCodeSecret,
        InitialPolicy = registered.InitialPolicy,
        HeartbeatSeconds = 3600,
    };

    /// <summary>A virtual device flashed with that configuration, its flash in <paramref name="folder"/>, on manual time starting now.</summary>
    public static SmartTerminal.DeviceHost.VirtualDevice VirtualDevice(SmartTerminal.Contracts.Api.V1.RegisterDeviceResponse registered, int mqttPort, string folder) =>
        new(DeviceConfig(ConfigFor(registered, mqttPort)), folder, new SmartTerminal.DeviceHost.HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), speed: 0), "127.0.0.1", mqttPort);

    public static byte[] Sign(string deviceId, Wire.DevicePolicy policy, byte[]? key = null)
    {
        var envelope = new Wire.SignedPolicyEnvelope { DeviceId = deviceId, Version = policy.Version, KeyId = 1, Policy = policy.ToByteString() };
        envelope.Mac = ByteString.CopyFrom(HMACSHA256.HashData(key ?? PolicyKey, envelope.ToByteArray()));
        return envelope.ToByteArray();
    }

    public static Wire.DeviceConfig WireConfig(string deviceId, string password, int port, long issuedAtUnix, uint heartbeatSeconds = 3600) => new()
    {
        FormatVersion = 1,
        DeviceId = deviceId,
        MqttHost = "127.0.0.1",
        MqttPort = (uint)port,
        MqttPassword = password,
        PolicyKeyId = 1,
        PolicyKey = ByteString.CopyFrom(PolicyKey),
        GuardianCodeSecret = ByteString.CopyFrom(new byte[32]),
        InitialPolicy = ByteString.CopyFrom(Sign(deviceId, Policy(1, issuedAtUnix))),
        OutboxCapacityBytes = 64 * 1024,
        HeartbeatSeconds = heartbeatSeconds,
    };

    public static DeviceConfig DeviceConfig(Wire.DeviceConfig config)
    {
        var bytes = config.ToByteArray();
        Assert.Equal(SmartTerminal.Device.Core.Protobuf.ProtoError.None, SmartTerminal.Device.Core.Messages.DeviceConfig.TryDecode(bytes, 0, bytes.Length, out var decoded));
        return decoded;
    }

    public static uint App(string package) => Fnv1a.Hash32(package);

    /// <summary>Usage seconds in a device's uplinks, keyed by bucket (a bucket counted twice would fail).</summary>
    public static Dictionary<(long, int, uint), uint> Usage(IEnumerable<Wire.UplinkEnvelope> uplinks)
    {
        var usage = new Dictionary<(long, int, uint), uint>();
        foreach (var record in uplinks.Where(u => u.BodyCase == Wire.UplinkEnvelope.BodyOneofCase.Usage).SelectMany(u => u.Usage.Records))
        {
            usage.Add((record.BucketStartUnix, (int)record.Category, record.AppId), record.UsedSeconds);
        }

        return usage;
    }
}
