using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Storage.Engines;

/// <summary>
/// SQLite, the embedded default: one file, owner-only; WAL so that readers run beside the single
/// writer; every write transaction takes the write lock at its start (BEGIN IMMEDIATE), so writers
/// are serialised by the engine and named locks cost nothing.
/// </summary>
internal sealed class SqliteEngine : StateEngine
{
    // Native connections already configured: a pooled connection keeps its settings, so the pragmas run
    // once per native connection rather than on every open (they cost more than a typical query).
    private readonly ConditionalWeakTable<object, object> _configured = new();
    private readonly string _connectionString;
    private readonly string _pragmas;

    public SqliteEngine(string connectionString, int timeoutSeconds)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true, DefaultTimeout = timeoutSeconds };
        var path = Path.GetFullPath(builder.DataSource);
        PrivateFolder.Ensure(Path.GetDirectoryName(path)!);
        // The database first, so SQLite gives its -wal and -shm files the same owner-only mode.
        PrivateFolder.CreateOrRestrictFile(path);
        PrivateFolder.RestrictFile(path + "-wal");
        PrivateFolder.RestrictFile(path + "-shm");
        builder.DataSource = path;
        _connectionString = builder.ToString();
        _pragmas = $"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={timeoutSeconds * 1000}; PRAGMA synchronous=NORMAL;";
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var wal = connection.CreateCommand();
        // Persistent in the database file: once is enough.
        wal.CommandText = "PRAGMA journal_mode=WAL;";
        wal.ExecuteNonQuery();
    }

    public override StateProvider Provider => StateProvider.Sqlite;

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override async Task OpenAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await connection.OpenAsync(cancellationToken);
        var handle = ((SqliteConnection)connection).Handle!;
        if (!_configured.TryGetValue(handle, out _))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = _pragmas;
            pragma.ExecuteNonQuery();
            _configured.AddOrUpdate(handle, handle);
        }
    }

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken) => Task.CompletedTask;

    // One process owns an SQLite file: the service's in-process locks (StateDatabase) are the whole story.
    public override Task HoldAsync(DbConnection connection, IReadOnlyCollection<string> names, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task ReleaseAllAsync(DbConnection connection) => Task.CompletedTask;

    public override async Task MigrateAsync(DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        var version = await SchemaVersionAsync(connection, null);
        RefuseNewer(version, migrations);
        foreach (var migration in migrations.Where(m => m.Version > version))
        {
            await using var transaction = await BeginWriteAsync(connection, cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = migration.Sqlite + $"\nPRAGMA user_version = {migration.Version};";
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public override async Task<int> SchemaVersionAsync(DbConnection connection, DbTransaction? transaction)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
