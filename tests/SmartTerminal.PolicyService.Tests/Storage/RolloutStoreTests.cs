using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Tests.Storage;

/// <summary>
/// Rollout batches on both engines: cut into id ranges, claimed under leases by several "replicas"
/// (StateDatabase instances on one database) at once, and fenced so that a replica whose lease was
/// taken over completes nothing.
/// </summary>
public sealed class RolloutStoreTests : IAsyncLifetime
{
    private const long Lease = 10_000;
    private readonly Engines _engines = new();
    private readonly RolloutStore _rollouts = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _engines.DisposeAsync();

    private static async Task<T> WriteAsync<T>(StateDatabase database, Func<StateSession, Task<T>> write)
    {
        await using var session = await database.WriteAsync();
        var result = await write(session);
        await session.CommitAsync();
        return result;
    }

    // A fleet with devices st-00 .. st-{count-1} (two digits, so id order is number order); decommissioned ones are left out of rollouts.
    private static async Task SeedAsync(StateDatabase database, int count, params int[] decommissioned)
    {
        await WriteAsync(database, async s =>
        {
            await new FleetStore().InsertAsync(s, "fl-1", "KidWatch", "acme", "none", DateTimeOffset.FromUnixTimeMilliseconds(1));
            for (var i = 0; i < count; i++)
            {
                await new DeviceStore().InsertAsync(s, new NewDevice($"st-{i:00}", "fl-1", string.Empty, $"SN-{i}", new StoredPassword([1], [2], 1), [3], [4], DateTimeOffset.FromUnixTimeMilliseconds(5)));
            }

            foreach (var i in decommissioned)
            {
                await new DeviceStore().MarkDecommissionedAsync(s, $"st-{i:00}", DateTimeOffset.UtcNow, eraseChild: false);
            }

            return 0;
        });
    }

    private async Task<string> StartAsync(StateDatabase database, int batchSize, long now = 1_000)
    {
        return await WriteAsync(database, async s =>
        {
            var (ranges, total) = await new DeviceStore().RangesAsync(s, "fl-1", string.Empty, batchSize);
            await _rollouts.InsertAsync(s, "ro-1", "fl-1", string.Empty, ranges, total, (int)RolloutPhase.Queued, now);
            return "ro-1";
        });
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_fleet_is_cut_into_ranges_of_the_batch_size_leaving_out_decommissioned_devices(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        await SeedAsync(database, 8, decommissioned: 3);

        var cuts = new Dictionary<int, (IReadOnlyList<RolloutBatchRange> Ranges, long Total)>();
        await using (var session = await database.ReadAsync())
        {
            foreach (var size in new[] { 1, 2, 3, 7, 100 })
            {
                cuts[size] = await new DeviceStore().RangesAsync(session, "fl-1", string.Empty, size);
            }

            Assert.Equal(["st-04", "st-05", "st-06"], await new DeviceStore().ActiveIdsInRangeAsync(session, "fl-1", string.Empty, cuts[3].Ranges[1]));
            Assert.Empty((await new DeviceStore().RangesAsync(session, "fl-2", string.Empty, 3)).Ranges);
        }

        Assert.All(cuts.Values, c => Assert.Equal(7, c.Total));
        Assert.Equal(7, cuts[1].Ranges.Count);
        Assert.All(cuts[1].Ranges, r => Assert.Equal(r.FirstDeviceId, r.LastDeviceId));
        Assert.Equal([new("st-00", "st-01"), new("st-02", "st-04"), new("st-05", "st-06"), new("st-07", "st-07")], cuts[2].Ranges);
        Assert.Equal([new("st-00", "st-02"), new("st-04", "st-06"), new("st-07", "st-07")], cuts[3].Ranges);
        Assert.Equal([new RolloutBatchRange("st-00", "st-07")], cuts[7].Ranges);
        Assert.Equal([new RolloutBatchRange("st-00", "st-07")], cuts[100].Ranges);
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task Three_replicas_claiming_at_once_take_every_batch_exactly_once_and_the_rollout_ends_with_the_last(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var replicas = new[] { _engines.Open(options), _engines.Open(options), _engines.Open(options) };
        await SeedAsync(replicas[0], 60);
        await StartAsync(replicas[0], batchSize: 2);
        var claims = new System.Collections.Concurrent.ConcurrentBag<(int Replica, long Batch)>();

        await Task.WhenAll(replicas.Select((replica, r) => Task.Run(async () =>
        {
            while (await WriteAsync(replica, s => _rollouts.ClaimAsync(s, $"replica-{r}", now: 2_000, Lease)) is { } batch)
            {
                claims.Add((r, batch.Batch));
                Assert.Equal(("fl-1", 1L), (batch.FleetId, batch.FencingToken));
                Assert.True(await WriteAsync(replica, s => _rollouts.CompleteAsync(s, batch, published: 2, failed: 0, now: 3_000)));
            }
        })));

        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), claims.Select(c => c.Batch).Order());
        var rollout = await WriteAsync(replicas[1], s => _rollouts.FindAsync(s, "ro-1"));
        Assert.Equal((60L, 60L, 0L, (long)RolloutPhase.Completed, (long?)3_000), (rollout!.Total, rollout.Published, rollout.Failed, rollout.State, rollout.CompletedAt));
        if (provider == StateProvider.PostgreSQL)
        {
            // SKIP LOCKED lets them work side by side instead of queueing behind one another's claim.
            Assert.True(claims.Select(c => c.Replica).Distinct().Count() > 1, "only one replica got batches");
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_replica_whose_lease_expired_and_was_taken_over_completes_nothing(StateProvider provider)
    {
        var options = await _engines.OptionsAsync(provider);
        var (dead, alive) = (_engines.Open(options), _engines.Open(options));
        await SeedAsync(dead, 3);
        await StartAsync(dead, batchSize: 3);

        var stale = await WriteAsync(dead, s => _rollouts.ClaimAsync(s, "dead", now: 2_000, Lease));
        var whileLeased = await WriteAsync(alive, s => _rollouts.ClaimAsync(s, "alive", now: 2_000 + Lease - 1, Lease));
        var current = await WriteAsync(alive, s => _rollouts.ClaimAsync(s, "alive", now: 2_000 + Lease + 1, Lease));
        var staleCompletes = await WriteAsync(dead, s => _rollouts.CompleteAsync(s, stale!, published: 0, failed: 3, now: 20_000));
        var inProgress = await WriteAsync(alive, s => _rollouts.FindAsync(s, "ro-1"));
        var currentCompletes = await WriteAsync(alive, s => _rollouts.CompleteAsync(s, current!, published: 3, failed: 0, now: 21_000));
        var again = await WriteAsync(alive, s => _rollouts.CompleteAsync(s, current!, published: 3, failed: 0, now: 22_000));
        var lateStale = await WriteAsync(dead, s => _rollouts.CompleteAsync(s, stale!, published: 0, failed: 3, now: 23_000));

        Assert.Null(whileLeased);
        Assert.Equal((1L, 2L, 2L), (stale!.FencingToken, current!.FencingToken, current.Attempts));
        Assert.Equal((false, true, false, false), (staleCompletes, currentCompletes, again, lateStale));
        Assert.Equal(((long)RolloutPhase.InProgress, 0L), (inProgress!.State, inProgress.Published));
        var ended = await WriteAsync(alive, s => _rollouts.FindAsync(s, "ro-1"));
        Assert.Equal((3L, 0L, (long)RolloutPhase.Completed, (long?)21_000), (ended!.Published, ended.Failed, ended.State, ended.CompletedAt));
        Assert.Null(await WriteAsync(alive, s => _rollouts.ClaimAsync(s, "alive", now: 100_000, Lease)));
    }

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task A_released_batch_waits_for_its_retry_time_and_a_failed_device_fails_the_rollout(StateProvider provider)
    {
        var database = await _engines.OpenAsync(provider);
        await SeedAsync(database, 4);
        await StartAsync(database, batchSize: 2);

        var first = await WriteAsync(database, s => _rollouts.ClaimAsync(s, "r", now: 2_000, Lease));
        await WriteAsync(database, async s => { await _rollouts.ReleaseAsync(s, first!, retryAt: 5_000); return 0; });
        var second = await WriteAsync(database, s => _rollouts.ClaimAsync(s, "r", now: 2_100, Lease));
        var tooSoon = await WriteAsync(database, s => _rollouts.ClaimAsync(s, "r", now: 2_200, Lease));
        var retried = await WriteAsync(database, s => _rollouts.ClaimAsync(s, "r", now: 5_001, Lease));
        await WriteAsync(database, s => _rollouts.CompleteAsync(s, second!, published: 2, failed: 0, now: 6_000));
        await WriteAsync(database, s => _rollouts.CompleteAsync(s, retried!, published: 1, failed: 1, now: 7_000));

        Assert.Equal((0L, 1L, 0L, 2L), (first!.Batch, second!.Batch, retried!.Batch, retried.Attempts));
        Assert.Null(tooSoon);
        var ended = await WriteAsync(database, s => _rollouts.FindAsync(s, "ro-1"));
        Assert.Equal((3L, 1L, (long)RolloutPhase.Failed, (long?)7_000), (ended!.Published, ended.Failed, ended.State, ended.CompletedAt));
    }
}
