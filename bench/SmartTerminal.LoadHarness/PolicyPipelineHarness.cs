using System.Buffers;
using System.Diagnostics;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// Measures (1) the time from a guardian's policy update call to the device holding the signed policy,
/// against a raw MQTT publish to the same device through the same broker as the baseline, and (2) the
/// fan-out of a baseline change to every device of a fleet, against raw retained publishes of the
/// same number of messages as the baseline. Both baselines run in the same process and run.
/// </summary>
internal sealed class PolicyPipelineHarness(PolicyServiceProcess service, int deviceCount, int updates)
{
    private readonly ManufacturerService.ManufacturerServiceClient _manufacturers = new(service.Channel);
    private readonly GuardianService.GuardianServiceClient _guardians = new(service.Channel);

    /// <summary>Where devices connect: the service's embedded broker, or the external one the replicas share.</summary>
    public int MqttPort { get; init; } = service.MqttPort;

    /// <summary>
    /// With an external broker, the plain account the baselines publish and receive with (on
    /// <c>bench/#</c>); with the embedded one, null: the service account publishes to the device itself.
    /// </summary>
    public (string User, string Password)? BaselineAccount { get; init; }

    private (string User, string Password) Publisher => BaselineAccount ?? (service.ServiceUserName, service.ServicePassword);

    private string BaselineTopic(string deviceId, string leaf) => BaselineAccount is null ? $"st/v1/{deviceId}/{leaf}" : $"bench/{deviceId}/{leaf}";

    public async Task RunAsync()
    {
        var manufacturer = await service.As("manufacturer", "harness-maker");
        var fleet = await _manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "Harness", RegulationProfileId = "cn-minor-mode-2024" }, manufacturer);

        var clock = Stopwatch.StartNew();
        var devices = await RegisterAsync(fleet.Id, manufacturer);
        Console.WriteLine($"registered {devices.Count:N0} devices in {clock.Elapsed.TotalSeconds:F1} s ({devices.Count / clock.Elapsed.TotalSeconds:F0} devices/s, each: identity, hashed password, encrypted keys, signed policy)");

        await MeasureUpdateLatencyAsync(devices[0]);
        await MeasureFanOutAsync(fleet.Id, manufacturer, devices);
    }

    private async Task<List<RegisterDeviceResponse>> RegisterAsync(string fleetId, CallOptions manufacturer)
    {
        var devices = new RegisterDeviceResponse[deviceCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, deviceCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            devices[i] = await _manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleetId, SerialNumber = $"HARNESS-{i:D6}" }, manufacturer));
        return [.. devices];
    }

    private async Task MeasureUpdateLatencyAsync(RegisterDeviceResponse device)
    {
        var guardian = await service.As("guardian", "harness-guardian");
        await _guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = device.PairingCode, ChildBirthMonth = "2015-06" }, guardian);
        await using var client = await MqttTestClient.ConnectAsync(MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword);
        var policyTopic = $"st/v1/{device.DeviceId}/policy";
        await client.SubscribeAsync(policyTopic);
        await using var serviceClient = await MqttTestClient.ConnectAsync(MqttPort, "harness-baseline", Publisher.User, Publisher.Password);

        var pipeline = new List<double>();
        for (var i = 0; i < updates; i++)
        {
            var minutes = (uint)(30 + (i % 60));
            var watch = Stopwatch.StartNew();
            await _guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = minutes } }, guardian);
            await WaitForAsync(client, () => client.Received.Any(m => m.Topic == policyTopic && DailyMinutes(m) == minutes));
            pipeline.Add(watch.Elapsed.TotalMilliseconds);
            client.Received.Clear();
        }

        // Baseline: the broker alone, a raw QoS 1 publish to the same device's control topic (or, on an
        // external broker, to a bench client's topic: the device's login may receive only its own topics).
        await using var benchReceiver = BaselineAccount is { } account ? await MqttTestClient.ConnectAsync(MqttPort, "harness-receiver", account.User, account.Password) : null;
        var receiver = benchReceiver ?? client;
        var controlTopic = BaselineTopic(device.DeviceId, "control");
        await receiver.SubscribeAsync(controlTopic);
        var raw = new List<double>();
        for (var i = 0; i < updates; i++)
        {
            receiver.Received.Clear();
            var watch = Stopwatch.StartNew();
            await serviceClient.PublishAsync(controlTopic, [(byte)i]);
            await WaitForAsync(receiver, () => receiver.Received.Any(m => m.Topic == controlTopic));
            raw.Add(watch.Elapsed.TotalMilliseconds);
        }

        var p = Percentiles.Of(pipeline);
        var b = Percentiles.Of(raw);
        Console.WriteLine();
        Console.WriteLine($"guardian update -> device holds the signed policy ({p.Count} updates, sequential)");
        Console.WriteLine($"  | path                                   |   p50 ms |   p99 ms |   max ms |");
        Console.WriteLine($"  | raw MQTT publish to the device (base)  | {b.P50,8:F2} | {b.P99,8:F2} | {b.Max,8:F2} |");
        Console.WriteLine($"  | SetGuardianSettings -> signed policy   | {p.P50,8:F2} | {p.P99,8:F2} | {p.Max,8:F2} |");
        Console.WriteLine($"  ratio p50 {p.P50 / b.P50:F1}x, p99 {p.P99 / b.P99:F1}x the raw broker path");
    }

    private async Task MeasureFanOutAsync(string fleetId, CallOptions manufacturer, List<RegisterDeviceResponse> devices)
    {
        var watch = Stopwatch.StartNew();
        var response = await _manufacturers.SetBaselineAsync(new SetBaselineRequest
        {
            FleetId = fleetId,
            AgeBands = { new AgeBandPolicy { MinAge = 0, MaxAge = 3, Defaults = new PolicySettings { DailyMinutes = 25 } } },
        }, manufacturer);
        var apiMs = watch.Elapsed.TotalMilliseconds;
        Rollout rollout;
        do
        {
            await Task.Delay(50);
            rollout = await _manufacturers.GetRolloutAsync(new GetRolloutRequest { RolloutId = response.Rollout.Id }, manufacturer);
        }
        while (rollout.State is RolloutState.Queued or RolloutState.InProgress);

        var fanOut = watch.Elapsed.TotalSeconds;

        // Baseline: the same number of retained QoS 1 publishes of a same-sized payload, by one client.
        var payload = devices[^1].InitialPolicy.ToByteArray();
        await using var serviceClient = await MqttTestClient.ConnectAsync(MqttPort, "harness-fanout", Publisher.User, Publisher.Password);
        var raw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (device, token) =>
            await serviceClient.PublishAsync(BaselineTopic(device.DeviceId, "baseline-probe"), payload, retain: true));
        var rawSeconds = raw.Elapsed.TotalSeconds;

        Console.WriteLine();
        Console.WriteLine($"baseline change fan-out to {devices.Count:N0} devices ({rollout.State}, {rollout.PublishedDevices:N0} published; SetBaseline answered in {apiMs:F0} ms)");
        Console.WriteLine($"  | path                                          | seconds | devices/s |");
        Console.WriteLine($"  | raw retained publishes, {payload.Length} B each (baseline) | {rawSeconds,7:F2} | {devices.Count / rawSeconds,9:F0} |");
        Console.WriteLine($"  | resolve + compile + sign + store + publish    | {fanOut,7:F2} | {devices.Count / fanOut,9:F0} |");
        Console.WriteLine($"  ratio {rawSeconds / fanOut:F2} of the raw broker rate");
    }

    private static uint DailyMinutes(MQTTnet.MqttApplicationMessage message)
    {
        var envelope = Wire.SignedPolicyEnvelope.Parser.ParseFrom(message.Payload.ToArray());
        var policy = Wire.DevicePolicy.Parser.ParseFrom(envelope.Policy);
        return policy.DailyBudgetMinutes.FirstOrDefault();
    }

    private static async Task WaitForAsync(MqttTestClient client, Func<bool> condition)
    {
        if (!await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(condition()), TimeSpan.FromMilliseconds(1)))
        {
            throw new TimeoutException("the device did not receive the expected message within 10 s");
        }
    }
}
