using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Tests.Storage;

/// <summary>
/// The stores on both engines, with the same SQL: what they keep and read back, the guards that hold
/// against any writer (versions and watermarks never go back), and the races of several writers at
/// once, including two "replicas" (two StateDatabase instances on one PostgreSQL database).
/// </summary>
public sealed class StoreTests : IAsyncLifetime
{
    private readonly Engines _engines = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _engines.DisposeAsync();

    private static async Task WriteAsync(StateDatabase database, Func<StateSession, Task> write)
    {
        await using var session = await database.WriteAsync();
        await write(session);
        await session.CommitAsync();
    }

    private static async Task<T> ReadAsync<T>(StateDatabase database, Func<StateSession, Task<T>> read)
    {
        await using var session = await database.ReadAsync();
        return await read(session);
    }

    private static async Task SeedFleetAndDeviceAsync(StateDatabase database, string deviceId = "st-1", string serial = "SN-1")
    {
        await WriteAsync(database, async s =>
        {
            if (await new FleetStore().FindAsync(s, "fl-1") is null)
            {
                await new FleetStore().InsertAsync(s, "fl-1", "KidWatch", "acme", "none", DateTimeOffset.FromUnixTimeMilliseconds(1));
            }

            await new DeviceStore().InsertAsync(s, new NewDevice(deviceId, "fl-1", string.Empty, serial, new StoredPassword([1], [2], 1), [3], [4], DateTimeOffset.FromUnixTimeMilliseconds(5)));
        });
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Devices_are_stored_found_counted_and_decommissioned(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        var devices = new DeviceStore();
        await SeedFleetAndDeviceAsync(database);
        await SeedFleetAndDeviceAsync(database, "st-2", "SN-2");

        var found = await ReadAsync(database, s => devices.FindAsync(s, "st-1"));
        var serial = await ReadAsync(database, s => devices.SerialAsync(s, "SN-2"));
        var fleets = await ReadAsync(database, s => new FleetStore().ListAsync(s, "acme"));
        var first = await ReadAsync(database, async s => await devices.MarkDecommissionedAsync(s, "st-2", DateTimeOffset.UtcNow, eraseChild: true));
        var again = await ReadAsync(database, async s => await devices.MarkDecommissionedAsync(s, "st-2", DateTimeOffset.UtcNow, eraseChild: true));

        Assert.Equal(new Registry.DeviceRecord("st-1", "fl-1", string.Empty, 1, string.Empty, "SN-1"), found);
        Assert.Equal(("acme", "st-2"), serial);
        Assert.Equal(2, Assert.Single(fleets).DeviceCount);
        Assert.Equal((true, false), (first, again));
        Assert.Null(await ReadAsync(database, s => devices.FindAsync(s, "st-2")));
        Assert.NotNull(await ReadAsync(database, s => devices.FindAsync(s, "st-2", includeDecommissioned: true)));
        Assert.Null(await ReadAsync(database, s => devices.PasswordAsync(s, "st-2")));
        Assert.Equal(["st-1"], await ReadAsync(database, s => devices.ActiveIdsAsync(s, "fl-1", string.Empty)));
        Assert.Empty(await ReadAsync(database, s => new FleetStore().ListAsync(s, "nobody")));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_stored_policy_version_never_goes_back_and_a_report_never_lowers_the_reported_one(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        var policies = new DevicePolicyStore();
        await SeedFleetAndDeviceAsync(database);
        await using var session = await database.OpenAsync();

        await policies.StoreAsync(session, "st-1", 5, DateTimeOffset.UnixEpoch.AddSeconds(5), [5], [55]);
        await policies.StoreAsync(session, "st-1", 3, DateTimeOffset.UnixEpoch.AddSeconds(9), [3], [33]);
        await policies.RecordReportAsync(session, "st-1", 1, 4, DateTimeOffset.UnixEpoch.AddSeconds(10), refusal: 2);
        await policies.RecordReportAsync(session, "st-1", 2, 1, DateTimeOffset.UnixEpoch.AddSeconds(11), refusal: 0);
        var lagging = await policies.StateAsync(session, "st-1");
        await policies.RecordReportAsync(session, "st-1", 3, 5, DateTimeOffset.UnixEpoch.AddSeconds(12), refusal: 0);

        var current = await policies.CurrentAsync(session, "st-1");
        Assert.Equal(5L, current!.DesiredVersion);
        Assert.Equal([5], current.Envelope);
        Assert.Equal((4L, 2L), (lagging!.ReportedVersion, lagging.LastRefusal));
        Assert.Equal((5L, 0L), ((await policies.StateAsync(session, "st-1"))!.ReportedVersion, (await policies.StateAsync(session, "st-1"))!.LastRefusal));
        Assert.Equal(new PolicyCoverage(1, 1, 0, 0), await policies.CoverageAsync(session, "fl-1"));
        Assert.Empty(await policies.LaggingAsync(session, "fl-1", DateTimeOffset.UtcNow, refusal: null, 10, 0));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_late_policy_report_from_an_earlier_uplink_does_not_overwrite_a_newer_one(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        var policies = new DevicePolicyStore();
        await SeedFleetAndDeviceAsync(database);
        await using var session = await database.OpenAsync();
        await policies.StoreAsync(session, "st-1", 7, DateTimeOffset.UnixEpoch, [7], [77]);

        // Uplink 12 applied version 7; uplink 11 (a refusal of version 6), handled by a slower replica, arrives after it.
        await policies.RecordReportAsync(session, "st-1", 12, 7, DateTimeOffset.UnixEpoch.AddSeconds(20), refusal: 0);
        await policies.RecordReportAsync(session, "st-1", 11, 6, DateTimeOffset.UnixEpoch.AddSeconds(21), refusal: 3);

        var state = await policies.StateAsync(session, "st-1");
        Assert.Equal((7L, 0L, 20_000L), (state!.ReportedVersion, state.LastRefusal, state.ReportedAt!.Value));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Two_replicas_storing_alternate_uplinks_of_one_device_at_once_move_its_watermark_and_usage_claim_over_all_of_them(StateProvider provider)
    {
        // The broker's round robin: uplink n of each device goes to replica n % 2, committed concurrently.
        var options = await _engines.OptionsAsync(provider);
        var replicas = new[] { _engines.Open(options), _engines.Open(options) };
        var ledger = new SharedUplinkLedger(new WatermarkStore(), new StoredAheadStore());
        var devices = Enumerable.Range(0, 20).Select(d => $"st-{d}").ToList();
        var order = Enumerable.Range(1, 60).OrderBy(_ => Random.Shared.Next()).ToList();

        await Task.WhenAll(order.Select(async n =>
        {
            // Every uplink a heartbeat saying use before n * 100 is all sent: the claim counts only once
            // every earlier uplink is stored, so it waits above a gap with its sequence.
            await using var session = await replicas[n % 2].WriteAsync();
            var update = await ledger.RecordStoredAsync(session, [.. devices.Select(d => new StoredSequence(d, (ulong)n, n * 100))]);
            await new WatermarkStore().RaiseUsageCompleteAsync(session, [.. update.UsageCompleteThrough]);
            await session.CommitAsync();
        }));

        foreach (var device in devices)
        {
            Assert.Equal(60UL, await ReadAsync(replicas[0], s => new WatermarkStore().GetAsync(s, device)));
            Assert.Equal(6000L, await ReadAsync(replicas[1], s => new WatermarkStore().UsageCompleteThroughAsync(s, device)));
        }

        Assert.Empty((await ReadAsync(replicas[1], s => new StoredAheadStore().OfAsync(s, devices))).SelectMany(g => g));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Watermarks_advanced_by_many_writers_at_once_end_at_the_highest(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var replicas = new[] { _engines.Open(options), _engines.Open(options) };
        var watermarks = new WatermarkStore();

        await Task.WhenAll(Enumerable.Range(1, 200).Select(async n =>
        {
            await using var session = await replicas[n % 2].OpenAsync();
            await watermarks.AdvanceAsync(session, "st-1", (ulong)n);
        }));

        Assert.Equal(200UL, await ReadAsync(replicas[0], s => watermarks.GetAsync(s, "st-1")));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_batch_of_watermarks_advances_every_device_in_one_write_and_lowers_none(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        var watermarks = new WatermarkStore();
        await WriteAsync(database, s => watermarks.AdvanceAsync(s, "st-0", 50));

        // 2,500 devices: more than one statement's worth of rows on PostgreSQL; st-0 is already further.
        var batch = Enumerable.Range(0, 2_500).Select(i => new KeyValuePair<string, ulong>($"st-{i}", (ulong)(i % 7) + 1)).ToList();
        await WriteAsync(database, s => watermarks.AdvanceAsync(s, batch));
        await WriteAsync(database, s => watermarks.AdvanceAsync(s, [new KeyValuePair<string, ulong>("st-1", 1), new KeyValuePair<string, ulong>("st-2", 9)]));

        Assert.Equal(50UL, await ReadAsync(database, s => watermarks.GetAsync(s, "st-0")));
        Assert.Equal(2UL, await ReadAsync(database, s => watermarks.GetAsync(s, "st-1")));
        Assert.Equal(9UL, await ReadAsync(database, s => watermarks.GetAsync(s, "st-2")));
        Assert.Equal((ulong)(2_499 % 7) + 1, await ReadAsync(database, s => watermarks.GetAsync(s, "st-2499")));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Audit_entries_appended_at_once_by_two_replicas_form_one_unbroken_chain(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var service = Options.Create(new ServiceOptions { DataDirectory = _engines.Folder });
        using var keys = new AuditKeys(service, Options.Create(new AuditOptions()));
        var logs = Enumerable.Range(0, 2).Select(_ => new AuditLog(_engines.Open(options), new AuditStore(), keys, TimeProvider.System)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 120).Select(n => logs[n % 2].AppendAsync($"guardian:{n}", "test.append", "st-1", afterJson: $"{{\"n\":{n}}}")));

        var verified = await logs[0].VerifyAsync([]);
        Assert.True(verified.Intact, verified.Problem);
        Assert.Equal(120UL, verified.EntriesChecked);
        Assert.Equal(120UL, (await logs[1].HeadAsync()).Sequence);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_device_quarantine_filled_by_many_writers_at_once_keeps_its_bound_and_counts_the_rest(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var limits = Options.Create(new Telemetry.TelemetryOptions { QuarantineEntriesPerDevice = 10 });
        var replicas = Enumerable.Range(0, 2).Select(_ => new Ingestion.UplinkQuarantine(_engines.Open(options), new QuarantineStore(), limits, TimeProvider.System)).ToArray();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(n => replicas[n % 2].KeepAsync("st-1", (ulong)n, "test", [(byte)n, 1, 2, 3])));

        var database = _engines.Open(options);
        Assert.Equal(10, outcomes.Count(o => o == Ingestion.QuarantineOutcome.Kept));
        Assert.Equal(30, outcomes.Count(o => o == Ingestion.QuarantineOutcome.Counted));
        Assert.Equal(10, (await ReadAsync(database, s => new QuarantineStore().OfDeviceAsync(s, "st-1"))).Count);
        Assert.Equal(30L, (await ReadAsync(database, s => s.QueryAsync<long>("SELECT dropped FROM quarantine_overflow WHERE device_id = 'st-1'"))).Single());
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_held_name_makes_a_second_holder_wait_in_this_process_and_in_another_replica(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var first = _engines.Open(options);
        // On SQLite one process owns the file: the second holder is in the same process.
        var second = provider == StateProvider.PostgreSQL ? _engines.Open(options) : first;

        Task<StateHold> waiting;
        await using (await first.HoldAsync("device:st-1"))
        {
            waiting = second.HoldAsync("device:st-1");
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted);
        }

        await using var taken = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        await using var other = await first.HoldAsync("device:st-2").WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Pairing_codes_are_found_only_unused_and_unexpired_and_guardians_list_in_pairing_order(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        var pairing = new PairingStore();
        await SeedFleetAndDeviceAsync(database);
        await SeedFleetAndDeviceAsync(database, "st-2", "SN-2");
        await using var session = await database.OpenAsync();

        await pairing.InsertCodeAsync(session, [1], "st-1", PairingStore.Never, PairingStore.BoxCode);
        await pairing.InsertCodeAsync(session, [2], "st-1", expiresAt: 100, PairingStore.GuardianCode);
        await pairing.AddGuardianAsync(session, "st-2", "mum", owner: true, "Mia", pairedAt: 1);
        await pairing.AddGuardianAsync(session, "st-1", "mum", owner: false, "Leo", pairedAt: 2);
        var beforeUse = (await pairing.DeviceOfCodeAsync(session, [1], now: 50), await pairing.DeviceOfCodeAsync(session, [2], now: 50), await pairing.DeviceOfCodeAsync(session, [2], now: 150));
        await pairing.UseCodeAsync(session, [1], now: 60);

        Assert.Equal(("st-1", "st-1", (string?)null), beforeUse);
        Assert.Null(await pairing.DeviceOfCodeAsync(session, [1], now: 70));
        Assert.Equal(["st-2", "st-1"], (await pairing.DevicesOfAsync(session, "mum")).Select(d => d.DeviceId));
        Assert.Equal([true, false], (await pairing.DevicesOfAsync(session, "mum")).Select(d => d.Owner));
        Assert.Empty(await pairing.DevicesOfAsync(session, "dad"));
        Assert.True(await pairing.IsOwnerAsync(session, "mum", "st-2"));
        Assert.False(await pairing.IsOwnerAsync(session, "mum", "st-1"));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_child_asking_again_and_again_from_two_replicas_at_once_makes_one_waiting_request_and_a_bounded_inbox(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var replicas = new[] { _engines.Open(options), _engines.Open(options) };
        var store = new ChildRequestStore();
        static AskedRequest Asked(long at, int reason = 3, long subject = 0) => new("rq-" + Guid.NewGuid().ToString("N")[..16], "st-ask", 1, reason, subject, at, at, at + 3600, 30);

        // The same request asked 40 times (each a second later), recorded by both replicas concurrently.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async n =>
        {
            await using var session = await replicas[n % 2].WriteAsync();
            await store.RecordAsync(session, [Asked(1_000 + n)]);
            await session.CommitAsync();
        }));
        // A replayed uplink counts nothing twice.
        await using (var session = await replicas[0].WriteAsync())
        {
            await store.RecordAsync(session, [Asked(1_039)]);
            await session.CommitAsync();
        }

        var waiting = Assert.Single(await ReadAsync(replicas[1], s => store.OfDeviceAsync(s, "st-ask", 0, 100)));
        Assert.Equal((ChildRequestStore.Waiting, 1_039L), (waiting.State, waiting.LastAskedAt));
        Assert.InRange(waiting.Repeats, 1, 39);

        // Purchases of ever new amounts: no more than the inbox holds stay waiting.
        await using (var session = await replicas[0].WriteAsync())
        {
            await store.RecordAsync(session, [.. Enumerable.Range(1, 50).Select(a => Asked(2_000, reason: 10, subject: a))]);
            await session.CommitAsync();
        }

        Assert.Equal(ChildRequestStore.MaxWaitingPerDevice, (await ReadAsync(replicas[0], s => store.OfDeviceAsync(s, "st-ask", 0, 100))).Count(r => r.State == ChildRequestStore.Waiting));

        // Two answers at once: exactly one wins.
        var wins = await Task.WhenAll(replicas.Select(async (replica, i) =>
        {
            await using var session = await replica.WriteAsync();
            var won = await store.AnswerAsync(session, waiting.RequestId, ChildRequestStore.Approved, $"guardian-{i}", 1_100, 30);
            await session.CommitAsync();
            return won;
        }));
        Assert.Equal(1, wins.Count(w => w));

        // Resent after the answer (or asked again before it, uploaded late): that answered request, not a new one to grant twice.
        await using (var session = await replicas[0].WriteAsync())
        {
            await store.RecordAsync(session, [Asked(1_020), Asked(1_050)]);
            await session.CommitAsync();
        }

        Assert.DoesNotContain(await ReadAsync(replicas[1], s => store.OfDeviceAsync(s, "st-ask", 0, 100)), r => r.Reason == 3 && r.State == ChildRequestStore.Waiting);

        // Asked again after the answer: a new request; the answered one can then no longer be put back to waiting.
        await using (var session = await replicas[1].WriteAsync())
        {
            await store.RecordAsync(session, [Asked(1_200)]);
            await store.ReopenAsync(session, waiting.RequestId);
            await session.CommitAsync();
        }

        var timeRequests = (await ReadAsync(replicas[0], s => store.OfDeviceAsync(s, "st-ask", 0, 100))).Where(r => r.Reason == 3).ToList();
        Assert.Equal([(1_200L, ChildRequestStore.Waiting), (waiting.AskedAt, ChildRequestStore.Approved)], timeRequests.Select(r => (r.AskedAt, r.State)));

        // Asked again after it lapsed: the old one is marked lapsed and a new one waits.
        await using (var session = await replicas[1].WriteAsync())
        {
            await store.RecordAsync(session, [Asked(2_000, reason: 10, subject: 1)]);
            await store.RecordAsync(session, [Asked(9_999, reason: 10, subject: 1)]);
            await session.CommitAsync();
        }

        var purchases = (await ReadAsync(replicas[0], s => store.OfDeviceAsync(s, "st-ask", 0, 100))).Where(r => r.Reason == 10 && r.Subject == 1).ToList();
        Assert.Equal([(9_999L, ChildRequestStore.Waiting), (2_000L, ChildRequestStore.Lapsed)], purchases.Select(r => (r.AskedAt, r.State)));
    }
}
