using Microsoft.Data.Sqlite;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Tests.Storage;

/// <summary>
/// Every SQLite connection the service opens has its settings (foreign keys, busy timeout, WAL),
/// whether the pool hands out a fresh native connection or one it configured before.
/// </summary>
public sealed class SqliteEngineTests : IAsyncLifetime
{
    private readonly Engines _engines = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _engines.DisposeAsync();

    [Fact]
    public async Task Fresh_and_pooled_connections_alike_enforce_foreign_keys_and_wait_for_locks()
    {
        var database = _engines.Open(new StateOptions { TimeoutSeconds = 7 });
        var settings = new List<(long ForeignKeys, long BusyTimeout, long Synchronous)>();
        for (var round = 0; round < 3; round++)
        {
            await using (var first = await database.ReadAsync())
            await using (var second = await database.ReadAsync())
            {
                foreach (var session in new[] { first, second })
                {
                    settings.Add((await session.ScalarAsync<long>("PRAGMA foreign_keys"), await session.ScalarAsync<long>("PRAGMA busy_timeout"), await session.ScalarAsync<long>("PRAGMA synchronous")));
                }
            }

            if (round == 1)
            {
                SqliteConnection.ClearAllPools();
            }
        }

        Assert.All(settings, s => Assert.Equal((1L, 7000L, 1L), s));
        await using var check = await database.ReadAsync();
        Assert.Equal("wal", await check.ScalarAsync<string>("PRAGMA journal_mode"));
    }
}
