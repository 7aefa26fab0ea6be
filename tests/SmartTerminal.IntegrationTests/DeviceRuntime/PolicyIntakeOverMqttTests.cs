using System.Buffers;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.IntegrationTests.Service;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.DeviceRuntime;

/// <summary>A device registered with the real PolicyService, run by the device host, taking its policies over MQTT.</summary>
public sealed class PolicyIntakeOverMqttTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("st-device-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private VirtualDevice Device(RegisterDeviceResponse registered) => DeviceProvisioning.VirtualDevice(registered, fixture.Service.MqttPort, _folder);

    [Fact]
    public async Task A_policy_published_while_the_device_was_offline_is_applied_on_reconnect_and_acknowledged()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var registered = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(registered, "g-" + Guid.NewGuid().ToString("N")[..6], "2015-01");
        using var device = Device(registered);
        Assert.Equal(1ul, device.Runtime.Engine.Policy.Version);

        // The device is off (not stepped) while the guardian changes the settings.
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = registered.DeviceId, Settings = new PolicySettings { DailyMinutes = 45 } }, guardian);
        var desired = (await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = registered.DeviceId }, guardian)).DesiredVersion;

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () =>
        {
            device.Idle(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
            var state = await fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = registered.DeviceId }, guardian);
            return state.ReportedVersion == desired;
        }, TimeSpan.FromMilliseconds(20)));
        Assert.Equal(desired, device.Runtime.Engine.Policy.Version);
        Assert.Equal(45u, device.Runtime.Engine.Policy.DailyBudgetMinutes[0]);
    }

    [Fact]
    public async Task A_connecting_device_gets_the_services_time_as_a_trusted_anchor()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var registered = await fleet.RegisterAsync();
        using var device = Device(registered);
        Assert.Equal(SmartTerminal.Device.Core.Time.ClockState.Untrusted, device.Runtime.Engine.Clock.State);

        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Engine.Clock.State == SmartTerminal.Device.Core.Time.ClockState.Trusted);
        }, TimeSpan.FromMilliseconds(20)));
        Assert.InRange(device.Runtime.Engine.NowUnixMs, DateTimeOffset.UtcNow.AddSeconds(-30).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Forged_replayed_and_older_policies_are_refused_kept_out_and_reported()
    {
        var fleet = await FleetScenario.CreateAsync(fixture.Service);
        var registered = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(registered, "g-" + Guid.NewGuid().ToString("N")[..6], "2015-01");
        using var device = Device(registered);
        await using var observer = await MqttTestClient.ConnectAsync(fixture.Service.MqttPort, "observer-" + registered.DeviceId, fixture.Service.ServiceUserName, fixture.Service.ServicePassword);
        await observer.SubscribeAsync($"st/v1/{registered.DeviceId}/up");
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () =>
        {
            device.Idle(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
            return Task.FromResult(device.Runtime.Session.Connections > 0 && device.Runtime.Engine.Policy.Version >= 2);
        }));
        var current = device.Runtime.Engine.Policy.Version;
        var forged = new Wire.DevicePolicy { Version = current + 10, AllowUnlistedApps = true };
        var forgedEnvelope = DeviceProvisioning.Sign(registered.DeviceId, forged, key: new byte[32]);

        await observer.PublishAsync($"st/v1/{registered.DeviceId}/policy", forgedEnvelope, retain: false);
        await observer.PublishAsync($"st/v1/{registered.DeviceId}/policy", registered.InitialPolicy.ToByteArray(), retain: false);

        var refusals = new List<Wire.PolicyAck>();
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), () =>
        {
            device.Idle(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
            refusals = [.. observer.Received.Select(m => Wire.UplinkEnvelope.Parser.ParseFrom(m.Payload.ToArray()))
                .Where(u => u.BodyCase == Wire.UplinkEnvelope.BodyOneofCase.PolicyAck && u.PolicyAck.Refusal != Wire.PolicyRefusal.None)
                .Select(u => u.PolicyAck)];
            return Task.FromResult(refusals.Count >= 2);
        }, TimeSpan.FromMilliseconds(20)));
        Assert.Contains(refusals, r => r.Refusal == Wire.PolicyRefusal.BadMac && r.RefusedVersion == current + 10);
        Assert.Contains(refusals, r => r.Refusal == Wire.PolicyRefusal.NotNewer && r.RefusedVersion == 1);
        Assert.All(refusals, r => Assert.Equal(current, r.AppliedVersion));
        Assert.Equal(current, device.Runtime.Engine.Policy.Version);
    }
}
