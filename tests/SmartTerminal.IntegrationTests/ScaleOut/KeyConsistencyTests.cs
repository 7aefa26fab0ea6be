using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// A replica started with keys of its own (its own data folder) on a database other replicas wrote with
/// would store secrets they cannot read and sign tokens they refuse: it refuses to start, naming the keys.
/// </summary>
[Trait("State", "PostgreSQL")]
public sealed class KeyConsistencyTests : IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public async Task DisposeAsync() => await (await PostgresServer.SharedAsync()).DropDatabaseAsync(_database);

    [Fact]
    public async Task A_replica_with_other_keys_than_the_database_was_written_with_refuses_to_start_and_one_with_the_same_keys_starts()
    {
        var state = new Dictionary<string, string> { ["State:Provider"] = "PostgreSQL", ["State:ConnectionString"] = _database };
        await using var first = await PolicyServiceProcess.StartAsync(state);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => PolicyServiceProcess.StartAliveAsync(new Dictionary<string, string>(state)));
        Assert.Contains("secrets.key, token-signing.key, audit-chain.key differ from the keys the state database was written with", refused.Message);

        // The same keys (one folder here; one secret store in production): it starts and serves.
        await using var second = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>(state) { ["PolicyService:DataDirectory"] = first.DataDirectory });
        Assert.DoesNotContain("Refusing to start", second.Output, StringComparison.Ordinal);
    }
}
