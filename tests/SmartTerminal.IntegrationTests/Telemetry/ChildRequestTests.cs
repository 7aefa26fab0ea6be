using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Telemetry;

/// <summary>
/// The guardians' inbox end to end through a real device host: the child asks on the watch, the request
/// reaches the guardians, one answer wins, the watch gets the time (or the refusal) and shows the answer.
/// </summary>
public sealed class ChildRequestTests : IAsyncLifetime
{
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TelemetryStack.StartAsync(minimumGroupSize: 5);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static async Task<IReadOnlyList<ChildRequest>> RequestsAsync(FleetScenario fleet, string deviceId, CallOptions guardian) =>
        (await fleet.Guardians.ListRequestsAsync(new ListRequestsRequest { DeviceId = deviceId }, guardian)).Requests;

    private static async Task<IReadOnlyList<ChildRequest>> UploadedAsync(VirtualDevice device, FleetScenario fleet, CallOptions guardian, Func<IReadOnlyList<ChildRequest>, bool> until)
    {
        IReadOnlyList<ChildRequest> requests = [];
        var arrived = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
        {
            // Virtual time runs no faster than real time here: the service takes no request from its future.
            device.Idle(TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.2));
            requests = await RequestsAsync(fleet, device.Config.DeviceId, guardian);
            return until(requests);
        }, TimeSpan.FromMilliseconds(200));
        Assert.True(arrived, "the requests never arrived: " + string.Join(", ", requests));
        return requests;
    }

    [Fact]
    public async Task A_child_asks_for_time_and_to_buy_one_of_two_guardians_answering_at_once_wins_and_the_watch_gets_the_answer()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (owner, _) = await fleet.PairAsync(registered, "requests-owner", "2016-01");
        var invitation = await fleet.Guardians.CreatePairingCodeAsync(new CreatePairingCodeRequest { DeviceId = registered.DeviceId }, owner);
        var grandma = await _stack.Service.As("guardian", "requests-grandma");
        await fleet.Guardians.PairDeviceAsync(new PairDeviceRequest { PairingCode = invitation.Code }, grandma);
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = registered.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, owner);

        using var device = _stack.Device(registered);
        Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: true));
        var engine = device.Runtime.Engine;
        Assert.True(engine.AskForMoreTime(0, 40));
        Assert.True(engine.AskForMoreTime(0, 40));
        Assert.Equal(DecisionKind.NeedsGuardian, engine.CheckPurchase(6_000).Kind);

        var waiting = await UploadedAsync(device, fleet, owner, r => r.Count == 2);
        var time = Assert.Single(waiting, r => r.Kind == ChildRequestKind.MoreTime);
        var purchase = Assert.Single(waiting, r => r.Kind == ChildRequestKind.Purchase);
        Assert.Equal((ChildRequestState.Pending, 0u, 40u, 0u), (time.State, time.Category, time.Minutes, time.Repeats));
        Assert.Equal((ChildRequestState.Pending, 6_000u), (purchase.State, purchase.Amount));
        Assert.True(time.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(waiting, await RequestsAsync(fleet, registered.DeviceId, grandma));

        // Both guardians tap "yes" at once: one answer wins, the other is told it came too late.
        var answers = await Task.WhenAll(new[] { owner, grandma }.Select(async guardian =>
        {
            try
            {
                return (await fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = time.RequestId, Approve = true, Minutes = 30 }, guardian)).State;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return ChildRequestState.Unspecified;
            }
        }));
        Assert.Equal([ChildRequestState.Approved, ChildRequestState.Unspecified], answers.OrderBy(a => a == ChildRequestState.Unspecified));

        await fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = purchase.RequestId, Approve = false }, grandma);
        var answered = await RequestsAsync(fleet, registered.DeviceId, owner);
        Assert.Equal((ChildRequestState.Approved, 30u), answered.Where(r => r.RequestId == time.RequestId).Select(r => (r.State, r.GrantedMinutes)).Single());
        Assert.Equal(("requests-grandma", ChildRequestState.Declined), answered.Where(r => r.RequestId == purchase.RequestId).Select(r => (r.AnsweredBy, r.State)).Single());

        // The watch applies the 30 minutes once and shows the last answer (the refusal, sent last).
        var history = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
        {
            device.Idle(TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.2));
            var entries = (await fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = registered.DeviceId }, owner)).Entries;
            return engine.LastAnswer == 2 && entries.Any(e => e.Kind == HistoryKind.ExtensionApplied && e.Minutes == 30);
        }, TimeSpan.FromMilliseconds(200));
        Assert.True(history, $"the watch did not apply the answers (last answer {engine.LastAnswer})");
        Assert.Equal(DecisionReason.SpendingCap, engine.LastAnswerReason);
        var service = (await fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = registered.DeviceId }, owner)).Entries
            .Where(e => e.Kind is HistoryKind.RequestDeclined or HistoryKind.RequestApproved or HistoryKind.ExtensionGranted)
            .Select(e => (e.Kind, e.Actor, e.Minutes, e.RequestKind));
        Assert.Equal(
            [(HistoryKind.RequestDeclined, "requests-grandma", 0u, ChildRequestKind.Purchase), (HistoryKind.ExtensionGranted, answered.Single(r => r.RequestId == time.RequestId).AnsweredBy, 30u, ChildRequestKind.Unspecified)],
            service);
        Assert.Equal(DecisionKind.NeedsGuardian, engine.CheckPurchase(6_000).Kind);

        // Answering again is refused; asking again after an answer is a new request.
        var again = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = purchase.RequestId, Approve = true }, owner).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        device.Idle(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(10));
        Assert.True(engine.AskForMoreTime(0, 15));
        var later = await UploadedAsync(device, fleet, owner, r => r.Any(x => x.Kind == ChildRequestKind.MoreTime && x.State == ChildRequestState.Pending));
        Assert.Equal(15u, later.Single(x => x.Kind == ChildRequestKind.MoreTime && x.State == ChildRequestState.Pending).Minutes);
        // The purchase tried again above is a new request too; the answered ones stay listed.
        Assert.Equal(4, later.Count);
    }

    [Fact]
    public async Task Requests_are_the_family_s_own_and_answers_are_checked()
    {
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var (owner, _) = await fleet.PairAsync(registered, "requests-checked", "2016-01");
        using var device = _stack.Device(registered);
        Assert.True(await TelemetryStack.ConnectedAsync(device, withDailyBudget: false));
        // Only what was asked after the family paired is theirs: the watch's clock (set from the
        // service's, to the second) must be past the pairing before the child asks.
        device.Idle(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        Assert.Equal(DecisionKind.NeedsGuardian, device.Runtime.Engine.CheckPermission(Permission.Camera).Kind);
        var camera = Assert.Single(await UploadedAsync(device, fleet, owner, r => r.Count == 1));
        Assert.Equal((ChildRequestKind.Permission, 0u), (camera.Kind, camera.Permission));

        var stranger = await _stack.Service.As("guardian", "requests-stranger");
        var notTheirs = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.ListRequestsAsync(new ListRequestsRequest { DeviceId = registered.DeviceId }, stranger).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notTheirs.StatusCode);
        var answerTheirs = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = camera.RequestId, Approve = true }, stranger).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, answerTheirs.StatusCode);
        var minutesForCamera = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = camera.RequestId, Approve = true, Minutes = 30 }, owner).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, minutesForCamera.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = "rq-0000000000000000", Approve = true }, owner).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        // Approved: the watch lets the camera be used now.
        await fleet.Guardians.AnswerRequestAsync(new AnswerRequestRequest { DeviceId = registered.DeviceId, RequestId = camera.RequestId, Approve = true }, owner);
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), () =>
        {
            device.Idle(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            return Task.FromResult(device.Runtime.Engine.CheckPermission(Permission.Camera).IsAllowed);
        }, TimeSpan.FromMilliseconds(50)));

        Assert.Contains((await fleet.Guardians.ListDeviceHistoryAsync(new ListDeviceHistoryRequest { DeviceId = registered.DeviceId }, owner)).Entries,
            e => e.Kind == HistoryKind.RequestApproved && e.RequestKind == ChildRequestKind.Permission && e.Actor == "requests-checked");

        // The unit goes back to the maker and to a new family (a second later: requests are timed in
        // seconds): they see none of the old requests.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var reissued = await fleet.Manufacturers.ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = registered.DeviceId, Reason = "returned" }, fleet.AsManufacturer);
        var (next, _) = await fleet.PairAsync(new RegisterDeviceResponse { DeviceId = registered.DeviceId, PairingCode = reissued.PairingCode }, "requests-next-family");
        Assert.Empty(await RequestsAsync(fleet, registered.DeviceId, next));
    }
}
