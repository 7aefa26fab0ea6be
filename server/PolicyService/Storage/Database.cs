using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// The SQLite database of the embedded default: devices, fleets, policies, pairings, audit log and
/// policy delivery state. Opens one pooled connection per unit of work; WAL mode lets readers run
/// beside the single writer.
/// </summary>
public sealed class Database
{
    private readonly string _connectionString;

    public Database(IOptions<ServiceOptions> options)
    {
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        using var connection = Open();
        Schema.Apply(connection);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
