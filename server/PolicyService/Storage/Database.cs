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
    private readonly string _pragmas;

    public Database(IOptions<ServiceOptions> options)
    {
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var timeout = options.Value.DatabaseTimeoutSeconds;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = timeout }.ToString();
        _pragmas = $"PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={timeout * 1000}; PRAGMA synchronous=NORMAL;";
        using var connection = Open();
        Schema.Apply(connection);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = _pragmas;
        pragma.ExecuteNonQuery();
        return connection;
    }
}
