using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>
/// Every connection the service opens has its settings (foreign keys, busy timeout, WAL), whether the
/// pool hands out a fresh native connection or one it configured before.
/// </summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("st-db-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static long Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Fresh_and_pooled_connections_alike_enforce_foreign_keys_and_wait_for_locks()
    {
        var database = new Database(Options.Create(new ServiceOptions { DataDirectory = _folder, DatabaseTimeoutSeconds = 7 }));
        var settings = new List<(long ForeignKeys, long BusyTimeout, long Synchronous)>();
        for (var round = 0; round < 3; round++)
        {
            using (var first = database.Open())
            using (var second = database.Open())
            {
                foreach (var connection in new[] { first, second })
                {
                    settings.Add((Pragma(connection, "foreign_keys"), Pragma(connection, "busy_timeout"), Pragma(connection, "synchronous")));
                }
            }

            if (round == 1)
            {
                SqliteConnection.ClearAllPools();
            }
        }

        Assert.All(settings, s => Assert.Equal((1L, 7000L, 1L), s));
        using var check = database.Open();
        using var mode = check.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", mode.ExecuteScalar());
    }
}
