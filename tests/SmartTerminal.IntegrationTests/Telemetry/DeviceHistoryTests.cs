using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.DeviceRuntime;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// A device's history for its guardians, end to end: the service's own entries from the audit log and
/// the watch's (extra time applied, an offline code typed in) from InfluxDB, through a real device host.
/// </summary>
public sealed class DeviceHistoryTests : IAsyncLifetime
{
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 5);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(FleetScenario fleet, string deviceId, CallOptions guardian, uint limit = 0) =>
        (await fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = deviceId, Limit = limit }, guardian)).Entries;

    [Fact]
    public async Task Guardians_read_rule_changes_grants_codes_redeemed_on_the_watch_and_who_joined_newest_first()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (owner, _) = await fleet.PairAsync(registered, "history-owner", "2016-01");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = registered.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, owner);
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = registered.DeviceId, Settings = new PolicySettings { DailyMinutes = 45, MaxAgeRating = 8 } }, owner);

        using (var device = _stack.Device(registered))
        {
            Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: true));
            await fleet.Guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = registered.DeviceId, ExtraMinutes = 15 }, owner);
            var code = await fleet.Guardians.CreateOfflineCodeAsync(new CreateOfflineCodeRequest { DeviceId = registered.DeviceId, Kind = OfflineGrantKind.ExtraMinutes, Minutes = 20 }, owner);
            Assert.Equal(Wire.OfflineCodeResult.Accepted, (Wire.OfflineCodeResult)(int)device.Runtime.Engine.RedeemOfflineCode(code.Code));

            // Until the watch's two entries are stored: the extension arrives over MQTT and is applied.
            var reported = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
            {
                device.Idle(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
                return (await HistoryAsync(fleet, registered.DeviceId, owner)).Count(e => e.Actor == "device") == 2;
            }, TimeSpan.FromMilliseconds(100));
            Assert.True(reported, "the watch's entries never arrived");
        }

        var invitation = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = registered.DeviceId }, owner);
        var grandpa = await _stack.Service.As("guardian", "history-grandpa");
        await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = invitation.Code }, grandpa);
        await fleet.Guardians.RemoveGuardianAsync(new RemoveGuardianRequest { DeviceId = registered.DeviceId, GuardianId = "history-grandpa" }, owner);
        // Someone else probing the device is audited, but that is not the family's history.
        var stranger = await _stack.Service.As("guardian", "history-stranger");
        await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = registered.DeviceId }, stranger).ResponseAsync);

        var history = await HistoryAsync(fleet, registered.DeviceId, owner);

        Assert.Equal(history.OrderByDescending(e => e.At.ToDateTimeOffset()).Select(e => e.At), history.Select(e => e.At));
        var service = history.Where(e => e.Actor != "device").Select(e => (e.Kind, e.Actor, e.Minutes, string.Join(",", e.ChangedSettings), e.GuardianId)).ToList();
        Assert.Equal(
        [
            (HistoryKind.GuardianRemoved, "history-owner", 0u, "", "history-grandpa"),
            (HistoryKind.GuardianJoined, "history-grandpa", 0u, "", "history-grandpa"),
            (HistoryKind.InvitationCreated, "history-owner", 0u, "", ""),
            (HistoryKind.OfflineCodeCreated, "history-owner", 20u, "", ""),
            (HistoryKind.ExtensionGranted, "history-owner", 15u, "", ""),
            (HistoryKind.RulesChanged, "history-owner", 0u, "dailyMinutes,maxAgeRating", ""),
            (HistoryKind.RulesChanged, "history-owner", 0u, "dailyMinutes", ""),
            (HistoryKind.GuardianJoined, "history-owner", 0u, "", "history-owner"),
        ], service);
        Assert.Equal(
            [(HistoryKind.OfflineCodeRedeemed, 20u), (HistoryKind.ExtensionApplied, 15u)],
            history.Where(e => e.Actor == "device").Select(e => (e.Kind, e.Minutes)).OrderBy(e => e.Kind == HistoryKind.ExtensionApplied));

        var page = await fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = registered.DeviceId, Limit = 2 }, owner);
        Assert.Equal(history.Take(2), page.Entries);
        Assert.True(page.Truncated);
        Assert.False(page.DeviceEntriesUnavailable);
    }

    [Fact]
    public async Task The_next_family_of_a_returned_unit_sees_none_of_the_previous_familys_history()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (previous, _) = await fleet.PairAsync(registered, "history-previous", "2016-01");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = registered.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, previous);
        var reissued = await fleet.Manufacturers.ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = registered.DeviceId, Reason = "returned to retailer" }, fleet.AsManufacturer);

        var (next, _) = await fleet.PairAsync(new RegisterDeviceResponse { DeviceId = registered.DeviceId, PairingCode = reissued.PairingCode }, "history-next", "2017-03");
        var history = await HistoryAsync(fleet, registered.DeviceId, next);

        Assert.Equal([(HistoryKind.GuardianJoined, "history-next"), (HistoryKind.PairingReset, "manufacturer")], history.Select(e => (e.Kind, e.Actor)));
        var bad = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest
        {
            DeviceId = registered.DeviceId,
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-200)),
        }, next).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }
}
