using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// Opening a pooled SQLite connection and reading one device row, as a step of a policy republish does:
/// with the connection pragmas run on every open (the baseline, as the service once did) and through
/// <see cref="StateDatabase.ReadAsync"/> and a Dapper query, which is what the stores do (pragmas once
/// per native connection).
/// </summary>
[MemoryDiagnoser]
public class DatabaseOpenBenchmarks
{
    private string _folder = string.Empty;
    private StateDatabase _database = null!;
    private string _connectionString = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("st-bench-db-").FullName;
        _database = new StateDatabase(Options.Create(new StateOptions()), Options.Create(new ServiceOptions { DataDirectory = _folder }));
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "smartterminal.db"), Pooling = true, DefaultTimeout = 10 }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO fleets (id, name, owner, profile_id, created_at) VALUES ('fl-1', 'Fleet', 'acme', 'none', 0);
            INSERT INTO devices (id, fleet_id, model_id, serial, mqtt_password_hash, mqtt_password_salt, key_id, policy_key, guardian_secret, created_at)
            VALUES ('st-1', 'fl-1', '', 'SN-1', x'00', x'00', 1, x'00', x'00', 0);
            """;
        insert.ExecuteNonQuery();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "open + 4 pragmas every time + device row")]
    public string PragmasEveryOpen()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL;";
            pragma.ExecuteNonQuery();
        }

        return ReadDevice(connection);
    }

    [Benchmark(Description = "StateDatabase.ReadAsync + Dapper query of the device row")]
    public async Task<string> StateSession()
    {
        await using var session = await _database.ReadAsync();
        return (await session.QueryFirstOrDefaultAsync<string>("SELECT fleet_id FROM devices WHERE id = @id", new { id = "st-1" }))!;
    }

    private static string ReadDevice(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fleet_id FROM devices WHERE id = 'st-1'";
        return (string)command.ExecuteScalar()!;
    }
}
