using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// The SQLite database of the embedded default: devices, fleets, policies, pairings, audit log and
/// policy delivery state. Opens one pooled connection per unit of work; WAL mode lets readers run
/// beside the single writer.
/// </summary>
public sealed class Database
{
    // Native connections already configured: a pooled connection keeps its settings, so the pragmas run
    // once per native connection rather than on every Open (they cost more than a typical query).
    private readonly ConditionalWeakTable<object, object> _configured = new();
    private readonly string _connectionString;
    private readonly string _pragmas;

    public Database(IOptions<ServiceOptions> options)
    {
        var path = options.Value.DatabasePath;
        PrivateFolder.Ensure(Path.GetDirectoryName(path)!);
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            // The database first, so SQLite gives its -wal and -shm files the same owner-only mode.
            if (file == path)
            {
                PrivateFolder.CreateOrRestrictFile(file);
            }
            else
            {
                PrivateFolder.RestrictFile(file);
            }
        }

        var timeout = options.Value.DatabaseTimeoutSeconds;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = timeout }.ToString();
        _pragmas = $"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={timeout * 1000}; PRAGMA synchronous=NORMAL;";
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            // Persistent in the database file: once is enough.
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        Schema.Apply(connection);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        var handle = connection.Handle!;
        if (!_configured.TryGetValue(handle, out _))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = _pragmas;
            pragma.ExecuteNonQuery();
            _configured.AddOrUpdate(handle, handle);
        }

        return connection;
    }
}
