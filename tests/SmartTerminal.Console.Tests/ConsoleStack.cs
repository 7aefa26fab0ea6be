using Google.Protobuf;
using Grpc.Core;
using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.InfluxShim;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// Everything a console page needs, real: InfluxDB 1.6 (behind the 2.x write forwarder), the
/// PolicyService (engine under test), the console process talking gRPC to it, and headless Chromium
/// from Debian's packages driven by Playwright (no browser download).
/// </summary>
public sealed class ConsoleStack : IAsyncLifetime
{
    public const string Database = "smartterminal";
    private InfluxDbServer _influx = null!;
    private InfluxV2WriteForwarder _forwarder = null!;
    private IPlaywright _playwright = null!;

    public PolicyServiceProcess Service { get; private set; } = null!;

    public ConsoleProcess Console { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _influx = await InfluxDbServer.StartAsync(Database);
        _forwarder = new InfluxV2WriteForwarder(_influx.Url);
        Service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Influx:Url"] = _forwarder.Url.ToString(),
            ["Influx:Bucket"] = $"{Database}/autogen",
            ["Influx:Token"] = "tester:secret",
        });
        Console = await ConsoleProcess.StartAsync(Service);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null,
            Headless = true,
            Args = ["--no-sandbox"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Console.DisposeAsync();
        await Service.DisposeAsync();
        _forwarder.Dispose();
        await _influx.DisposeAsync();
    }

    /// <summary>A new browser context (its own cookies) with a phone-sized viewport in the given language.</summary>
    public async Task<IPage> PhoneAsync(string locale = "zh-CN")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Console.Address.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A fleet with a device paired to the guardian (a child born 2016-05). By default the "none" profile
    /// (days cut at UTC) with a baseline of 90 minutes a day; or the given profile and baseline band.
    /// </summary>
    public async Task<(RegisterDeviceResponse Device, string GuardianToken)> PairedDeviceAsync(
        string guardian, string childName, string profile = "none", AgeBandPolicy? baselineBand = null)
    {
        var device = await RegisteredDeviceAsync(profile, baselineBand);
        var token = await Service.TokenAsync("guardian", guardian);
        var (guardians, asGuardian) = Guardian(token);
        await guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = "2016-05", ChildName = childName }, asGuardian);
        return (device, token);
    }

    /// <summary>Pairs each unit with a guardian of its own, for a child born in <paramref name="birthMonth"/> (10 years old in late 2026).</summary>
    public async Task PairEachAsync(IEnumerable<RegisterDeviceResponse> units, string birthMonth = "2016-05")
    {
        foreach (var unit in units)
        {
            var (guardians, asGuardian) = Guardian(await Service.TokenAsync("guardian", "parent-" + unit.DeviceId));
            await guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = unit.PairingCode, ChildBirthMonth = birthMonth, ChildName = "孩子" }, asGuardian);
        }
    }

    /// <summary>A unit registered in a new fleet of its own, not paired yet: its pairing code is the one in its box.</summary>
    public async Task<RegisterDeviceResponse> RegisteredDeviceAsync(string profile = "none", AgeBandPolicy? baselineBand = null)
    {
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(Service.Channel);
        var maker = await Service.As("manufacturer", "maker-" + Guid.NewGuid().ToString("N")[..8]);
        var fleet = await manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "KidWatch", RegulationProfileId = profile }, maker);
        await manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleet.Id,
            AgeBands = { baselineBand ?? new AgeBandPolicy { MinAge = 0, MaxAge = 18, Defaults = new PolicySettings { DailyMinutes = 90 } } },
        }, maker);
        return await manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = "SN-" + Guid.NewGuid().ToString("N") }, maker);
    }

    /// <summary>A manufacturer's fleet (of the "none" profile unless told) with units registered in it, and the manufacturer's token.</summary>
    public async Task<(Fleet Fleet, IReadOnlyList<RegisterDeviceResponse> Devices, string Token)> FleetAsync(string manufacturer, string name, int units, string profile = "none")
    {
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(Service.Channel);
        var maker = await Service.As("manufacturer", manufacturer);
        var fleet = await manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = name, RegulationProfileId = profile }, maker);
        var devices = new List<RegisterDeviceResponse>();
        for (var i = 0; i < units; i++)
        {
            devices.Add(await manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = "SN-" + Guid.NewGuid().ToString("N") }, maker));
        }

        return (fleet, devices, await Service.TokenAsync("manufacturer", manufacturer));
    }

    /// <summary>The guardian API as the holder of that token calls it.</summary>
    public (GuardianService.GuardianServiceClient Client, CallOptions Options) Guardian(string token) =>
        (new GuardianService.GuardianServiceClient(Service.Channel), new CallOptions(new Metadata { { "Authorization", "Bearer " + token } }));

    /// <summary>
    /// The device reports, over MQTT as a watch does: the last full 5-minute buckets of today (UTC) of
    /// reading, and a heartbeat saying it runs the version the service published for it. Returns the
    /// minutes reported and that version.
    /// </summary>
    public async Task<(int Minutes, ulong Version)> ReportAsync(RegisterDeviceResponse device, string guardianToken)
    {
        var (guardians, asGuardian) = Guardian(guardianToken);
        var runningVersion = (await guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, asGuardian)).DesiredVersion;
        var now = DateTimeOffset.UtcNow;
        var lastBucket = now.ToUnixTimeSeconds() / 300 * 300;
        var fullBuckets = (int)Math.Min(5, (lastBucket - (now.ToUnixTimeSeconds() / 86_400 * 86_400)) / 300);
        var usage = Usage(DateTimeOffset.FromUnixTimeSeconds(lastBucket - (fullBuckets * 300)), Wire.AppCategory.Education, fullBuckets * 5);
        await UploadAsync(
            device,
            new Wire.UplinkEnvelope { Sequence = 1, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Usage = usage },
            new Wire.UplinkEnvelope { Sequence = 2, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = runningVersion } });
        return (fullBuckets * 5, runningVersion);
    }

    /// <summary>Full 5-minute buckets of one category from the bucket holding <paramref name="start"/> on.</summary>
    public static Wire.UsageBatch Usage(DateTimeOffset start, Wire.AppCategory category, int minutes)
    {
        var usage = new Wire.UsageBatch();
        var first = start.ToUnixTimeSeconds() / 300 * 300;
        for (var k = 0; k < minutes / 5; k++)
        {
            usage.Records.Add(new Wire.UsageRecord { BucketStartUnix = first + (k * 300), BucketSeconds = 300, Category = category, AppId = 7, UsedSeconds = 300 });
        }

        return usage;
    }

    /// <summary>Publishes the uplinks on the device's topic, as the device, and waits until the service acknowledged them all.</summary>
    public async Task UploadAsync(RegisterDeviceResponse device, params Wire.UplinkEnvelope[] uplinks)
    {
        await using var client = await MqttTestClient.ConnectAsync(Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword);
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/control");
        foreach (var uplink in uplinks)
        {
            await client.PublishAsync($"st/v1/{device.DeviceId}/up", uplink.ToByteArray());
        }

        // The service acknowledges what it stored (control messages).
        var through = uplinks.Max(u => u.Sequence);
        if (!await Eventually.TrueWithin(TimeSpan.FromSeconds(20), () => Task.FromResult(client.Received.Any(m => Acknowledged(m, through)))))
        {
            throw new InvalidOperationException("the service did not acknowledge the device's uplinks:\n" + Service.Output);
        }
    }

    private static bool Acknowledged(MQTTnet.MqttApplicationMessage message, ulong through)
    {
        var control = Wire.ControlMessage.Parser.ParseFrom(System.Buffers.BuffersExtensions.ToArray(message.Payload));
        return control.BodyCase == Wire.ControlMessage.BodyOneofCase.UplinkAck && control.UplinkAck.AckedThroughSequence >= through;
    }
}
