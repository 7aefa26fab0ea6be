using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// A unit's life after the factory: its box code waits for the buyer, an owner cannot lose ownership
/// by redeeming a code, a returned unit gets a new code from its manufacturer, and a decommissioned
/// unit can no longer log in, keeps no retained policy and keeps or loses its data as its profile says.
/// </summary>
public sealed class DeviceLifecycleTests : IAsyncLifetime
{
    private TelemetryStack _stack = null!;

    private PolicyServiceProcess Service => _stack.Service;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task<long> CodeExpiryAsync(string deviceId, int kind) =>
        (await ServiceState.QueryAsync<long>(Service, "SELECT expires_at FROM pairing_codes WHERE device_id = @deviceId AND kind = @kind", new { deviceId, kind = (long)kind })).Single();

    [Fact]
    public async Task The_box_code_does_not_expire_before_the_first_pairing_while_a_co_guardian_code_does()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var device = await fleet.RegisterAsync();
        var (owner, _) = await fleet.PairAsync(device, "owner-" + Guid.NewGuid().ToString("N")[..6]);
        var invite = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);

        Assert.Null(device.PairingCodeExpiresAt);
        Assert.Equal(long.MaxValue, await CodeExpiryAsync(device.DeviceId, kind: 1));
        Assert.NotNull(invite.ExpiresAt);
        Assert.InRange(invite.ExpiresAt.ToDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(25));
    }

    [Fact]
    public async Task An_owner_redeeming_a_code_for_its_own_device_stays_owner_and_the_code_stays_valid()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var device = await fleet.RegisterAsync();
        var ownerId = "owner-" + Guid.NewGuid().ToString("N")[..6];
        var (owner, _) = await fleet.PairAsync(device, ownerId);
        var invite = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);

        var again = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = invite.Code }, owner));
        var listed = (await fleet.Guardians.ListDevicesAsync(new ListDevicesRequest(), owner)).Devices.Single();
        var nextInvite = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, owner);
        var (dad, dadsView) = await PairWithCodeAsync(fleet, invite.Code, "dad-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.True(listed.Owner);
        Assert.NotEmpty(nextInvite.Code);
        Assert.False(dadsView.Owner);
        Assert.Equal(device.DeviceId, dadsView.DeviceId);
        Assert.Equal(1u, (await fleet.Guardians.RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = device.DeviceId, GuardianId = dad }, owner)).RemainingGuardians);
    }

    private static async Task<(string Guardian, PairedDevice Device)> PairWithCodeAsync(FleetScenario fleet, string code, string guardian)
    {
        var options = await fleet.Service.As("guardian", guardian);
        return (guardian, await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = code }, options));
    }

    [Fact]
    public async Task A_returned_unit_gets_a_new_box_code_its_old_family_loses_it_and_a_new_one_pairs()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var device = await fleet.RegisterAsync();
        var (previous, _) = await fleet.PairAsync(device, "previous-" + Guid.NewGuid().ToString("N")[..6]);
        var staleInvite = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = device.DeviceId }, previous);

        var reissued = await fleet.Manufacturers.ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = device.DeviceId, Reason = "returned to retailer" }, fleet.AsManufacturer);

        Assert.Equal(1u, reissued.GuardiansRemoved);
        Assert.Empty((await fleet.Guardians.ListDevicesAsync(new ListDevicesRequest(), previous)).Devices);
        var stale = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = staleInvite.Code }, await Service.As("guardian", "late-" + Guid.NewGuid().ToString("N")[..6])));
        Assert.Equal(StatusCode.NotFound, stale.StatusCode);
        var (_, paired) = await fleet.PairAsync(new RegisterDeviceResponse { DeviceId = device.DeviceId, PairingCode = reissued.PairingCode }, "buyer-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.True(paired.Owner);
    }

    [Fact]
    public async Task A_unit_whose_last_guardian_left_can_be_paired_again_after_a_reissue()
    {
        var fleet = await FleetScenario.CreateAsync(Service);
        var device = await fleet.RegisterAsync();
        var ownerId = "leaving-" + Guid.NewGuid().ToString("N")[..6];
        var (owner, _) = await fleet.PairAsync(device, ownerId);
        await fleet.Guardians.RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = device.DeviceId, GuardianId = ownerId }, owner);

        var reissued = await fleet.Manufacturers.ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = device.DeviceId, Reason = "family left" }, fleet.AsManufacturer);
        var (_, paired) = await fleet.PairAsync(new RegisterDeviceResponse { DeviceId = device.DeviceId, PairingCode = reissued.PairingCode }, "next-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(0u, reissued.GuardiansRemoved);
        Assert.True(paired.Owner);
    }

    [Fact]
    public async Task Decommissioning_ends_the_session_revokes_the_login_clears_the_retained_policy_and_erases_data_where_the_profile_says()
    {
        var fleet = await FleetScenario.CreateAsync(Service, profile: "cn-minor-mode-2024");
        var registered = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(registered, "decom-" + Guid.NewGuid().ToString("N")[..6]);
        using (var device = _stack.Device(registered))
        {
            Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: true));
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10));
            Assert.True(await TelemetryStack.DrainAsync(device));
        }

        Assert.True(await StoredPointsAsync(registered.DeviceId) > 0);
        await using var session = await fleet.ConnectAsDeviceAsync(registered);

        var result = await fleet.Manufacturers.DecommissionDeviceAsync(new DecommissionDeviceRequest { DeviceId = registered.DeviceId, Reason = "end of life" }, fleet.AsManufacturer);

        Assert.True(result.DataErased);
        Assert.Equal(1u, result.GuardiansRemoved);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(!session.Client.IsConnected)));
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(Service.MqttPort, registered.DeviceId, registered.DeviceId, registered.MqttPassword));
        Assert.Equal(0, await StoredPointsAsync(registered.DeviceId));
        Assert.Empty((await fleet.Guardians.ListDevicesAsync(new ListDevicesRequest(), guardian)).Devices);
        var rotate = await Assert.ThrowsAsync<RpcException>(async () => await fleet.Manufacturers.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = registered.DeviceId, Reason = "revive" }, fleet.AsManufacturer));
        Assert.Equal(StatusCode.NotFound, rotate.StatusCode);
        Assert.Equal(0u, (await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), fleet.AsManufacturer)).Fleets.Single().DeviceCount);
        await using var observer = await MqttTestClient.ConnectAsync(Service.MqttPort, "observer-" + Guid.NewGuid().ToString("N")[..6], Service.ServiceUserName, Service.ServicePassword);
        await observer.SubscribeAsync($"st/v1/{registered.DeviceId}/policy");
        Assert.Null(await observer.WaitForAsync($"st/v1/{registered.DeviceId}/policy", TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Under_a_profile_that_keeps_data_decommissioning_keeps_the_telemetry()
    {
        var fleet = await FleetScenario.CreateAsync(Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        using (var device = _stack.Device(registered))
        {
            Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: false));
            device.Use(DeviceProvisioning.App("com.kids.reader"), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10));
            Assert.True(await TelemetryStack.DrainAsync(device));
        }

        var result = await fleet.Manufacturers.DecommissionDeviceAsync(new DecommissionDeviceRequest { DeviceId = registered.DeviceId, Reason = "end of life" }, fleet.AsManufacturer);

        Assert.False(result.DataErased);
        Assert.True(await StoredPointsAsync(registered.DeviceId) > 0);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword, await MqttTestClient.TryConnectAsync(Service.MqttPort, registered.DeviceId, registered.DeviceId, registered.MqttPassword));
    }

    // Every series of the device, in any measurement (usage, events, heartbeats).
    private async Task<long> StoredPointsAsync(string deviceId)
    {
        var result = await _stack.Influx.QueryAsync($"SHOW SERIES WHERE device = '{deviceId}'", TelemetryStack.Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values").GetArrayLength() : 0;
    }
}
