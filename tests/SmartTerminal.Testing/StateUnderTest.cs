namespace SmartTerminal.Testing;

/// <summary>
/// The state-database engine the tests run the service on: SQLite (the embedded default), or
/// PostgreSQL when ST_TEST_STATE_PROVIDER=PostgreSQL (scripts/test.sh runs the integration suite
/// once per engine). On PostgreSQL every service process gets a database of its own in the shared
/// throw-away cluster.
/// </summary>
public static class StateUnderTest
{
    public static bool IsPostgres { get; } =
        string.Equals(Environment.GetEnvironmentVariable("ST_TEST_STATE_PROVIDER"), "PostgreSQL", StringComparison.OrdinalIgnoreCase);

    /// <summary>The engine's name as State:Provider spells it.</summary>
    public static string Provider => IsPostgres ? "PostgreSQL" : "Sqlite";

    /// <summary>The State:* settings of a new service: nothing for SQLite (its file goes in the data directory), a new database for PostgreSQL.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> NewServiceSettingsAsync()
    {
        if (!IsPostgres)
        {
            return new Dictionary<string, string>();
        }

        var server = await PostgresServer.SharedAsync();
        return new Dictionary<string, string>
        {
            ["State:Provider"] = "PostgreSQL",
            ["State:ConnectionString"] = await server.CreateDatabaseAsync(),
        };
    }

    /// <summary>Drops what <see cref="NewServiceSettingsAsync"/> made.</summary>
    public static async Task ReleaseAsync(IReadOnlyDictionary<string, string> settings)
    {
        if (settings.TryGetValue("State:ConnectionString", out var connectionString))
        {
            await (await PostgresServer.SharedAsync()).DropDatabaseAsync(connectionString);
        }
    }
}
